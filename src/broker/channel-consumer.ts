/** A queue subscription on a channel: the credit check a queue asks before each delivery. */
import type { FieldTable } from '../protocol/index.js';
import type { Channel } from './channel.js';
import type { Consumer } from './consumer.js';
import type { Queue } from './queue.js';
import type { QueueEntry } from './queue-entry.js';

export class ChannelConsumer implements Consumer {
  unacked = 0;
  browseCursor = 0;
  constructor(
    readonly channel: Channel,
    readonly queue: Queue,
    readonly tag: string,
    readonly noAck: boolean,
    readonly exclusive: boolean,
    readonly priority: number,
    readonly args: FieldTable,
    readonly browse: boolean,
    readonly prefetch: number,
  ) {}

  get connectionName(): string {
    return this.channel.connection.name;
  }

  canTake(): boolean {
    const ch = this.channel;
    if (!ch.flowActive || !ch.connection.writable || ch.closing) return false;
    if (this.noAck || this.browse) return true;
    if (this.prefetch > 0 && this.unacked >= this.prefetch) return false;
    return ch.globalPrefetch === 0 || ch.globalUnacked() < ch.globalPrefetch;
  }

  deliver(queue: Queue, entry: QueueEntry): void {
    this.channel.deliver(this, queue, entry);
  }

  cancelledByQueue(): void {
    this.channel.consumerCancelledByQueue(this);
  }
}
