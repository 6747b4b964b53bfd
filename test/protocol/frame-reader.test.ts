import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/protocol/index.js';
import {
  checkProtocolHeader,
  encodeFrame,
  encodeMethodFrame,
  FrameReader,
  HEARTBEAT_FRAME,
  PROTOCOL_HEADER,
  ProtocolError,
} from '../../src/protocol/index.js';

function drain(r: FrameReader): Frame[] {
  const out: Frame[] = [];
  for (let f = r.next(); f !== undefined; f = r.next()) out.push(f);
  return out;
}

const sample = [
  encodeMethodFrame(1, 'basic.publish', { exchange: 'ex', routingKey: 'rk' }),
  encodeFrame(2, 1, Buffer.from('0123456789ab0000', 'latin1')),
  encodeFrame(3, 1, Buffer.alloc(300, 7)),
  HEARTBEAT_FRAME,
  encodeFrame(3, 65535, Buffer.alloc(0)),
  encodeMethodFrame(0, 'connection.close-ok', {}),
];
const stream = Buffer.concat(sample);
const expected = sample.map((f) => ({
  type: f[0],
  channel: f.readUInt16BE(1),
  payload: f.subarray(7, f.length - 1),
}));

function thrown(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('FrameReader', () => {
  it('reads many frames from one chunk, with zero-copy payloads', () => {
    const r = new FrameReader(4096);
    r.push(stream);
    const frames = drain(r);
    expect(frames).toEqual(expected);
    expect(r.bufferedBytes).toBe(0);
    // the payload shares memory with the chunk it came from
    expect(frames[2]!.payload.buffer).toBe(stream.buffer);
  });

  it('reads the same frames when the stream is split at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader(4096);
      r.push(stream.subarray(0, cut));
      const first = drain(r);
      r.push(stream.subarray(cut));
      expect([...first, ...drain(r)]).toEqual(expected);
      expect(r.bufferedBytes).toBe(0);
    }
  });

  it('reads the same frames fed one byte at a time', () => {
    const r = new FrameReader(4096);
    const frames: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      r.push(stream.subarray(i, i + 1));
      frames.push(...drain(r));
      expect(r.bufferedBytes).toBeLessThanOrEqual(i + 1);
    }
    expect(frames).toEqual(expected);
  });

  it('reads the same frames from arbitrary chunkings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const r = new FrameReader(0);
        const frames: Frame[] = [];
        for (let i = 1; i < points.length; i++) {
          r.push(stream.subarray(points[i - 1], points[i]));
          frames.push(...drain(r));
        }
        expect(frames).toEqual(expected);
      }),
    );
  });

  it('accepts a payload of exactly maxFrameSize and refuses one octet more, as RabbitMQ does', () => {
    // RabbitMQ: PayloadSize > FrameMax - 8 + 8 (its FRAME_SIZE_FUDGE) is frame_too_large
    const ok = new FrameReader(4096);
    ok.push(encodeFrame(3, 1, Buffer.alloc(4096)));
    expect(ok.next()?.payload.length).toBe(4096);
    const big = new FrameReader(4096);
    // only the header has arrived: the size alone condemns it
    big.push(encodeFrame(3, 1, Buffer.alloc(4097)).subarray(0, 7));
    const e = thrown(() => big.next());
    expect(e.code).toBe(501);
    expect(e.message).toMatch(/frame_too_large/);
  });

  it('applies a raised maxFrameSize to later frames', () => {
    const r = new FrameReader(4096);
    r.maxFrameSize = 131072;
    r.push(encodeFrame(3, 1, Buffer.alloc(10000)));
    expect(r.next()?.payload.length).toBe(10000);
  });

  it('refuses a bad frame-end octet, and stays failed', () => {
    const bad = Buffer.from(sample[0]!);
    bad[bad.length - 1] = 0xcd;
    const r = new FrameReader(4096);
    r.push(bad);
    r.push(HEARTBEAT_FRAME);
    expect(thrown(() => r.next()).code).toBe(501);
    expect(thrown(() => r.next()).code).toBe(501);
  });

  it('refuses unknown frame types and heartbeats with a payload with 501', () => {
    const unknown = new FrameReader(4096);
    unknown.push(encodeFrame(4, 0, Buffer.alloc(0)));
    expect(thrown(() => unknown.next()).message).toMatch(/unknown frame type/);
    const hb = new FrameReader(4096);
    hb.push(encodeFrame(8, 0, Buffer.from([1])));
    expect(thrown(() => hb.next()).code).toBe(501);
  });

  it('waits for the rest of a frame without failing', () => {
    const r = new FrameReader(4096);
    r.push(sample[2]!.subarray(0, 100));
    expect(r.next()).toBeUndefined();
    expect(r.bufferedBytes).toBe(93);
  });
});

describe('checkProtocolHeader', () => {
  it("accepts 0-9-1 and RabbitMQ's 0-9 alias, waits for 8 octets, refuses the rest", () => {
    expect(checkProtocolHeader(PROTOCOL_HEADER)).toBe('ok');
    expect(PROTOCOL_HEADER).toEqual(Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'));
    expect(checkProtocolHeader(Buffer.from('AMQP\x01\x01\x00\x09', 'latin1'))).toBe('ok');
    expect(checkProtocolHeader(Buffer.concat([PROTOCOL_HEADER, Buffer.from([1, 0])]))).toBe('ok');
    expect(checkProtocolHeader(PROTOCOL_HEADER.subarray(0, 7))).toBe('incomplete');
    expect(checkProtocolHeader(Buffer.from('GET'))).toBe('incomplete');
    expect(checkProtocolHeader(Buffer.from('AMQP\x00\x00\x09\x00', 'latin1'))).toBe('bad');
    expect(checkProtocolHeader(Buffer.from('AMQP\x01\x01\x08\x00', 'latin1'))).toBe('bad');
    expect(checkProtocolHeader(Buffer.from('AMQP\x00\x01\x00\x00', 'latin1'))).toBe('bad');
    expect(checkProtocolHeader(Buffer.from('GET / HTTP/1.1', 'latin1'))).toBe('bad');
  });
});
