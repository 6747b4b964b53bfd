/**
 * A classic queue: ready messages, consumers, and the lifecycle rules of
 * RabbitMQ 3.10 (exclusive, auto-delete, x-expires, TTL, max-length with
 * overflow, dead-lettering, priorities, single active consumer).
 *
 * Delivery is event-driven: `dispatch()` runs after anything that may let a
 * message move (enqueue, new consumer, credit returned, socket drained) and
 * stops as soon as no consumer can take more, so a slow consumer holds the
 * backlog in the queue rather than in a socket buffer.
 */
import type { FieldTable } from '../protocol/index.js';
import { DeadlineTimer } from './deadline-timer.js';
import { FifoList, type MessageList, PriorityList } from './message-list.js';
import type { MessageStore } from './message-store.js';
import type { QueueSettings } from './queue-args.js';
import { QueueConsumers } from './queue-consumers.js';
import { FanoutEntry, type QueueEntry } from './queue-entry.js';
import type { StoredMessage } from './stored-message.js';

/**
 * What a queue needs from a subscriber. Channels implement delivery; queues
 * only pick who gets the next message. Prefetch is enforced by the consumer
 * (LavinMQ's design): `canTake()` is false while its credit, its channel's
 * global credit, channel.flow or its connection's socket say stop.
 */
export interface Consumer {
  readonly tag: string;
  readonly noAck: boolean;
  readonly exclusive: boolean;
  /** x-priority: higher is served first (RabbitMQ consumer priorities). */
  readonly priority: number;
  readonly args: FieldTable;
  /** True for a non-destructive browse subscription (our extension, capability `qpid.browse`). */
  readonly browse: boolean;
  /** For browse consumers: seq of the last entry shown; the next one shown has a greater seq. */
  browseCursor: number;
  /** Name of the connection, for listings. */
  readonly connectionName: string;
  canTake(): boolean;
  /** Hands over one entry; for noAck consumers the queue has already forgotten it. */
  deliver(queue: Queue, entry: QueueEntry): void;
  /** The queue went away under the consumer (queue.delete or x-expires). */
  cancelledByQueue(queue: Queue): void;
}

export type DeadLetterReason = 'rejected' | 'expired' | 'maxlen' | 'delivery_limit';

/** What a queue needs from its virtual host. */
export interface QueueHost {
  readonly name: string;
  readonly store: MessageStore;
  /** Republish `entry.message` to the queue's dead-letter exchange (entry already removed). */
  deadLetter(queue: Queue, message: StoredMessage, reason: DeadLetterReason): void;
  /** auto-delete (last consumer gone) or x-expires (unused for the period) fired. */
  queueUnused(queue: Queue): void;
  /** A message's bytes became held by a first queue, or released by its last one. */
  accountBytes(delta: number): void;
}

export interface QueueStats {
  publish: number;
  deliver: number;
  deliverNoAck: number;
  get: number;
  getNoAck: number;
  ack: number;
  redeliver: number;
}

/** Messages a queue dropped, by cause (qpid-stat's discards-* rows); plain counters, no per-message cost. */
export interface QueueDiscards {
  /** Dropped from the head by `x-overflow: drop-head` (Qpid's ring queue). */
  ringOverflow: number;
  /** Refused by `x-overflow: reject-publish` / `reject-publish-dlx`. */
  limitOverflow: number;
  /** Expired by message or queue TTL. */
  ttlExpired: number;
  /** Rejected or nacked without requeue by a subscriber. */
  subscriberReject: number;
  /** Of the above, copies sent on to the dead-letter exchange. */
  deadLettered: number;
  /** Removed by queue.purge. */
  purged: number;
}

export class Queue {
  readonly ready: MessageList;
  private readonly subscribers = new QueueConsumers<Consumer>();
  private seq = 0;
  /** Entries handed out and not yet acknowledged, rejected or requeued. */
  unacked = 0;
  deleted = false;
  private hadConsumer = false;
  private dispatching = false;
  private dispatchAgain = false;
  /** The head's expiry (message or queue TTL). */
  private readonly expiry = new DeadlineTimer(() => this.expireHead(Date.now()));
  /** x-expires: the queue is deleted when unused until then. */
  private readonly unused = new DeadlineTimer(() => this.host.queueUnused(this));
  readonly stats: QueueStats = { publish: 0, deliver: 0, deliverNoAck: 0, get: 0, getNoAck: 0, ack: 0, redeliver: 0 };
  readonly discards: QueueDiscards = {
    ringOverflow: 0,
    limitOverflow: 0,
    ttlExpired: 0,
    subscriberReject: 0,
    deadLettered: 0,
    purged: 0,
  };

