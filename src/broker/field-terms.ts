/**
 * Field values as RabbitMQ 3.10 names and prints them in reply texts: the
 * type atoms of rabbit_binary_parser (`longstr`, `signedint`, `byte`, ...),
 * rabbit_misc:assert_args_equivalence's "same type class and ==" test, and
 * the `~s` / `~p` rendering of values in "inequivalent arg" messages.
 */
import type { FieldTable, FieldTag, FieldValue } from '../protocol/index.js';
import { inferFieldTag, Typed } from '../protocol/index.js';
import { preconditionFailed } from './errors.js';
import { timestampSeconds } from './exchanges/router.js';

const TYPE_NAMES: Readonly<Record<FieldTag, string>> = {
  S: 'longstr',
  I: 'signedint',
  i: 'unsignedint',
  l: 'long',
  b: 'byte',
  B: 'unsignedbyte',
  s: 'short',
  u: 'unsignedshort',
  f: 'float',
  d: 'double',
  D: 'decimal',
  t: 'bool',
  T: 'timestamp',
  F: 'table',
  A: 'array',
  V: 'void',
  x: 'binary',
};

/** The type atom RabbitMQ decodes this value's wire tag to. */
export function rabbitTypeOf(v: FieldValue): string {
  return TYPE_NAMES[inferFieldTag(v)];
}

/** rabbit_misc:type_class: all integer types are one class, float and double another. */
function typeClass(type: string): string {
  switch (type) {
    case 'byte':
    case 'short':
    case 'signedint':
    case 'long':
    case 'unsignedbyte':
    case 'unsignedshort':
    case 'unsignedint':
      return 'int';
    case 'float':
    case 'double':
      return 'float';
    default:
      return type;
  }
}

/** The decoded value RabbitMQ holds: numbers as numbers, strings and byte arrays as binaries. */
function termOf(v: FieldValue): string | number | bigint | boolean | null | object {
  if (v instanceof Typed) {
    const inner = v.value;
    return typeof inner === 'object' ? `${inner.scale},${inner.value}` : inner;
  }
  if (v instanceof Date) return timestampSeconds(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  return v ?? null;
}

/** Erlang `==` after the type-class check, as assert_args_equivalence1 does. */
export function argsEquivalent(a: FieldValue, b: FieldValue): boolean {
  if (typeClass(rabbitTypeOf(a)) !== typeClass(rabbitTypeOf(b))) return false;
  const x = termOf(a);
  const y = termOf(b);
  if (typeof x === 'object' || typeof y === 'object') return JSON.stringify(x) === JSON.stringify(y);
  // biome-ignore lint/suspicious/noDoubleEquals: Erlang == compares 1 and 1.0 (and bigint) as equal
  return x == y;
}

/** A value as `io_lib:format` prints it: binaries with ~s, everything else with ~p. */
export function erlangFormat(v: FieldValue): string {
  const t = termOf(v);
  if (typeof t === 'number') return typeClass(rabbitTypeOf(v)) === 'float' ? erlangFloat(t) : String(t);
  if (typeof t === 'string' || typeof t === 'bigint' || typeof t === 'boolean') return String(t);
  if (t === null) return 'undefined';
  return JSON.stringify(t);
}

// Erlang prints floats with at least one decimal: 1.0, 1.5, 1.0e20.
function erlangFloat(n: number): string {
  const s = String(n);
  if (/e/.test(s)) return s.replace(/e\+?/, s.includes('.') ? 'e' : '.0e');
  return s.includes('.') ? s : `${s}.0`;
}

/** "none" or "the value 'V' of type 'T'" (rabbit_misc:val/1 for a typed table entry). */
export function describeArg(v: FieldValue | undefined): string {
  if (v === undefined) return 'none';
  return `the value '${erlangFormat(v)}' of type '${rabbitTypeOf(v)}'`;
}

/** Whether a table value is present (RabbitMQ's table_lookup finds the key). */
export function hasArg(table: FieldTable, key: string): boolean {
  return Object.hasOwn(table, key);
}

/**
 * rabbit_misc:assert_args_equivalence for one key: equal when both are absent,
 * or of the same type class with == values. When both are present the text
 * shows the bare values ("received '2000' but current is '1000'"); when one
 * is absent it shows "none" and "the value 'V' of type 'T'".
 */
export function assertArgEquivalent(received: FieldTable, current: FieldTable, key: string, what: string): void {
  const r = hasArg(received, key) ? received[key] : undefined;
  const c = hasArg(current, key) ? current[key] : undefined;
  if (r === undefined && c === undefined) return;
  let rs: string;
  let cs: string;
  if (r !== undefined && c !== undefined) {
    if (argsEquivalent(r, c)) return;
    rs = `'${erlangFormat(r)}'`;
    cs = `'${erlangFormat(c)}'`;
  } else {
    rs = describeArg(r);
    cs = describeArg(c);
  }
  throw preconditionFailed(`inequivalent arg '${key}' for ${what}: received ${rs} but current is ${cs}`);
}
