/** A queue subscription on a channel: the credit check a queue asks before each delivery. */
import type { FieldTable } from '../protocol/index.js';
import { describeQueue, preconditionFailed } from './errors.js';
import type { Consumer, Queue } from './queue.js';
import { integerOf, typeNameOf } from './queue-args.js';
import type { QueueEntry } from './queue-entry.js';

/** A basic.consume's x-priority argument (0 without one); a non-integer is 406 PRECONDITION_FAILED. */
export function consumerPriority(args: FieldTable, queue: string, vhost: string): number {
  const prio = args['x-priority'];
  if (prio === undefined) return 0;
  const n = integerOf(prio);
  // rabbit_amqqueue:check_consume_arguments names the queue, not the consumer, with check_int_arg's reason.
  if (n === undefined) {
    throw preconditionFailed(
      `invalid arg 'x-priority' for ${describeQueue(queue, vhost)}: "expected integer, got ${typeNameOf(prio)}"`,
    );
  }
  return n;
}

/** What a consumer needs from its channel (channel.ts implements it). */
export interface ConsumerChannel {
  readonly id: number;
  readonly flowActive: boolean;
  readonly closing: boolean;
  /** basic.qos global=true; 0 = no limit. */
  readonly globalPrefetch: number;
  readonly connection: { readonly name: string; canWrite(): boolean; markStarved(): void };
  globalUnacked(): number;
  deliver(c: ChannelConsumer, queue: Queue, entry: QueueEntry): void;
  consumerCancelledByQueue(c: ChannelConsumer): void;
}

export class ChannelConsumer implements Consumer {
  unacked = 0;
  browseCursor = 0;
  constructor(
    readonly channel: ConsumerChannel,
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
    if (!ch.flowActive) return false;
    if (!ch.connection.canWrite()) {
      // Remembered so that the connection wakes its consumers once it can write again.
      ch.connection.markStarved();
      return false;
    }
    if (ch.closing) return false;
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
