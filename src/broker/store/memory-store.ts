import type { MessageStore } from '../message-store.js';

/** Keeps nothing beyond what the queues hold in memory: the store for `--no-data-dir`. */
export class MemoryStore implements MessageStore {
  enqueue(): undefined {
    return undefined;
  }
  remove(): void {}
  delivered(): void {}
  queueDeleted(): void {}
  async close(): Promise<void> {}
}
