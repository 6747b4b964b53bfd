/**
 * The scan half of recovery: which segments are on disk, and what one
 * segment's message file and side file say — its message records in file
 * order and, for each, which queues still reference it and whether it had
 * been delivered. Nothing here touches a queue (recovery.ts replays into
 * them), and nothing is allocated per record but the checksum's view: a
 * record is its offset in the file image, read again at replay.
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
  decodeRefRecord,
  newMessageLayout,
  RECORD_HEADER_SIZE,
  RecordType,
  type RecordVisitor,
  readMessageLayout,
  SEGMENT_MAGIC,
  type WalkResult,
  walkRecords,
} from './record-codec.js';
import { SegmentRefs } from './segment-refs.js';
import { StoreError } from './store-error.js';

export interface ScannedSegment {
  /** The message file as read. */
  readonly image: Buffer;
  /** Offsets of the message records in `image`, ascending (file order, the order they were enqueued). */
  readonly offsets: readonly number[];
  /** Ends of their payloads. */
  readonly ends: readonly number[];
  /** Queue references of each record, by its index in `offsets`. */
  readonly refs: SegmentRefs;
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

/** Walks the records of the file `path`, read into `buf`; a torn tail is reported and truncated away. */
function walkFile(path: string, buf: Buffer, magic: Buffer, warnings: string[], visit: RecordVisitor): WalkResult {
  let walk: WalkResult;
  try {
    walk = walkRecords(buf, magic, path, visit);
  } catch (e) {
    if (e instanceof CorruptRecordError) throw new StoreError(e.message);
    throw e;
  }
  if (walk.torn !== undefined) {
    warnings.push(
      `dropped a torn record at the tail of ${path} at offset ${walk.torn.offset} (${buf.length - walk.torn.offset} bytes: ${walk.torn.reason})`,
    );
    truncateSync(path, walk.validLength);
  }
  return walk;
}

/** Reads a segment's message file and applies its side file (when it exists) to the references. */
export function scanSegment(msgPath: string, ackPath: string, warnings: string[]): ScannedSegment {
  const image = readFileSync(msgPath);
  const offsets: number[] = [];
  const ends: number[] = [];
  const refs = new SegmentRefs();
  const layout = newMessageLayout();
  let maxQueueId = 0;
  const walk = walkFile(msgPath, image, SEGMENT_MAGIC, warnings, (type, offset, end) => {
    if (type !== RecordType.message) {
      throw new StoreError(`corrupt record in ${msgPath} at offset ${offset}: unexpected record type ${type}`);
    }
    try {
      readMessageLayout(image, offset + RECORD_HEADER_SIZE, end, layout);
    } catch (e) {
      throw new StoreError(`corrupt record in ${msgPath} at offset ${offset}: ${(e as Error).message}`);
    }
    const i = refs.add();
    for (let k = 0; k < layout.queueCount; k++) {
      const q = image.readUInt32BE(layout.queuesAt + 4 * k);
      refs.set(i, q, false);
      if (q > maxQueueId) maxQueueId = q;
    }
    offsets.push(offset);
    ends.push(end);
  });
  const scanned = { image, offsets, ends, refs, msgSize: walk.validLength, maxQueueId };
  if (!existsSync(ackPath)) return { ...scanned, ackSize: 0, bytes: image.length };
  const side = applySideFile(ackPath, offsets, refs, warnings);
  return {
    ...scanned,
    ackSize: side.ackSize,
    bytes: image.length + side.bytes,
    maxQueueId: Math.max(maxQueueId, side.maxQueueId),
  };
}

/** The index of the record at `offset` (offsets ascend), or -1. */
function recordAt(offsets: readonly number[], offset: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = offsets[mid] as number;
    if (o === offset) return mid;
    if (o < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Acks drop a queue's reference, delivered marks set it redelivered, refs add one. */
function applySideFile(
  ackPath: string,
  offsets: readonly number[],
  refs: SegmentRefs,
  warnings: string[],
): { ackSize: number; bytes: number; maxQueueId: number } {
  const buf = readFileSync(ackPath);
  let maxQueueId = 0;
  const walk = walkFile(ackPath, buf, ACK_MAGIC, warnings, (type, offset, end) => {
    let ref: { queueId: number; offset: number };
    try {
      if (type === RecordType.message) throw new RangeError(`unexpected record type ${type}`);
      ref = decodeRefRecord(buf.subarray(offset + RECORD_HEADER_SIZE, end));
    } catch (e) {
      throw new StoreError(`corrupt record in ${ackPath} at offset ${offset}: ${(e as Error).message}`);
    }
    const i = recordAt(offsets, ref.offset);
    if (i < 0) return;
    const q = ref.queueId;
    if (q > maxQueueId) maxQueueId = q;
    if (type === RecordType.ack) refs.delete(i, q);
    else if (type === RecordType.delivered) {
      if (refs.has(i, q)) refs.set(i, q, true);
    } else if (!refs.has(i, q)) refs.set(i, q, false);
  });
  return { ackSize: walk.validLength, bytes: buf.length, maxQueueId };
}
