/**
 * Codec for AMQP 0-9-1 field tables and field arrays with RabbitMQ's tag set
 * (see field-types.ts for the value model).
 *
 * Encoding is two passes, size then write, so a method encoder can allocate
 * its frame once and write the table in place. Decoding is bounded by the
 * enclosing length prefix and by MAX_DEPTH.
 *
 * Decode errors are 501 FRAME_ERROR. RabbitMQ 3.10's rabbit_binary_parser has
 * no catch-all clause for a bad tag or an overrun length: the function_clause
 * crash comes out as 541 on channel 0 (handle_method0's catch-all) and as a
 * dropped socket elsewhere. We answer deliberately with the code RabbitMQ uses
 * for every other undecodable method field (rabbit_misc:frame_error/2).
 */
import { encodeError, frameError } from './errors.js';
import type { Decimal, FieldTable, FieldValue } from './field-types.js';
import { inferFieldTag, Typed } from './field-types.js';

/** Tables and arrays nest at most this deep, so a hostile peer cannot exhaust the stack. */
export const MAX_DEPTH = 100;

const TWO_32 = 0x1_0000_0000;
/** Seconds beyond which a 'T' value no longer fits a JS Date (±8.64e15 ms). */
const MAX_DATE_SECONDS = 8_640_000_000_000;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

// ---------------------------------------------------------------- encoding

/** Encoded size of a table including its 4-byte length prefix; undefined is the empty table. */
export function fieldTableSize(t: FieldTable | undefined): number {
  return t === undefined ? 4 : 4 + tableBodySize(t, 0);
}

/** Encoded size of an array including its 4-byte length prefix. */
export function fieldArraySize(a: readonly FieldValue[]): number {
  return 4 + arrayBodySize(a, 0);
}

/** Writes a table (with its length prefix) at offset; returns the offset after it. Size it first. */
export function writeFieldTable(buf: Buffer, offset: number, t: FieldTable | undefined): number {
  if (t === undefined) {
    buf.writeUInt32BE(0, offset);
    return offset + 4;
  }
  const end = writeTableBody(buf, offset + 4, t);
  buf.writeUInt32BE(end - offset - 4, offset);
  return end;
}

/** Writes an array (with its length prefix) at offset; returns the offset after it. */
export function writeFieldArray(buf: Buffer, offset: number, a: readonly FieldValue[]): number {
  let o = offset + 4;
  for (const v of a) o = writeValue(buf, o, v);
  buf.writeUInt32BE(o - offset - 4, offset);
  return o;
}

export function encodeFieldTable(t: FieldTable | undefined): Buffer {
  const buf = Buffer.allocUnsafe(fieldTableSize(t));
  writeFieldTable(buf, 0, t);
  return buf;
}

export function encodeFieldArray(a: readonly FieldValue[]): Buffer {
  const buf = Buffer.allocUnsafe(fieldArraySize(a));
  writeFieldArray(buf, 0, a);
  return buf;
}

function tableBodySize(t: FieldTable, depth: number): number {
  if (depth >= MAX_DEPTH) throw encodeError(`field table nested deeper than ${MAX_DEPTH}`);
  let n = 0;
  for (const key of Object.keys(t)) {
    const k = Buffer.byteLength(key, 'utf8');
    // Keys are shortstrs (AMQP 0-9-1 §4.2.5.5).
    if (k > 255) throw encodeError(`field table key longer than 255 bytes: ${key.slice(0, 32)}...`);
    n += 1 + k + valueSize(t[key], depth);
  }
  return n;
}

function arrayBodySize(a: readonly FieldValue[], depth: number): number {
  if (depth >= MAX_DEPTH) throw encodeError(`field array nested deeper than ${MAX_DEPTH}`);
  let n = 0;
  for (const v of a) n += valueSize(v, depth);
  return n;
}

/** Size of tag + value; also the validation pass, so writeValue never meets a bad value. */
function valueSize(v: FieldValue, depth: number): number {
  if (v instanceof Typed) return typedSize(v);
  switch (inferFieldTag(v)) {
    case 'S':
      return 5 + Buffer.byteLength(v as string, 'utf8');
    case 't':
      return 2;
    case 'V':
      return 1;
    case 'I':
      return 5;
    case 'l':
      if (typeof v === 'bigint') checkInt64(v);
      return 9;
    case 'd':
      return 9;
    case 'x':
      return 5 + (v as Uint8Array).length;
    case 'T':
      dateSeconds(v as Date);
      return 9;
    case 'A':
      return 5 + arrayBodySize(v as FieldValue[], depth + 1);
    default:
      if (typeof v !== 'object') throw encodeError(`cannot encode a ${typeof v} in a field table`);
      if (isPlainObject(v as object)) return 5 + tableBodySize(v as FieldTable, depth + 1);
      throw encodeError(`cannot encode a ${(v as object).constructor?.name ?? 'object'} in a field table`);
  }
}

