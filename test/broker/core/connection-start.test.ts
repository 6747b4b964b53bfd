// connection.start encoded once (connection-start.ts): the same bytes for every client that reaches
// the same address with the same mechanisms, fresh ones after clear(), and what it encodes decodes
// to the server properties and mechanisms asked for.
import { describe, expect, test } from 'vitest';
import { StartFrames } from '../../../src/broker/connection-start.js';
import { decodeMethod, type FieldTable } from '../../../src/protocol/index.js';

/** The method of a whole frame (7-octet header, payload, frame-end). */
function methodOf(frame: Buffer) {
  return decodeMethod(frame.subarray(7, frame.length - 1));
}

describe('StartFrames', () => {
  test('one encoding per address and mechanisms, decoding to what was asked for', () => {
    const asked: (string | undefined)[] = [];
    const frames = new StartFrames((address): FieldTable => {
      asked.push(address);
      return { product: 'p', host: address ?? 'none' };
    });
    const a = frames.frame('127.0.0.1', 'PLAIN AMQPLAIN');
    expect(frames.frame('127.0.0.1', 'PLAIN AMQPLAIN')).toBe(a);
    const b = frames.frame('127.0.0.2', 'PLAIN AMQPLAIN');
    const c = frames.frame('127.0.0.1', 'EXTERNAL PLAIN AMQPLAIN');
    expect(asked).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.1']);
    const m = methodOf(c);
    expect(m.name).toBe('connection.start');
    if (m.name !== 'connection.start') return;
    expect(m.args.serverProperties).toEqual({ product: 'p', host: '127.0.0.1' });
    expect(m.args.mechanisms.toString()).toBe('EXTERNAL PLAIN AMQPLAIN');
    expect(m.args.locales.toString()).toBe('en_US');
    expect([m.args.versionMajor, m.args.versionMinor]).toEqual([0, 9]);
    expect(methodOf(b).args).toMatchObject({ serverProperties: { host: '127.0.0.2' } });
  });

  test('clear() encodes the changed properties', () => {
    let product = 'before';
    const frames = new StartFrames(() => ({ product }));
    const before = frames.frame(undefined, 'PLAIN');
    product = 'after';
    expect(frames.frame(undefined, 'PLAIN')).toBe(before);
    frames.clear();
    expect(methodOf(frames.frame(undefined, 'PLAIN')).args).toMatchObject({ serverProperties: { product: 'after' } });
  });
});
