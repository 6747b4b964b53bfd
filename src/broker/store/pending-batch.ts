/**
 * What the disk store queues between two group commits, and how a batch
 * becomes records in the segment log. Positions are fixed synchronously when
 * the batch is taken (DiskStore.flushOnce), so a message's storeId is known
 * before its write completes.
 */
import type { StoredMessage } from '../stored-message.js';
import {
  encodeMessageRecord,
  encodeRefRecord,
  type MessageFields,
  messageRecordSize,
  RecordType,
  writeMessageRecord,
} from './record-codec.js';
import { SEGMENT_SPAN, type Segment, type SegmentLog, SMALL_RECORD } from './segment-log.js';

/** A message not written yet, with the durable queues it is on and those that delivered it meanwhile. */
export interface PendingMessage {
  readonly message: StoredMessage;
  readonly queues: number[];
  readonly delivered: number[];
}

/** An ack, delivered mark or ref for a message already in a segment: goes to that segment's side file. */
export interface SideOp {
  readonly type: RecordType;
  readonly segment: Segment;
  readonly queueId: number;
  readonly offset: number;
  cancelled: boolean;
}

/** Counts kept across batches (DiskStore.stats). */
export interface WriteCounts {
  messagesWritten: number;
}

/**
 * Queues the message records of `msgs` and the side records of `ops` in `log`,
 * and gives each message its storeId and bodyPos. A message every queue let go
 * of before its batch is not written at all.
 */
export function queueBatchRecords(
  log: SegmentLog,
  msgs: Iterable<PendingMessage>,
  ops: readonly SideOp[],
  counts: WriteCounts,
): void {
  for (const pm of msgs) {
    if (pm.queues.length === 0) continue;
    const m = pm.message;
    const body = m.loadBody();
    const fields: MessageFields = {
      publishedAt: m.publishedAt,
      queueIds: pm.queues,
      exchange: m.exchange,
      routingKey: m.routingKey,
      headerPayload: m.headerPayload,
      body,
    };
    const size = messageRecordSize(fields);
    const { segment, offset } =
      size <= SMALL_RECORD
        ? log.reserveWrite(size, (buf, at) => writeMessageRecord(buf, at, size, fields))
        : log.reserve(encodeMessageRecord(fields).parts, size);
    m.storeId = segment.id * SEGMENT_SPAN + offset;
    // The body is the last part of the record.
    m.bodyPos = offset + size - body.length;
    segment.live += pm.queues.length;
    counts.messagesWritten++;
    for (const qid of pm.delivered) {
      if (pm.queues.includes(qid)) log.appendSide(segment, encodeRefRecord(RecordType.delivered, qid, offset));
    }
  }
  for (const op of ops) {
    const s = op.segment;
    // A segment about to be deleted needs no more side records.
    if (op.cancelled || s.deleted || (s.live <= 0 && s !== log.current)) continue;
    log.appendSide(op.segment, encodeRefRecord(op.type, op.queueId, op.offset));
  }
}
