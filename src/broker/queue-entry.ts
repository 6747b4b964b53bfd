import type { StoredMessage } from './stored-message.js';

const REDELIVERED = 0x100;
const PRIORITY_MASK = 0xff;

/**
 * A message's place in one queue. One exists per queued message, so it is
 * kept small: no expiry is stored as undefined (an Infinity field would be a
 * 16-byte heap number per entry), and priority and redelivered share one
 * small integer.
 */
export class QueueEntry {
  /** Absolute expiry time in ms, undefined for none. */
  private readonly expiry: number | undefined;
  /** Priority (low 8 bits) and REDELIVERED. */
  private state: number;
  /** Number of times delivered (used for statistics and x-death bookkeeping). */
  deliveries = 0;

  constructor(
    readonly message: StoredMessage,
    /** Position in the queue; a requeued entry goes back to this position (RabbitMQ keeps order on requeue). */
    readonly seq: number,
    expiresAt: number,
    /** Priority bucket this entry belongs to (0 for non-priority queues; at most 255, RabbitMQ's cap). */
    priority: number,
  ) {
    this.expiry = expiresAt === Number.POSITIVE_INFINITY ? undefined : expiresAt;
    this.state = priority & PRIORITY_MASK;
  }

  /** Absolute expiry time in ms, or Infinity. */
  get expiresAt(): number {
    return this.expiry ?? Number.POSITIVE_INFINITY;
  }

  /** Priority bucket this entry belongs to (0 for non-priority queues). */
  get priority(): number {
    return this.state & PRIORITY_MASK;
  }

  /** True once delivered and then requeued or recovered. */
  get redelivered(): boolean {
    return (this.state & REDELIVERED) !== 0;
  }

  set redelivered(r: boolean) {
    this.state = r ? this.state | REDELIVERED : this.state & ~REDELIVERED;
  }
}
