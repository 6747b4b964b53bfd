/**
 * A channel's delivery tags and its unacknowledged deliveries: which queue
 * entry each tag names, and the prefetch credit consumer deliveries hold
 * (rabbit_channel's unacked_message_q and rabbit_limiter's count).
 */
import { preconditionFailed } from './errors.js';
import type { Queue } from './queue.js';
import type { QueueEntry } from './queue-entry.js';

/** A consumer's own credit count (ChannelConsumer.unacked), kept in step with the channel's. */
export interface CreditHolder {
  unacked: number;
}

export interface Unacked {
  readonly tag: number;
  readonly queue: Queue;
  readonly entry: QueueEntry;
  /** The consumer whose credit the delivery holds; undefined for basic.get. */
  readonly consumer: CreditHolder | undefined;
}

/** What becomes of settled deliveries. */
export type Settlement = 'ack' | 'reject' | 'requeue';

export class UnackedDeliveries {
  private nextTag = 1;

  /** The tag the next delivery will get. A direct reply carries it without using it up (rabbit_channel deliver_reply). */
  get peekTag(): number {
    return this.nextTag;
  }
  private byTag = new Map<number, Unacked>();
  /** Consumer deliveries holding prefetch credit (the count global prefetch limits). */
  private creditUsed = 0;

  get size(): number {
    return this.byTag.size;
  }

  /** Delivery tags handed out so far: every basic.deliver and basic.get-ok took one. */
  get issued(): number {
    return this.nextTag - 1;
  }

  /** Unacked consumer deliveries: basic.get never counts, and a tx ack frees its credit only at commit. */
  get credit(): number {
    return this.creditUsed;
  }

  /**
   * The next delivery tag; with `track` the delivery is remembered until
   * settled, holding `consumer`'s prefetch credit when one is given.
   */
  deliver(queue: Queue, entry: QueueEntry, consumer: CreditHolder | undefined, track: boolean): number {
    const tag = this.nextTag++;
    if (track) {
      this.byTag.set(tag, { tag, queue, entry, consumer });
      if (consumer !== undefined) {
        consumer.unacked++;
        this.creditUsed++;
      }
    }
    return tag;
  }

  /** Removes and returns the deliveries named by (tag, multiple), or throws 406 for an unknown tag. */
  take(tag: number, multiple: boolean): Unacked[] {
    const out: Unacked[] = [];
    if (multiple) {
      // delivery-tag 0 with multiple=true means "everything so far" (AMQP 0-9-1 basic.ack).
      // Otherwise the named tag itself must still be unacknowledged, even when older ones are:
      // RabbitMQ's collect_acks walks up to that exact tag and fails the whole ack if it is absent.
      if (tag !== 0 && !this.byTag.has(tag)) throw preconditionFailed(`unknown delivery tag ${tag}`);
      for (const [t, u] of this.byTag) {
        if (tag !== 0 && t > tag) break;
        out.push(u);
        this.byTag.delete(t);
      }
    } else {
      const u = this.byTag.get(tag);
      if (u === undefined) throw preconditionFailed(`unknown delivery tag ${tag}`);
      this.byTag.delete(tag);
      out.push(u);
    }
    return out;
  }

  /** Removes and returns every unacknowledged delivery (basic.recover, channel close). */
  takeAll(): Unacked[] {
    const items = [...this.byTag.values()];
    this.byTag.clear();
    return items;
  }

  /** Gives back the prefetch credit of settled consumer deliveries (rabbit_channel notify_limiter). */
  releaseCredit(items: readonly Unacked[]): void {
    for (const u of items) {
      if (u.consumer === undefined) continue;
      u.consumer.unacked--;
      this.creditUsed--;
    }
  }

  /**
   * Puts deliveries taken by a rolled-back transaction back under their own
   * tags. Their credit was never released (that waits for commit). The map
   * stays in tag order: multiple-acks scan it in order.
   */
  restore(items: readonly Unacked[]): void {
    if (items.length === 0) return;
    this.byTag = new Map([...this.byTag.values(), ...items].sort((a, b) => a.tag - b.tag).map((u) => [u.tag, u]));
  }
}

/** Acks, rejects or requeues settled deliveries on their queues. */
export function settleDeliveries(items: readonly Unacked[], how: Settlement): void {
  if (how === 'requeue') {
    // All go back before any is redelivered, so they keep their order ahead of the backlog
    // (RabbitMQ requeues a channel's batch at once, then runs the queue: requeue_and_run).
    const queues = new Set<Queue>();
    for (const u of items) {
      u.queue.requeue(u.entry, false);
      queues.add(u.queue);
    }
    for (const q of queues) q.dispatch();
    return;
  }
  for (const u of items) {
    if (how === 'ack') u.queue.ack(u.entry);
    else u.queue.reject(u.entry);
  }
}
