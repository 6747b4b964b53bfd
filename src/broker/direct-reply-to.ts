/**
 * Direct reply-to (RabbitMQ 3.10: rabbit_channel.erl `amq.rabbitmq.reply-to` clauses, rabbit_exchange.erl
 * route/2, rabbit_direct_reply_to.erl; docs/direct-reply-to.md): an RPC client consumes the pseudo-queue
 * `amq.rabbitmq.reply-to` (no-ack only), publishes requests with `reply_to = amq.rabbitmq.reply-to`, and
 * the broker rewrites that to `amq.rabbitmq.reply-to.<channel>.<key>`. A reply published to the default
 * exchange with that routing key goes straight to the consumer's channel: no queue, no store, no
 * confirm wait, and — as in RabbitMQ — it counts as routed to no queue (a mandatory reply also comes back
 * NO_ROUTE), a reply for a gone channel or a stale key is dropped, and the delivery carries the channel's
 * next delivery tag without using it up (rabbit_channel's deliver_reply does not advance next_tag).
 *
 * This file holds the per-channel state and the broker-wide registry; the channel calls it from five
 * places (consume, cancel, queue.declare, the reply_to rewrite of a publish, and — in front of the one
 * publish path — handing replies on the default exchange to their channel) and on cleanup.
 */
import { randomBytes } from 'node:crypto';
import type { BasicProperties, MethodArgs } from '../protocol/index.js';
import { stripCrLf, type TopologyChannel } from './channel-topology.js';
import { describeQueue, notAllowed, notFound, preconditionFailed } from './errors.js';
import type { StoredMessage } from './stored-message.js';

/** The pseudo-queue's name. */
export const REPLY_QUEUE = 'amq.rabbitmq.reply-to';
const ADDRESS_PREFIX = `${REPLY_QUEUE}.`;

/** What the registry needs from a channel to hand it a reply. */
export interface ReplyEndpoint {
  /** Writes basic.deliver(tag, the channel's next delivery tag, redelivered=false) + content. */
  deliverReply(consumerTag: string, message: StoredMessage): void;
  /** True once the channel is closing: replies are then dropped (RabbitMQ: state = closing). */
  readonly closing: boolean;
}

interface ReplyConsumer {
  readonly tag: string;
  /** `<channel id>.<key>`: what follows `amq.rabbitmq.reply-to.` in addresses. */
  readonly suffix: string;
  readonly key: string;
}

/** Broker-wide: which channel a reply address names. RabbitMQ decodes a pid; we look a token up. */
export class DirectReplyRegistry {
  private readonly channels = new Map<string, DirectReplyTo>();

  register(id: string, state: DirectReplyTo): void {
    this.channels.set(id, state);
  }

  unregister(id: string): void {
    this.channels.delete(id);
  }

  /** The consumer a reply address (`amq.rabbitmq.reply-to.<id>.<key>`) names, if it still exists. */
  resolve(address: string): DirectReplyTo | undefined {
    const parsed = parseAddress(address);
    if (!parsed) return undefined;
    const state = this.channels.get(parsed.id);
    return state?.hasKey(parsed.key) ? state : undefined;
  }

  /**
   * rabbit_exchange:route for the default exchange: every routing key (the message's and its CC/BCC
   * keys, each once) that is a reply address is delivered to its channel. Those keys name no queue, so
   * the normal routing that follows finds nothing for them.
   */
  deliver(message: StoredMessage, ccKeys: readonly string[] | undefined): void {
    if (!isReplyAddress(message.routingKey) && !ccKeys?.some(isReplyAddress)) return;
    const keys = new Set(ccKeys ? [message.routingKey, ...ccKeys] : [message.routingKey]);
    for (const key of keys) if (isReplyAddress(key)) this.resolve(key)?.deliver(message);
  }
}

/** A routing key RabbitMQ treats as a reply address (rabbit_exchange virtual_reply_queue/1). */
export function isReplyAddress(key: string): boolean {
  return key.startsWith(ADDRESS_PREFIX);
}

/** The per-channel half: at most one reply consumer. */
export class DirectReplyTo {
  private consumer: ReplyConsumer | undefined;
  // Standard base64 like RabbitMQ's encoded pid, so addresses look alike (and contain no `.`).
  private readonly id = randomBytes(18).toString('base64');

