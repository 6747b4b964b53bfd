/**
 * The ready messages of a queue. Fresh messages append to a ring buffer; a
 * requeued message goes to a small side list sorted by its original position
 * and is merged back on dequeue, so requeue keeps queue order as RabbitMQ does
 * without inserting into the middle of the ring (LavinMQ's requeued store).
 */
import type { QueueEntry } from './queue-entry.js';
import { RingBuffer } from './ring-buffer.js';

export interface MessageList {
  readonly length: number;
  /** Body bytes of the ready messages. */
  readonly bytes: number;
  push(entry: QueueEntry): void;
  requeue(entry: QueueEntry): void;
  peek(): QueueEntry | undefined;
  shift(): QueueEntry | undefined;
  /** Ready entries in delivery order (for browsing and listing). */
  [Symbol.iterator](): IterableIterator<QueueEntry>;
  clear(): QueueEntry[];
}

export class FifoList implements MessageList {
  private readonly fresh = new RingBuffer<QueueEntry>();
  /** Sorted by seq ascending. Usually tiny: only messages requeued and not yet redelivered. */
  private readonly requeued: QueueEntry[] = [];
  bytes = 0;

  get length(): number {
    return this.fresh.length + this.requeued.length;
  }

  push(entry: QueueEntry): void {
    this.fresh.push(entry);
    this.bytes += entry.message.bodySize;
  }

  requeue(entry: QueueEntry): void {
    const r = this.requeued;
    // Binary search for the insertion point by seq.
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((r[mid] as QueueEntry).seq < entry.seq) lo = mid + 1;
      else hi = mid;
    }
    r.splice(lo, 0, entry);
    this.bytes += entry.message.bodySize;
  }

  peek(): QueueEntry | undefined {
    const a = this.requeued[0];
    const b = this.fresh.peek();
    if (a === undefined) return b;
    if (b === undefined) return a;
    return a.seq < b.seq ? a : b;
  }

  shift(): QueueEntry | undefined {
    const a = this.requeued[0];
    const b = this.fresh.peek();
    let e: QueueEntry | undefined;
    if (a !== undefined && (b === undefined || a.seq < b.seq)) e = this.requeued.shift();
    else e = this.fresh.shift();
    if (e) this.bytes -= e.message.bodySize;
    return e;
  }

  *[Symbol.iterator](): IterableIterator<QueueEntry> {
    let i = 0;
    for (const f of this.fresh) {
      while (i < this.requeued.length && (this.requeued[i] as QueueEntry).seq < f.seq)
        yield this.requeued[i++] as QueueEntry;
      yield f;
    }
    while (i < this.requeued.length) yield this.requeued[i++] as QueueEntry;
  }

  clear(): QueueEntry[] {
    const out = [...this];
    this.fresh.clear();
    this.requeued.length = 0;
    this.bytes = 0;
    return out;
  }
}

/**
 * x-max-priority queues: one FIFO per priority level, highest served first.
 * RabbitMQ caps the levels at 255 and treats a message priority above the
 * maximum as the maximum; a missing priority is 0.
 */
export class PriorityList implements MessageList {
  private readonly levels: FifoList[];

  constructor(readonly maxPriority: number) {
    this.levels = Array.from({ length: maxPriority + 1 }, () => new FifoList());
  }

  get length(): number {
    let n = 0;
    for (const l of this.levels) n += l.length;
    return n;
  }

  get bytes(): number {
    let n = 0;
    for (const l of this.levels) n += l.bytes;
    return n;
  }

  push(entry: QueueEntry): void {
    (this.levels[entry.priority] as FifoList).push(entry);
  }

  requeue(entry: QueueEntry): void {
    (this.levels[entry.priority] as FifoList).requeue(entry);
  }

  peek(): QueueEntry | undefined {
    for (let p = this.levels.length - 1; p >= 0; p--) {
      const e = (this.levels[p] as FifoList).peek();
      if (e) return e;
    }
    return undefined;
  }

  shift(): QueueEntry | undefined {
    for (let p = this.levels.length - 1; p >= 0; p--) {
      const l = this.levels[p] as FifoList;
      if (l.length > 0) return l.shift();
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<QueueEntry> {
    for (let p = this.levels.length - 1; p >= 0; p--) yield* this.levels[p] as FifoList;
  }

  clear(): QueueEntry[] {
    const out: QueueEntry[] = [];
    for (let p = this.levels.length - 1; p >= 0; p--) out.push(...(this.levels[p] as FifoList).clear());
    return out;
  }
}
