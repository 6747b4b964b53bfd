/**
 * The rabbit driver of oslo.messaging (oslo_messaging/_drivers/impl_rabbit.py) rebuilt on the public
 * messaging API: the same exchanges, queues, bindings and declare flags, expressed as addresses, so
 * reconnect and failover come from Connection/Session/Sender/Receiver.
 *
 * | oslo                         | exchange (type, durable, auto-delete)        | queue (durable, auto-delete, args)   |
 * |------------------------------|----------------------------------------------|--------------------------------------|
 * | topic consumer / topic_send  | control exchange `openstack` (topic, D, A)   | `topic`, `topic.server` (D, A)       |
 * | fanout consumer / fanout_send| `topic_fanout` (fanout, false, true)         | `topic_fanout_<hex>` (false, false, x-expires) |
 * | direct consumer / direct_send| default exchange                             | `reply_<hex>` (false, false, x-expires) |
 * | notify_send                  | control exchange (topic, D, A)               | `topic.priority` (D, A), declared on send |
 *
 * D = `amqp_durable_queues` (default false), A = `amqp_auto_delete` (default false), x-expires =
 * `rabbit_transient_queues_ttl` (default 1800 s). See docs/rpc.md.
 */
import {
  type AddressInit,
  type AddressMap,
  type Connection,
  createAddress,
  type Message,
  type Receiver,
  type Sender,
  type Session,
  type XBinding,
} from '../messaging/index.js';

/** The oslo configuration options the wire depends on (oslo names in brackets). */
export interface TransportOptions {
  /** Exchange for targets without one [control_exchange] (default `openstack`). */
  controlExchange?: string;
  /** Durable topic exchanges and queues [amqp_durable_queues] (default false). */
  durableQueues?: boolean;
  /** Auto-delete topic exchanges and queues [amqp_auto_delete] (default false). */
  autoDelete?: boolean;
  /** x-expires of reply and fanout queues, seconds [rabbit_transient_queues_ttl] (default 1800). */
  transientQueuesTtl?: number;
  /** Messages a consumer may hold unacknowledged [rabbit_qos_prefetch_count]; 0 = 100 here. */
  prefetchCount?: number;
}

export const DEFAULT_CONTROL_EXCHANGE = 'openstack';
const DEFAULT_TRANSIENT_TTL = 1800;
const DEFAULT_PREFETCH = 100;
/** Senders kept for reply queues; older ones are closed (one channel each). */
const MAX_REPLY_SENDERS = 64;
/** Reply queues that are gone never come back: `amq.rabbitmq.reply-to.*` replies need no confirm. */
const DIRECT_REPLY_PREFIX = 'amq.rabbitmq.reply-to.';

/** One per connection and option set: a session and the senders/receivers oslo's driver would have. */
export class RpcTransport {
  readonly controlExchange: string;
  private readonly durable: boolean;
  private readonly autoDelete: boolean;
  private readonly ttlMs: number;
  readonly prefetch: number;
  private session: Promise<Session> | undefined;
  private readonly exchangeSenders = new Map<string, Promise<Sender>>();
  private readonly replySenders = new Map<string, Promise<Sender>>();
  private readonly declared = new Map<string, Promise<Sender>>();

  constructor(
    readonly connection: Connection,
    options: TransportOptions = {},
  ) {
    this.controlExchange = options.controlExchange ?? DEFAULT_CONTROL_EXCHANGE;
    this.durable = options.durableQueues ?? false;
    this.autoDelete = options.autoDelete ?? false;
    this.ttlMs = (options.transientQueuesTtl ?? DEFAULT_TRANSIENT_TTL) * 1000;
    this.prefetch = options.prefetchCount || DEFAULT_PREFETCH;
  }

  exchangeOf(target: { exchange?: string }): string {
    return target.exchange ?? this.controlExchange;
  }

  // ---------------------------------------------------------------- sending

  /** [oslo] topic_send: to the topic exchange with the topic (or `topic.server`) as routing key. */
  async topicSend(exchange: string, routingKey: string, message: Message, timeout?: number): Promise<void> {
    const sender = await this.exchangeSender(exchange, 'topic', this.durable, this.autoDelete);
    message.subject = routingKey;
    await sender.send(message, { timeout });
  }

  /** [oslo] fanout_send: to `topic_fanout`, no routing key. */
  async fanoutSend(topic: string, message: Message, timeout?: number): Promise<void> {
    const sender = await this.exchangeSender(`${topic}_fanout`, 'fanout', false, true);
    message.subject = '';
    await sender.send(message, { timeout });
  }

  /**
   * [oslo] notify_send: declares the `topic.priority` queue bound to the exchange once (so nothing is
   * lost before a listener exists), then publishes through the exchange.
   */
  async notifySend(exchange: string, routingKey: string, message: Message, timeout?: number): Promise<void> {
    await this.declareQueue(routingKey, exchange, [routingKey]);
    await this.topicSend(exchange, routingKey, message, timeout);
  }

  /**
   * [oslo] direct_send: a reply, to the default exchange with the reply queue as routing key, mandatory
   * (a missing queue is NotFound/NoRoute, which the caller may retry as oslo does for 60 s).
   */
  async directSend(replyQueue: string, message: Message, timeout?: number): Promise<void> {
    const sender = await this.replySender(replyQueue);
    message.subject = undefined;
    await sender.send(message, { timeout });
  }

