/**
 * The durable MessageStore (`--data-dir`): durable topology in
 * definitions.json, persistent messages on durable queues in an append-only
 * segmented log (segment-log.ts) with CRC-checked records (record-codec.ts).
 *
 * Group commit: store calls only queue work in memory; one flush per
 * event-loop turn (and, while a flush is in progress, one for everything that
 * arrived meanwhile) writes it with one writev and one fdatasync per file,
 * then resolves the promise every enqueue of that batch returned — the
 * publisher confirms and tx.commit-ok that waited on it go out only then.
 *
 * A message routed to several durable queues is written once, with the list
 * of its queues; acks, deliveries and later references go to the segment's
 * side file. A message removed before its batch is written is not written at
 * all, and a delivered mark cancelled by an ack in the same batch is dropped.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../message.js';
import type { LogLevel } from '../options.js';
import type { QueueEntry } from '../queue-entry.js';
import type { VHost } from '../vhost.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import {
  DEFINITIONS_FILE,
  type Definitions,
  readDefinitions,
  restoreDefinitions,
  snapshotDefinitions,
  syncDir,
  writeDefinitions,
} from './definitions-store.js';
import type { MessageStore, StoredQueueRef } from './message-store.js';
import { encodeMessageRecord, encodeRefRecord, RecordType } from './record-codec.js';
import { recoverMessages } from './recovery.js';
import { SEGMENT_SPAN, type Segment, SegmentLog } from './segment-log.js';

/** What the store needs from the broker: its vhosts (to snapshot and restore topology) and its log. */
export interface StoreHost {
  readonly vhosts: ReadonlyMap<string, VHost>;
  addVhost(name: string): VHost;
  log(level: LogLevel, message: string): void;
}

export interface DiskStoreOptions {
  /** Roll to a new segment file beyond this size. Default 8 MiB. */
  segmentSize?: number;
}

export interface RecoveryReport {
  readonly exchanges: number;
  readonly queues: number;
  readonly bindings: number;
  readonly messages: number;
  readonly entries: number;
  readonly bytes: number;
  readonly ms: number;
}

interface PendingMessage {
  readonly message: Message;
  readonly queues: number[];
  readonly delivered: number[];
}

interface SideOp {
  readonly type: RecordType;
  readonly segment: Segment;
  readonly queueId: number;
  readonly offset: number;
  cancelled: boolean;
}

interface Waiter {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

/** An empty current segment at least this big is rolled so its file can go. */
const EMPTY_ROLL_SIZE = 1024 * 1024;

export class DiskStore implements MessageStore {
  private host: StoreHost | undefined;
  private log: SegmentLog | undefined;
  private readonly ids = new WeakMap<object, number>();
  private nextQueueId = 1;
  private pendingMsgs = new Map<Message, PendingMessage>();
  private pendingOps: SideOp[] = [];
  private pendingDelivered = new Map<string, SideOp>();
  private waiter: Waiter | undefined;
  private defsDirty = false;
  private readonly doomed = new Set<Segment>();
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Batches written and fsyncs issued, for tests and the log. */
  readonly stats = { batches: 0, messagesWritten: 0 };

  private constructor(
    readonly dir: string,
    private readonly lock: DataDirLock,
    private readonly segmentSize: number,
  ) {}

  /** Creates the directory if needed and locks it; fails at once when another broker holds it. */
  static open(dir: string, options: DiskStoreOptions = {}): DiskStore {
    mkdirSync(join(dir, 'messages'), { recursive: true });
    const lock = lockDataDir(dir);
    return new DiskStore(dir, lock, options.segmentSize ?? 8 * 1024 * 1024);
  }

  get messagesDir(): string {
    return join(this.dir, 'messages');
  }

