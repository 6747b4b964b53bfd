/**
 * Where persistent messages on durable queues are kept: the interface the
 * domain (vhost.ts, queue.ts) owns and store/ implements (store/memory-store.ts,
 * store/disk-store.ts); broker.ts picks the implementation. The in-memory store
 * (the default, and `--no-data-dir`) keeps nothing; a disk store writes a log.
 * The broker calls these at the moments RabbitMQ's message store is told the
 * same things, so a disk implementation needs no other hooks:
 * - `enqueue` when a persistent message lands on a durable queue; a confirm
 *   (or tx.commit-ok) for it waits for the returned promise (RabbitMQ confirms
 *   persistent messages only once they are on disk);
 * - `remove` when the entry leaves the queue for good (ack, drop, dead-letter,
 *   purge, expiry);
 * - `delivered` when it is handed out unacknowledged, so recovery can mark it
 *   redelivered.
 */
import type { QueueEntry } from './queue-entry.js';

export interface StoredQueueRef {
  readonly vhost: string;
  readonly name: string;
}

export interface MessageStore {
  enqueue(queue: StoredQueueRef, entry: QueueEntry): Promise<void> | undefined;
  remove(queue: StoredQueueRef, entry: QueueEntry): void;
  delivered(queue: StoredQueueRef, entry: QueueEntry): void;
  queueDeleted(queue: StoredQueueRef): void;
  /** Durable topology (a durable exchange, queue, binding or a vhost) changed; a disk store persists it. */
  definitionsChanged?(): void;
  close(): Promise<void>;
}