  constructor(
    readonly host: QueueHost,
    readonly name: string,
    readonly durable: boolean,
    /** The connection that owns an exclusive queue (compared by identity), or undefined. */
    readonly exclusiveOwner: object | undefined,
    readonly autoDelete: boolean,
    readonly args: FieldTable,
    readonly settings: QueueSettings,
  ) {
    this.ready = settings.maxPriority === undefined ? new FifoList() : new PriorityList(settings.maxPriority);
    this.touch();
  }

  get messageCount(): number {
    return this.ready.length;
  }

  get consumerCount(): number {
    return this.subscribers.size;
  }

  get allConsumers(): readonly Consumer[] {
    return this.subscribers.all;
  }

  /** The consumer that may receive messages when single-active-consumer is on. */
  get activeConsumer(): Consumer | undefined {
    return this.settings.singleActiveConsumer ? this.subscribers.consumers[0] : undefined;
  }

  /**
   * Takes a routed message. Returns false when refused by `x-overflow:
   * reject-publish` (the publisher is nacked). A persistent message on a
   * durable queue pushes the store's promise onto `pending`.
   */
  enqueue(message: StoredMessage, now: number, pending: Promise<void>[] | undefined): boolean {
    const s = this.settings;
    if (s.overflow !== 'drop-head' && this.wouldOverflow(message.bodySize)) {
      this.discards.limitOverflow++;
      // rabbit_amqqueue_process:maybe_deliver_or_enqueue dead-letters only when the queue has a DLX (with_dlx).
      if (s.overflow === 'reject-publish-dlx' && s.deadLetterExchange !== undefined) {
        this.discards.deadLettered++;
        this.host.deadLetter(this, message, 'maxlen');
      }
      return false;
    }
    const entry = this.makeEntry(message, now);
    this.hold(message);
    if (this.durable && message.persistent) {
      const p = this.host.store.enqueue(this, entry);
      if (p && pending) pending.push(p);
    }
    this.stats.publish++;
    // A fresh message goes straight to a consumer with credit before its expiry is looked at
    // (rabbit_amqqueue_process:attempt_delivery), so TTL 0 reaches a waiting consumer.
    const direct =
      this.ready.length === 0 && this.subscribers.consumers.length > 0 && !this.deleted
        ? this.nextConsumer()
        : undefined;
    if (direct !== undefined) {
      this.deliverTo(direct, entry);
      return true;
    }
    this.ready.push(entry);
    this.dispatch();
    // RabbitMQ delivers to a waiting consumer first and then drops from the head (rabbit_amqqueue_process:deliver_or_enqueue).
    if (s.overflow === 'drop-head') this.dropHeadWhileOver();
    return true;
  }

  /**
   * A persistent message read back by the store at start: appended in store
   * order without writing it again; `redelivered` when it had been delivered
   * and not acknowledged (RabbitMQ marks those redelivered after a restart).
   */
  restore(message: StoredMessage, redelivered: boolean): void {
    const entry = this.makeEntry(message, message.publishedAt);
    entry.redelivered = redelivered;
    this.hold(message);
    this.ready.push(entry);
    this.armExpiry();
  }

  /**
   * Recovery is done: applies the limits to what came back, as a RabbitMQ
   * queue process does when it starts (init_max_length/init_max_bytes run
   * maybe_drop_head; drop_expired_msgs follows), then delivers. Messages held
   * unacknowledged at a crash come back ready, so a queue can be over its limit.
   */
  restored(): void {
    if (this.settings.overflow === 'drop-head') this.dropHeadWhileOver();
    this.dispatch();
  }

