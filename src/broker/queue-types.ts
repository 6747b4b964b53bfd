/**
 * Queue types on the bundled broker (x-queue-type), as a single-node RabbitMQ 3.10 answers them.
 *
 * Decision (docs/queue-types.md): the bundled broker has one node, so there is nothing to replicate.
 * - `quorum` is accepted and kept as a durable classic queue with what a quorum queue adds that a
 *   client can see: RabbitMQ's property checks (durable, not exclusive, not auto-delete), its
 *   per-type argument refusals, `x-delivery-limit` (a message requeued more often than the limit is
 *   dropped or dead-lettered with reason `delivery_limit`) and the `x-delivery-count` header on
 *   every delivery. Code written for a cluster's quorum queues runs unchanged in tests.
 * - `stream` is refused with the 406 RabbitMQ gives for a queue type it does not support: a stream's
 *   non-destructive, offset-addressed log is a different store, and silently giving a classic queue
 *   would make stream consumers (x-stream-offset) read wrong data instead of failing.
 * Texts are rabbit_queue_type_util's: "invalid property 'non-durable' for queue 'q' in vhost '/'",
 * "invalid arg 'x-max-priority' for queue 'q' in vhost '/' of queue type rabbit_quorum_queue".
 */
import { type BasicProperties, encodeContentHeaderPayload, type FieldTable } from '../protocol/index.js';
import { describeQueue, preconditionFailed } from './errors.js';
import { rabbitTypeOf } from './field-terms.js';
import { integerOf } from './queue-args.js';
import type { StoredMessage } from './stored-message.js';

export type QueueType = 'classic' | 'quorum';

// rabbit_classic_queue / rabbit_quorum_queue capabilities(): unsupported_args, in RabbitMQ 3.10.8.
const UNSUPPORTED: Readonly<Record<QueueType, readonly string[]>> = {
  classic: [
    'x-delivery-limit',
    'x-quorum-initial-group-size',
    'x-max-age',
    'x-stream-max-segment-size-bytes',
    'x-initial-cluster-size',
    'x-queue-leader-locator',
    'x-max-in-memory-length',
    'x-max-in-memory-bytes',
    'x-dead-letter-strategy',
  ],
  quorum: [
    'x-max-priority',
    'x-queue-mode',
    'x-queue-version',
    'x-max-age',
    'x-stream-max-segment-size-bytes',
    'x-initial-cluster-size',
  ],
};

export interface QueueTypeSettings {
  readonly type: QueueType;
  /** Requeues allowed before a message is dropped/dead-lettered (quorum only). */
  readonly deliveryLimit?: number;
}

export interface DeclaredProperties {
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
}

/**
 * Checks a queue.declare against its queue type, in rabbit_amqqueue's order: per-type
 * arguments first, then auto-delete, exclusive, non-durable (rabbit_queue_type_util:run_checks).
 */
export function checkQueueType(
  args: FieldTable,
  d: DeclaredProperties,
  queue: string,
  vhost: string,
): QueueTypeSettings {
  const what = describeQueue(queue, vhost);
  const raw = args['x-queue-type'];
  const type = raw === 'quorum' ? 'quorum' : raw === 'stream' ? 'stream' : 'classic';
  if (type === 'stream')
    throw preconditionFailed(`invalid arg 'x-queue-type' for ${what}: "unsupported queue type 'stream'"`);
  for (const key of UNSUPPORTED[type]) {
    if (Object.hasOwn(args, key)) {
      throw preconditionFailed(`invalid arg '${key}' for ${what} of queue type rabbit_${type}_queue`);
    }
  }
  if (type === 'classic') return { type };
  if (d.autoDelete) throw preconditionFailed(`invalid property 'auto-delete' for ${what}`);
  if (d.exclusive) throw preconditionFailed(`invalid property 'exclusive-owner' for ${what}`);
  if (!d.durable) throw preconditionFailed(`invalid property 'non-durable' for ${what}`);
  const group = args['x-quorum-initial-group-size'];
  if (group !== undefined && integerOf(group) === undefined) {
    throw preconditionFailed(
      `invalid arg 'x-quorum-initial-group-size' for ${what}: "expected integer, got ${rabbitTypeOf(group)}"`,
    );
  }
  // RabbitMQ accepts any x-delivery-limit value and applies only a non-negative integer.
  const limit = args['x-delivery-limit'] === undefined ? undefined : integerOf(args['x-delivery-limit']);
  return limit !== undefined && limit >= 0 ? { type, deliveryLimit: limit } : { type };
}

/**
 * The content-header payload of a delivery from a quorum queue: the publisher's properties plus
 * `x-delivery-count` (deliveries before this one), which RabbitMQ's quorum queues add every time.
 */
export function withDeliveryCount(message: StoredMessage, previousDeliveries: number): Buffer {
  const props: BasicProperties = {
    ...message.properties,
    headers: { ...(message.properties.headers ?? {}), 'x-delivery-count': BigInt(previousDeliveries) },
  };
  return encodeContentHeaderPayload(60, message.bodySize, props);
}