function typedSize(t: Typed): number {
  const v = t.value;
  switch (t.type) {
    case 'int8':
      return 1 + checkInt(v, -0x80, 0x7f, 1);
    case 'uint8':
      return 1 + checkInt(v, 0, 0xff, 1);
    case 'int16':
      return 1 + checkInt(v, -0x8000, 0x7fff, 2);
    case 'uint16':
      return 1 + checkInt(v, 0, 0xffff, 2);
    case 'int32':
      return 1 + checkInt(v, -0x8000_0000, 0x7fff_ffff, 4);
    case 'uint32':
      return 1 + checkInt(v, 0, 0xffff_ffff, 4);
    case 'int64':
      if (typeof v === 'bigint') checkInt64(v);
      else checkInt(v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 8);
      return 9;
    case 'float':
    case 'double':
      if (typeof v !== 'number') throw encodeError(`${t.type} field value must be a number`);
      return t.type === 'float' ? 5 : 9;
    case 'decimal':
      checkDecimal(v);
      return 6;
    case 'timestamp':
      if (typeof v === 'bigint') {
        if (v < 0n || v > UINT64_MAX) throw encodeError('timestamp out of uint64 range');
      } else checkInt(v, 0, Number.MAX_SAFE_INTEGER, 8);
      return 9;
    default:
      throw encodeError(`unknown Typed kind ${String(t.type)}`);
  }
}

function checkInt(v: unknown, min: number, max: number, size: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw encodeError(`field value ${String(v)} is not an integer in [${min}, ${max}]`);
  }
  return size;
}

function checkInt64(v: bigint): void {
  if (v < INT64_MIN || v > INT64_MAX) throw encodeError(`field value ${v} is out of int64 range`);
}

function checkDecimal(v: unknown): void {
  const d = v as Partial<Decimal> | null;
  // RabbitMQ reads the digits as unsigned (rabbit_binary_parser: After:32/unsigned); accept either sign convention.
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.scale !== 'number' ||
    !Number.isInteger(d.scale) ||
    d.scale < 0 ||
    d.scale > 255 ||
    typeof d.value !== 'number' ||
    !Number.isInteger(d.value) ||
    d.value < -0x8000_0000 ||
    d.value > 0xffff_ffff
  ) {
    throw encodeError('decimal field value must be {scale: 0..255, value: 32-bit integer}');
  }
}

function dateSeconds(d: Date): number {
  const ms = d.getTime();
  if (!(ms >= 0)) throw encodeError('timestamp field value must be a valid Date at or after 1970');
  return Math.floor(ms / 1000);
}

function isPlainObject(v: object): v is FieldTable {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function writeTableBody(buf: Buffer, offset: number, t: FieldTable): number {
  let o = offset;
  for (const key of Object.keys(t)) {
    const k = buf.write(key, o + 1, 'utf8');
    buf[o] = k;
    o = writeValue(buf, o + 1 + k, t[key]);
  }
  return o;
}

function writeValue(buf: Buffer, offset: number, v: FieldValue): number {
  if (v instanceof Typed) return writeTyped(buf, offset, v);
  const o = offset;
  switch (inferFieldTag(v)) {
    case 'S': {
      buf[o] = 0x53; // S
      const n = buf.write(v as string, o + 5, 'utf8');
      buf.writeUInt32BE(n, o + 1);
      return o + 5 + n;
    }
    case 't':
      buf[o] = 0x74; // t
      buf[o + 1] = v ? 1 : 0;
      return o + 2;
    case 'V':
      buf[o] = 0x56; // V
      return o + 1;
    case 'I':
      buf[o] = 0x49; // I
      buf.writeInt32BE(v as number, o + 1);
      return o + 5;
    case 'l':
      buf[o] = 0x6c; // l
      buf.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v as number), o + 1);
      return o + 9;
    case 'd':
      buf[o] = 0x64; // d
      buf.writeDoubleBE(v as number, o + 1);
      return o + 9;
    case 'x': {
      const bytes = v as Uint8Array;
      buf[o] = 0x78; // x
      buf.writeUInt32BE(bytes.length, o + 1);
      buf.set(bytes, o + 5);
      return o + 5 + bytes.length;
    }
    case 'T':
      buf[o] = 0x54; // T
      writeUint64(buf, o + 1, dateSeconds(v as Date));
      return o + 9;
    case 'A':
      buf[o] = 0x41; // A
      return writeFieldArray(buf, o + 1, v as FieldValue[]);
    default: {
      buf[o] = 0x46; // F
      const end = writeTableBody(buf, o + 5, v as FieldTable);
      buf.writeUInt32BE(end - o - 5, o + 1);
      return end;
    }
  }
}

