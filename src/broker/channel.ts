/**
 * One AMQP channel: method dispatch and the basic.* handlers, content
 * assembly, consumers, the unacknowledged-delivery map, prefetch, publisher
 * confirms, and the transaction (channel-tx.ts); exchange.* and queue.* are in
 * channel-topology.ts. Mirrors rabbit_channel: every handler either answers or throws an AMQP
 * error that the connection turns into channel.close or connection.close.
 */
import { randomBytes } from 'node:crypto';
import { type Method, type MethodArgs, ReplyCode } from '../protocol/index.js';
import type { ResourceGuard } from './auth/resource-guard.js';
import { ChannelConsumer, type ConsumerChannel, consumerPriority } from './channel-consumer.js';
import type { ChannelHost } from './channel-host.js';
import { queueDeclare, queueName, type TopologyChannel, topologyMethod } from './channel-topology.js';
import { ChannelTransaction, type TxChannel } from './channel-tx.js';
import { type AssembledContent, ContentAssembler } from './content-assembler.js';
import { DirectReplyTo, REPLY_QUEUE, type ReplyEndpoint } from './direct-reply-to.js';
import {
  accessRefused,
  ChannelException,
  channelError,
  commandInvalid,
  describeExchange,
  describeQueue,
  notAllowed,
  notImplemented,
  preconditionFailed,
} from './errors.js';
import { PUBLISH_REFUSED, publishedMessage, senderSelectedKeys, unroutable } from './publish.js';
import { PublisherConfirms } from './publisher-confirms.js';
import type { Queue } from './queue.js';
import type { QueueEntry } from './queue-entry.js';
import { withDeliveryCount } from './queue-types.js';
import type { StoredMessage } from './stored-message.js';
import { settleDeliveries, UnackedDeliveries } from './unacked-deliveries.js';

export class Channel implements ConsumerChannel, TopologyChannel, ReplyEndpoint, TxChannel {
  flowActive = true;
  closing = false;
  private readonly deliveries = new UnackedDeliveries();
  /** message_stats counters, read by the management sampler (management/stats.ts): integer increments only. */
  readonly stats = {
    publish: 0,
    confirm: 0,
    returnUnroutable: 0,
    deliver: 0,
    deliverNoAck: 0,
    get: 0,
    getNoAck: 0,
    ack: 0,
    redeliver: 0,
  };
  private readonly consumers = new Map<string, ChannelConsumer>();
  private readonly content = new ContentAssembler();
  /** basic.qos global=false: the prefetch given to consumers created afterwards (per_consumer_qos). */
  private consumerPrefetch = 0;
  /** basic.qos global=true: a limit shared by all consumers on the channel. */
  globalPrefetch = 0;
  /** The queue this channel declared last (channel-topology.ts: the "" shortcuts). */
  lastQueue: string | undefined;
  private readonly confirms = new PublisherConfirms({
    send: (ok, tag, multiple) => {
      // RabbitMQ's nack leaves `requeue` at the spec default, true (rabbit_channel send_nacks).
      if (ok) this.send('basic.ack', { deliveryTag: tag, multiple });
      else this.send('basic.nack', { deliveryTag: tag, multiple, requeue: true });
    },
    beforeFlush: (fn) => this.connection.beforeFlush(fn),
    isClosing: () => this.closing,
  });
  private readonly tx = new ChannelTransaction(this, this.deliveries);
  /** The `amq.rabbitmq.reply-to` consumer, if any (direct-reply-to.ts). */
  private readonly replyTo: DirectReplyTo;

  constructor(
    readonly connection: ChannelHost,
    readonly id: number,
  ) {
    this.replyTo = new DirectReplyTo(connection.broker.directReply, this);
  }

  get vhost() {
    return this.connection.vhost;
  }

  /** The connection's permissions, checked where rabbit_channel checks them. */
  get guard(): ResourceGuard {
    return this.connection.guard;
  }

  get access() {
    return this.connection.broker.access;
  }

  get consumerCount(): number {
    return this.consumers.size;
  }

  get unackedCount(): number {
    return this.deliveries.size;
  }

  get prefetchCount(): number {
    return this.consumerPrefetch;
  }

  get inConfirmMode(): boolean {
    return this.confirms.enabled;
  }

  get transactional(): boolean {
    return this.tx.active;
  }

  /**
   * Unacked consumer deliveries, the count global prefetch limits. As in
   * rabbit_limiter, basic.get messages never count, and an ack inside a
   * transaction frees its credit only at commit.
   */
  globalUnacked(): number {
    return this.deliveries.credit;
  }

  /** True while a publish awaits its content header or body frames. */
  get expectingContent(): boolean {
    return this.content.busy;
  }

  // ---- frames -------------------------------------------------------------