  private makeEntry(message: StoredMessage, now: number): QueueEntry {
    let expiresAt = Number.POSITIVE_INFINITY;
    const qttl = this.settings.messageTtl;
    if (qttl !== undefined) expiresAt = now + qttl;
    const mttl = message.expirationMs;
    if (mttl !== undefined && now + mttl < expiresAt) expiresAt = now + mttl;
    let priority = 0;
    const max = this.settings.maxPriority;
    if (max !== undefined) priority = Math.min(message.properties.priority ?? 0, max);
    // Most messages reach one queue: that queue's entry is the message itself (queue-place.ts).
    const entry: QueueEntry = message.takeOwnPlace() ? message : new FanoutEntry(message);
    entry.place(++this.seq, expiresAt, priority);
    return entry;
  }

  private wouldOverflow(extraBytes: number): boolean {
    const { maxLength, maxLengthBytes } = this.settings;
    if (maxLength !== undefined && this.ready.length >= maxLength) return true;
    if (maxLengthBytes !== undefined && this.ready.bytes + extraBytes > maxLengthBytes) return true;
    return false;
  }

  private dropHeadWhileOver(): void {
    const { maxLength, maxLengthBytes } = this.settings;
    while (
      (maxLength !== undefined && this.ready.length > maxLength) ||
      (maxLengthBytes !== undefined && this.ready.bytes > maxLengthBytes && this.ready.length > 0)
    ) {
      const head = this.ready.shift() as QueueEntry;
      this.discard(head, 'maxlen');
    }
  }

  /** Runs delivery until no consumer can take more. Re-entrant calls are folded into the running one. */
  dispatch(): void {
    if (this.deleted) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.dispatchOnce();
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchOnce(): void {
    const now = Date.now();
    if (this.subscribers.consumers.length > 0) {
      while (this.ready.length > 0) {
        const c = this.nextConsumer();
        if (c === undefined) break;
        const entry = this.ready.shift() as QueueEntry;
        if (entry.expiresAt <= now) {
          this.discard(entry, 'expired');
          continue;
        }
        this.deliverTo(c, entry);
      }
    }
    for (const b of this.subscribers.browsers) this.feedBrowser(b);
    this.expireHead(now);
  }

  private deliverTo(c: Consumer, entry: QueueEntry): void {
    entry.deliveries++;
    if (entry.redelivered) this.stats.redeliver++;
    if (c.noAck) {
      this.stats.deliverNoAck++;
      c.deliver(this, entry);
      this.retire(entry);
    } else {
      this.stats.deliver++;
      this.unacked++;
      if (this.durable && entry.message.persistent) this.host.store.delivered(this, entry);
      c.deliver(this, entry);
    }
  }

  private feedBrowser(b: Consumer): void {
    if (!b.canTake()) return;
    for (const entry of this.ready) {
      if (entry.seq <= b.browseCursor) continue;
      b.browseCursor = entry.seq;
      b.deliver(this, entry);
      if (!b.canTake()) return;
    }
  }

  /** Round robin among the highest-priority consumers that have credit (RabbitMQ consumer priorities). */
  private nextConsumer(): Consumer | undefined {
    return this.subscribers.next(this.settings.singleActiveConsumer);
  }

  /** basic.get: takes the next live message, or undefined. */
  get(noAck: boolean): QueueEntry | undefined {
    this.touch();
    const now = Date.now();
    for (;;) {
      const entry = this.ready.shift();
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        this.discard(entry, 'expired');
        continue;
      }
      entry.deliveries++;
      if (entry.redelivered) this.stats.redeliver++;
      if (noAck) {
        this.stats.getNoAck++;
        this.retire(entry);
      } else {
        this.stats.get++;
        this.unacked++;
        if (this.durable && entry.message.persistent) this.host.store.delivered(this, entry);
      }
      this.expireHead(now);
      return entry;
    }
  }

  /** An unacknowledged entry was acknowledged. */
  ack(entry: QueueEntry): void {
    this.unacked--;
    this.stats.ack++;
    this.retire(entry);
  }

  /** An unacknowledged entry goes back to its place (nack/reject with requeue, channel closed, basic.recover). */
  requeue(entry: QueueEntry, dispatch = true): void {
    this.unacked--;
    if (this.deleted) {
      this.retire(entry);
      return;
    }
    // Quorum x-delivery-limit: past the limit the message leaves the queue (rabbit_fifo return, delivery_limit).
    const limit = this.settings.deliveryLimit;
    if (limit !== undefined && entry.deliveries > limit) {
      this.discard(entry, 'delivery_limit');
      if (dispatch) this.dispatch();
      return;
    }
    entry.redelivered = true;
    this.ready.requeue(entry);
    // A requeued message counts again, so drop-head may now drop (rabbit_amqqueue_process:requeue_and_run).
    if (this.settings.overflow === 'drop-head') this.dropHeadWhileOver();
    if (dispatch) this.dispatch();
  }

