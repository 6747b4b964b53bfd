/**
 * Headers exchange: the routing key is ignored; each binding's arguments are
 * header tests. Mirrors rabbit_exchange_type_headers.erl of RabbitMQ 3.10:
 * - `x-match` is 'all' (default), 'any', 'all-with-x' or 'any-with-x'; any
 *   other value on a stored binding counts as 'all' (parse_x_match/1);
 * - binding keys starting with "x-" are not tests unless the mode is *-with-x;
 *   `x-match` itself never is. Message headers need no filtering: a message's
 *   "x-" header can only meet a test of the same name;
 * - a test whose value is void only asks that the header be present;
 * - otherwise values are compared with Erlang `==` on the decoded terms,
 *   ignoring the wire type at the top level (see `termEquals`);
 * - with no tests, 'all' matches every message and 'any' none.
 */
import type { FieldTable, FieldValue } from '../../protocol/field-types.js';
import { inferFieldTag, Typed } from '../../protocol/field-types.js';
import type { BindingEntry } from './router.js';
import { BindingRouter, timestampSeconds } from './router.js';

export type XMatch = 'all' | 'any' | 'all-with-x' | 'any-with-x';

interface HeaderTest {
  readonly key: string;
  /** The binding value was void: the header only has to be present. */
  readonly presence: boolean;
  readonly value: FieldValue;
}

interface CompiledBinding<D> {
  readonly destination: D;
  readonly any: boolean;
  readonly tests: readonly HeaderTest[];
}

const X_MATCH_VALUES: ReadonlySet<string> = new Set<XMatch>(['all', 'any', 'all-with-x', 'any-with-x']);
const NO_HEADERS: FieldTable = Object.freeze({});

export class HeadersRouter<D> extends BindingRouter<D> {
  // Insertion-ordered, like the exchange's binding list RabbitMQ scans.
  readonly #compiled = new Map<BindingEntry<D>, CompiledBinding<D>>();

  route(_routingKey: string, headers: FieldTable | undefined, out: Set<D>): void {
    const data = headers ?? NO_HEADERS;
    for (const binding of this.#compiled.values()) {
      if (!out.has(binding.destination) && headersMatch(binding, data)) out.add(binding.destination);
    }
  }

  protected index(entry: BindingEntry<D>): void {
    this.#compiled.set(entry, compile(entry));
  }

  protected unindex(entry: BindingEntry<D>): void {
    this.#compiled.delete(entry);
  }
}

/** The matching mode of a binding, as parse_x_match/1 reads it: only a long string counts. */
export function xMatchOf(args: FieldTable): XMatch {
  const value = Object.hasOwn(args, 'x-match') ? args['x-match'] : undefined;
  return typeof value === 'string' && X_MATCH_VALUES.has(value) ? (value as XMatch) : 'all';
}

function compile<D>(entry: BindingEntry<D>): CompiledBinding<D> {
  const mode = xMatchOf(entry.args);
  const withX = mode === 'all-with-x' || mode === 'any-with-x';
  const tests: HeaderTest[] = [];
  for (const key of Object.keys(entry.args)) {
    if (key === 'x-match' || (!withX && key.startsWith('x-'))) continue;
    const value = entry.args[key];
    tests.push({ key, presence: value === null || value === undefined, value });
  }
  return { destination: entry.destination, any: mode === 'any' || mode === 'any-with-x', tests };
}

function headersMatch<D>(binding: CompiledBinding<D>, data: FieldTable): boolean {
  if (binding.any) {
    for (const test of binding.tests) if (passes(test, data)) return true;
    return false;
  }
  for (const test of binding.tests) if (!passes(test, data)) return false;
  return true;
}

function passes(test: HeaderTest, data: FieldTable): boolean {
  if (!Object.hasOwn(data, test.key)) return false;
  return test.presence || termEquals(test.value, data[test.key]);
}

/** How RabbitMQ's decoder represents a field value as an Erlang term (rabbit_binary_parser). */
type TermKind = 'binary' | 'number' | 'boolean' | 'undefined' | 'decimal' | 'list';