function writeTyped(buf: Buffer, o: number, t: Typed): number {
  const v = t.value;
  switch (t.type) {
    case 'int8':
      buf[o] = 0x62; // b
      buf.writeInt8(v as number, o + 1);
      return o + 2;
    case 'uint8':
      buf[o] = 0x42; // B
      buf[o + 1] = v as number;
      return o + 2;
    case 'int16':
      buf[o] = 0x73; // s
      buf.writeInt16BE(v as number, o + 1);
      return o + 3;
    case 'uint16':
      buf[o] = 0x75; // u
      buf.writeUInt16BE(v as number, o + 1);
      return o + 3;
    case 'int32':
      buf[o] = 0x49; // I
      buf.writeInt32BE(v as number, o + 1);
      return o + 5;
    case 'uint32':
      buf[o] = 0x69; // i
      buf.writeUInt32BE(v as number, o + 1);
      return o + 5;
    case 'int64':
      buf[o] = 0x6c; // l
      buf.writeBigInt64BE(BigInt(v as number | bigint), o + 1);
      return o + 9;
    case 'float':
      buf[o] = 0x66; // f
      buf.writeFloatBE(v as number, o + 1);
      return o + 5;
    case 'double':
      buf[o] = 0x64; // d
      buf.writeDoubleBE(v as number, o + 1);
      return o + 9;
    case 'decimal': {
      const d = v as Decimal;
      buf[o] = 0x44; // D
      buf[o + 1] = d.scale;
      buf.writeUInt32BE(d.value >>> 0, o + 2);
      return o + 6;
    }
    case 'timestamp':
      buf[o] = 0x54; // T
      if (typeof v === 'bigint') buf.writeBigUInt64BE(v, o + 1);
      else writeUint64(buf, o + 1, v as number);
      return o + 9;
  }
}

function writeUint64(buf: Buffer, o: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO_32), o);
  buf.writeUInt32BE(n >>> 0, o + 4);
}

// ---------------------------------------------------------------- decoding

/** Reads a length-prefixed table at offset; every read is checked against buf.length. */
export function decodeFieldTable(buf: Buffer, offset: number): { value: FieldTable; offset: number } {
  const end = prefixedEnd(buf, offset, 'table');
  return { value: parseTable(buf, offset + 4, end, 0), offset: end };
}

/** Reads a length-prefixed array at offset. */
export function decodeFieldArray(buf: Buffer, offset: number): { value: FieldValue[]; offset: number } {
  const end = prefixedEnd(buf, offset, 'array');
  return { value: parseArray(buf, offset + 4, end, 0), offset: end };
}

function prefixedEnd(buf: Buffer, offset: number, what: string): number {
  if (offset + 4 > buf.length) throw frameError(`truncated field ${what} length`);
  const end = offset + 4 + buf.readUInt32BE(offset);
  if (end > buf.length) throw frameError(`field ${what} length overruns its frame`);
  return end;
}

/*
 * The parse functions share this cursor instead of returning {value, offset}
 * pairs, which would allocate once per field. Decoding is synchronous, so
 * nested calls cannot interleave.
 */
let pos = 0;

function parseTable(buf: Buffer, start: number, end: number, depth: number): FieldTable {
  if (depth >= MAX_DEPTH) throw frameError(`field table nested deeper than ${MAX_DEPTH}`);
  const table: FieldTable = {};
  let o = start;
  while (o < end) {
    const k = buf[o]!;
    const keyEnd = o + 1 + k;
    // the key and at least the tag octet
    if (keyEnd + 1 > end) throw frameError('truncated field table entry');
    const key = buf.toString('utf8', o + 1, keyEnd);
    pos = keyEnd;
    const value = parseValue(buf, end, depth);
    // A key named __proto__ must become an own property, not replace the prototype.
    if (key === '__proto__')
      Object.defineProperty(table, key, { value, enumerable: true, writable: true, configurable: true });
    else table[key] = value;
    o = pos;
  }
  return table;
}