  /** One line per method: the handlers below, or channel-topology.ts for exchange.* and queue.*. */
  handleMethod(m: Method): void {
    if (this.content.busy) throw this.content.interrupted();
    switch (m.name) {
      case 'channel.open':
        throw channelError(`second 'channel.open' seen`);
      case 'channel.flow':
        return this.flow(m.args);
      case 'channel.flow-ok':
        return;
      case 'queue.declare':
        // rabbit_channel answers `amq.rabbitmq.reply-to…` before any other queue.declare rule.
        if (m.args.queue.startsWith(REPLY_QUEUE)) return this.replyTo.queueDeclare(this, m.args);
        return queueDeclare(this, m.args);
      case 'basic.qos':
        return this.qos(m.args);
      case 'basic.consume':
        return this.consume(m.args);
      case 'basic.cancel':
        return this.cancel(m.args.consumerTag, m.args.nowait);
      case 'basic.publish':
        return this.startPublish(m.args);
      case 'basic.get':
        return this.get(m.args);
      case 'basic.ack':
        return this.ack(m.args.deliveryTag, m.args.multiple);
      case 'basic.reject':
        return this.nack(m.args.deliveryTag, false, m.args.requeue);
      case 'basic.nack':
        return this.nack(m.args.deliveryTag, m.args.multiple, m.args.requeue);
      case 'basic.recover':
        return this.basicRecover(m.args.requeue, true);
      case 'basic.recover-async':
        return this.basicRecover(m.args.requeue, false);
      case 'confirm.select':
        return this.confirmSelect(m.args.nowait);
      case 'tx.select':
        return this.txSelect();
      case 'tx.commit':
        return this.tx.commit();
      case 'tx.rollback':
        this.tx.rollback();
        return this.send('tx.rollback-ok', {});
      case 'access.request':
        return this.send('access.request-ok', { ticket: 1 });
      default:
        if (topologyMethod(this, m)) return;
        // A method that a client may not send on a channel, e.g. basic.deliver or connection.*.
        throw commandInvalid(`unexpected method ${m.name} on channel ${this.id}`);
    }
  }

  handleHeader(payload: Buffer): void {
    const done = this.content.header(payload, this.connection.broker.options.maxMessageSize);
    if (done) this.publish(done);
  }

  handleBody(payload: Buffer): void {
    const done = this.content.body(payload);
    if (done) this.publish(done);
  }

  // ---- flow / qos / consumers ---------------------------------------------

  private flow(a: MethodArgs['channel.flow']): void {
    // RabbitMQ 3.x refuses client-initiated flow stops (rabbit_channel: "active=false" not_implemented).
    if (!a.active) throw notImplemented('active=false');
    this.send('channel.flow-ok', { active: true });
  }

  private qos(a: MethodArgs['basic.qos']): void {
    if (a.prefetchSize !== 0) throw notImplemented(`prefetch_size!=0 (${a.prefetchSize})`);
    if (a.global) this.globalPrefetch = a.prefetchCount;
    else this.consumerPrefetch = a.prefetchCount;
    this.send('basic.qos-ok', {});
    this.kickConsumers();
  }

  private consume(a: MethodArgs['basic.consume']): void {
    if (a.queue === REPLY_QUEUE) {
      const tag = this.replyTo.consume(a.consumerTag, a.noAck, (t) => this.consumers.has(t));
      if (!a.nowait) this.send('basic.consume-ok', { consumerTag: tag });
      return;
    }
    // rabbit_channel checks a reused tag before it even looks the queue up (530 wins over 404).
    if (a.consumerTag !== '' && this.consumers.has(a.consumerTag)) {
      throw notAllowed(`attempt to reuse consumer tag '${a.consumerTag}'`);
    }
    this.guard.read('queue', queueName(this, a.queue));
    const q = this.vhost.queue(queueName(this, a.queue), this.connection);
    const tag = a.consumerTag === '' ? `amq.ctag-${randomBytes(16).toString('base64url')}` : a.consumerTag;
    // Consumer arguments are checked before exclusivity (rabbit_amqqueue:basic_consume).
    const priority = consumerPriority(a.arguments, q.name, this.vhost.name);
    if (a.exclusive && q.consumerCount > 0) {
      throw accessRefused(`${describeQueue(q.name, this.vhost.name)} in exclusive use`);
    }
    if (q.allConsumers.some((c) => c.exclusive)) {
      throw accessRefused(`${describeQueue(q.name, this.vhost.name)} in exclusive use`);
    }
    const browse = a.arguments['x-browse'] === true || a.arguments['qpid.browse'] === true;
    const c = new ChannelConsumer(
      this,
      q,
      tag,
      a.noAck,
      a.exclusive,
      priority,
      a.arguments,
      browse,
      this.consumerPrefetch,
    );
    this.consumers.set(tag, c);
    // consume-ok must precede the first basic.deliver.
    if (!a.nowait) this.send('basic.consume-ok', { consumerTag: tag });
    q.addConsumer(c);
  }

