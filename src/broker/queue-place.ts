/**
 * A message's place in one queue: its position, expiry, priority bucket,
 * redelivered flag and delivery count. Most messages reach one queue, so the
 * place in the first one is part of the message itself (`StoredMessage`
 * extends this class); only the second and later queues of a fanout get a
 * `FanoutEntry` of their own (queue-entry.ts). Generic in the message type so
 * this module needs no import of stored-message.ts (no cycle).
 *
 * Kept small, one entry per queued message: no expiry is stored as undefined
 * (an Infinity field would be a 16-byte heap number each), and priority,
 * redelivered, "the message's own place is taken" and the delivery count
 * share one small integer.
 */
const PRIORITY_MASK = 0xff;
const REDELIVERED = 0x100;
/** On a StoredMessage: its own place was given to a queue (never reused, so each place belongs to one queue). */
const CLAIMED = 0x200;
/** The delivery count is kept in the bits above these flags (arithmetic, not bit operations, so no 32-bit wrap). */
const DELIVERY = 0x400;

export abstract class QueuePlace<M> {
  private position = 0;
  /** Absolute expiry time in ms, undefined for none. */
  private expiry: number | undefined = undefined;
  /** Priority (low 8 bits), REDELIVERED, CLAIMED, deliveries × DELIVERY. */
  private state = 0;

  /** The message this place holds. */
  abstract readonly message: M;

  /** Set once, by the queue that takes the place (Queue.makeEntry). */
  place(seq: number, expiresAt: number, priority: number): void {
    this.position = seq;
    this.expiry = expiresAt === Number.POSITIVE_INFINITY ? undefined : expiresAt;
    this.state = (this.state & CLAIMED) + (priority & PRIORITY_MASK);
  }

  /** Position in the queue; a requeued entry goes back to this position (RabbitMQ keeps order on requeue). */
  get seq(): number {
    return this.position;
  }

  /** Absolute expiry time in ms, or Infinity. */
  get expiresAt(): number {
    return this.expiry ?? Number.POSITIVE_INFINITY;
  }

  /** Priority bucket this entry belongs to (0 for non-priority queues; at most 255, RabbitMQ's cap). */
  get priority(): number {
    return this.state & PRIORITY_MASK;
  }

  /** True once delivered and then requeued or recovered. */
  get redelivered(): boolean {
    return (this.state & REDELIVERED) !== 0;
  }

  set redelivered(r: boolean) {
    if (r !== this.redelivered) this.state += r ? REDELIVERED : -REDELIVERED;
  }

  /** Number of times delivered (used for statistics and x-death bookkeeping). */
  get deliveries(): number {
    return Math.floor(this.state / DELIVERY);
  }

  set deliveries(n: number) {
    this.state = (this.state % DELIVERY) + n * DELIVERY;
  }

  /** True the first time only: the own place (of a StoredMessage) is free and now taken. */
  protected claimOnce(): boolean {
    if ((this.state & CLAIMED) !== 0) return false;
    this.state += CLAIMED;
    return true;
  }
}
