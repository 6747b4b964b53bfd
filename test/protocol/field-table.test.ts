import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldTable, FieldValue } from '../../src/protocol/index.js';
import {
  decodeFieldArray,
  decodeFieldTable,
  encodeFieldArray,
  encodeFieldTable,
  fieldTableSize,
  MAX_DEPTH,
  ProtocolError,
  Typed,
  writeFieldTable,
} from '../../src/protocol/index.js';
import { canonicalTable, canonicalValue } from './arbitraries.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const roundTrip = (t: FieldTable) => decodeFieldTable(encodeFieldTable(t), 0).value;

function thrown(f: () => unknown): ProtocolError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('field table encoding', () => {
  it('infers wire types from plain values (golden bytes)', () => {
    const t: FieldTable = {
      s: 'hi',
      t: true,
      n: null,
      i: -2,
      l: 2 ** 40,
      d: 1.5,
      x: Buffer.from([1, 2]),
      T: new Date(1_000_500),
      A: [1, 'a'],
      F: { k: false },
    };
    const body = [
      `01 ${ascii('s')} 53 00000002 ${ascii('hi')}`,
      `01 ${ascii('t')} 74 01`,
      `01 ${ascii('n')} 56`,
      `01 ${ascii('i')} 49 fffffffe`,
      `01 ${ascii('l')} 6c 0000010000000000`,
      `01 ${ascii('d')} 64 3ff8000000000000`,
      `01 ${ascii('x')} 78 00000002 0102`,
      `01 ${ascii('T')} 54 00000000000003e8`, // whole seconds
      `01 ${ascii('A')} 41 0000000b 49 00000001 53 00000001 ${ascii('a')}`,
      `01 ${ascii('F')} 46 00000004 01 ${ascii('k')} 74 00`,
    ].join('');
    const b = hex(body);
    const expected = Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
    expect(encodeFieldTable(t).toString('hex')).toBe(expected.toString('hex'));
    expect(fieldTableSize(t)).toBe(expected.length);
  });

  it('writes every Typed kind with its own tag', () => {
    const cases: [Typed, string][] = [
      [new Typed('int8', -1), '62 ff'],
      [new Typed('uint8', 255), '42 ff'],
      [new Typed('int16', -2), '73 fffe'],
      [new Typed('uint16', 65535), '75 ffff'],
      [new Typed('int32', 7), '49 00000007'],
      [new Typed('uint32', 0xffffffff), '69 ffffffff'],
      [new Typed('int64', -1n), '6c ffffffffffffffff'],
      [new Typed('float', 1.5), '66 3fc00000'],
      [new Typed('double', 2), '64 4000000000000000'],
      [new Typed('decimal', { scale: 2, value: 12345 }), '44 02 00003039'],
      [new Typed('timestamp', 5), '54 0000000000000005'],
    ];
    for (const [value, bytes] of cases) {
      expect(encodeFieldArray([value]).subarray(4).toString('hex')).toBe(bytes.replace(/\s/g, ''));
    }
  });

  it('encodes undefined as void and an omitted table as empty', () => {
    expect(encodeFieldTable({ u: undefined }).toString('hex')).toBe(`00000003 01${ascii('u')}56`.replace(/\s/g, ''));
    expect(encodeFieldTable(undefined)).toEqual(hex('00000000'));
    const buf = Buffer.alloc(6, 0xaa);
    expect(writeFieldTable(buf, 1, undefined)).toBe(5);
    expect(buf).toEqual(hex('aa 00000000 aa'));
  });

  it('refuses values that do not fit with a 541 ProtocolError', () => {
    const bad: FieldValue[] = [
      new Typed('int8', 128),
      new Typed('uint16', -1),
      new Typed('uint32', 1.5),
      new Typed('int64', 2n ** 63n),
      new Typed('decimal', { scale: 256, value: 1 }),
      new Typed('timestamp', -1),
      new Date(-1000),
      new Date(Number.NaN),
      2n ** 64n,
      new Map() as unknown as FieldValue,
    ];
    for (const v of bad) expect(thrown(() => encodeFieldTable({ v })).code).toBe(541);
    expect(thrown(() => encodeFieldTable({ ['k'.repeat(256)]: 1 })).code).toBe(541);
    let deep: FieldTable = {};
    for (let i = 0; i < MAX_DEPTH + 1; i++) deep = { deep };
    expect(thrown(() => encodeFieldTable(deep)).code).toBe(541);
  });
});