  private cancel(tag: string, nowait: boolean): void {
    if (this.replyTo.cancel(tag)) {
      if (!nowait) this.send('basic.cancel-ok', { consumerTag: tag });
      return;
    }
    const c = this.consumers.get(tag);
    if (c !== undefined) {
      this.consumers.delete(tag);
      c.queue.removeConsumer(c);
    }
    // RabbitMQ answers cancel-ok even for an unknown tag.
    if (!nowait) this.send('basic.cancel-ok', { consumerTag: tag });
  }

  consumerCancelledByQueue(c: ChannelConsumer): void {
    if (this.consumers.get(c.tag) !== c) return;
    this.consumers.delete(c.tag);
    // Only clients that announced consumer_cancel_notify get basic.cancel (RabbitMQ consumer cancel notification).
    if (this.connection.capabilities.consumerCancelNotify && !this.closing) {
      this.send('basic.cancel', { consumerTag: c.tag, nowait: true });
    }
  }

  /** Gives consumers a chance to take messages after credit, flow or socket space came back. */
  kickConsumers(): void {
    for (const c of this.consumers.values()) c.queue.dispatch();
  }

  /** basic.deliver and basic.get-ok sent so far: every one took a delivery tag. */
  get delivered(): number {
    return this.deliveries.issued;
  }

  /** A direct reply: the next delivery tag is sent but not used up, as rabbit_channel deliver_reply does. */
  deliverReply(consumerTag: string, message: StoredMessage): void {
    this.connection.sendDelivery(this.id, consumerTag, this.deliveries.peekTag, false, message);
  }

  deliver(c: ChannelConsumer, queue: Queue, entry: QueueEntry): void {
    const ackRequired = !c.noAck && !c.browse;
    const tag = this.deliveries.deliver(queue, entry, c, ackRequired);
    if (ackRequired) this.stats.deliver++;
    else this.stats.deliverNoAck++;
    if (entry.redelivered) this.stats.redeliver++;
    this.connection.sendDelivery(this.id, c.tag, tag, entry.redelivered, entry.message, headerOf(queue, entry));
  }

  // ---- get / ack / nack / recover -----------------------------------------

  private get(a: MethodArgs['basic.get']): void {
    this.guard.read('queue', queueName(this, a.queue));
    const q = this.vhost.queue(queueName(this, a.queue), this.connection);
    const entry = q.get(a.noAck);
    if (entry === undefined) {
      this.send('basic.get-empty', {});
      return;
    }
    const tag = this.deliveries.deliver(q, entry, undefined, !a.noAck);
    if (a.noAck) this.stats.getNoAck++;
    else this.stats.get++;
    if (entry.redelivered) this.stats.redeliver++;
    const m = entry.message;
    this.send('basic.get-ok', {
      deliveryTag: tag,
      redelivered: entry.redelivered,
      exchange: m.exchange,
      routingKey: m.routingKey,
      messageCount: q.messageCount,
    });
    this.connection.sendContent(this.id, m, headerOf(q, entry));
  }

  private ack(tag: number, multiple: boolean): void {
    const items = this.deliveries.take(tag, multiple);
    this.stats.ack += items.length;
    if (this.tx.active) {
      this.tx.holdSettlement('ack', items);
      return;
    }
    this.deliveries.releaseCredit(items);
    for (const u of items) u.queue.ack(u.entry);
    this.kickConsumers();
  }

  private nack(tag: number, multiple: boolean, requeue: boolean): void {
    const items = this.deliveries.take(tag, multiple);
    if (this.tx.active) {
      this.tx.holdSettlement(requeue ? 'requeue' : 'reject', items);
      return;
    }
    this.deliveries.releaseCredit(items);
    settleDeliveries(items, requeue ? 'requeue' : 'reject');
    this.kickConsumers();
  }

  private basicRecover(requeue: boolean, answer: boolean): void {
    // RabbitMQ supports only requeue=true (rabbit_channel: "requeue=false" is not_implemented).
    if (!requeue) throw notImplemented('requeue=false');
    this.requeueUnacked();
    if (answer) this.send('basic.recover-ok', {});
  }

  /** Every unacked delivery goes back to its queue, marked redelivered. */
  private requeueUnacked(): void {
    const items = this.deliveries.takeAll();
    this.deliveries.releaseCredit(items);
    settleDeliveries(items, 'requeue');
    this.kickConsumers();
  }

  // ---- publish ------------------------------------------------------------

  private startPublish(a: MethodArgs['basic.publish']): void {
    // RabbitMQ 3.x does not implement immediate delivery.
    if (a.immediate) throw notImplemented('immediate=true');
    // rabbit_channel checks write on the exchange before looking it up.
    this.guard.write('exchange', a.exchange);
    const x = this.vhost.exchange(a.exchange);
    if (x.internal) throw accessRefused(`cannot publish to internal ${describeExchange(x.name, this.vhost.name)}`);
    this.content.start(a.exchange, a.routingKey, a.mandatory);
    this.connection.published();
  }

