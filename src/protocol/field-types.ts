/**
 * The value model of AMQP 0-9-1 field tables and arrays, as RabbitMQ types them
 * (see RabbitMQ's "AMQP 0-9-1 errata": the tag set below is the one RabbitMQ and
 * every mainstream client actually use, not the one printed in the 0-9-1 PDF).
 *
 * Decoding is lossless: values whose JS form would not say which wire type they
 * had come back as a `Typed`, so re-encoding a decoded table gives the same
 * bytes (the broker rewrites headers when dead-lettering and must not change
 * the types a client sent).
 */

/** Wire tags, as RabbitMQ writes them. */
export type FieldTag =
  | 't' // boolean
  | 'b' // int8
  | 'B' // uint8
  | 's' // int16
  | 'u' // uint16
  | 'I' // int32
  | 'i' // uint32
  | 'l' // int64
  | 'f' // float32
  | 'd' // float64
  | 'D' // decimal: scale octet + 32-bit digits (RabbitMQ reads them unsigned)
  | 'S' // long string (bytes; decoded as UTF-8 text)
  | 'x' // byte array
  | 'T' // timestamp, uint64 seconds
  | 'F' // nested table
  | 'A' // array
  | 'V'; // void

/** A decimal value: `value / 10^scale`. */
export interface Decimal {
  readonly scale: number;
  readonly value: number;
}

/** Names of the wire types a `Typed` value may ask for. */
export type TypedKind =
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float'
  | 'double'
  | 'decimal'
  | 'timestamp';

/**
 * An explicitly typed value. Plain JS values are encoded by inference (see
 * `FieldValue`); use this to pick a wire type yourself, e.g.
 * `new Typed('uint8', 3)`. Decoding returns this form for every tag that
 * inference would not reproduce: b B s u i l f D. A class (not a `{type, value}`
 * object) so that a user's nested table with those two keys is never mistaken
 * for it.
 */
export class Typed {
  constructor(
    readonly type: TypedKind,
    /** number for the int/float kinds (bigint allowed for int64), Decimal for decimal, seconds for timestamp. */
    readonly value: number | bigint | Decimal,
  ) {}
}

/**
 * A field value. Inference when encoding:
 * - string → 'S'; boolean → 't'; null/undefined → 'V'; Buffer/Uint8Array → 'x';
 * - number: an integer in int32 range → 'I', another safe integer → 'l', anything else → 'd';
 * - bigint → 'l'; Date → 'T' (whole seconds);
 * - array → 'A'; plain object → 'F'; Typed → its own tag.
 * Decoding: 'S' → string, 't' → boolean, 'I' → number, 'V' → null, 'x' → Buffer,
 * 'F' → FieldTable, 'A' → FieldValue[]; every other tag → Typed. Two exceptions keep
 * decoding lossless: 'd' → number only when inference would pick 'd' again (not a
 * safe integer), else Typed('double'); 'T' → Date, or Typed('timestamp', bigint)
 * beyond the range of a Date. Limits: an 'S' that is not valid UTF-8 comes back
 * with U+FFFD replacements, NaN payload bits are not preserved, and 'L' (which
 * RabbitMQ also accepts) decodes as Typed('int64') and re-encodes as 'l', as in
 * RabbitMQ.
 */
export type FieldValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Buffer
  | Uint8Array
  | Date
  | Typed
  | FieldValue[]
  | FieldTable;

export interface FieldTable {
  [key: string]: FieldValue;
}

const TYPED_TAGS: Readonly<Record<TypedKind, FieldTag>> = {
  int8: 'b',
  uint8: 'B',
  int16: 's',
  uint16: 'u',
  int32: 'I',
  uint32: 'i',
  int64: 'l',
  float: 'f',
  double: 'd',
  decimal: 'D',
  timestamp: 'T',
};

/**
 * The wire tag a value is written with, by the rules on `FieldValue` above: the one place a JS value
 * gets its AMQP type. The codec (field-table.ts) writes by it, the messaging API hands amqplib the same
 * choice (messaging/wire.ts), and the headers exchange compares by it (RabbitMQ matches type and value).
 * An object that is not a plain table says 'F' here; the encoder refuses it.
 */
export function inferFieldTag(value: FieldValue): FieldTag {
  switch (typeof value) {
    case 'string':
      return 'S';
    case 'boolean':
      return 't';
    case 'bigint':
      return 'l';
    case 'undefined':
      return 'V';
    case 'number':
      if (Number.isInteger(value)) {
        if (value >= -0x8000_0000 && value <= 0x7fff_ffff) return 'I';
        if (Number.isSafeInteger(value)) return 'l';
      }
      return 'd';
  }
  if (value === null) return 'V';
  if (value instanceof Typed) return TYPED_TAGS[value.type];
  if (value instanceof Uint8Array) return 'x';
  if (value instanceof Date) return 'T';
  if (Array.isArray(value)) return 'A';
  return 'F';
}
