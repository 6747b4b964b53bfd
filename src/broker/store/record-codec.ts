/**
 * Record framing of the store's files. Every file starts with an 8-byte
 * magic; then records follow back to back:
 *
 *     u32 payload length | u8 type | u32 crc32(type, payload) | payload
 *
 * `scanRecords` walks a file image and tells a torn tail (a crash in the
 * middle of an append: the last record runs past the end of the file, or
 * fails its checksum with nothing but zeros after it) from corruption in the
 * middle (a bad record followed by more data), which must stop recovery.
 */
import { crc32 } from './crc32.js';

export const RECORD_HEADER_SIZE = 9;

/** Magic of message segment files (`NNNNNNNN.msg`). */
export const SEGMENT_MAGIC = Buffer.from('QPIDMSG1', 'latin1');
/** Magic of per-segment queue reference files (`NNNNNNNN.ack`). */
export const ACK_MAGIC = Buffer.from('QPIDACK1', 'latin1');
export const MAGIC_SIZE = 8;

export const RecordType = {
  /** A persistent message and the durable queues it was routed to. */
  message: 1,
  /** A queue's reference to a message is gone (ack, reject, purge, expiry, drop). */
  ack: 2,
  /** A queue handed the message out unacknowledged: it comes back redelivered. */
  delivered: 3,
  /** One more queue references a message already written. */
  ref: 4,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

const KNOWN_TYPES = new Set<number>(Object.values(RecordType));

/** Largest payload a record may claim: 128 MiB bodies plus headers, with room to spare. */
const MAX_PAYLOAD = 512 * 1024 * 1024;

/** The 9-byte header of a record whose payload is `parts` (total `length` bytes). */
export function recordHeader(type: RecordType, parts: readonly Uint8Array[], length: number): Buffer {
  const h = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
  h.writeUInt32BE(length, 0);
  h[4] = type;
  let c = crc32(h.subarray(4, 5));
  for (const p of parts) c = crc32(p, c);
  h.writeUInt32BE(c, 5);
  return h;
}

/** A small record (ack, delivered, ref): header and the 8-byte payload `qid, offset` in one buffer. */
export function encodeRefRecord(type: RecordType, queueId: number, offset: number): Buffer {
  const b = Buffer.allocUnsafe(RECORD_HEADER_SIZE + 8);
  b.writeUInt32BE(8, 0);
  b[4] = type;
  b.writeUInt32BE(queueId, 9);
  b.writeUInt32BE(offset, 13);
  b.writeUInt32BE(crc32(b.subarray(9, 17), crc32(b.subarray(4, 5))), 5);
  return b;
}

export interface ScannedRecord {
  readonly type: RecordType;
  /** Offset of the record header in the file. */
  readonly offset: number;
  readonly payload: Buffer;
}

export interface ScanResult {
  readonly records: ScannedRecord[];
  /** Bytes of valid data (magic plus whole records); the file is truncated to this on recovery. */
  readonly validLength: number;
  /** Set when a torn record was found at the tail and dropped. */
  readonly torn: { offset: number; reason: string } | undefined;
}

/** Thrown for corruption that is not a torn tail: names the file and the offset. */
export class CorruptRecordError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`corrupt record in ${file} at offset ${offset}: ${reason}`);
  }
}