  /** A complete message arrived: validate, strip BCC, then publish now or hold it for the transaction. */
  private publish(c: AssembledContent): void {
    // RabbitMQ rewrites reply_to (maybe_set_fast_reply_to) before it checks the expiration.
    const props = this.replyTo.rewriteReplyTo(c.properties);
    const ccKeys = senderSelectedKeys(props.headers);
    const message = publishedMessage(c, props);
    // Direct reply-to bypasses the one publish path as RabbitMQ's rabbit_exchange:route does: replies on
    // the default exchange reach their channel now (even inside a transaction); their keys name no queue,
    // so VHost.publish then routes them nowhere and counts the publish as usual.
    if (c.exchange === '') this.connection.broker.directReply.deliver(message, ccKeys);
    // startPublish checked the exchange; it may have been deleted while the content arrived.
    const x = this.vhost.exchanges.get(c.exchange);
    this.stats.publish++;
    if (this.tx.active) {
      // RabbitMQ routes a tx publish at once and only enqueues at commit.
      const routes = new Set<Queue>();
      if (x !== undefined) this.vhost.routeMessage(x, message, ccKeys, routes);
      this.tx.holdPublish({ message, mandatory: c.mandatory, exchange: x, routes });
      return;
    }
    const seq = this.confirms.next();
    if (x === undefined) {
      this.connection.broker.stats.publish++;
      this.answerPublish(message, c.mandatory, seq, 0, undefined);
      return;
    }
    const pending: Promise<void>[] | undefined = seq ? [] : undefined;
    const outcome = this.vhost.publish(x, message, ccKeys, pending);
    this.answerPublish(message, c.mandatory, seq, outcome, pending);
  }

  /** The channel's side of a publish outcome: basic.return for an unroutable mandatory message, then the confirm. */
  private answerPublish(
    message: StoredMessage,
    mandatory: boolean,
    seq: number,
    outcome: number,
    pending: Promise<void>[] | undefined,
  ): void {
    if (mandatory && unroutable(outcome)) {
      this.stats.returnUnroutable++;
      this.returnMessage(message, ReplyCode.NO_ROUTE, 'NO_ROUTE');
    }
    if (!seq) return;
    const ok = (outcome & PUBLISH_REFUSED) === 0;
    if (ok) this.confirmed();
    this.confirms.decide(seq, ok, pending);
  }

  /** Counts a positive confirm (when it is decided; the basic.ack may wait for the store). */
  private confirmed(): void {
    this.stats.confirm++;
    this.connection.broker.stats.confirm++;
  }

  /** basic.return with the message's content. */
  returnMessage(message: StoredMessage, replyCode: number, replyText: string): void {
    this.send('basic.return', {
      replyCode,
      replyText,
      exchange: message.exchange,
      routingKey: message.routingKey,
    });
    this.connection.sendContent(this.id, message);
  }

  // ---- confirms and transactions ---------------------------------------------

  private confirmSelect(nowait: boolean): void {
    if (this.tx.active) throw preconditionFailed('cannot switch from tx to confirm mode');
    this.confirms.enabled = true;
    if (!nowait) this.send('confirm.select-ok', {});
  }

  private txSelect(): void {
    if (this.confirms.enabled) throw preconditionFailed('cannot switch from confirm to tx mode');
    this.tx.active = true;
    this.send('tx.select-ok', {});
  }

  sendCommitOk(): void {
    this.send('tx.commit-ok', {});
  }

  storeFailed(): void {
    this.connection.closeChannelWith(this, new ChannelException(ReplyCode.INTERNAL_ERROR, 'store write failed'));
  }

  // ---- output / lifecycle -------------------------------------------------

  send<N extends keyof MethodArgs>(name: N, args: Partial<MethodArgs[N]>): void {
    this.connection.sendMethod(this.id, name, args);
  }

  /** Releases everything the channel holds: consumers are removed, unacked messages requeued (redelivered). */
  cleanup(): void {
    this.closing = true;
    this.replyTo.close();
    this.content.reset();
    for (const c of this.consumers.values()) c.queue.removeConsumer(c);
    this.consumers.clear();
    const items = this.deliveries.takeAll();
    items.push(...this.tx.takeSettled());
    settleDeliveries(items, 'requeue');
  }
}

/** The content header a delivery carries: the publisher's, plus x-delivery-count from a quorum queue. */
function headerOf(queue: Queue, entry: QueueEntry): Buffer {
  return queue.settings.queueType === 'quorum'
    ? withDeliveryCount(entry.message, entry.deliveries - 1)
    : entry.message.headerPayload;
}