function parseArray(buf: Buffer, start: number, end: number, depth: number): FieldValue[] {
  if (depth >= MAX_DEPTH) throw frameError(`field array nested deeper than ${MAX_DEPTH}`);
  const out: FieldValue[] = [];
  pos = start;
  while (pos < end) {
    const v = parseValue(buf, end, depth);
    out.push(v);
  }
  return out;
}

function need(n: number, end: number): number {
  const o = pos + 1;
  if (o + n > end) throw frameError('truncated field value');
  pos = o + n;
  return o;
}

/**
 * Parses the tagged value at `pos` (which is < end), leaving `pos` after it:
 * the length-prefixed types here, the fixed-size ones in parseFixed.
 */
function parseValue(buf: Buffer, end: number, depth: number): FieldValue {
  const tag = buf[pos]!;
  let o: number;
  switch (tag) {
    case 0x53: {
      // S
      o = need(4, end);
      const n = buf.readUInt32BE(o);
      if (o + 4 + n > end) throw frameError('field long string overruns its table');
      pos = o + 4 + n;
      return buf.toString('utf8', o + 4, pos);
    }
    case 0x46: {
      // F
      o = need(4, end);
      const e = o + 4 + buf.readUInt32BE(o);
      if (e > end) throw frameError('nested field table overruns its parent');
      const t = parseTable(buf, o + 4, e, depth + 1);
      pos = e;
      return t;
    }
    case 0x41: {
      // A
      o = need(4, end);
      const e = o + 4 + buf.readUInt32BE(o);
      if (e > end) throw frameError('field array overruns its parent');
      const a = parseArray(buf, o + 4, e, depth + 1);
      pos = e;
      return a;
    }
    case 0x78: {
      // x — zero-copy: the slice shares the frame's memory, which nothing reuses
      o = need(4, end);
      const n = buf.readUInt32BE(o);
      if (o + 4 + n > end) throw frameError('field byte array overruns its table');
      pos = o + 4 + n;
      return buf.subarray(o + 4, pos);
    }
    default:
      return parseFixed(buf, tag, end);
  }
}

/** The fixed-size field values (and void), tag at `pos`; leaves `pos` after the value. */
function parseFixed(buf: Buffer, tag: number, end: number): FieldValue {
  switch (tag) {
    case 0x49: // I
      return buf.readInt32BE(need(4, end));
    case 0x74: // t — RabbitMQ reads any non-zero octet as true
      return buf[need(1, end)] !== 0;
    case 0x56: // V
      pos += 1;
      return null;
    case 0x54: {
      // T
      const o = need(8, end);
      const hi = buf.readUInt32BE(o);
      const seconds = hi * TWO_32 + buf.readUInt32BE(o + 4);
      if (seconds <= MAX_DATE_SECONDS) return new Date(seconds * 1000);
      return new Typed('timestamp', buf.readBigUInt64BE(o));
    }
    case 0x64: {
      // d — a plain number only when inference would choose 'd' again
      const d = buf.readDoubleBE(need(8, end));
      return Number.isSafeInteger(d) ? new Typed('double', d) : d;
    }
    case 0x6c: // l
    case 0x4c: // L — RabbitMQ also reads it as signed 64-bit and re-encodes it as 'l'
      return new Typed('int64', int64At(buf, need(8, end)));
    case 0x62: // b
      return new Typed('int8', buf.readInt8(need(1, end)));
    case 0x42: // B
      return new Typed('uint8', buf[need(1, end)]!);
    case 0x73: // s
      return new Typed('int16', buf.readInt16BE(need(2, end)));
    case 0x75: // u
      return new Typed('uint16', buf.readUInt16BE(need(2, end)));
    case 0x69: // i
      return new Typed('uint32', buf.readUInt32BE(need(4, end)));
    case 0x66: // f
      return new Typed('float', buf.readFloatBE(need(4, end)));
    case 0x44: {
      // D
      const o = need(5, end);
      return new Typed('decimal', { scale: buf[o]!, value: buf.readUInt32BE(o + 1) });
    }
    default:
      throw frameError(`unknown field value type 0x${tag.toString(16).padStart(2, '0')}`);
  }
}

function int64At(buf: Buffer, o: number): number | bigint {
  const big = buf.readBigInt64BE(o);
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}
