/** Small async primitives shared by sessions and links. */

/** Wakes every waiter on notify(); a waiter can give up at a deadline. */
export class Signal {
  private waiters = new Set<() => void>();

  notify(): void {
    // Called per message on hot paths: nothing to allocate when nobody waits.
    if (this.waiters.size === 0) return;
    const ws = this.waiters;
    this.waiters = new Set();
    for (const w of ws) w();
  }

  /** Resolves true when notified, false at `deadline` (ms since epoch; Infinity = never). */
  wait(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (notified: boolean) => {
        if (timer) clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(notified);
      };
      const wake = () => done(true);
      this.waiters.add(wake);
      if (Number.isFinite(deadline)) timer = setTimeout(() => done(false), Math.max(0, deadline - Date.now()));
    });
  }
}

/** Absolute deadline (ms) for a Qpid timeout in seconds; undefined = forever. */
export function deadlineOf(timeout: number | undefined): number {
  return timeout === undefined || timeout === null ? Number.POSITIVE_INFINITY : Date.now() + timeout * 1000;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
