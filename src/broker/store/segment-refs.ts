/**
 * For each message record of a segment being recovered: which queues still
 * reference it, and whether each had delivered it. It behaves as one
 * Map<queue id, delivered> per record, but a record referenced by at most one
 * queue at a time — nearly all of them — keeps that pair in two plain arrays,
 * so recovering millions of messages does not build millions of Maps.
 */
const NONE = -1;

export class SegmentRefs {
  /** Per record: the one queue id, or NONE; unused once the record has a Map in `more`. */
  private readonly queue: number[] = [];
  private readonly delivered: boolean[] = [];
  /** Records that were referenced by two queues at once. */
  private readonly more = new Map<number, Map<number, boolean>>();

  /** Adds record `i` (records are added in order, from 0) with no references. */
  add(): number {
    this.queue.push(NONE);
    this.delivered.push(false);
    return this.queue.length - 1;
  }

  has(i: number, qid: number): boolean {
    const m = this.more.size === 0 ? undefined : this.more.get(i);
    return m !== undefined ? m.has(qid) : this.queue[i] === qid;
  }

  set(i: number, qid: number, delivered: boolean): void {
    const m = this.more.size === 0 ? undefined : this.more.get(i);
    if (m !== undefined) m.set(qid, delivered);
    else if (this.queue[i] === NONE || this.queue[i] === qid) {
      this.queue[i] = qid;
      this.delivered[i] = delivered;
    } else {
      // A second queue: from here on a Map, its first entry the one held so far.
      this.more.set(
        i,
        new Map([
          [this.queue[i] as number, this.delivered[i] as boolean],
          [qid, delivered],
        ]),
      );
    }
  }

  delete(i: number, qid: number): void {
    const m = this.more.size === 0 ? undefined : this.more.get(i);
    if (m !== undefined) m.delete(qid);
    else if (this.queue[i] === qid) this.queue[i] = NONE;
  }

  /** Calls `fn` for each queue still referencing record `i`, in the order they were added. */
  forEach(i: number, fn: (qid: number, delivered: boolean) => void): void {
    const m = this.more.size === 0 ? undefined : this.more.get(i);
    if (m !== undefined) {
      for (const [qid, d] of m) fn(qid, d);
    } else if (this.queue[i] !== NONE) {
      fn(this.queue[i] as number, this.delivered[i] as boolean);
    }
  }
}
