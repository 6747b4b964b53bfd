/**
 * What a queue needs from a subscriber. Channels implement delivery; queues
 * only pick who gets the next message. Prefetch is enforced by the consumer
 * (LavinMQ's design): `canTake()` is false while its credit, its channel's
 * global credit, channel.flow or its connection's socket say stop.
 */
import type { FieldTable } from '../protocol/index.js';
import type { Queue } from './queue.js';
import type { QueueEntry } from './queue-entry.js';

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