  /** Forgets a reply queue's sender (after it failed: the queue may be gone). */
  async dropReplySender(replyQueue: string): Promise<void> {
    const s = this.replySenders.get(replyQueue);
    this.replySenders.delete(replyQueue);
    if (s) await s.then((x) => x.close()).catch(() => undefined);
  }

  // ---------------------------------------------------------------- consuming

  /** [oslo] declare_topic_consumer: queue (`topic` or a pool name) bound to the exchange with each key. */
  async topicReceiver(exchange: string, queue: string, keys: readonly string[]): Promise<Receiver> {
    await this.exchangeSender(exchange, 'topic', this.durable, this.autoDelete);
    return this.receiver({
      name: queue,
      options: {
        create: 'always',
        node: {
          type: 'queue',
          'x-declare': { durable: this.durable, 'auto-delete': this.autoDelete },
          'x-bindings': keys.map((key): XBinding => ({ exchange, queue, key })),
        },
      },
    });
  }

  /** [oslo] declare_fanout_consumer: a `topic_fanout_<hex>` queue on the `topic_fanout` exchange. */
  async fanoutReceiver(topic: string, unique: string): Promise<Receiver> {
    const exchange = `${topic}_fanout`;
    await this.exchangeSender(exchange, 'fanout', false, true);
    const queue = `${topic}_fanout_${unique}`;
    return this.receiver({
      name: queue,
      options: {
        create: 'always',
        node: {
          type: 'queue',
          'x-declare': this.transientQueue(),
          'x-bindings': [{ exchange, queue, key: topic }],
        },
      },
    });
  }

  /** [oslo] declare_direct_consumer: the `reply_<hex>` queue, default exchange only. */
  async directReceiver(queue: string): Promise<Receiver> {
    return this.receiver({
      name: queue,
      options: { create: 'always', node: { type: 'queue', 'x-declare': this.transientQueue() } },
    });
  }

  /** Closes everything this transport opened (its session). */
  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.exchangeSenders.clear();
    this.replySenders.clear();
    this.declared.clear();
    if (s) await s.then((x) => x.close()).catch(() => undefined);
  }

  // ---------------------------------------------------------------- internal

  private transientQueue(): AddressMap {
    return { durable: false, 'auto-delete': false, arguments: { 'x-expires': this.ttlMs } };
  }

  private async ensureSession(): Promise<Session> {
    this.session ??= this.connection.session();
    try {
      return await this.session;
    } catch (err) {
      this.session = undefined;
      throw err;
    }
  }

  private async receiver(init: AddressInit): Promise<Receiver> {
    const session = await this.ensureSession();
    return session.receiver(createAddress(init), { capacity: this.prefetch });
  }

  // A sender whose address declares the exchange: kept open, it also re-declares it after a reconnect.
  private exchangeSender(name: string, type: string, durable: boolean, autoDelete: boolean): Promise<Sender> {
    return this.cached(this.exchangeSenders, name, {
      name,
      options: {
        create: 'always',
        node: { type: 'topic', 'x-declare': { type, durable, 'auto-delete': autoDelete } },
      },
    });
  }

  private declareQueue(queue: string, exchange: string, keys: readonly string[]): Promise<Sender> {
    return this.exchangeSender(exchange, 'topic', this.durable, this.autoDelete).then(() =>
      this.cached(this.declared, `${exchange}\u0000${queue}`, {
        name: queue,
        options: {
          create: 'always',
          node: {
            type: 'queue',
            'x-declare': { durable: this.durable, 'auto-delete': this.autoDelete },
            'x-bindings': keys.map((key): XBinding => ({ exchange, queue, key })),
          },
        },
      }),
    );
  }

  private replySender(queue: string): Promise<Sender> {
    const existing = this.replySenders.get(queue);
    if (existing) {
      // Most recently used last, so the oldest is the one dropped.
      this.replySenders.delete(queue);
      this.replySenders.set(queue, existing);
      return existing;
    }
    if (this.replySenders.size >= MAX_REPLY_SENDERS) {
      const oldest = this.replySenders.keys().next().value as string;
      void this.dropReplySender(oldest);
    }
    // Direct reply-to: RabbitMQ routes to no queue, so a mandatory publish would come back NO_ROUTE.
    const direct = queue.startsWith(DIRECT_REPLY_PREFIX);
    return this.cached(this.replySenders, queue, {
      name: queue,
      options: direct ? { node: { type: 'queue' }, link: { reliability: 'unreliable' } } : { node: { type: 'queue' } },
    });
  }

  private cached(map: Map<string, Promise<Sender>>, key: string, init: AddressInit): Promise<Sender> {
    let p = map.get(key);
    if (!p) {
      p = this.ensureSession().then((s) => s.sender(createAddress(init), { subjectHeader: false }));
      map.set(key, p);
      // A failed declaration is not cached: the next use tries again.
      p.catch(() => {
        if (map.get(key) === p) map.delete(key);
      });
    }
    return p;
  }
}

const transports = new WeakMap<Connection, Map<string, RpcTransport>>();

/** The transport shared by every RPC client, server, notifier and listener on `connection` with these options. */
export function transportFor(connection: Connection, options: TransportOptions = {}): RpcTransport {
  let byOptions = transports.get(connection);
  if (!byOptions) {
    byOptions = new Map();
    transports.set(connection, byOptions);
  }
  const key = JSON.stringify([
    options.controlExchange,
    options.durableQueues,
    options.autoDelete,
    options.transientQueuesTtl,
    options.prefetchCount,
  ]);
  let t = byOptions.get(key);
  if (!t) {
    t = new RpcTransport(connection, options);
    byOptions.set(key, t);
  }
  return t;
}
