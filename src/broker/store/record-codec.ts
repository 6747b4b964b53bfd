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

/** Where a file's valid records end, and the torn tail dropped after them, if any. */
export type WalkResult = Omit<ScanResult, 'records'>;

/** Called per valid record: its type, the offset of its header and the end of its payload. */
export type RecordVisitor = (type: RecordType, offset: number, end: number) => void;

/** crc32 of each record type byte: the checksum of a record starts with its type. */
const TYPE_CRC = new Map<number, number>([...KNOWN_TYPES].map((t) => [t, crc32(Uint8Array.of(t))]));

/**
 * Walks a whole file image, calling `visit` for each valid record, without
 * allocating per record beyond the checksum's view (recovery reads millions);
 * throws CorruptRecordError for anything but a torn tail.
 */
export function walkRecords(buf: Buffer, magic: Buffer, file: string, visit: RecordVisitor): WalkResult {
  if (buf.length < MAGIC_SIZE) {
    // Crash right after the file was created: nothing in it can have been confirmed.
    if (magic.subarray(0, buf.length).equals(buf) || zerosFrom(buf, 0)) {
      return { validLength: 0, torn: buf.length > 0 ? { offset: 0, reason: 'partial file header' } : undefined };
    }
    throw new CorruptRecordError(file, 0, 'bad file header');
  }
  if (!buf.subarray(0, MAGIC_SIZE).equals(magic)) throw new CorruptRecordError(file, 0, 'bad file header');
  let o = MAGIC_SIZE;
  const end = buf.length;
  const torn = (reason: string): WalkResult => ({ validLength: o, torn: { offset: o, reason } });
  while (o < end) {
    if (end - o < RECORD_HEADER_SIZE) {
      return torn(`partial record header (${end - o} bytes)`);
    }
    const len = buf.readUInt32BE(o);
    const type = buf[o + 4] as number;
    if (len === 0 && type === 0 && zerosFrom(buf, o)) return torn('zero-filled tail');
    const typeCrc = TYPE_CRC.get(type);
    if (typeCrc === undefined || len > MAX_PAYLOAD) {
      throw new CorruptRecordError(file, o, `bad record header (type ${type}, length ${len})`);
    }
    const next = o + RECORD_HEADER_SIZE + len;
    if (next > end) return torn(`record of ${len} bytes runs past the end of the file`);
    const expected = buf.readUInt32BE(o + 5);
    const actual = crc32(buf.subarray(o + RECORD_HEADER_SIZE, next), typeCrc);
    if (actual !== expected) {
      if (next === end || zerosFrom(buf, next)) return torn('checksum mismatch in the last record');
      throw new CorruptRecordError(file, o, `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`);
    }
    visit(type as RecordType, o, next);
    o = next;
  }
  return { validLength: o, torn: undefined };
}

