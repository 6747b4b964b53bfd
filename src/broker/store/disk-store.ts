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
 * backlog of millions of messages does not need its bodies in RAM.
 */
import { mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessSnapshot } from '../auth/types.js';
import type { MessageStore, StoredQueueRef } from '../message-store.js';
import type { LogLevel } from '../options.js';
import type { QueueEntry } from '../queue-entry.js';
import { type BodyPager, type StoredMessage, unpooledCopy } from '../stored-message.js';
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
import { encodeMessageRecord, encodeRefRecord, RecordType } from './record-codec.js';
import { recoverMessages } from './recovery.js';
import { SEGMENT_SPAN, type Segment, SegmentLog } from './segment-log.js';
import { StoreError } from './store-error.js';

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
  readonly message: StoredMessage;
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

export class DiskStore implements MessageStore, BodyPager {
  private host: StoreHost | undefined;
  private log: SegmentLog | undefined;
  private readonly ids = new WeakMap<object, number>();
  private nextQueueId = 1;
  private pendingMsgs = new Map<StoredMessage, PendingMessage>();
  private pendingOps: SideOp[] = [];
  private pendingDelivered = new Map<string, SideOp>();
  private waiter: Waiter | undefined;
  private defsDirty = false;
  private readonly doomed = new Set<Segment>();
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private closed = false;
  /**
   * Newest of the stored messages whose body is in RAM and counted against the
   * budget; they are linked through their residentPrev/residentNext fields.
   */
  private residentTail: StoredMessage | undefined;
  private residentBytes = 0;
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
    return this.residentBytes;
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
      host.restoreAccess?.(defs.access);
      let maxId = 0;
      for (const [id, q] of queues) {
        this.ids.set(q, id);
        if (id > maxId) maxId = id;
      }
      // Oldest first within the budget (they are delivered first); the rest stay on disk.
      const r = recoverMessages(this.messagesDir, queues, (m) => {
        if (m.bodySize === 0) return;
        if (this.residentBytes + m.bodySize <= this.bodyBudget) {
          // A copy, so the segment image read by recovery can be freed (see unpooledCopy).
          m.pageIn(unpooledCopy(m.loadBody()));
          this.linkResident(m);
        } else {
          m.pageOut(this);
          this.stats.pagedOut++;
        }
      });
      for (const w of r.warnings) host.log('warn', w);
      this.nextQueueId = Math.max(defs.nextQueueId ?? 1, maxId + 1, r.maxQueueId + 1);
      const log = new SegmentLog(this.messagesDir, this.segmentSize, r.lastId + 1);
      for (const s of r.segments) log.adopt(s.id, s.msgSize, s.ackSize, s.live);
      this.log = log;
      // Queues apply max-length and TTL and dispatch now that their messages are back.
      for (const q of queues.values()) q.recovered();
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

  private linkResident(m: StoredMessage): void {
    m.resident = true;
    m.residentPrev = this.residentTail;
    m.residentNext = undefined;
    if (this.residentTail !== undefined) this.residentTail.residentNext = m;
    this.residentTail = m;
    this.residentBytes += m.bodySize;
  }

  private unlinkResident(m: StoredMessage): void {
    if (!m.resident) return;
    m.resident = false;
    if (m.residentPrev !== undefined) m.residentPrev.residentNext = m.residentNext;
    if (m.residentNext === undefined) this.residentTail = m.residentPrev;
    else m.residentNext.residentPrev = m.residentPrev;
    m.residentPrev = undefined;
    m.residentNext = undefined;
    this.residentBytes -= m.bodySize;
  }

  /** A durable queue let go of `m` (called before the queue releases it). */
  private dropStoreRef(m: StoredMessage): void {
    if (m.storeRefs <= 0 || --m.storeRefs > 0) return;
    this.unlinkResident(m);
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
    while (this.residentBytes > this.bodyBudget && this.residentTail !== undefined) {
      const m = this.residentTail;
      this.unlinkResident(m);
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
        host.accessSnapshot?.(),
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
        const body = m.loadBody();
        const { parts, size } = encodeMessageRecord({
          publishedAt: m.publishedAt,
          queueIds: pm.queues,
          exchange: m.exchange,
          routingKey: m.routingKey,
          headerPayload: m.headerPayload,
          body,
        });
        const { segment, offset } = log.reserve(parts, size);
        m.storeId = segment.id * SEGMENT_SPAN + offset;
        // The body is the last part of the record.
        m.bodyPos = offset + size - body.length;
        segment.live += pm.queues.length;
        this.stats.messagesWritten++;
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
      if (defs !== undefined) await writeDefinitions(this.dir, defs);
      await log.writePending();
      if (log.dirDirty) {
        log.dirDirty = false;
        await syncDir(log.dir);
      }
      this.stats.batches++;
      // Bodies now on disk count against the budget (unless acked meanwhile) and may be paged out.
      for (const pm of msgs.values()) {
        const m = pm.message;
        if (pm.queues.length > 0 && m.storeRefs > 0 && m.bodySize > 0 && m.bodyInMemory && !m.resident) {
          this.linkResident(m);
        }
      }
      this.enforceBudget();
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
