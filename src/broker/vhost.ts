/**
 * A virtual host: the registry of exchanges, queues and bindings, with the
 * declare/delete/bind rules and reply texts of RabbitMQ 3.10
 * (rabbit_channel's handle_method clauses for exchange.* and queue.*).
 */
import { randomBytes } from 'node:crypto';
import { encodeContentHeaderPayload, type FieldTable, type FieldValue, ReplyCode, Typed } from '../protocol/index.js';
import {
  accessRefused,
  commandInvalid,
  describeExchange,
  describeQueue,
  notFound,
  preconditionFailed,
  resourceLocked,
} from './errors.js';
import { type BindingDestination, Exchange } from './exchange.js';
import { isExchangeKind, validateBindingArgs } from './exchanges/create-router.js';
import type { ExchangeKind } from './exchanges/router.js';
import { Message } from './message.js';
import { type DeadLetterReason, Queue, type QueueHost } from './queue.js';
import { parseQueueArgs } from './queue-args.js';
import type { MessageStore } from './store/message-store.js';

export interface ExchangeDeclare {
  name: string;
  type: string;
  passive: boolean;
  durable: boolean;
  autoDelete: boolean;
  internal: boolean;
  args: FieldTable;
}

export interface QueueDeclare {
  name: string;
  passive: boolean;
  durable: boolean;
  exclusive: boolean;
  autoDelete: boolean;
  args: FieldTable;
}

/** What the vhost needs from the broker around it. */
export interface VHostEnv {
  readonly store: MessageStore;
  accountBytes(delta: number): void;
}

