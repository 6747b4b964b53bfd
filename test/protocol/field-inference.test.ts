/**
 * The one inference of AMQP field types from JS values (protocol/field-types.ts inferFieldTag): what
 * it picks, that the codec writes exactly that tag, and that the messaging API hands amqplib the
 * same type rather than amqplib's own guess.
 */
import { describe, expect, test } from 'vitest';
import { Message } from '../../src/index.js';
import { toPublish } from '../../src/messaging/wire.js';
import { encodeFieldTable } from '../../src/protocol/field-table.js';
import { type FieldTag, type FieldValue, inferFieldTag, Typed } from '../../src/protocol/field-types.js';

const CASES: [string, FieldValue, FieldTag][] = [
  ['string', 'x', 'S'],
  ['boolean', true, 't'],
  ['small integer', 5, 'I'],
  ['int16-sized integer', 300, 'I'],
  ['int32 minimum', -0x8000_0000, 'I'],
  ['int32 maximum', 0x7fff_ffff, 'I'],
  ['past int32', 0x8000_0000, 'l'],
  ['largest safe integer', Number.MAX_SAFE_INTEGER, 'l'],
  ['past the safe integers', 2 ** 60, 'd'],
  ['fraction', 2.5, 'd'],
  ['NaN', Number.NaN, 'd'],
  ['bigint', 7n, 'l'],
  ['null', null, 'V'],
  ['undefined', undefined, 'V'],
  ['Buffer', Buffer.from('ab'), 'x'],
  ['Uint8Array', new Uint8Array([1]), 'x'],
  ['Date', new Date(1_700_000_000_000), 'T'],
  ['array', [1, 'a'], 'A'],
  ['table', { k: 1 }, 'F'],
  ['Typed int8', new Typed('int8', -1), 'b'],
  ['Typed uint8', new Typed('uint8', 1), 'B'],
  ['Typed int16', new Typed('int16', 1), 's'],
  ['Typed uint16', new Typed('uint16', 1), 'u'],
  ['Typed uint32', new Typed('uint32', 1), 'i'],
  ['Typed float', new Typed('float', 1.5), 'f'],
  ['Typed double of an integer', new Typed('double', 3), 'd'],
  ['Typed decimal', new Typed('decimal', { scale: 2, value: 314 }), 'D'],
  ['Typed timestamp', new Typed('timestamp', 5n), 'T'],
];

describe('inferFieldTag', () => {
  test.each(CASES)('%s → %s', (_name, value, tag) => {
    expect(inferFieldTag(value)).toBe(tag);
    // The encoder writes the tag the inference chose: table = 4-byte size, key length, key "k", tag.
    const bytes = encodeFieldTable({ k: value });
    expect(String.fromCharCode(bytes[6] as number)).toBe(tag);
  });

  test('the encoder refuses what is not a field value', () => {
    expect(() => encodeFieldTable({ k: new Map() as unknown as FieldValue })).toThrow(/cannot encode a Map/);
    expect(() => encodeFieldTable({ k: (() => 1) as unknown as FieldValue })).toThrow(/cannot encode a function/);
  });
});

describe('messaging headers take the protocol inference, not amqplib guessing', () => {
  const AMQPLIB_TYPE: Partial<Record<FieldTag, string>> = { I: 'int32', l: 'int64', d: 'double', T: 'timestamp' };
  test.each(CASES.filter(([, v, tag]) => AMQPLIB_TYPE[tag] !== undefined && !(v instanceof Typed)))(
    '%s',
    (_name, value, tag) => {
      const out = toPublish(new Message({ content: '', properties: { h: value } }), undefined, false);
      const header = (out.options.headers as Record<string, { '!': string }>)['h'];
      expect(header['!']).toBe(AMQPLIB_TYPE[tag]);
    },
  );
});
