/**
 * The `async` executor: handlers run as promises, at most `concurrency` at a time (oslo's threading
 * executor with `executor_thread_pool_size`, default 64). A consumer with a message waits for a slot
 * before fetching the next, so unprocessed messages stay unacknowledged in the receiver's bounded prefetch.
 */
export class Executor {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly idle: (() => void)[] = [];

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
  }

  /** Waits for a free slot; the caller must then call run() exactly once. */
  async slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Runs `task` in the slot taken by slot(); errors are the task's to handle. */
  run(task: () => Promise<void>): void {
    void task().finally(() => this.release());
  }

  /** Gives back a slot taken by slot() without running anything. */
  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next(); // the slot passes straight to the next waiter
      return;
    }
    this.running--;
    if (this.running === 0) for (const done of this.idle.splice(0)) done();
  }

  /** Resolves once no task is running. */
  async drained(): Promise<void> {
    if (this.running === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}

/** oslo's `_MsgIdCache`: the last 16 `_unique_id`s, to drop a message delivered twice. */
export class DuplicateCache {
  private readonly ids: string[] = [];
  constructor(private readonly size = 16) {}

  has(id: string | undefined): boolean {
    return id !== undefined && this.ids.includes(id);
  }

  add(id: string | undefined): void {
    if (id === undefined || this.ids.includes(id)) return;
    this.ids.push(id);
    if (this.ids.length > this.size) this.ids.shift();
  }
}
