// The broker's in-place delivery writer, socket-free: the bytes it puts into an OutputBuffer must
// decode with the protocol's own frame reader and codecs (method, content header, body frames split
// at frame-max) exactly as a client would read them.
import { describe, expect, test } from 'vitest';
import { writeContent, writeDelivery } from '../../../src/broker/delivery-writer.js';
import { OutputBuffer } from '../../../src/broker/output-buffer.js';
import { StoredMessage } from '../../../src/broker/stored-message.js';
import {
  decodeContentHeader,
  decodeMethod,
  encodeContentHeaderPayload,
  type Frame,
  FrameReader,
  FrameType,
  type Method,
} from '../../../src/protocol/index.js';
import { message } from './helpers.js';

function frames(out: OutputBuffer, frameMax: number): Frame[] {
  const reader = new FrameReader(frameMax);
  for (const chunk of out.take()) reader.push(chunk);
  const all: Frame[] = [];
  for (let f = reader.next(); f !== undefined; f = reader.next()) all.push(f);
  return all;
}

function bodyOf(fs: Frame[]): Buffer {
  return Buffer.concat(fs.filter((f) => f.type === FrameType.BODY).map((f) => f.payload));
}

describe('delivery writer', () => {
  test('basic.deliver, the publisher header and one body frame decode as the client reads them', () => {
    const out = new OutputBuffer();
    const m = message('rk-é', 'hello', { contentType: 'text/plain', headers: { a: 1 } }, 'amq.direct');
    // A delivery tag above 2^32 checks the 64-bit write.
    writeDelivery(out, 7, 4096, 'ctag-1', 2 ** 40 + 3, true, m);
    const fs = frames(out, 4096);
    expect(fs.map((f) => [f.type, f.channel])).toEqual([
      [FrameType.METHOD, 7],
      [FrameType.HEADER, 7],
      [FrameType.BODY, 7],
    ]);
    const method = decodeMethod((fs[0] as Frame).payload) as Method;
    expect(method.name).toBe('basic.deliver');
    expect(method.args).toEqual({
      consumerTag: 'ctag-1',
      deliveryTag: 2 ** 40 + 3,
      redelivered: true,
      exchange: 'amq.direct',
      routingKey: 'rk-é',
    });
    expect((fs[1] as Frame).payload).toEqual(m.headerPayload);
    const h = decodeContentHeader((fs[1] as Frame).payload);
    expect(h).toMatchObject({ classId: 60, bodySize: 5, properties: { contentType: 'text/plain' } });
    expect(bodyOf(fs).toString()).toBe('hello');
  });

  test('a replacement header payload goes out instead of the publisher one', () => {
    const out = new OutputBuffer();
    const m = message('q', 'x');
    const replaced = message('q', 'x', { priority: 3 }).headerPayload;
    writeDelivery(out, 1, 4096, 't', 1, false, m, replaced);
    expect((frames(out, 4096)[1] as Frame).payload).toEqual(replaced);
  });

  test('bodies are split at frame-max, overhead included, on the copying and the zero-copy path', () => {
    for (const [size, frameMax] of [
      [10_000, 4096],
      [4096 - 8, 4096],
      [300_000, 131_072],
      [40_000, 20_000],
    ] as const) {
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 7) & 0xff;
      const m = new StoredMessage('', 'q', {}, encodeContentHeaderPayload(60, size, {}), body, Date.now());
      const out = new OutputBuffer();
      writeDelivery(out, 3, frameMax, 'c', 1, false, m);
      const fs = frames(out, frameMax);
      const bodies = fs.filter((f) => f.type === FrameType.BODY);
      expect(bodies).toHaveLength(Math.ceil(size / (frameMax - 8)));
      for (const f of bodies) expect(f.payload.length + 8).toBeLessThanOrEqual(frameMax);
      expect(bodyOf(fs).equals(body)).toBe(true);
    }
  });

  test('an empty body has a header and no body frame; writeContent alone writes header and body', () => {
    const out = new OutputBuffer();
    writeDelivery(out, 2, 4096, 'c', 1, false, message('q', ''));
    expect(frames(out, 4096).map((f) => f.type)).toEqual([FrameType.METHOD, FrameType.HEADER]);
    writeContent(out, 2, 4096, message('q', 'get-ok body'));
    const fs = frames(out, 4096);
    expect(fs.map((f) => f.type)).toEqual([FrameType.HEADER, FrameType.BODY]);
    expect(bodyOf(fs).toString()).toBe('get-ok body');
  });
});
