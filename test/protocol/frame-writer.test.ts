import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeBodyFrames,
  encodeFrame,
  encodeHeaderFrame,
  FrameReader,
  HEARTBEAT_FRAME,
  ProtocolError,
  writeFrameHeader,
} from '../../src/protocol/index.js';

describe('frame writer', () => {
  it('encodes a frame and the heartbeat', () => {
    expect(encodeFrame(3, 0x0102, Buffer.from('hi'))).toEqual(
      Buffer.from('03 0102 00000002 6869 ce'.replace(/ /g, ''), 'hex'),
    );
    expect(HEARTBEAT_FRAME).toEqual(Buffer.from('08 0000 00000000 ce'.replace(/ /g, ''), 'hex'));
    const b = Buffer.alloc(9);
    expect(writeFrameHeader(b, 2, 1, 7, 0x01020304)).toBe(9);
    expect(b.subarray(2)).toEqual(Buffer.from('01000701020304', 'hex'));
  });

  it('wraps a raw content header payload for another channel', () => {
    const payload = Buffer.from('003c0000000000000000000500008000', 'hex');
    const f = encodeHeaderFrame(9, payload);
    expect(f[0]).toBe(2);
    expect(f.readUInt16BE(1)).toBe(9);
    expect(f.subarray(7, -1)).toEqual(payload);
    expect(f[f.length - 1]).toBe(0xce);
  });

  it('splits bodies so every frame, overhead included, fits frameMax', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 9, max: 3000 }), (len, frameMax) => {
        const body = Buffer.alloc(len);
        for (let i = 0; i < len; i++) body[i] = i & 0xff;
        const out: Buffer[] = [];
        encodeBodyFrames(4, body, frameMax, out);
        const r = new FrameReader(frameMax);
        r.push(Buffer.concat(out));
        const parts: Buffer[] = [];
        for (let f = r.next(); f !== undefined; f = r.next()) {
          expect(f.type).toBe(3);
          expect(f.channel).toBe(4);
          expect(f.payload.length + 8).toBeLessThanOrEqual(frameMax);
          expect(f.payload.length).toBeGreaterThan(0);
          parts.push(f.payload);
        }
        expect(parts).toHaveLength(Math.ceil(len / (frameMax - 8)));
        expect(Buffer.concat(parts)).toEqual(body);
      }),
      { numRuns: 100 },
    );
  });

  it('sends large body slices without copying them', () => {
    const body = Buffer.alloc(100_000, 1);
    const out: Buffer[] = [];
    encodeBodyFrames(1, body, 131072, out);
    expect(out).toHaveLength(3);
    expect(out[1]!.buffer).toBe(body.buffer);
    const single: Buffer[] = [];
    encodeBodyFrames(1, body, 0, single);
    expect(Buffer.concat(single).length).toBe(100_008);
  });

  it('emits no body frames for an empty body and refuses a frameMax with no room', () => {
    const out: Buffer[] = [];
    encodeBodyFrames(1, Buffer.alloc(0), 4096, out);
    expect(out).toEqual([]);
    expect(() => encodeBodyFrames(1, Buffer.alloc(1), 8, out)).toThrow(ProtocolError);
  });
});
