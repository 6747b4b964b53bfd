import type { StoredMessage } from './stored-message.js';

/** A message's place in one queue. */
export interface QueueEntry {
  readonly message: StoredMessage;
  /** Position in the queue; a requeued entry goes back to this position (RabbitMQ keeps order on requeue). */
  readonly seq: number;
  /** Absolute expiry time in ms, or Infinity. */
  readonly expiresAt: number;
  /** Priority bucket this entry belongs to (0 for non-priority queues). */
  readonly priority: number;
  /** True once delivered and then requeued or recovered. */
  redelivered: boolean;
  /** Number of times delivered (used for statistics and x-death bookkeeping). */
  deliveries: number;
}