function termKind(value: FieldValue): TermKind {
  switch (typeof value) {
    case 'string':
      return 'binary';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'undefined':
      return 'undefined';
  }
  if (value === null) return 'undefined';
  if (value instanceof Typed) return value.type === 'decimal' ? 'decimal' : 'number';
  if (value instanceof Uint8Array) return 'binary';
  if (value instanceof Date) return 'number';
  // Tables decode to lists of {Key, Type, Value}, arrays to lists of {Type, Value}.
  return 'list';
}

/**
 * Erlang `==` between the decoded forms of two field values, which is what
 * headers_match/5 applies (`PV == DV`): long strings and byte arrays are both
 * binaries; every integer type, timestamps and floats are numbers compared
 * arithmetically (int32 1 == int64 1 == double 1.0); booleans are atoms. Inside
 * nested tables and arrays the type atom is part of each element, so there the
 * wire types must agree too (and table keys and order).
 */
export function termEquals(a: FieldValue, b: FieldValue): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  const kind = termKind(a);
  if (kind !== termKind(b)) return false;
  switch (kind) {
    case 'binary':
      return bytesOf(a as string | Uint8Array).equals(bytesOf(b as string | Uint8Array));
    case 'number':
      return numbersEqual(numberOf(a), numberOf(b));
    case 'boolean':
      return a === b;
    case 'undefined':
      return true;
    case 'decimal': {
      const x = (a as Typed).value as { scale: number; value: number };
      const y = (b as Typed).value as { scale: number; value: number };
      return x.scale === y.scale && x.value === y.value;
    }
    case 'list':
      return listsEqual(a as FieldTable | FieldValue[], b as FieldTable | FieldValue[]);
  }
}

function listsEqual(a: FieldTable | FieldValue[], b: FieldTable | FieldValue[]): boolean {
  const aIsArray = Array.isArray(a);
  if (aIsArray !== Array.isArray(b)) {
    // A table and an array are both Erlang lists: equal only when both are [].
    return (aIsArray ? a.length : Object.keys(a).length) === 0 && Object.keys(b).length === 0;
  }
  if (aIsArray) {
    const other = b as FieldValue[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameTypedTerm(a[i], other[i])) return false;
    return true;
  }
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let i = 0; i < aKeys.length; i++) {
    const key = aKeys[i]!;
    if (key !== bKeys[i] || !sameTypedTerm((a as FieldTable)[key], (b as FieldTable)[key])) return false;
  }
  return true;
}

function sameTypedTerm(a: FieldValue, b: FieldValue): boolean {
  return inferFieldTag(a) === inferFieldTag(b) && termEquals(a, b);
}

function bytesOf(value: string | Uint8Array): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function numberOf(value: FieldValue): number | bigint {
  if (value instanceof Date) return timestampSeconds(value);
  if (value instanceof Typed) {
    // float32 values are what survives the wire, so compare them that way.
    return value.type === 'float' ? Math.fround(Number(value.value)) : (value.value as number | bigint);
  }
  return value as number | bigint;
}

function numbersEqual(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b;
  const n = (typeof a === 'number' ? a : b) as number;
  const big = (typeof a === 'bigint' ? a : b) as bigint;
  return Number.isInteger(n) && BigInt(n) === big;
}

/**
 * rabbit_exchange_type_headers:validate_binding/2: the error text RabbitMQ
 * closes the channel with (406 PRECONDITION_FAILED) when `x-match` is present
 * but not one of the four modes, or undefined when the binding is acceptable.
 * Returned without the "PRECONDITION_FAILED - " prefix the channel adds.
 */
export function validateHeadersBindingArgs(args: FieldTable): string | undefined {
  if (!Object.hasOwn(args, 'x-match')) return undefined;
  const value = args['x-match'];
  if (typeof value === 'string') {
    if (X_MATCH_VALUES.has(value)) return undefined;
    return `Invalid x-match field value ${erlangTerm(value)}; expected all, any, all-with-x, or any-with-x`;
  }
  const type = ERLANG_TYPE_NAMES[inferFieldTag(value)];
  return `Invalid x-match field type ${type} (value ${erlangTerm(value)}); expected longstr`;
}