function zerosFrom(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Parses a whole file image; throws CorruptRecordError for anything but a torn tail. */
export function scanRecords(buf: Buffer, magic: Buffer, file: string): ScanResult {
  const records: ScannedRecord[] = [];
  if (buf.length < MAGIC_SIZE) {
    // Crash right after the file was created: nothing in it can have been confirmed.
    if (magic.subarray(0, buf.length).equals(buf) || zerosFrom(buf, 0)) {
      return {
        records,
        validLength: 0,
        torn: buf.length > 0 ? { offset: 0, reason: 'partial file header' } : undefined,
      };
    }
    throw new CorruptRecordError(file, 0, 'bad file header');
  }
  if (!buf.subarray(0, MAGIC_SIZE).equals(magic)) throw new CorruptRecordError(file, 0, 'bad file header');
  let o = MAGIC_SIZE;
  const end = buf.length;
  const torn = (reason: string): ScanResult => ({ records, validLength: o, torn: { offset: o, reason } });
  while (o < end) {
    if (end - o < RECORD_HEADER_SIZE) {
      return torn(`partial record header (${end - o} bytes)`);
    }
    const len = buf.readUInt32BE(o);
    const type = buf[o + 4] as number;
    if (len === 0 && type === 0 && zerosFrom(buf, o)) return torn('zero-filled tail');
    if (!KNOWN_TYPES.has(type) || len > MAX_PAYLOAD) {
      throw new CorruptRecordError(file, o, `bad record header (type ${type}, length ${len})`);
    }
    const next = o + RECORD_HEADER_SIZE + len;
    if (next > end) return torn(`record of ${len} bytes runs past the end of the file`);
    const payload = buf.subarray(o + RECORD_HEADER_SIZE, next);
    const expected = buf.readUInt32BE(o + 5);
    const actual = crc32(payload, crc32(buf.subarray(o + 4, o + 5)));
    if (actual !== expected) {
      if (next === end || zerosFrom(buf, next)) return torn('checksum mismatch in the last record');
      throw new CorruptRecordError(file, o, `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`);
    }
    records.push({ type: type as RecordType, offset: o, payload });
    o = next;
  }
  return { records, validLength: o, torn: undefined };
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

// ---- message records --------------------------------------------------------

export interface MessageFields {
  readonly publishedAt: number;
  readonly queueIds: readonly number[];
  readonly exchange: string;
  readonly routingKey: string;
  readonly headerPayload: Buffer;
  readonly body: Buffer;
}

/**
 * A message record as buffers to write with writev: the record header, a
 * small buffer with the fixed fields, and the header payload and body as they
 * are (not copied). Returns the parts and their total size.
 */
export function encodeMessageRecord(m: MessageFields): { parts: Buffer[]; size: number } {
  const ex = Buffer.from(m.exchange, 'utf8');
  const rk = Buffer.from(m.routingKey, 'utf8');
  const fixedLen = 8 + 2 + 4 * m.queueIds.length + 1 + ex.length + 1 + rk.length + 4;
  const fixed = Buffer.allocUnsafe(fixedLen);
  let o = fixed.writeDoubleBE(m.publishedAt, 0);
  o = fixed.writeUInt16BE(m.queueIds.length, o);
  for (const q of m.queueIds) o = fixed.writeUInt32BE(q, o);
  o = fixed.writeUInt8(ex.length, o);
  o += ex.copy(fixed, o);
  o = fixed.writeUInt8(rk.length, o);
  o += rk.copy(fixed, o);
  fixed.writeUInt32BE(m.headerPayload.length, o);
  const payloadParts = [fixed, m.headerPayload, m.body];
  const len = fixedLen + m.headerPayload.length + m.body.length;
  const header = recordHeader(RecordType.message, payloadParts, len);
  return { parts: [header, ...payloadParts], size: RECORD_HEADER_SIZE + len };
}

/** Decodes a message record payload; the buffers returned are views into `p`. */
export function decodeMessageRecord(p: Buffer): MessageFields {
  let o = 0;
  const publishedAt = p.readDoubleBE(o);
  o += 8;
  const n = p.readUInt16BE(o);
  o += 2;
  const queueIds: number[] = [];
  for (let i = 0; i < n; i++, o += 4) queueIds.push(p.readUInt32BE(o));
  const exLen = p.readUInt8(o++);
  const exchange = p.toString('utf8', o, o + exLen);
  o += exLen;
  const rkLen = p.readUInt8(o++);
  const routingKey = p.toString('utf8', o, o + rkLen);
  o += rkLen;
  const hLen = p.readUInt32BE(o);
  o += 4;
  if (o + hLen > p.length) throw new RangeError('header payload runs past the record');
  const headerPayload = p.subarray(o, o + hLen);
  const body = p.subarray(o + hLen);
  return { publishedAt, queueIds, exchange, routingKey, headerPayload, body };
}

/** The queue id and message offset of an ack, delivered or ref record. */
export function decodeRefRecord(p: Buffer): { queueId: number; offset: number } {
  if (p.length !== 8) throw new RangeError(`reference record of ${p.length} bytes`);
  return { queueId: p.readUInt32BE(0), offset: p.readUInt32BE(4) };
}