  constructor(
    private readonly registry: DirectReplyRegistry,
    private readonly endpoint: ReplyEndpoint,
  ) {}

  /** The reply consumer's tag, if there is one. */
  get consumerTag(): string | undefined {
    return this.consumer?.tag;
  }

  /**
   * basic.consume on `amq.rabbitmq.reply-to`. `tagInUse` is the channel's own consumer map: a reused
   * tag is checked first (530, a connection error), then no-ack, then "already set" (both 406).
   */
  consume(requestedTag: string, noAck: boolean, tagInUse: (tag: string) => boolean): string {
    if (requestedTag !== '' && tagInUse(requestedTag)) {
      throw notAllowed(`attempt to reuse consumer tag '${requestedTag}'`);
    }
    if (!noAck) throw preconditionFailed('reply consumer cannot acknowledge');
    if (this.consumer) throw preconditionFailed('reply consumer already set');
    const tag = requestedTag === '' ? `amq.ctag-${randomBytes(16).toString('base64url')}` : requestedTag;
    // rabbit_guid:gen() is 16 bytes; base64 of it is 24 characters ending in `==`.
    const key = randomBytes(16).toString('base64');
    this.consumer = { tag, suffix: `${this.id}.${key}`, key };
    this.registry.register(this.id, this);
    return tag;
  }

  /** basic.cancel: true when `tag` was the reply consumer (which is then gone). */
  cancel(tag: string): boolean {
    if (this.consumer?.tag !== tag) return false;
    this.consumer = undefined;
    this.registry.unregister(this.id);
    return true;
  }

  /**
   * maybe_set_fast_reply_to: a publish whose reply_to is exactly the pseudo-queue gets this channel's
   * address instead (406 without a reply consumer). Other properties are returned unchanged (same object).
   */
  rewriteReplyTo(props: BasicProperties): BasicProperties {
    if (props.replyTo !== REPLY_QUEUE) return props;
    if (!this.consumer) throw preconditionFailed('fast reply consumer does not exist');
    return { ...props, replyTo: `${ADDRESS_PREFIX}${this.consumer.suffix}` };
  }

  /**
   * queue.declare of a name starting `amq.rabbitmq.reply-to` (passive or not: "all declares to these are
   * effectively passive"): the pseudo-queue itself always exists, an address exists while its consumer
   * does — both as 0 messages, 1 consumer; anything else is 404.
   */
  declare(name: string, vhost: string): { queue: string; messageCount: number; consumerCount: number } {
    if (name === REPLY_QUEUE || this.registry.resolve(name)) return { queue: name, messageCount: 0, consumerCount: 1 };
    throw notFound(`no ${describeQueue(name, vhost)}`);
  }

  /** queue.declare of a name starting `amq.rabbitmq.reply-to` (see declare), answered on `ch`. */
  queueDeclare(ch: TopologyChannel, a: MethodArgs['queue.declare']): void {
    const ok = this.declare(stripCrLf(a.queue), ch.vhost.name);
    ch.lastQueue = ok.queue;
    if (!a.nowait) ch.send('queue.declare-ok', ok);
  }

  /** @internal A reply for this channel (registry.deliver). */
  hasKey(key: string): boolean {
    return this.consumer?.key === key;
  }

  /** @internal */
  deliver(message: StoredMessage): void {
    const c = this.consumer;
    if (!c || this.endpoint.closing) return;
    this.endpoint.deliverReply(c.tag, message);
  }

  /** The channel closed: its address stops resolving. */
  close(): void {
    if (this.consumer) this.registry.unregister(this.id);
    this.consumer = undefined;
  }
}

// `<id>.<key>` after the prefix, exactly two non-empty parts (rabbit_direct_reply_to string:lexemes).
function parseAddress(address: string): { id: string; key: string } | undefined {
  if (!isReplyAddress(address)) return undefined;
  const parts = address
    .slice(ADDRESS_PREFIX.length)
    .split('.')
    .filter((p) => p !== '');
  if (parts.length !== 2) return undefined;
  return { id: parts[0] as string, key: parts[1] as string };
}