describe('field table decoding', () => {
  it('round-trips canonical values of every tag, nested', () => {
    fc.assert(
      fc.property(canonicalTable, (t) => {
        expect(roundTrip(t)).toEqual(t);
      }),
      { numRuns: 1000 },
    );
  });

  it('is lossless: re-encoding a decoded table gives the same bytes', () => {
    // Arbitrary inputs, including ones inference widens (undefined, 2^40, Uint8Array).
    const loose = fc.oneof(
      canonicalValue,
      fc.constant(undefined),
      fc.maxSafeInteger(),
      fc.uint8Array({ maxLength: 4 }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 10 }), loose, { maxKeys: 6 }), (t) => {
        const bytes = encodeFieldTable(t);
        expect(encodeFieldTable(decodeFieldTable(bytes, 0).value)).toEqual(bytes);
      }),
      { numRuns: 1000 },
    );
  });

  it('returns the offset after the table and reads at an offset', () => {
    const table = encodeFieldTable({ a: 'b' });
    const buf = Buffer.concat([hex('ffff'), table, hex('ee')]);
    expect(decodeFieldTable(buf, 2)).toEqual({ value: { a: 'b' }, offset: 2 + table.length });
    const arr = encodeFieldArray([1, [true], { x: null }]);
    expect(decodeFieldArray(arr, 0)).toEqual({ value: [1, [true], { x: null }], offset: arr.length });
  });

  it("reads 'L' as a signed 64-bit integer, as RabbitMQ does", () => {
    const t = decodeFieldTable(hex(`0000000b 01 ${ascii('n')} 4c fffffffffffffffe`), 0).value;
    expect(t).toEqual({ n: new Typed('int64', -2) });
  });

  it('keeps a __proto__ key as data', () => {
    const t = decodeFieldTable(hex(`0000000f 09 ${ascii('__proto__')} 74 01 01 ${ascii('a')} 56`), 0).value;
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(Object.keys(t)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(t, '__proto__')?.value).toBe(true);
  });

  it('rejects unknown tags, overruns and truncation with 501, never RangeError', () => {
    expect(thrown(() => decodeFieldTable(hex(`00000003 01 ${ascii('k')} 5a`), 0)).code).toBe(501);
    expect(thrown(() => decodeFieldTable(hex('000000ff 00'), 0)).code).toBe(501);
    expect(thrown(() => decodeFieldTable(hex('0000'), 0)).code).toBe(501);
    fc.assert(
      fc.property(canonicalTable, (t) => {
        const bytes = encodeFieldTable(t);
        for (let n = 0; n < bytes.length; n++) {
          const cut = Buffer.from(bytes.subarray(0, n));
          expect(thrown(() => decodeFieldTable(cut, 0)).code).toBe(501);
          // the length prefix claims the full size but the content is cut short inside
          if (n >= 4) {
            const inner = Buffer.from(bytes.subarray(0, n));
            inner.writeUInt32BE(n - 4, 0);
            try {
              decodeFieldTable(inner, 0);
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('bounds nesting depth so a hostile peer cannot exhaust the stack', () => {
    // 10,000 nested arrays: 'A' + length, innermost empty
    const depth = 10_000;
    const buf = Buffer.alloc(4 + depth * 5);
    for (let i = 0; i < depth; i++) {
      const o = i * 5;
      buf.writeUInt32BE(buf.length - o - 4, o);
      buf[o + 4] = 0x41;
    }
    buf.writeUInt32BE(0, depth * 5);
    expect(thrown(() => decodeFieldArray(buf, 0)).code).toBe(501);
    let ok: FieldValue = [];
    for (let i = 0; i < MAX_DEPTH - 2; i++) ok = [ok]; // MAX_DEPTH arrays in all
    expect(decodeFieldArray(encodeFieldArray([ok]), 0).value).toEqual([ok]);
  });
});
