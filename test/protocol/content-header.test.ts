import { describe, expect, it } from 'vitest';
import {
  decodeBasicProperties,
  decodeContentHeader,
  decodeContentHeaderPrefix,
  encodeBasicProperties,
  encodeContentHeaderPayload,
  ProtocolError,
  Typed,
} from '../../src/protocol/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

function code(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  throw new Error('did not throw');
}

describe('content header', () => {
  const golden = hex(
    '003c 0000 0000000000000005' + // class basic, weight 0, body size 5
      ' b800' + // flags: content-type (15), headers (13), delivery-mode (12), priority (11)
      ` 0a ${ascii('text/plain')}` +
      ` 0000000f 03 ${ascii('x-a')} 62 ff 03 ${ascii('x-b')} 53 00000000` +
      ' 02 05',
  );
  const props = {
    contentType: 'text/plain',
    headers: { 'x-a': new Typed('int8', -1), 'x-b': '' },
    deliveryMode: 2,
    priority: 5,
  };

  it('encodes and decodes a header with a headers table (golden bytes)', () => {
    expect(encodeContentHeaderPayload(60, 5, props).toString('hex')).toBe(golden.toString('hex'));
    expect(decodeContentHeader(golden)).toEqual({ classId: 60, weight: 0, bodySize: 5, properties: props });
    expect(decodeContentHeaderPrefix(golden)).toEqual({ classId: 60, weight: 0, bodySize: 5 });
  });

  it('round-trips every property; absent and null ones are left out', () => {
    const all = {
      contentType: 'a',
      contentEncoding: 'b',
      headers: {},
      deliveryMode: 1,
      priority: 9,
      correlationId: 'c',
      replyTo: 'd',
      expiration: '60000',
      messageId: 'e',
      timestamp: 2 ** 40,
      type: 'f',
      userId: 'guest',
      appId: 'g',
      clusterId: 'h',
    };
    const bytes = encodeBasicProperties(all);
    expect(bytes.readUInt16BE(0)).toBe(0xfffc);
    expect(decodeBasicProperties(bytes, 0, bytes.length)).toEqual(all);
    const sparse = encodeBasicProperties({ replyTo: undefined, appId: 'x', priority: null as unknown as number });
    expect(sparse.toString('hex')).toBe(`0008 01 ${ascii('x')}`.replace(/\s/g, ''));
    expect(encodeBasicProperties({})).toEqual(hex('0000'));
  });

  it('ignores the continuation and reserved flag bits, as RabbitMQ does', () => {
    expect(decodeBasicProperties(hex('0003'), 0, 2)).toEqual({});
  });

  it('rejects truncated and over-long property lists with 501, never RangeError', () => {
    for (let n = 12; n < golden.length; n++) {
      expect(code(() => decodeContentHeader(Buffer.from(golden.subarray(0, n))))).toBe(501);
    }
    expect(code(() => decodeContentHeader(Buffer.concat([golden, hex('00')])))).toBe(501);
    expect(code(() => decodeContentHeaderPrefix(hex('003c 0000 00000000 000000')))).toBe(501);
  });

  it('answers an oversized body with 406 and a non-basic class with 505', () => {
    expect(code(() => decodeContentHeaderPrefix(hex('003c 0000 00200000 00000000 0000')))).toBe(406);
    expect(decodeContentHeaderPrefix(hex('003c 0000 001fffff ffffffff 0000')).bodySize).toBe(Number.MAX_SAFE_INTEGER);
    expect(code(() => decodeContentHeader(hex('0032 0000 00000000 00000000 0000')))).toBe(505);
    expect(code(() => encodeContentHeaderPayload(60, -1, {}))).toBe(541);
  });
});
