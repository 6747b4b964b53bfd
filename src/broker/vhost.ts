/**
 * A virtual host: the registry of exchanges, queues and bindings, with the
 * declare/delete/bind rules and reply texts of RabbitMQ 3.10
 * (rabbit_channel's handle_method clauses for exchange.* and queue.*).
 */
import { randomBytes } from 'node:crypto';
import { type FieldTable, ReplyCode } from '../protocol/index.js';
import { isCycle, makeDeadLetter } from './dead-letter.js';
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
import { bindingIdentity, type ExchangeKind } from './exchanges/router.js';
import { argsEquivalent, describeArg, erlangFormat, hasArg, rabbitTypeOf } from './field-terms.js';
import type { Message } from './message.js';
import type { MessageStore } from './message-store.js';
import { PUBLISH_REFUSED, PUBLISH_ROUTED, type PublishExtras } from './publish.js';
import { type DeadLetterReason, Queue, type QueueHost } from './queue.js';
import { parseQueueArgs } from './queue-args.js';

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
  /** The broker-wide publish counter (management overview's message_stats.publish). */
  readonly stats: { publish: number };
  accountBytes(delta: number): void;
}

export class VHost implements QueueHost {
  readonly exchanges = new Map<string, Exchange>();
  readonly queues = new Map<string, Queue>();
  readonly store: MessageStore;
  /** Reused by `publish` for the queues a message reaches (see there). */
  private readonly scratchTargets = new Set<Queue>();
  private scratchBusy = false;

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
    // RabbitMQ also creates the internal firehose tracing exchange in every vhost (rabbit_trace).
    const trace = 'amq.rabbitmq.trace';
    this.exchanges.set(trace, new Exchange(name, trace, 'topic', true, false, true, {}));
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
    // rabbit_channel checks the type (503) before refusing the default exchange (403), passive declares skip it.
    // RabbitMQ says "invalid" when the name is an existing Erlang atom with no exchange module ('' always is,
    // others depend on the node's atom table), "unknown" otherwise.
    if (!d.passive && !isExchangeKind(d.type)) {
      throw commandInvalid(`${d.type === '' ? 'invalid' : 'unknown'} exchange type '${d.type}'`);
    }
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
      // Only a new exchange has its alternate-exchange argument type-checked (rabbit_misc:r_arg).
      const ae = hasArg(d.args, 'alternate-exchange') ? d.args['alternate-exchange'] : undefined;
      if (ae !== undefined && typeof ae !== 'string') {
        throw preconditionFailed(
          `invalid type '${rabbitTypeOf(ae)}' for arg 'alternate-exchange' in ${describeExchange(d.name, this.name)}`,
        );
      }
      const x = new Exchange(this.name, d.name, d.type, d.durable, d.autoDelete, d.internal, d.args);
      this.exchanges.set(d.name, x);
      if (x.durable) this.store.definitionsChanged?.();
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
    // rabbit_channel:check_exchange_deletion refuses any amq.* name, existing or not.
    if (name.startsWith('amq.')) {
      throw accessRefused(`deletion of system ${describeExchange(name, this.name)} not allowed`);
    }
    const x = this.exchanges.get(name);
    // Deleting a missing exchange is not an error in RabbitMQ 3.x.
    if (x === undefined) return;
    if (ifUnused && x.router.size > 0) throw preconditionFailed(`${describeExchange(name, this.name)} in use`);
    this.removeExchange(x);
  }

  private removeExchange(x: Exchange): void {
    this.exchanges.delete(x.name);
    if (x.durable) this.store.definitionsChanged?.();
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
    if (q.exclusiveOwner !== undefined && q.exclusiveOwner !== owner) throw lockedError(q.name, this.name);
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
    // RabbitMQ stores an exclusive queue as transient whatever durable says (Durable andalso not Exclusive).
    const durable = d.durable && !d.exclusive;
    const existing = this.queues.get(name);
    if (existing !== undefined) {
      // check_exclusive_access(Q, Owner, strict): the declared owner (none unless exclusive) must match exactly.
      const wanted = d.exclusive ? owner : undefined;
      if (existing.exclusiveOwner !== wanted) throw lockedError(existing.name, this.name);
      const what = describeQueue(name, this.name);
      if (existing.durable !== durable) {
        throw preconditionFailed(
          `inequivalent arg 'durable' for ${what}: received '${durable}' but current is '${existing.durable}'`,
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
    const q = new Queue(this, name, durable, d.exclusive ? owner : undefined, d.autoDelete, d.args, settings);
    this.queues.set(name, q);
    if (durable) this.store.definitionsChanged?.();
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
    if (q.durable) this.store.definitionsChanged?.();
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

  /*
   * Bindings follow rabbit_binding: the default exchange is refused first
   * (403), then a missing source is reported before a missing destination,
   * then the binding arguments are validated, and exclusivity comes last.
   * Unbinding is idempotent: a missing binding, exchange or queue is not an
   * error, and exclusivity is only checked when the binding exists.
   */
  bindQueue(queue: string, exchange: string, key: string, args: FieldTable, owner: object): void {
    const x = this.bindableSource(exchange);
    const q = this.queues.get(queue);
    if (q === undefined) throw notFound(`no ${describeQueue(queue, this.name)}`);
    this.checkBindingArgs(x, args);
    this.checkExclusive(q, owner);
    if (x.router.add(q, key, args) && x.durable && q.durable) this.store.definitionsChanged?.();
  }

  unbindQueue(queue: string, exchange: string, key: string, args: FieldTable, owner: object): void {
    if (exchange === '') throw accessRefused('operation not permitted on the default exchange');
    const x = this.exchanges.get(exchange);
    const q = this.queues.get(queue);
    if (x === undefined || q === undefined || !hasBinding(x, q, key, args)) return;
    this.checkExclusive(q, owner);
    if (x.router.remove(q, key, args)) {
      if (x.durable && q.durable) this.store.definitionsChanged?.();
      this.maybeAutoDeleteExchange(x);
    }
  }

  bindExchange(destination: string, source: string, key: string, args: FieldTable): void {
    if (destination === '') throw accessRefused('operation not permitted on the default exchange');
    const src = this.bindableSource(source);
    const dst = this.exchange(destination);
    this.checkBindingArgs(src, args);
    if (src.router.add(dst, key, args)) {
      dst.inbound++;
      if (src.durable && dst.durable) this.store.definitionsChanged?.();
    }
  }

  unbindExchange(destination: string, source: string, key: string, args: FieldTable): void {
    if (destination === '' || source === '') throw accessRefused('operation not permitted on the default exchange');
    const dst = this.exchanges.get(destination);
    const src = this.exchanges.get(source);
    if (dst === undefined || src === undefined) return;
    if (src.router.remove(dst, key, args)) {
      dst.inbound--;
      if (src.durable && dst.durable) this.store.definitionsChanged?.();
      this.maybeAutoDeleteExchange(src);
    }
  }

  private bindableSource(name: string): Exchange {
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
    const dests = new Set<BindingDestination>();
    x.router.route(routingKey, headers, dests);
    for (const d of dests) {
      if (d instanceof Queue) out.add(d);
      else if (!visited.has(d)) this.routeFrom(d, routingKey, headers, out, visited);
    }
    // rabbit_exchange:process_alternate uses the AE only when the exchange itself matched no binding at
    // all; a match on an exchange that then routes nowhere still counts (that exchange's own AE may apply).
    if (dests.size === 0 && x.alternateExchange !== undefined) {
      const ae = this.exchanges.get(x.alternateExchange);
      if (ae !== undefined && !visited.has(ae)) this.routeFrom(ae, routingKey, headers, out, visited);
    }
  }

  // ---- publishing -------------------------------------------------------

  /**
   * The one publish path: routes `message` from `x` with its routing key and
   * any CC/BCC keys (`ccKeys`, see publish.ts senderSelectedKeys) through
   * e2e bindings and alternate exchanges, enqueues it on every queue found,
   * counts the exchange and broker statistics and returns the outcome flags
   * (0 = unroutable, PUBLISH_ROUTED, PUBLISH_REFUSED). A persistent message
   * on a durable queue pushes the store's write onto `pending` (confirms and
   * tx.commit-ok wait for it). Mandatory returns and confirms are the
   * caller's: they go back on its channel.
   */
  publish(
    x: Exchange,
    message: Message,
    ccKeys: readonly string[] | undefined,
    pending: Promise<void>[] | undefined,
    extras?: PublishExtras,
  ): number {
    const deadLetter = extras?.deadLetter;
    // rabbit_channel counts publish_in/publish_out; a dead-lettering queue process counts nothing.
    if (deadLetter === undefined) {
      x.stats.publishIn++;
      this.env.stats.publish++;
    }
    let targets = extras?.routes;
    // The scratch set spares an allocation per message; a publish nested in this one
    // (a dead-letter caused by an enqueue) routes into a set of its own.
    const scratch = targets === undefined && !this.scratchBusy;
    if (targets === undefined) {
      const out = scratch ? this.scratchTargets : new Set<Queue>();
      this.routeMessage(x, message, ccKeys, out);
      targets = out;
    }
    if (targets.size === 0) return 0;
    if (scratch) this.scratchBusy = true;
    let outcome = 0;
    try {
      // A tx publish enters its queues at commit, so its TTL counts from then (as in RabbitMQ, whose queues only see it then).
      const now = extras?.routes !== undefined ? Date.now() : message.publishedAt;
      for (const q of targets) {
        if (q.deleted) continue;
        if (deadLetter !== undefined && deadLetter.reason !== 'rejected' && isCycle(q.name, deadLetter.deaths)) {
          continue;
        }
        outcome |= q.enqueue(message, now, pending) ? PUBLISH_ROUTED : PUBLISH_REFUSED;
      }
    } finally {
      if (scratch) {
        this.scratchTargets.clear();
        this.scratchBusy = false;
      }
    }
    if (deadLetter === undefined) x.stats.publishOut++;
    return outcome;
  }

  /** The queues `message` reaches from `x` through its routing key and the CC/BCC keys. */
  routeMessage(x: Exchange, message: Message, ccKeys: readonly string[] | undefined, out: Set<Queue>): void {
    const headers = message.properties.headers;
    this.route(x, message.routingKey, headers, out);
    if (ccKeys !== undefined) for (const k of ccKeys) this.route(x, k, headers, out);
  }

  /**
   * Republishes a message that died in `queue` to its dead-letter exchange
   * (see dead-letter.ts for the x-death headers) through `publish`. A
   * missing exchange drops it (rabbit_amqqueue_process:with_dlx).
   */
  deadLetter(queue: Queue, message: Message, reason: DeadLetterReason): void {
    const s = queue.settings;
    if (s.deadLetterExchange === undefined) return;
    const dlx = this.exchanges.get(s.deadLetterExchange);
    if (dlx === undefined) return;
    const dead = makeDeadLetter(message, reason, queue.name, dlx.name, s.deadLetterRoutingKey);
    // The dead message carries the first key; the others are routed like CC keys.
    this.publish(dlx, dead.message, dead.routingKeys.slice(1), undefined, {
      deadLetter: { reason, deaths: dead.deaths },
    });
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
  'x-max-in-memory-length',
  'x-max-in-memory-bytes',
  'x-max-priority',
  'x-overflow',
  'x-queue-mode',
  'x-single-active-consumer',
  'x-queue-type',
  'x-quorum-initial-group-size',
  'x-max-age',
  'x-max-segment-size',
  'x-initial-cluster-size',
  'x-queue-leader-locator',
];

function lockedError(queue: string, vhost: string) {
  return resourceLocked(
    `cannot obtain exclusive access to locked ${describeQueue(queue, vhost)}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.`,
  );
}

function hasBinding(x: Exchange, destination: BindingDestination, key: string, args: FieldTable): boolean {
  const id = bindingIdentity(key, args);
  for (const b of x.router.entries()) {
    if (b.destination === destination && bindingIdentity(b.bindingKey, b.args) === id) return true;
  }
  return false;
}

/**
 * rabbit_misc:assert_args_equivalence for one key: equal when both are absent,
 * or of the same type class with == values. When both are present the text
 * shows the bare values ("received '2000' but current is '1000'"); when one
 * is absent it shows "none" and "the value 'V' of type 'T'".
 */
function assertArgEquivalent(received: FieldTable, current: FieldTable, key: string, what: string): void {
  const r = hasArg(received, key) ? received[key] : undefined;
  const c = hasArg(current, key) ? current[key] : undefined;
  if (r === undefined && c === undefined) return;
  let rs: string;
  let cs: string;
  if (r !== undefined && c !== undefined) {
    if (argsEquivalent(r, c)) return;
    rs = `'${erlangFormat(r)}'`;
    cs = `'${erlangFormat(c)}'`;
  } else {
    rs = describeArg(r);
    cs = describeArg(c);
  }
  throw preconditionFailed(`inequivalent arg '${key}' for ${what}: received ${rs} but current is ${cs}`);
}

export const NO_ROUTE = ReplyCode.NO_ROUTE;
