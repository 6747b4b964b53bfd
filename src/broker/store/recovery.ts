/**
 * Reads the message segments back at start. Segments are read in order and
 * their messages in file order, so each queue gets its messages back in the
 * order they were enqueued; the side file says which queues still reference
 * each message and whether it had been delivered (redelivered = true, as
 * RabbitMQ does). Time is linear in the bytes on disk.
 *
 * A torn record at the tail of a file is dropped with a warning and the file
 * truncated to its last whole record; any other damage throws a StoreError
 * naming the file and offset.
 */
import { existsSync, readdirSync, readFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { decodeContentHeader } from '../../protocol/index.js';
import type { Queue } from '../queue.js';
import { StoredMessage } from '../stored-message.js';
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
import { SEGMENT_SPAN, segmentFileName } from './segment-log.js';
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

interface Pending {
  readonly offset: number;
  readonly bodyPos: number;
  readonly fields: MessageFields;
  /** queue id → delivered */
  readonly refs: Map<number, boolean>;
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

/**
 * Decides, once per recovered message and before any queue holds it, whether
 * its body stays in RAM (copied out of the segment image) or is paged out.
 */
export type AdoptBody = (message: StoredMessage) => void;

export function recoverMessages(dir: string, queues: ReadonlyMap<number, Queue>, adopt: AdoptBody): RecoveryResult {
  const warnings: string[] = [];
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

  const segments: RecoveredSegment[] = [];
  let maxQueueId = 0;
  let messages = 0;
  let entries = 0;
  let bytes = 0;
  for (const id of ids) {
    const msgPath = join(dir, segmentFileName(id, 'msg'));
    const ackPath = join(dir, segmentFileName(id, 'ack'));
    const { buf, scan } = scanFile(msgPath, SEGMENT_MAGIC, warnings);
    bytes += buf.length;
    const byOffset = new Map<number, Pending>();
    const order: Pending[] = [];
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
      const p: Pending = { offset: r.offset, bodyPos, fields, refs: new Map() };
      for (const q of fields.queueIds) {
        p.refs.set(q, false);
        if (q > maxQueueId) maxQueueId = q;
      }
      byOffset.set(r.offset, p);
      order.push(p);
    }
    let ackSize = 0;
    if (existsSync(ackPath)) {
      const side = scanFile(ackPath, ACK_MAGIC, warnings);
      bytes += side.buf.length;
      ackSize = side.scan.validLength;
      for (const r of side.scan.records) {
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
    }
    let live = 0;
    for (const p of order) {
      let message: StoredMessage | undefined;
      for (const [qid, delivered] of p.refs) {
        const q = queues.get(qid);
        if (q === undefined || q.deleted) continue;
        if (message === undefined) {
          const f = p.fields;
          let properties: ReturnType<typeof decodeContentHeader>['properties'];
          try {
            properties = decodeContentHeader(f.headerPayload).properties;
          } catch (e) {
            throw new StoreError(`corrupt record in ${msgPath} at offset ${p.offset}: ${(e as Error).message}`);
          }
          // The header is copied so the segment image can be freed; the body is a view until
          // `adopt` copies it (within the body budget) or pages it out.
          message = new StoredMessage(
            f.exchange,
            f.routingKey,
            properties,
            Buffer.from(f.headerPayload),
            f.body,
            f.publishedAt,
          );
          message.storeId = id * SEGMENT_SPAN + p.offset;
          message.bodyPos = p.bodyPos;
          adopt(message);
          messages++;
        }
        message.storeRefs++;
        q.recover(message, delivered);
        live++;
        entries++;
      }
    }
    if (live === 0) {
      unlinkSync(msgPath);
      if (existsSync(ackPath)) unlinkSync(ackPath);
    } else {
      segments.push({ id, msgSize: scan.validLength, ackSize, live });
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