  /**
   * Restores the durable topology into `host` and every persistent message
   * still referenced into its queues, then opens a fresh segment for writing.
   * On error the lock is released and the error rethrown.
   */
  recover(host: StoreHost): RecoveryReport {
    const t0 = process.hrtime.bigint();
    this.host = host;
    try {
      if (this.lock.staleOwner !== undefined) {
        host.log(
          'warn',
          `data directory ${this.dir}: taking over the lock of pid ${this.lock.staleOwner}, which is gone`,
        );
      }
      const defsFile = join(this.dir, DEFINITIONS_FILE);
      const defs: Definitions = readDefinitions(this.dir);
      const queues = restoreDefinitions(defs, (n) => host.vhosts.get(n) ?? host.addVhost(n), defsFile);
      let maxId = 0;
      for (const [id, q] of queues) {
        this.ids.set(q, id);
        if (id > maxId) maxId = id;
      }
      const r = recoverMessages(this.messagesDir, queues);
      for (const w of r.warnings) host.log('warn', w);
      this.nextQueueId = Math.max(defs.nextQueueId ?? 1, maxId + 1, r.maxQueueId + 1);
      const log = new SegmentLog(this.messagesDir, this.segmentSize, r.lastId + 1);
      for (const s of r.segments) log.adopt(s.id, s.msgSize, s.ackSize, s.live);
      this.log = log;
      // Queues re-run their dispatch and expiry now that their messages are back.
      for (const q of queues.values()) q.dispatch();
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const report: RecoveryReport = {
        exchanges: defs.exchanges.length,
        queues: defs.queues.length,
        bindings: defs.bindings.length,
        messages: r.messages,
        entries: r.entries,
        bytes: r.bytes,
        ms,
      };
      const empty = report.queues === 0 && report.exchanges === 0 && r.bytes === 0;
      host.log(
        empty ? 'info' : 'notice',
        `recovered ${report.exchanges} exchanges, ${report.queues} queues, ${report.bindings} bindings and ` +
          `${report.messages} messages (${report.entries} queue entries) from ${this.dir} ` +
          `(${(r.bytes / 1048576).toFixed(1)} MiB in ${r.segments.length} segments) in ${ms.toFixed(0)} ms`,
      );
      return report;
    } catch (e) {
      this.log?.close();
      this.closed = true;
      this.lock.release();
      throw e;
    }
  }

  private queueId(q: object): number {
    let id = this.ids.get(q);
    if (id === undefined) {
      id = this.nextQueueId++;
      this.ids.set(q, id);
      this.defsDirty = true;
    }
    return id;
  }

  private batch(): Promise<void> {
    if (this.waiter === undefined) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A batch nobody waits on (no confirms) must not be an unhandled rejection.
      promise.catch(() => {});
      this.waiter = { promise, resolve, reject };
    }
    this.schedule();
    return this.waiter.promise;
  }

