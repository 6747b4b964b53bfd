/**
 * The scan half of recovery: which segments are on disk, and what one
 * segment's message file and side file say — its messages in file order and,
 * for each, which queues still reference it and whether it had been
 * delivered. Nothing here touches a queue (recovery.ts replays into them).
 *
 * A torn record at the tail of a file is dropped with a warning and the file
 * truncated to its last whole record; any other damage throws a StoreError
 * naming the file and offset.
 */
import { existsSync, readdirSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACK_MAGIC,
  CorruptRecordError,
  decodeMessageRecord,
  decodeRefRecord,
  type MessageFields,
  RECORD_HEADER_SIZE,
  RecordType,
  type ScanResult,
  SEGMENT_MAGIC,
  scanRecords,
} from './record-codec.js';
import { StoreError } from './store-error.js';

/** One message record of a segment and the queues that still reference it. */
export interface ScannedMessage {
  readonly offset: number;
  readonly bodyPos: number;
  readonly fields: MessageFields;
  /** queue id → delivered */
  readonly refs: Map<number, boolean>;
}

export interface ScannedSegment {
  /** Messages in file order (the order they were enqueued). */
  readonly messages: ScannedMessage[];
  /** Valid bytes of the message file and of the side file (0 when it has none). */
  readonly msgSize: number;
  readonly ackSize: number;
  /** Bytes read from both files. */
  readonly bytes: number;
  /** Highest queue id named by any record. */
  readonly maxQueueId: number;
}

/** Ids of the segments in `dir`, ascending; side files left without their segment are removed. */
export function listSegmentIds(dir: string): number[] {
  const ids: number[] = [];
  const names = existsSync(dir) ? readdirSync(dir) : [];
  for (const n of names) {
    const m = /^(\d{8})\.msg$/.exec(n);
    if (m) ids.push(Number(m[1]));
  }
  ids.sort((a, b) => a - b);
  const known = new Set(ids);
  // A side file without its segment: the segment was deleted and the crash came before the side file went.
  for (const n of names) {
    const m = /^(\d{8})\.ack$/.exec(n);
    if (m && !known.has(Number(m[1]))) unlinkSync(join(dir, n));
  }
  return ids;
}

function scanFile(path: string, magic: Buffer, warnings: string[]): { buf: Buffer; scan: ScanResult } {
  const buf = readFileSync(path);
  let scan: ScanResult;
  try {
    scan = scanRecords(buf, magic, path);
  } catch (e) {
    if (e instanceof CorruptRecordError) throw new StoreError(e.message);
    throw e;
  }
  if (scan.torn !== undefined) {
    warnings.push(
      `dropped a torn record at the tail of ${path} at offset ${scan.torn.offset} (${buf.length - scan.torn.offset} bytes: ${scan.torn.reason})`,
    );
    truncateSync(path, scan.validLength);
  }
  return { buf, scan };
}

/** Reads a segment's message file and applies its side file (when it exists) to the references. */
export function scanSegment(msgPath: string, ackPath: string, warnings: string[]): ScannedSegment {
  const { buf, scan } = scanFile(msgPath, SEGMENT_MAGIC, warnings);
  const messages: ScannedMessage[] = [];
  const byOffset = new Map<number, ScannedMessage>();
  let maxQueueId = 0;
  for (const r of scan.records) {
    if (r.type !== RecordType.message) {
      throw new StoreError(`corrupt record in ${msgPath} at offset ${r.offset}: unexpected record type ${r.type}`);
    }
    let fields: MessageFields;
    try {
      fields = decodeMessageRecord(r.payload);
    } catch (e) {
      throw new StoreError(`corrupt record in ${msgPath} at offset ${r.offset}: ${(e as Error).message}`);
    }
    // The body is the tail of the payload, which follows the record header.
    const bodyPos = r.offset + RECORD_HEADER_SIZE + r.payload.length - fields.body.length;
    const p: ScannedMessage = { offset: r.offset, bodyPos, fields, refs: new Map() };
    for (const q of fields.queueIds) {
      p.refs.set(q, false);
      if (q > maxQueueId) maxQueueId = q;
    }
    byOffset.set(r.offset, p);
    messages.push(p);
  }
  if (!existsSync(ackPath)) return { messages, msgSize: scan.validLength, ackSize: 0, bytes: buf.length, maxQueueId };
  const side = applySideFile(ackPath, byOffset, warnings);
  return {
    messages,
    msgSize: scan.validLength,
    ackSize: side.ackSize,
    bytes: buf.length + side.bytes,
    maxQueueId: Math.max(maxQueueId, side.maxQueueId),
  };
}

/** Acks drop a queue's reference, delivered marks set it redelivered, refs add one. */
function applySideFile(
  ackPath: string,
  byOffset: ReadonlyMap<number, ScannedMessage>,
  warnings: string[],
): { ackSize: number; bytes: number; maxQueueId: number } {
  const { buf, scan } = scanFile(ackPath, ACK_MAGIC, warnings);
  let maxQueueId = 0;
  for (const r of scan.records) {
    let ref: { queueId: number; offset: number };
    try {
      if (r.type === RecordType.message) throw new RangeError(`unexpected record type ${r.type}`);
      ref = decodeRefRecord(r.payload);
    } catch (e) {
      throw new StoreError(`corrupt record in ${ackPath} at offset ${r.offset}: ${(e as Error).message}`);
    }
    const p = byOffset.get(ref.offset);
    if (p === undefined) continue;
    if (ref.queueId > maxQueueId) maxQueueId = ref.queueId;
    if (r.type === RecordType.ack) p.refs.delete(ref.queueId);
    else if (r.type === RecordType.delivered) {
      if (p.refs.has(ref.queueId)) p.refs.set(ref.queueId, true);
    } else if (!p.refs.has(ref.queueId)) p.refs.set(ref.queueId, false);
  }
  return { ackSize: scan.validLength, bytes: buf.length, maxQueueId };
}
