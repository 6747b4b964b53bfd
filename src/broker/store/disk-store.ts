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
 *
 * Body budget: bodies of stored messages are kept in RAM only up to
 * `bodyBudget` bytes in all. Beyond it, once a message's record is written and
 * synced, its body is dropped from RAM, newest first (the head of a backlog,
 * delivered next, stays in RAM), and read back from its segment with one
 * pread when it is delivered. Recovery does the same, oldest kept first, so a
 * backlog of millions of messages does not need its bodies in RAM. Bodies
 * under PAGEABLE_MIN (stored-message.ts) are kept with their header, never
 * paged and not counted against the budget: they cost less than the
 * message's own bookkeeping, which stays in RAM anyway.
 */
import { mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessSnapshot } from '../auth/types.js';
import type { MessageStore, StoredQueueRef } from '../message-store.js';
import type { LogLevel } from '../options.js';
import type { Queue } from '../queue.js';
import type { QueueEntry } from '../queue-entry.js';
import type { BodyPager, StoredMessage } from '../stored-message.js';
import type { VHost } from '../vhost.js';
import { BodySlab } from './body-slab.js';
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
import { type BatchWaiter, newBatchWaiter } from './group-commit.js';
import { type PendingMessage, queueBatchRecords, type SideOp } from './pending-batch.js';
import { RecordType } from './record-codec.js';
import { recoverMessages } from './recovery.js';
import { describeRecovery, type RecoveryReport, recoveryReport } from './recovery-report.js';
import { ResidentBodies } from './resident-bodies.js';
import { SEGMENT_SPAN, type Segment, SegmentLog } from './segment-log.js';
import { StoreError } from './store-error.js';

export type { RecoveryReport } from './recovery-report.js';

/** What the store needs from the broker: its vhosts (to snapshot and restore topology) and its log. */
export interface StoreHost {
  readonly vhosts: ReadonlyMap<string, VHost>;
  addVhost(name: string): VHost;
  log(level: LogLevel, message: string): void;
  /** The memory alarm's account of queued bytes: changed when a held body is paged out or back in. */
  accountBytes(delta: number): void;
  /** Users, permissions and limits to persist with the topology. */
  accessSnapshot?(): AccessSnapshot;
  /** Gives back what was persisted (undefined: nothing yet, a first start). */
  restoreAccess?(s: AccessSnapshot | undefined): void;
}

export interface DiskStoreOptions {
  /** Roll to a new segment file beyond this size. Default 8 MiB. */
  segmentSize?: number;
  /**
   * Bytes of stored (persistent, durable-queue) message bodies kept in RAM;
   * beyond it bodies are paged out and read back on delivery. Default 256 MiB.
   */
  bodyBudget?: number;
}

export const DEFAULT_BODY_BUDGET = 256 * 1024 * 1024;

/** Everything one flush takes from what was queued (see takeBatch). */
interface Batch {
  readonly msgs: Map<StoredMessage, PendingMessage>;
  readonly ops: SideOp[];
  readonly waiter: BatchWaiter | undefined;
  readonly defs: Definitions | undefined;
}

/** An empty current segment at least this big is rolled so its file can go. */
const EMPTY_ROLL_SIZE = 1024 * 1024;

export class DiskStore implements MessageStore, BodyPager {
  private host: StoreHost | undefined;
  private log: SegmentLog | undefined;
  private readonly ids = new WeakMap<object, number>();
  private nextQueueId = 1;
  private pendingMsgs = new Map<StoredMessage, PendingMessage>();
  private pendingOps: SideOp[] = [];
  private pendingDelivered = new Map<string, SideOp>();
  private waiter: BatchWaiter | undefined;
  private defsDirty = false;
  private readonly doomed = new Set<Segment>();
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** Stored messages whose body is in RAM and counted against the budget. */
  private readonly resident = new ResidentBodies();
  /** Batches written and fsyncs issued, bodies paged out and read back, for tests and the log. */
  readonly stats = { batches: 0, messagesWritten: 0, pagedOut: 0, bodyReads: 0 };

  private constructor(
    readonly dir: string,
    private readonly lock: DataDirLock,
    private readonly segmentSize: number,
    readonly bodyBudget: number,
  ) {}

  /** Creates the directory if needed and locks it; fails at once when another broker holds it. */
  static open(dir: string, options: DiskStoreOptions = {}): DiskStore {
    mkdirSync(join(dir, 'messages'), { recursive: true });
    const lock = lockDataDir(dir);
    return new DiskStore(dir, lock, options.segmentSize ?? 8 * 1024 * 1024, options.bodyBudget ?? DEFAULT_BODY_BUDGET);
  }