  private schedule(): void {
    if (this.scheduled || this.flushing !== undefined || this.closed || this.log === undefined) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.flushing === undefined) this.flushing = this.runFlush();
    });
  }

  // ---- MessageStore -------------------------------------------------------

  enqueue(queue: StoredQueueRef, entry: QueueEntry): Promise<void> | undefined {
    if (this.closed || this.log === undefined) return undefined;
    const qid = this.queueId(queue);
    const m = entry.message;
    if (m.storeId !== undefined) {
      const s = this.log.segments.get(Math.floor(m.storeId / SEGMENT_SPAN));
      if (s !== undefined && !s.deleted) {
        s.live++;
        this.doomed.delete(s);
        this.pendingOps.push({
          type: RecordType.ref,
          segment: s,
          queueId: qid,
          offset: m.storeId % SEGMENT_SPAN,
          cancelled: false,
        });
        return this.batch();
      }
      m.storeId = undefined;
    }
    let pm = this.pendingMsgs.get(m);
    if (pm === undefined) {
      pm = { message: m, queues: [], delivered: [] };
      this.pendingMsgs.set(m, pm);
    }
    pm.queues.push(qid);
    return this.batch();
  }

  remove(queue: StoredQueueRef, entry: QueueEntry): void {
    if (this.closed || this.log === undefined) return;
    const qid = this.ids.get(queue);
    if (qid === undefined) return;
    const m = entry.message;
    if (m.storeId === undefined) {
      const pm = this.pendingMsgs.get(m);
      if (pm === undefined) return;
      removeOne(pm.queues, qid);
      removeOne(pm.delivered, qid);
      return;
    }
    const s = this.log.segments.get(Math.floor(m.storeId / SEGMENT_SPAN));
    if (s === undefined || s.deleted) return;
    const offset = m.storeId % SEGMENT_SPAN;
    const key = `${m.storeId}/${qid}`;
    const d = this.pendingDelivered.get(key);
    if (d !== undefined) {
      d.cancelled = true;
      this.pendingDelivered.delete(key);
    }
    s.live--;
    this.pendingOps.push({ type: RecordType.ack, segment: s, queueId: qid, offset, cancelled: false });
    if (s.live <= 0) this.doomed.add(s);
    this.schedule();
  }

  delivered(queue: StoredQueueRef, entry: QueueEntry): void {
    if (this.closed || this.log === undefined) return;
    const qid = this.ids.get(queue);
    if (qid === undefined) return;
    const m = entry.message;
    if (m.storeId === undefined) {
      const pm = this.pendingMsgs.get(m);
      if (pm !== undefined && !pm.delivered.includes(qid)) pm.delivered.push(qid);
      return;
    }
    const s = this.log.segments.get(Math.floor(m.storeId / SEGMENT_SPAN));
    if (s === undefined || s.deleted) return;
    const key = `${m.storeId}/${qid}`;
    if (this.pendingDelivered.has(key)) return;
    const op: SideOp = {
      type: RecordType.delivered,
      segment: s,
      queueId: qid,
      offset: m.storeId % SEGMENT_SPAN,
      cancelled: false,
    };
    this.pendingDelivered.set(key, op);
    this.pendingOps.push(op);
    this.schedule();
  }

  queueDeleted(): void {
    this.definitionsChanged();
  }

  /** Durable topology changed: the definitions file is rewritten with the next batch. */
  definitionsChanged(): void {
    if (this.closed || this.host === undefined) return;
    this.defsDirty = true;
    this.schedule();
  }

  // ---- flushing -----------------------------------------------------------

  private get hasWork(): boolean {
    return (
      this.pendingMsgs.size > 0 ||
      this.pendingOps.length > 0 ||
      this.defsDirty ||
      this.waiter !== undefined ||
      this.doomed.size > 0
    );
  }

  private async runFlush(): Promise<void> {
    try {
      while (this.hasWork) await this.flushOnce();
    } finally {
      this.flushing = undefined;
    }
  }

  /** Takes everything queued so far (synchronously: positions are fixed here), then writes and syncs it. */
  private async flushOnce(): Promise<void> {
    const log = this.log as SegmentLog;
    const host = this.host as StoreHost;
    const msgs = this.pendingMsgs;
    const ops = this.pendingOps;
    const waiter = this.waiter;
    this.pendingMsgs = new Map();
    this.pendingOps = [];
    this.pendingDelivered.clear();
    this.waiter = undefined;
    let defs: Definitions | undefined;
    if (this.defsDirty) {
      this.defsDirty = false;
      defs = snapshotDefinitions(
        host.vhosts.values(),
        (q) => this.queueId(q),
        () => this.nextQueueId,
      );
      // Ids handed out by the snapshot itself are in it.
      this.defsDirty = false;
    }
    const startSegment = log.current;
    try {
      const cur = log.current;
      if (cur.live <= 0 && cur.msgSize >= EMPTY_ROLL_SIZE && cur.msgBufs.length === 0) {
        log.roll();
        this.doomed.add(cur);
      }
      for (const pm of msgs.values()) {
        if (pm.queues.length === 0) continue;
        const m = pm.message;
        const { parts, size } = encodeMessageRecord({
          publishedAt: m.publishedAt,
          queueIds: pm.queues,
          exchange: m.exchange,
          routingKey: m.routingKey,
          headerPayload: m.headerPayload,
          body: m.body,
        });
        const { segment, offset } = log.reserve(parts, size);
        m.storeId = segment.id * SEGMENT_SPAN + offset;
        segment.live += pm.queues.length;
        this.stats.messagesWritten++;
        for (const qid of pm.delivered) {
          if (pm.queues.includes(qid))
            log.appendSide(segment, encodeRefRecord(RecordType.delivered, qid, offset), false);
        }
      }
      for (const op of ops) {
        const s = op.segment;
        // A segment about to be deleted needs no more side records.
        if (op.cancelled || s.deleted || (s.live <= 0 && s !== log.current)) continue;
        log.appendSide(op.segment, encodeRefRecord(op.type, op.queueId, op.offset), op.type === RecordType.ref);
      }
      if (defs !== undefined) await writeDefinitions(this.dir, defs);
      await log.writePending();
      if (log.dirDirty) {
        log.dirDirty = false;
        await syncDir(log.dir);
      }
      this.stats.batches++;
      waiter?.resolve();
    } catch (e) {
      if (defs !== undefined) this.defsDirty = true;
      host.log('error', `message store write failed in ${this.dir}: ${(e as Error).message}`);
      waiter?.reject(e);
    }
    // The current segment is never deleted: it is rolled (above) by a later batch once big enough.
    if (this.doomed.size > 0 || log.current !== startSegment) {
      for (const s of [...log.segments.values()]) if (s.live <= 0 && s !== log.current) log.delete(s);
      this.doomed.clear();
    }
  }

  /** Writes what is queued, closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.log !== undefined) {
      while (this.flushing !== undefined) await this.flushing;
      if (this.hasWork) {
        this.flushing = this.runFlush();
        await this.flushing;
      }
      this.log.close();
    }
    this.closed = true;
    this.lock.release();
  }
}

function removeOne(a: number[], v: number): void {
  const i = a.indexOf(v);
  if (i >= 0) a.splice(i, 1);
}
