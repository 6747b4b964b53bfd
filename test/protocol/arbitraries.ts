/**
 * fast-check generators shared by the protocol tests: field values in their
 * canonical (decoded) form, and arguments for any method from its ArgInfo.
 */
import fc from 'fast-check';
import type { ArgInfo, DomainType, FieldTable, FieldValue, MethodName } from '../../src/protocol/index.js';
import { METHODS, Typed } from '../../src/protocol/index.js';

/** A string of at most 255 UTF-8 bytes. */
export const shortstr = fc.string({ unit: 'binary', maxLength: 80 }).filter((s) => Buffer.byteLength(s, 'utf8') <= 255);

const text = fc.string({ unit: 'binary', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const int = (min: number, max: number) => fc.integer({ min, max });
const MAX_DATE_SECONDS = 8_640_000_000_000;

/** Scalar field values exactly as the decoder returns them, covering every tag. */
export const canonicalScalar: fc.Arbitrary<FieldValue> = fc.oneof(
  text, // S
  fc.boolean(), // t
  fc.constant(null), // V
  int(-0x8000_0000, 0x7fff_ffff), // I
  bytes, // x
  int(0, MAX_DATE_SECONDS).map((s) => new Date(s * 1000)), // T as Date
  fc.bigInt({ min: BigInt(MAX_DATE_SECONDS) + 1n, max: 2n ** 64n - 1n }).map((v) => new Typed('timestamp', v)),
  fc.double().filter((d) => !Number.isSafeInteger(d)), // d as number
  fc.maxSafeInteger().map((d) => new Typed('double', d)), // d holding an integer
  int(-128, 127).map((v) => new Typed('int8', v)),
  int(0, 255).map((v) => new Typed('uint8', v)),
  int(-0x8000, 0x7fff).map((v) => new Typed('int16', v)),
  int(0, 0xffff).map((v) => new Typed('uint16', v)),
  int(0, 0xffff_ffff).map((v) => new Typed('uint32', v)),
  fc.maxSafeInteger().map((v) => new Typed('int64', v)),
  fc
    .oneof(fc.bigInt({ min: -(2n ** 63n), max: -(2n ** 53n) }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 63n - 1n }))
    .map((v) => new Typed('int64', v)),
  fc.float().map((v) => new Typed('float', v)),
  fc.record({ scale: int(0, 255), value: int(0, 0xffff_ffff) }).map((d) => new Typed('decimal', d)),
);

const key = shortstr.filter((k) => k !== '!' && k !== '__proto__');

/** Nested tables and arrays of canonical values. */
export const { table: canonicalTable, value: canonicalValue } = fc.letrec<{
  table: FieldTable;
  value: FieldValue;
  array: FieldValue[];
}>((tie) => ({
  table: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  array: fc.array(tie('value'), { maxLength: 5 }),
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, canonicalScalar, tie('table'), tie('array')),
}));

const byType: Record<DomainType, fc.Arbitrary<unknown>> = {
  bit: fc.boolean(),
  octet: int(0, 0xff),
  short: int(0, 0xffff),
  long: int(0, 0xffff_ffff),
  longlong: fc.maxSafeInteger().map(Math.abs),
  timestamp: fc.maxSafeInteger().map(Math.abs),
  shortstr,
  longstr: bytes,
  table: canonicalTable,
};

export function argsArbitrary(
  args: readonly ArgInfo[],
  overrides: Partial<Record<DomainType, fc.Arbitrary<unknown>>> = {},
) {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const a of args) shape[a.name] = overrides[a.type] ?? byType[a.type];
  return fc.record(shape);
}

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** Any method name with arguments for it. */
export const anyMethod = fc
  .constantFrom(...METHOD_NAMES)
  .chain((name) => argsArbitrary(METHODS[name].args).map((args) => ({ name, args })));
