/**
 * A receiver's subscription queue on a topic (exchange) source (docs/qpid-reference.md §1.8): a
 * private queue per receiver, bound with the address subject, or the durable named one of `link.name`.
 */
import type { Channel } from 'amqplib';
import type { Address, AddressMap } from './address/index.js';
import { type Prober, queueOptions, type ResolvedNode } from './resolve.js';
import { SUBJECT_HEADER } from './wire.js';

export interface Subscription {
  readonly queue: string;
  /** Exclusive to this receiver and deleted when it closes (not a durable subscription). */
  readonly private: boolean;
}

/** Declares the subscription queue `name` and, without link x-bindings, binds it to the exchange. */
export async function declareSubscription(
  probe: Prober,
  address: Address,
  node: ResolvedNode,
  name: string,
): Promise<Subscription> {
  const link = address.options.link ?? {};
  const xDeclare: AddressMap = link['x-declare'] ?? {};
  const durable = link.durable ?? false;
  const options = queueOptions(xDeclare, durable);
  // Durable subscriptions must outlive the connection: not exclusive on RabbitMQ. Private ones are
  // exclusive (gone with the connection) and deleted on close; not auto-delete, since changing capacity
  // cancels the only consumer.
  options.exclusive = typeof xDeclare['exclusive'] === 'boolean' ? xDeclare['exclusive'] : !durable;
  await probe((ch: Channel) => ch.assertQueue(name, options));
  if (link['x-bindings'] === undefined) {
    const type = node.exchangeType ?? 'topic';
    const subject = address.subject;
    let key = subject ?? (type === 'topic' ? '#' : '');
    let args: Record<string, unknown> | undefined;
    if (type === 'headers') {
      key = '';
      args = { 'x-match': 'all', ...(subject !== undefined ? { [SUBJECT_HEADER]: subject } : {}) };
    }
    await probe((ch: Channel) => ch.bindQueue(name, node.name, key, args));
  }
  return { queue: name, private: !durable };
}
