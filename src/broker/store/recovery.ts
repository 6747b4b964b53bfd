/**
 * Reads the message segments back at start. Segments are read in order and
 * their messages in file order, so each queue gets its messages back in the
 * order they were enqueued; the side file says which queues still reference
 * each message and whether it had been delivered (redelivered = true, as
 * RabbitMQ does). Time is linear in the bytes on disk. The reading and
 * checking of files is segment-scan.ts; this is the replay into the queues.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Queue } from '../queue.js';
import { StoredMessage } from '../stored-message.js';
import { RecentString } from './recent-string.js';
import { type MessageLayout, newMessageLayout, RECORD_HEADER_SIZE, readMessageLayout } from './record-codec.js';
import { SEGMENT_SPAN, segmentFileName } from './segment-log.js';
import { listSegmentIds, type ScannedSegment, scanSegment } from './segment-scan.js';
import { StoreError } from './store-error.js';

export interface RecoveredSegment {
  readonly id: number;
  readonly msgSize: number;
  readonly ackSize: number;
  readonly live: number;
}

export interface RecoveryResult {
  /** Segments still referenced (the others were deleted). */
  readonly segments: RecoveredSegment[];
  /** Highest segment id seen, 0 when none. */
  readonly lastId: number;
  /** Highest queue id seen in any record. */
  readonly maxQueueId: number;
  readonly messages: number;
  readonly entries: number;
  readonly bytes: number;
  readonly warnings: string[];
}

/**
 * Decides, once per recovered message and before any queue holds it, whether
 * its body stays in RAM (copied out of the segment image) or is paged out.
 */
export type AdoptBody = (message: StoredMessage) => void;

export function recoverMessages(dir: string, queues: ReadonlyMap<number, Queue>, adopt: AdoptBody): RecoveryResult {
  const warnings: string[] = [];
  const ids = listSegmentIds(dir);
  const reader: RecordReader = {
    layout: newMessageLayout(),
    exchanges: new RecentString(),
    routingKeys: new RecentString(),
  };
  const segments: RecoveredSegment[] = [];
  let maxQueueId = 0;
  let messages = 0;
  let entries = 0;
  let bytes = 0;
  for (const id of ids) {
    const msgPath = join(dir, segmentFileName(id, 'msg'));
    const ackPath = join(dir, segmentFileName(id, 'ack'));
    const scanned = scanSegment(msgPath, ackPath, warnings);
    bytes += scanned.bytes;
    if (scanned.maxQueueId > maxQueueId) maxQueueId = scanned.maxQueueId;
    const replayed = replaySegment(id, msgPath, scanned, queues, adopt, reader);
    messages += replayed.messages;
    entries += replayed.entries;
    if (replayed.entries === 0) {
      unlinkSync(msgPath);
      if (existsSync(ackPath)) unlinkSync(ackPath);
    } else {
      segments.push({ id, msgSize: scanned.msgSize, ackSize: scanned.ackSize, live: replayed.entries });
    }
  }
  return {
    segments,
    lastId: ids.length > 0 ? (ids[ids.length - 1] as number) : 0,
    maxQueueId,
    messages,
    entries,
    bytes,
    warnings,
  };
}

/** Decodes the records of one recovery run, sharing repeated exchange and routing-key strings. */
interface RecordReader {
  readonly layout: MessageLayout;
  readonly exchanges: RecentString;
  readonly routingKeys: RecentString;
}

/** Puts a segment's messages back into every live queue that still references them, in file order. */
function replaySegment(
  id: number,
  msgPath: string,
  seg: ScannedSegment,
  queues: ReadonlyMap<number, Queue>,
  adopt: AdoptBody,
  reader: RecordReader,
): { messages: number; entries: number } {
  let messages = 0;
  let entries = 0;
  let i = 0;
  let message: StoredMessage | undefined;
  const replay = (qid: number, delivered: boolean) => {
    const q = queues.get(qid);
    if (q === undefined || q.deleted) return;
    if (message === undefined) {
      message = recoveredMessage(id, msgPath, seg, i, reader);
      adopt(message);
      messages++;
    }
    message.storeRefs++;
    q.restore(message, delivered);
    entries++;
  };
  for (; i < seg.offsets.length; i++) {
    message = undefined;
    seg.refs.forEach(i, replay);
  }
  return { messages, entries };
}

/** The message of record `i` of `seg`, its store position set. */
function recoveredMessage(id: number, msgPath: string, seg: ScannedSegment, i: number, r: RecordReader): StoredMessage {
  const offset = seg.offsets[i] as number;
  const end = seg.ends[i] as number;
  const img = seg.image;
  const l = r.layout;
  // Checked by the scan.
  readMessageLayout(img, offset + RECORD_HEADER_SIZE, end, l);
  let message: StoredMessage;
  try {
    // Properties are read from the header when needed; the header (and a small body) are copied
    // so the segment image can be freed; a larger body stays a view until `adopt` copies it
    // (within the body budget) or pages it out.
    message = new StoredMessage(
      r.exchanges.read(img, l.exchangeAt, l.exchangeLength),
      r.routingKeys.read(img, l.routingKeyAt, l.routingKeyLength),
      undefined,
      img.subarray(l.headerAt, l.headerEnd),
      img.subarray(l.headerEnd, end),
      l.publishedAt,
    );
  } catch (e) {
    throw new StoreError(`corrupt record in ${msgPath} at offset ${offset}: ${(e as Error).message}`);
  }
  message.storeId = id * SEGMENT_SPAN + offset;
  message.bodyPos = l.headerEnd;
  return message;
}