export class VHost implements QueueHost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly store: MessageStore;

  constructor(
    readonly name: string,
    private readonly env: VHostEnv,
  ) {
    this.store = env.store;
    // The pre-declared exchanges every RabbitMQ vhost has (AMQP 0-9-1 §3.1.3).
    const builtins: [string, ExchangeKind][] = [
      ['', 'direct'],
      ['amq.direct', 'direct'],
      ['amq.fanout', 'fanout'],
      ['amq.topic', 'topic'],
      ['amq.headers', 'headers'],
      ['amq.match', 'headers'],
    ];
    for (const [n, t] of builtins) this.exchanges.set(n, new Exchange(name, n, t, true, false, false, {}));
  }

  accountBytes(delta: number): void {
    this.env.accountBytes(delta);
  }

  // ---- exchanges ----------------------------------------------------------

  exchange(name: string): Exchange {
    const x = this.exchanges.get(name);
    if (x === undefined) throw notFound(`no ${describeExchange(name, this.name)}`);
    return x;
  }

  declareExchange(d: ExchangeDeclare): Exchange {
    if (d.name === '') throw accessRefused('operation not permitted on the default exchange');
    const existing = this.exchanges.get(d.name);
    if (d.passive) {
      if (existing === undefined) throw notFound(`no ${describeExchange(d.name, this.name)}`);
      return existing;
    }
    if (!isExchangeKind(d.type)) throw commandInvalid(`unknown exchange type '${d.type}'`);
    if (existing === undefined) {
      if (d.name.startsWith('amq.')) {
        throw accessRefused(`exchange name '${d.name}' contains reserved prefix 'amq.*'`);
      }
      const x = new Exchange(this.name, d.name, d.type, d.durable, d.autoDelete, d.internal, d.args);
      this.exchanges.set(d.name, x);
      return x;
    }
    const what = describeExchange(d.name, this.name);
    const differ = (arg: string, received: unknown, current: unknown) =>
      preconditionFailed(`inequivalent arg '${arg}' for ${what}: received '${received}' but current is '${current}'`);
    if (existing.type !== d.type) throw differ('type', d.type, existing.type);
    if (existing.durable !== d.durable) throw differ('durable', d.durable, existing.durable);
    if (existing.autoDelete !== d.autoDelete) throw differ('auto_delete', d.autoDelete, existing.autoDelete);
    if (existing.internal !== d.internal) throw differ('internal', d.internal, existing.internal);
    // RabbitMQ compares only alternate-exchange among exchange arguments.
    assertArgEquivalent(d.args, existing.args, 'alternate-exchange', what);
    return existing;
  }

  deleteExchange(name: string, ifUnused: boolean): void {
    if (name === '') throw accessRefused('operation not permitted on the default exchange');
    const x = this.exchanges.get(name);
    // Deleting a missing exchange is not an error in RabbitMQ 3.x.
    if (x === undefined) return;
    if (x.builtin) throw accessRefused(`operation not permitted on the default exchange`);
    if (ifUnused && x.router.size > 0) throw preconditionFailed(`${describeExchange(name, this.name)} in use`);
    this.removeExchange(x);
  }

  private removeExchange(x: Exchange): void {
    this.exchanges.delete(x.name);
    for (const b of x.router.entries()) if (b.destination instanceof Exchange) b.destination.inbound--;
    // Drop bindings in which x is the destination.
    for (const other of this.exchanges.values()) {
      if (other.router.removeDestination(x) > 0) this.maybeAutoDeleteExchange(other);
    }
  }

  /** An auto-delete exchange goes when its last binding (as source) is removed. */
  private maybeAutoDeleteExchange(x: Exchange): void {
    if (x.autoDelete && x.router.size === 0 && this.exchanges.get(x.name) === x) this.removeExchange(x);
  }

  // ---- queues -------------------------------------------------------------

  queue(name: string, owner: object | undefined): Queue {
    const q = this.queues.get(name);
    if (q === undefined) throw notFound(`no ${describeQueue(name, this.name)}`);
    this.checkExclusive(q, owner);
    return q;
  }

  private checkExclusive(q: Queue, owner: object | undefined): void {
    if (q.exclusiveOwner !== undefined && q.exclusiveOwner !== owner) {
      throw resourceLocked(
        `cannot obtain exclusive access to locked ${describeQueue(q.name, this.name)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
      );
    }
  }

  declareQueue(d: QueueDeclare, owner: object): Queue {
    if (d.passive) {
      const q = this.queue(d.name, owner);
      q.touch();
      return q;
    }
    let name = d.name;
    if (name === '') name = `amq.gen-${randomBytes(16).toString('base64url')}`;
    else if (name.startsWith('amq.')) throw accessRefused(`queue name '${name}' contains reserved prefix 'amq.*'`);
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      this.checkExclusive(existing, owner);
      const what = describeQueue(name, this.name);
      if (existing.exclusiveOwner !== undefined && !d.exclusive) this.checkExclusive(existing, undefined);
      if (existing.durable !== d.durable) {
        throw preconditionFailed(
          `inequivalent arg 'durable' for ${what}: received '${d.durable}' but current is '${existing.durable}'`,
        );
      }
      if (existing.autoDelete !== d.autoDelete) {
        throw preconditionFailed(
          `inequivalent arg 'auto_delete' for ${what}: received '${d.autoDelete}' but current is '${existing.autoDelete}'`,
        );
      }
      for (const key of EQUIVALENT_QUEUE_ARGS) assertArgEquivalent(d.args, existing.args, key, what);
      existing.touch();
      return existing;
    }
    const settings = parseQueueArgs(d.args, name, this.name);
    const q = new Queue(this, name, d.durable, d.exclusive ? owner : undefined, d.autoDelete, d.args, settings);
    this.queues.set(name, q);
    // Every queue is bound to the default exchange by its name (AMQP 0-9-1 §3.1.3.1); routing handles that implicitly.
    return q;
  }

  deleteQueue(name: string, ifUnused: boolean, ifEmpty: boolean, owner: object | undefined): number {
    const q = this.queues.get(name);
    // Deleting a missing queue answers delete-ok with 0 messages in RabbitMQ 3.x.
    if (q === undefined) return 0;
    this.checkExclusive(q, owner);
    if (ifUnused && q.consumerCount > 0) throw preconditionFailed(`${describeQueue(name, this.name)} in use`);
    if (ifEmpty && q.messageCount > 0) throw preconditionFailed(`${describeQueue(name, this.name)} not empty`);
    return this.removeQueue(q);
  }

  removeQueue(q: Queue): number {
    if (this.queues.get(q.name) !== q) return 0;
    this.queues.delete(q.name);
    for (const x of this.exchanges.values()) {
      if (x.router.removeDestination(q) > 0) this.maybeAutoDeleteExchange(x);
    }
    return q.delete();
  }

  queueUnused(q: Queue): void {
    this.removeQueue(q);
  }

  /** Deletes the exclusive queues of a closing connection. */
  dropExclusive(owner: object): void {
    for (const q of [...this.queues.values()]) if (q.exclusiveOwner === owner) this.removeQueue(q);
  }

  // ---- bindings -----------------------------------------------------------

  bindQueue(queue: string, exchange: string, key: string, args: FieldTable, owner: object): void {
    const q = this.queue(queue, owner);
    const x = this.bindableSource(exchange);
    this.checkBindingArgs(x, args);
    x.router.add(q, key, args);
  }

  unbindQueue(queue: string, exchange: string, key: string, args: FieldTable, owner: object): void {
    const q = this.queue(queue, owner);
    const x = this.bindableSource(exchange);
    if (x.router.remove(q, key, args)) this.maybeAutoDeleteExchange(x);
  }

  bindExchange(destination: string, source: string, key: string, args: FieldTable): void {
    const dst = this.bindableDestination(destination);
    const src = this.bindableSource(source);
    this.checkBindingArgs(src, args);
    if (src.router.add(dst, key, args)) dst.inbound++;
  }

  unbindExchange(destination: string, source: string, key: string, args: FieldTable): void {
    const dst = this.bindableDestination(destination);
    const src = this.bindableSource(source);
    if (src.router.remove(dst, key, args)) {
      dst.inbound--;
      this.maybeAutoDeleteExchange(src);
    }
  }

  private bindableSource(name: string): Exchange {
    if (name === '') throw accessRefused('operation not permitted on the default exchange');
    return this.exchange(name);
  }

  private bindableDestination(name: string): Exchange {
    if (name === '') throw accessRefused('operation not permitted on the default exchange');
    return this.exchange(name);
  }

  private checkBindingArgs(x: Exchange, args: FieldTable): void {
    const problem = validateBindingArgs(x.type, args);
    if (problem !== undefined) throw preconditionFailed(problem);
  }

  // ---- routing ------------------------------------------------------------

  /**
   * The queues a message reaches from `exchange`: exchange-to-exchange
   * bindings are followed with a visited set, and an exchange that routes
   * nowhere hands the message to its alternate exchange (rabbit_exchange:route).
   */
  route(exchange: Exchange, routingKey: string, headers: FieldTable | undefined, out: Set<Queue>): void {
    if (exchange.name === '') {
      const q = this.queues.get(routingKey);
      if (q !== undefined) out.add(q);
      return;
    }
    if (exchange.type !== 'headers' && exchange.router.size === 0 && exchange.alternateExchange === undefined) return;
    const visited = new Set<Exchange>();
    this.routeFrom(exchange, routingKey, headers, out, visited);
  }

  private routeFrom(
    x: Exchange,
    routingKey: string,
    headers: FieldTable | undefined,
    out: Set<Queue>,
    visited: Set<Exchange>,
  ): void {
    visited.add(x);
    const before = out.size;
    const dests = new Set<BindingDestination>();
    x.router.route(routingKey, headers, dests);
    for (const d of dests) {
      if (d instanceof Queue) out.add(d);
      else if (!visited.has(d)) this.routeFrom(d, routingKey, headers, out, visited);
    }
    if (out.size === before && x.alternateExchange !== undefined) {
      const ae = this.exchanges.get(x.alternateExchange);
      if (ae !== undefined && !visited.has(ae)) this.routeFrom(ae, routingKey, headers, out, visited);
    }
  }

  // ---- dead-lettering -----------------------------------------------------

  /**
   * Republishes a message that died in `queue` to its dead-letter exchange,
   * with x-death headers as RabbitMQ 3.10 writes them (rabbit_dead_letter):
   * one entry per (queue, reason) with a count, most recent first, plus
   * x-first-death-* headers; the per-message expiration moves to
   * `original-expiration`. A cycle that involves no rejection is dropped.
   */
  deadLetter(queue: Queue, message: Message, reason: DeadLetterReason): void {
    const s = queue.settings;
    const dlx = this.exchanges.get(s.deadLetterExchange ?? '');
    if (dlx === undefined) return;
    const routingKey = s.deadLetterRoutingKey ?? message.routingKey;
    const props = { ...message.properties };
    const headers: FieldTable = { ...(props.headers ?? {}) };
    const deaths = Array.isArray(headers['x-death']) ? [...(headers['x-death'] as FieldValue[])] : [];
    const idx = deaths.findIndex((d) => isTable(d) && d['queue'] === queue.name && d['reason'] === reason);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    if (idx >= 0) {
      const d = { ...(deaths[idx] as FieldTable) };
      const c = d['count'];
      const prev = c instanceof Typed ? Number(c.value) : typeof c === 'number' ? c : 0;
      d['count'] = new Typed('int64', prev + 1);
      d['time'] = now;
      deaths.splice(idx, 1);
      deaths.unshift(d);
    } else {
      const d: FieldTable = {
        count: new Typed('int64', 1),
        reason,
        queue: queue.name,
        time: now,
        exchange: message.exchange,
        'routing-keys': [message.routingKey],
      };
      if (props.expiration !== undefined) d['original-expiration'] = props.expiration;
      deaths.unshift(d);
    }
    headers['x-death'] = deaths;
    if (headers['x-first-death-reason'] === undefined) {
      headers['x-first-death-reason'] = reason;
      headers['x-first-death-queue'] = queue.name;
      headers['x-first-death-exchange'] = message.exchange;
    }
    props.headers = headers;
    delete props.expiration;
    const dead = new Message(
      dlx.name,
      routingKey,
      props,
      encodeContentHeaderPayload(60, message.bodySize, props),
      message.body,
      Date.now(),
    );
    const targets = new Set<Queue>();
    this.route(dlx, routingKey, headers, targets);
    const rejectedInChain = deaths.some((d) => isTable(d) && d['reason'] === 'rejected');
    const now2 = Date.now();
    for (const q of targets) {
      if (!rejectedInChain && deaths.some((d) => isTable(d) && d['queue'] === q.name)) continue;
      q.enqueue(dead, now2, undefined);
    }
  }
}

/** Queue arguments whose value must match on redeclare (rabbit_amqqueue:declare_args). */
const EQUIVALENT_QUEUE_ARGS = [
  'x-expires',
  'x-message-ttl',
  'x-dead-letter-exchange',
  'x-dead-letter-routing-key',
  'x-max-length',
  'x-max-length-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-single-active-consumer',
  'x-queue-type',
];

function isTable(v: FieldValue): v is FieldTable {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Typed) &&
    !Buffer.isBuffer(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Date)
  );
}

function argRepr(v: FieldValue): string {
  if (v instanceof Typed) return String(v.value);
  return String(v);
}

function assertArgEquivalent(received: FieldTable, current: FieldTable, key: string, what: string): void {
  const r = received[key];
  const c = current[key];
  if (r === undefined && c === undefined) return;
  if (r !== undefined && c !== undefined && argRepr(r) === argRepr(c)) return;
  const rs = r === undefined ? 'none' : `the value '${argRepr(r)}'`;
  const cs = c === undefined ? 'none' : `the value '${argRepr(c)}'`;
  throw preconditionFailed(`inequivalent arg '${key}' for ${what}: received ${rs} but current is ${cs}`);
}

export const NO_ROUTE = ReplyCode.NO_ROUTE;