  /** fdatasyncs of side files (acks, delivered marks, refs) so far: they share the messages' group commit. */
  get sideSyncs(): number {
    return this.log?.sideSyncs ?? 0;
  }

  /** Bytes of stored message bodies held in RAM (at most `bodyBudget` once each batch is written). */
  get bodyBytesInMemory(): number {
    return this.resident.bytes;
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
      const { defs, queues } = this.restoreTopology(host);
      const slab = new BodySlab();
      const r = recoverMessages(this.messagesDir, queues, (m) => this.adoptRecovered(m, slab));
      for (const w of r.warnings) host.log('warn', w);
      this.nextQueueId = Math.max(this.nextQueueId, r.maxQueueId + 1);
      const log = new SegmentLog(this.messagesDir, this.segmentSize, r.lastId + 1);
      for (const s of r.segments) log.adopt(s.id, s.msgSize, s.ackSize, s.live);
      this.log = log;
      // Queues apply max-length and TTL and dispatch now that their messages are back.
      for (const q of queues.values()) q.restored();
      const report = recoveryReport(defs, r, Number(process.hrtime.bigint() - t0) / 1e6);
      const empty = report.queues === 0 && report.exchanges === 0 && r.bytes === 0;
      host.log(empty ? 'info' : 'notice', describeRecovery(report, this.dir, r.segments.length));
      return report;
    } catch (e) {
      this.log?.close();
      this.closed = true;
      this.lock.release();
      throw e;
    }
  }

  /** Durable vhosts, exchanges, queues, bindings and access from definitions.json; the queues by store id. */
  private restoreTopology(host: StoreHost): { defs: Definitions; queues: Map<number, Queue> } {
    const defs: Definitions = readDefinitions(this.dir);
    const queues = restoreDefinitions(
      defs,
      (n) => host.vhosts.get(n) ?? host.addVhost(n),
      join(this.dir, DEFINITIONS_FILE),
    );
    host.restoreAccess?.(defs.access);
    let maxId = 0;
    for (const [id, q] of queues) {
      this.ids.set(q, id);
      if (id > maxId) maxId = id;
    }
    this.nextQueueId = Math.max(defs.nextQueueId ?? 1, maxId + 1);
    return { defs, queues };
  }

  /** Keeps a recovered body in RAM, oldest first within the budget (delivered first); the rest stay on disk. */
  private adoptRecovered(m: StoredMessage, slab: BodySlab): void {
    // A small body was copied in with the header: nothing to page.
    if (!m.pageable) return;
    if (this.resident.bytes + m.bodySize <= this.bodyBudget) {
      // A copy, so the segment image read by recovery can be freed (see body-slab.ts).
      m.pageIn(slab.copy(m.loadBody()));
      this.resident.link(m);
    } else {
      m.pageOut(this);
      this.stats.pagedOut++;
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
    if (this.waiter === undefined) this.waiter = newBatchWaiter();
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
    m.storeRefs++;
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
      // Written again below from its body, which must then be in RAM.
      this.pageBackIn(m);
    }
    const pm = this.pendingMsgs.get(m);
    // `[qid]` is allocated with room for one; `[]` then push would reserve 17 slots (~150 B) per
    // message, garbage that lives (and is promoted) until the batch is written.
    if (pm === undefined) this.pendingMsgs.set(m, { message: m, queues: [qid], delivered: [] });
    else pm.queues.push(qid);
    return this.batch();
  }

  remove(queue: StoredQueueRef, entry: QueueEntry): void {
    if (this.closed || this.log === undefined) return;
    const qid = this.ids.get(queue);
    if (qid === undefined) return;
    const m = entry.message;
    this.dropStoreRef(m);
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

  // ---- body budget -------------------------------------------------------

  /** BodyPager: reads a paged-out body from its segment (synchronously: one pread of a known size). */
  readBody(m: StoredMessage): Buffer {
    const s = m.storeId === undefined ? undefined : this.log?.segments.get(Math.floor(m.storeId / SEGMENT_SPAN));
    if (s === undefined || s.deleted || this.closed) {
      throw new StoreError(`message store ${this.dir}: body of a paged-out message is no longer on disk`);
    }
    // Recovered segments are opened for reading on first use; the current one is opened read-write.
    if (s.msgFd === undefined) s.msgFd = openSync(s.msgPath, 'r');
    // Not from the shared pool: a pooled slab would be pinned by the small header buffers
    // allocated beside it (see unpooledCopy), and a dead-lettered copy keeps this buffer.
    const buf = Buffer.allocUnsafeSlow(m.bodySize);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(s.msgFd, buf, got, buf.length - got, m.bodyPos + got);
      if (n === 0) throw new StoreError(`message store ${s.msgPath}: body at offset ${m.bodyPos} runs past the end`);
      got += n;
    }
    this.stats.bodyReads++;
    return buf;
  }

  /** A durable queue let go of `m` (called before the queue releases it). */
  private dropStoreRef(m: StoredMessage): void {
    if (m.storeRefs <= 0 || --m.storeRefs > 0) return;
    this.resident.unlink(m);
    // No stored reference is left, so its segment may go; another holder (a transient queue
    // it was also routed to) still needs the body: bring it back while it can be read.
    if (m.refs > 1) this.pageBackIn(m);
  }

  private pageBackIn(m: StoredMessage): void {
    if (m.bodyInMemory) return;
    m.pageIn(m.loadBody());
    if (m.refs > 0) this.host?.accountBytes(m.bodySize);
  }

  /**
   * Pages bodies out, newest first, until the resident ones fit the budget.
   * Only messages whose every holder is a durable queue of this store are
   * paged out: those keep their segment on disk for as long as they are held.
   */
  private enforceBudget(): void {
    while (this.resident.bytes > this.bodyBudget) {
      const m = this.resident.popNewest();
      if (m === undefined) return;
      if (m.refs !== m.storeRefs || !m.bodyInMemory) continue;
      m.pageOut(this);
      this.stats.pagedOut++;
      if (m.refs > 0) this.host?.accountBytes(-m.bodySize);
    }
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
    const batch = this.takeBatch();
    const startSegment = log.current;
    try {
      const cur = log.current;
      if (cur.live <= 0 && cur.msgSize >= EMPTY_ROLL_SIZE && !cur.msgPending) {
        log.roll();
        this.doomed.add(cur);
      }
      queueBatchRecords(log, batch.msgs.values(), batch.ops, this.stats);
      if (batch.defs !== undefined) await writeDefinitions(this.dir, batch.defs);
      await log.writePending();
      if (log.dirDirty) {
        log.dirDirty = false;
        await syncDir(log.dir);
      }
      this.stats.batches++;
      this.budgetWritten(batch.msgs.values());
      batch.waiter?.resolve();
    } catch (e) {
      if (batch.defs !== undefined) this.defsDirty = true;
      (this.host as StoreHost).log('error', `message store write failed in ${this.dir}: ${(e as Error).message}`);
      batch.waiter?.reject(e);
    }
    // The current segment is never deleted: it is rolled (above) by a later batch once big enough.
    if (this.doomed.size > 0 || log.current !== startSegment) {
      for (const s of [...log.segments.values()]) if (s.live <= 0 && s !== log.current) log.delete(s);
      this.doomed.clear();
    }
  }

  /** Everything queued so far, and a snapshot of the definitions if they changed; the queues start afresh. */
  private takeBatch(): Batch {
    const batch = { msgs: this.pendingMsgs, ops: this.pendingOps, waiter: this.waiter };
    this.pendingMsgs = new Map();
    this.pendingOps = [];
    this.pendingDelivered.clear();
    this.waiter = undefined;
    if (!this.defsDirty) return { ...batch, defs: undefined };
    this.defsDirty = false;
    return { ...batch, defs: this.snapshot() };
  }

  private snapshot(): Definitions {
    const host = this.host as StoreHost;
    const defs = snapshotDefinitions(
      host.vhosts.values(),
      (q) => this.queueId(q),
      () => this.nextQueueId,
      host.accessSnapshot?.(),
    );
    // Ids handed out by the snapshot itself are in it.
    this.defsDirty = false;
    return defs;
  }

  /** Bodies now on disk count against the budget (unless acked meanwhile) and may be paged out. */
  private budgetWritten(msgs: Iterable<PendingMessage>): void {
    for (const pm of msgs) {
      const m = pm.message;
      if (pm.queues.length > 0 && m.storeRefs > 0 && m.pageable && m.bodyInMemory && !m.resident) {
        this.resident.link(m);
      }
    }
    this.enforceBudget();
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
