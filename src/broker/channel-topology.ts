/**
 * A channel's exchange.* and queue.* methods: the argument clean-up RabbitMQ
 * does in rabbit_channel (CR/LF stripped from names, the "last declared
 * queue" shortcuts) in front of the vhost's declare/delete/bind rules and
 * reply texts (vhost.ts).
 */
import type { Method, MethodArgs, MethodName } from '../protocol/index.js';
import type { AccessControl } from './auth/access-control.js';
import type { ResourceGuard } from './auth/resource-guard.js';
import {
  authorizeBinding,
  authorizeExchangeDeclare,
  authorizeExchangeDelete,
  authorizeQueueDeclare,
} from './auth/topology-checks.js';
import { notFound } from './errors.js';
import type { VHost } from './vhost.js';

/** What these handlers need from the channel (channel.ts implements it). */
export interface TopologyChannel {
  readonly vhost: VHost;
  /** The user's permissions, checked where rabbit_channel checks them (auth/topology-checks.ts). */
  readonly guard: ResourceGuard;
  /** For the vhost's max-queues limit. */
  readonly access: AccessControl;
  /** Owner of the exclusive queues the channel declares: its connection. */
  readonly connection: object;
  /** The queue the channel declared last (AMQP 0-9-1 §1.7.2.1). */
  lastQueue: string | undefined;
  send<N extends keyof MethodArgs>(name: N, args: Partial<MethodArgs[N]>): void;
}

/** RabbitMQ drops CR and LF from exchange and queue names in declare, delete and bind (rabbit_channel strip_cr_lf). */
export function stripCrLf(name: string): string {
  return name.includes('\r') || name.includes('\n') ? name.replace(/[\r\n]/g, '') : name;
}

/** An empty queue name means the channel's last declared queue (AMQP 0-9-1 §1.7.2.1). */
export function queueName(ch: TopologyChannel, name: string): string {
  if (name !== '') return name;
  if (ch.lastQueue === undefined) throw notFound('no previously declared queue');
  return ch.lastQueue;
}

/** With both the queue name and the routing key empty, bind/unbind use the last queue's name as the key (rabbit_channel expand_routing_key_shortcut). */
function bindingKey(ch: TopologyChannel, queue: string, routingKey: string): string {
  return queue === '' && routingKey === '' && ch.lastQueue !== undefined ? ch.lastQueue : routingKey;
}

export function exchangeDeclare(ch: TopologyChannel, a: MethodArgs['exchange.declare']): void {
  const d = {
    name: stripCrLf(a.exchange),
    type: a.type,
    passive: a.passive,
    durable: a.durable,
    autoDelete: a.autoDelete,
    internal: a.internal,
    args: a.arguments,
  };
  authorizeExchangeDeclare(ch.guard, ch.vhost, d);
  ch.vhost.declareExchange(d);
  if (!a.nowait) ch.send('exchange.declare-ok', {});
}

export function exchangeDelete(ch: TopologyChannel, a: MethodArgs['exchange.delete']): void {
  authorizeExchangeDelete(ch.guard, stripCrLf(a.exchange));
  ch.vhost.deleteExchange(stripCrLf(a.exchange), a.ifUnused);
  if (!a.nowait) ch.send('exchange.delete-ok', {});
}

export function exchangeBind(ch: TopologyChannel, a: MethodArgs['exchange.bind']): void {
  authorizeBinding(ch.guard, 'exchange', stripCrLf(a.destination), stripCrLf(a.source));
  ch.vhost.bindExchange(stripCrLf(a.destination), stripCrLf(a.source), a.routingKey, a.arguments);
  if (!a.nowait) ch.send('exchange.bind-ok', {});
}

export function exchangeUnbind(ch: TopologyChannel, a: MethodArgs['exchange.unbind']): void {
  authorizeBinding(ch.guard, 'exchange', stripCrLf(a.destination), stripCrLf(a.source));
  ch.vhost.unbindExchange(stripCrLf(a.destination), stripCrLf(a.source), a.routingKey, a.arguments);
  if (!a.nowait) ch.send('exchange.unbind-ok', {});
}

export function queueDeclare(ch: TopologyChannel, a: MethodArgs['queue.declare']): void {
  const d = authorizeQueueDeclare(ch.guard, ch.access, ch.vhost, {
    // A passive declare does not expand "" to the last queue: RabbitMQ answers 404 "no queue ''".
    name: stripCrLf(a.queue),
    passive: a.passive,
    durable: a.durable,
    exclusive: a.exclusive,
    autoDelete: a.autoDelete,
    args: a.arguments,
  });
  const q = ch.vhost.declareQueue(d, ch.connection);
  ch.lastQueue = q.name;
  if (!a.nowait) {
    ch.send('queue.declare-ok', { queue: q.name, messageCount: q.messageCount, consumerCount: q.consumerCount });
  }
}

export function queueBind(ch: TopologyChannel, a: MethodArgs['queue.bind']): void {
  const queue = stripCrLf(a.queue);
  const key = bindingKey(ch, queue, a.routingKey);
  authorizeBinding(ch.guard, 'queue', queueName(ch, queue), stripCrLf(a.exchange));
  ch.vhost.bindQueue(queueName(ch, queue), stripCrLf(a.exchange), key, a.arguments, ch.connection);
  if (!a.nowait) ch.send('queue.bind-ok', {});
}

export function queueUnbind(ch: TopologyChannel, a: MethodArgs['queue.unbind']): void {
  const queue = stripCrLf(a.queue);
  const key = bindingKey(ch, queue, a.routingKey);
  authorizeBinding(ch.guard, 'queue', queueName(ch, queue), stripCrLf(a.exchange));
  ch.vhost.unbindQueue(queueName(ch, queue), stripCrLf(a.exchange), key, a.arguments, ch.connection);
  // queue.unbind has no nowait flag.
  ch.send('queue.unbind-ok', {});
}

export function queuePurge(ch: TopologyChannel, a: MethodArgs['queue.purge']): void {
  ch.guard.read('queue', queueName(ch, a.queue));
  const messageCount = ch.vhost.queue(queueName(ch, a.queue), ch.connection).purge();
  if (!a.nowait) ch.send('queue.purge-ok', { messageCount });
}

export function queueDelete(ch: TopologyChannel, a: MethodArgs['queue.delete']): void {
  const name = queueName(ch, stripCrLf(a.queue));
  ch.guard.configure('queue', name);
  const messageCount = ch.vhost.deleteQueue(name, a.ifUnused, a.ifEmpty, ch.connection);
  if (!a.nowait) ch.send('queue.delete-ok', { messageCount });
}

type TopologyHandlers = { readonly [N in MethodName]?: (ch: TopologyChannel, a: MethodArgs[N]) => void };

/** The exchange.* and queue.* handlers by method; channel.ts handles queue.declare (direct reply-to goes first). */
const HANDLERS: TopologyHandlers = {
  'exchange.declare': exchangeDeclare,
  'exchange.delete': exchangeDelete,
  'exchange.bind': exchangeBind,
  'exchange.unbind': exchangeUnbind,
  'queue.bind': queueBind,
  'queue.unbind': queueUnbind,
  'queue.purge': queuePurge,
  'queue.delete': queueDelete,
};

/** Runs `m` when it is one of the methods above; false for any other method. */
export function topologyMethod(ch: TopologyChannel, m: Method): boolean {
  const handler = HANDLERS[m.name] as ((ch: TopologyChannel, a: Method['args']) => void) | undefined;
  if (handler === undefined) return false;
  handler(ch, m.args);
  return true;
}