  /** nack/reject without requeue: dead-lettered when configured, else dropped. */
  reject(entry: QueueEntry): void {
    this.unacked--;
    if (this.deleted) {
      this.retire(entry);
      return;
    }
    this.discard(entry, 'rejected');
  }

  /** Removes an entry for good, dead-lettering it when the queue has a dead-letter exchange. */
  private discard(entry: QueueEntry, reason: DeadLetterReason): void {
    this.retire(entry);
    const d = this.discards;
    if (reason === 'maxlen') d.ringOverflow++;
    else if (reason === 'expired') d.ttlExpired++;
    else d.subscriberReject++;
    // The dead-lettered copy is a new Message (new x-death headers) sharing the body buffer.
    if (this.settings.deadLetterExchange !== undefined) {
      d.deadLettered++;
      this.host.deadLetter(this, entry.message, reason);
    }
  }

  /** The entry leaves the queue for good (acked, dropped, expired, purged): off the store, its bytes released. */
  private retire(entry: QueueEntry): void {
    if (this.durable && entry.message.persistent) this.host.store.remove(this, entry);
    this.release(entry.message);
  }

  private hold(message: StoredMessage): void {
    if (message.refs++ === 0) this.host.accountBytes(message.footprint);
  }

  private release(message: StoredMessage): void {
    if (--message.refs === 0) this.host.accountBytes(-message.footprint);
  }

  private expireHead(now: number): void {
    for (;;) {
      const head = this.ready.peek();
      if (head === undefined || head.expiresAt > now) break;
      this.ready.shift();
      this.discard(head, 'expired');
    }
    this.armExpiry();
  }

  /** One timer per queue for the head's expiry, never one per message. */
  private armExpiry(): void {
    const at = this.ready.peek()?.expiresAt ?? Number.POSITIVE_INFINITY;
    if (at !== this.expiry.at) this.expiry.set(at);
  }

  addConsumer(c: Consumer): void {
    this.hadConsumer = true;
    this.unused.clear();
    this.subscribers.add(c);
    this.dispatch();
  }

  removeConsumer(c: Consumer): void {
    if (!this.subscribers.remove(c)) return;
    if (this.consumerCount === 0) {
      // auto-delete: deleted when its last consumer goes, if it ever had one (AMQP 0-9-1 queue.declare).
      if (this.autoDelete && this.hadConsumer) {
        this.host.queueUnused(this);
        return;
      }
      this.touch();
    }
    // No dispatch here, even when the single active consumer changed: RabbitMQ 3.10's basic_cancel
    // handler picks the next active consumer but does not run the message queue, so the new one
    // gets the backlog only at the queue's next event (a publish, requeue, ack or new consumer).
  }

  /**
   * Marks the queue as used: restarts the x-expires countdown, which runs only
   * while the queue has no consumers (RabbitMQ: unused = no consumers, no
   * basic.get, no redeclare).
   */
  touch(): void {
    const ms = this.settings.expires;
    if (ms === undefined || this.deleted) return;
    this.unused.clear();
    if (this.consumerCount > 0) return;
    this.unused.set(Date.now() + ms);
  }

  /** queue.purge: drops the ready messages (not the unacknowledged ones) and returns how many. */
  purge(): number {
    const entries = this.ready.clear();
    this.discards.purged += entries.length;
    for (const e of entries) this.retire(e);
    this.armExpiry();
    return entries.length;
  }

  /** Deletes the queue: consumers are cancelled, ready messages dropped. Returns the ready count. */
  delete(): number {
    if (this.deleted) return 0;
    const count = this.ready.length;
    this.purge();
    this.deleted = true;
    this.unused.clear();
    this.expiry.clear();
    for (const c of this.subscribers.clear()) c.cancelledByQueue(this);
    if (this.durable) this.host.store.queueDeleted(this);
    return count;
  }

  get vhost(): string {
    return this.host.name;
  }
}