/** The type atoms rabbit_binary_parser gives each wire tag. */
const ERLANG_TYPE_NAMES = {
  S: 'longstr',
  x: 'binary',
  t: 'bool',
  b: 'byte',
  B: 'unsignedbyte',
  s: 'short',
  u: 'unsignedshort',
  I: 'signedint',
  i: 'unsignedint',
  l: 'long',
  f: 'float',
  d: 'double',
  D: 'decimal',
  T: 'timestamp',
  F: 'table',
  A: 'array',
  V: 'void',
} as const;

/** A decoded field value as Erlang's `~p` prints the term RabbitMQ holds for it. */
function erlangTerm(value: FieldValue): string {
  const tag = inferFieldTag(value);
  switch (tag) {
    case 'S':
    case 'x':
      return erlangBinary(value as string | Uint8Array);
    case 't':
      return String(value);
    case 'V':
      return 'undefined';
    case 'f':
    case 'd':
      return erlangFloat(Number(numberOf(value)));
    case 'D': {
      const { scale, value: unscaled } = (value as Typed).value as { scale: number; value: number };
      return `{${scale},${unscaled}}`;
    }
    case 'F':
      return `[${Object.entries(value as FieldTable)
        .map(([k, v]) => `{${erlangBinary(k)},${ERLANG_TYPE_NAMES[inferFieldTag(v)]},${erlangTerm(v)}}`)
        .join(',')}]`;
    case 'A':
      return `[${(value as FieldValue[]).map((v) => `{${ERLANG_TYPE_NAMES[inferFieldTag(v)]},${erlangTerm(v)}}`).join(',')}]`;
    default:
      return String(numberOf(value));
  }
}

// Control characters io_lib counts as printable, and how `~p` writes them and the quote characters.
const ERLANG_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['"', '\\"'],
  ['\\', '\\\\'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\v', '\\v'],
  ['\b', '\\b'],
  ['\f', '\\f'],
  ['\x1b', '\\e'],
]);

/**
 * `~p` of a binary: <<"text">> when every byte is printable Latin-1 (the
 * default `+pc latin1`), else the byte list. Multi-byte UTF-8 whose bytes are
 * all in 0xA0–0xFF stays text, and its bytes are emitted unchanged.
 */
function erlangBinary(value: string | Uint8Array): string {
  const bytes = bytesOf(value);
  if (bytes.length === 0) return '<<>>';
  let printable = true;
  for (const b of bytes) {
    if (!((b >= 0x20 && b <= 0x7e) || b >= 0xa0 || ERLANG_ESCAPES.has(String.fromCharCode(b)))) {
      printable = false;
      break;
    }
  }
  if (!printable) return `<<${bytes.join(',')}>>`;
  let text = '';
  for (const ch of bytes.toString('utf8')) text += ERLANG_ESCAPES.get(ch) ?? ch;
  return `<<"${text}">>`;
}

/**
 * `~p` of a float (io_lib_format:fwrite_g): the shortest round-trip digits,
 * written plainly with a ".0" or a fraction unless the exponent form is
 * shorter, or the value is at least 2^53 in magnitude.
 */
function erlangFloat(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  // The value is digits × 10^place.
  const place = exp - (digits.length - 1);
  const expCost = String(exp).length + 2;
  if (place < 0) {
    if (exp >= 0) return sign + digits.slice(0, digits.length + place) + '.' + digits.slice(digits.length + place);
    if (2 - place - digits.length <= expCost) return sign + '0.' + '0'.repeat(-place - digits.length) + digits;
  } else {
    const dot = digits.length === 1 ? 1 : 0;
    if (expCost + dot >= place + 2 && Math.abs(x) < 2 ** 53) return sign + digits + '0'.repeat(place) + '.0';
  }
  return sign + digits[0] + '.' + (digits.length === 1 ? '0' : digits.slice(1)) + 'e' + exp;
}