/** Parses a whole file image into its records; throws CorruptRecordError for anything but a torn tail. */
export function scanRecords(buf: Buffer, magic: Buffer, file: string): ScanResult {
  const records: ScannedRecord[] = [];
  const r = walkRecords(buf, magic, file, (type, offset, end) => {
    records.push({ type, offset, payload: buf.subarray(offset + RECORD_HEADER_SIZE, end) });
  });
  return { records, ...r };
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

/** Byte length of a message record (record header included) with these fields. */
export function messageRecordSize(m: MessageFields): number {
  return (
    RECORD_HEADER_SIZE +
    8 +
    2 +
    4 * m.queueIds.length +
    1 +
    Buffer.byteLength(m.exchange) +
    1 +
    Buffer.byteLength(m.routingKey) +
    4 +
    m.headerPayload.length +
    m.body.length
  );
}

/** A length byte and the UTF-8 bytes of `s` (a short string: at most 255 bytes) at `o`; returns the end. */
function writeShortString(buf: Buffer, o: number, s: string): number {
  const n = buf.write(s, o + 1, 'utf8');
  buf[o] = n;
  return o + 1 + n;
}

/**
 * Writes the record `encodeMessageRecord` would give, byte for byte, into
 * `buf` at `at` (`size` from messageRecordSize): for small records, written
 * in place into a shared chunk rather than as separate buffers.
 */
export function writeMessageRecord(buf: Buffer, at: number, size: number, m: MessageFields): void {
  let o = buf.writeDoubleBE(m.publishedAt, at + RECORD_HEADER_SIZE);
  o = buf.writeUInt16BE(m.queueIds.length, o);
  for (const q of m.queueIds) o = buf.writeUInt32BE(q, o);
  o = writeShortString(buf, o, m.exchange);
  o = writeShortString(buf, o, m.routingKey);
  o = buf.writeUInt32BE(m.headerPayload.length, o);
  buf.set(m.headerPayload, o);
  buf.set(m.body, o + m.headerPayload.length);
  const len = size - RECORD_HEADER_SIZE;
  buf.writeUInt32BE(len, at);
  buf[at + 4] = RecordType.message;
  const typeCrc = TYPE_CRC.get(RecordType.message) as number;
  buf.writeUInt32BE(crc32(buf.subarray(at + RECORD_HEADER_SIZE, at + size), typeCrc), at + 5);
}

/**
 * Where the fields of a message record lie in a file image, read without
 * allocating (recovery reads millions of records): positions are absolute in
 * the image; the body runs from `headerEnd` to the end of the payload.
 */
export interface MessageLayout {
  publishedAt: number;
  queueCount: number;
  /** First of `queueCount` u32 queue ids. */
  queuesAt: number;
  exchangeAt: number;
  exchangeLength: number;
  routingKeyAt: number;
  routingKeyLength: number;
  headerAt: number;
  headerEnd: number;
}

export function newMessageLayout(): MessageLayout {
  return {
    publishedAt: 0,
    queueCount: 0,
    queuesAt: 0,
    exchangeAt: 0,
    exchangeLength: 0,
    routingKeyAt: 0,
    routingKeyLength: 0,
    headerAt: 0,
    headerEnd: 0,
  };
}

/** Fills `out` for the message record payload `buf[start, end)`; throws RangeError when fields run past it. */
export function readMessageLayout(buf: Buffer, start: number, end: number, out: MessageLayout): void {
  const tooShort = () => new RangeError('message record fields run past the record');
  let o = start;
  if (o + 10 > end) throw tooShort();
  out.publishedAt = buf.readDoubleBE(o);
  out.queueCount = buf.readUInt16BE(o + 8);
  out.queuesAt = o + 10;
  o = out.queuesAt + 4 * out.queueCount;
  if (o + 1 > end) throw tooShort();
  out.exchangeLength = buf[o] as number;
  out.exchangeAt = o + 1;
  o = out.exchangeAt + out.exchangeLength;
  if (o + 1 > end) throw tooShort();
  out.routingKeyLength = buf[o] as number;
  out.routingKeyAt = o + 1;
  o = out.routingKeyAt + out.routingKeyLength;
  if (o + 4 > end) throw tooShort();
  const hLen = buf.readUInt32BE(o);
  out.headerAt = o + 4;
  out.headerEnd = out.headerAt + hLen;
  if (out.headerEnd > end) throw new RangeError('header payload runs past the record');
}

/** Decodes a message record payload; the buffers returned are views into `p`. */
export function decodeMessageRecord(p: Buffer): MessageFields {
  const l = newMessageLayout();
  readMessageLayout(p, 0, p.length, l);
  const queueIds: number[] = [];
  for (let i = 0; i < l.queueCount; i++) queueIds.push(p.readUInt32BE(l.queuesAt + 4 * i));
  return {
    publishedAt: l.publishedAt,
    queueIds,
    exchange: p.toString('utf8', l.exchangeAt, l.exchangeAt + l.exchangeLength),
    routingKey: p.toString('utf8', l.routingKeyAt, l.routingKeyAt + l.routingKeyLength),
    headerPayload: p.subarray(l.headerAt, l.headerEnd),
    body: p.subarray(l.headerEnd),
  };
}

/** The queue id and message offset of an ack, delivered or ref record. */
export function decodeRefRecord(p: Buffer): { queueId: number; offset: number } {
  if (p.length !== 8) throw new RangeError(`reference record of ${p.length} bytes`);
  return { queueId: p.readUInt32BE(0), offset: p.readUInt32BE(4) };
}
