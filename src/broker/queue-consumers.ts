/**
 * A queue's subscribers and who gets the next message: consumers ordered by
 * x-priority (RabbitMQ consumer priorities), round robin within the top
 * priority that has credit, single active consumer, and the browse
 * subscriptions kept apart (they never take messages away).
 */

/** What the rotation needs from a subscriber (queue.ts `Consumer`). */
export interface RotatingConsumer {
  /** x-priority: higher is served first. */
  readonly priority: number;
  /** A non-destructive browse subscription. */
  readonly browse: boolean;
  canTake(): boolean;
}

export class QueueConsumers<C extends RotatingConsumer> {
  /** Consuming subscribers, by descending priority. */
  readonly consumers: C[] = [];
  readonly browsers: C[] = [];
  private rr = 0;

  get size(): number {
    return this.consumers.length + this.browsers.length;
  }

  get all(): C[] {
    return [...this.consumers, ...this.browsers];
  }

  add(c: C): void {
    if (c.browse) {
      this.browsers.push(c);
      return;
    }
    // Stable insertion by descending priority keeps round robin fair within a priority.
    let i = this.consumers.length;
    while (i > 0 && (this.consumers[i - 1] as C).priority < c.priority) i--;
    this.consumers.splice(i, 0, c);
  }

  /** False when `c` was not subscribed. */
  remove(c: C): boolean {
    const list = c.browse ? this.browsers : this.consumers;
    const i = list.indexOf(c);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** Empties both lists and returns who was in them. */
  clear(): C[] {
    const all = this.all;
    this.consumers.length = 0;
    this.browsers.length = 0;
    return all;
  }

  /**
   * Round robin among the highest-priority consumers that have credit; with
   * single active consumer only the first one may take. Call only while
   * `consumers` is not empty.
   */
  next(singleActive: boolean): C | undefined {
    const cs = this.consumers;
    if (singleActive) {
      const active = cs[0];
      return active?.canTake() ? active : undefined;
    }
    const n = cs.length;
    const top = (cs[0] as C).priority;
    let best: C | undefined;
    let bestIdx = 0;
    for (let i = 0; i < n; i++) {
      const idx = (this.rr + i) % n;
      const c = cs[idx] as C;
      if (!c.canTake()) continue;
      if (best === undefined || c.priority > best.priority) {
        best = c;
        bestIdx = idx;
        if (c.priority === top) break;
      }
    }
    if (best !== undefined) this.rr = bestIdx + 1;
    return best;
  }
}
