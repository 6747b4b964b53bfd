/**
 * An exchange: its declared properties plus the router of its type.
 * Matching lives in `exchanges/*-router.ts`; this class only holds identity, and tells observers
 * (federation's dynamic routes, docs/federation.md) about every binding added or removed.
 */
import type { FieldTable } from '../protocol/index.js';
import { createRouter } from './exchanges/create-router.js';
import type { BindingEntry, ExchangeKind, Router } from './exchanges/router.js';
import type { Queue } from './queue.js';

export type BindingDestination = Queue | Exchange;

/** Called after a binding of the exchange was added (`bind`) or removed (`unbind`). */
export type BindingObserver = (change: 'bind' | 'unbind', entry: BindingEntry<BindingDestination>) => void;

export class Exchange {
  readonly router: Router<BindingDestination>;
  /** Bindings in which this exchange is the destination (exchange-to-exchange). */
  inbound = 0;
  readonly stats = { publishIn: 0, publishOut: 0 };
  readonly #observers = new Set<BindingObserver>();

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly type: ExchangeKind,
    readonly durable: boolean,
    readonly autoDelete: boolean,
    readonly internal: boolean,
    readonly args: FieldTable,
  ) {
    this.router = new ObservedRouter(createRouter<BindingDestination>(type), this.#observers);
  }

  /** The alternate-exchange argument, receiving what this exchange cannot route (RabbitMQ AE). */
  get alternateExchange(): string | undefined {
    const ae = this.args['alternate-exchange'];
    return typeof ae === 'string' ? ae : undefined;
  }

  /** amq.* and the default exchange are built in and cannot be deleted or redeclared differently. */
  get builtin(): boolean {
    return this.name === '' || this.name.startsWith('amq.');
  }

  /** Watches this exchange's bindings; returns the function that stops watching. */
  observeBindings(observer: BindingObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }
}

/**
 * The router of an exchange, reporting each binding change to the observers. Every bind and unbind
 * (queue.bind, exchange.bind, deletion of a bound queue or exchange, recovery) goes through the
 * router, so this sees them all; with no observer it costs one call per operation.
 */
class ObservedRouter<D extends BindingDestination> implements Router<D> {
  constructor(
    private readonly inner: Router<D>,
    private readonly observers: ReadonlySet<BindingObserver>,
  ) {}

  get size(): number {
    return this.inner.size;
  }

  entries(): Iterable<BindingEntry<D>> {
    return this.inner.entries();
  }

  route(routingKey: string, headers: FieldTable | undefined, out: Set<D>): void {
    this.inner.route(routingKey, headers, out);
  }

  add(destination: D, bindingKey: string, args: FieldTable): boolean {
    const added = this.inner.add(destination, bindingKey, args);
    if (added) this.notify('bind', [{ destination, bindingKey, args }]);
    return added;
  }

  remove(destination: D, bindingKey: string, args: FieldTable): boolean {
    const removed = this.inner.remove(destination, bindingKey, args);
    if (removed) this.notify('unbind', [{ destination, bindingKey, args }]);
    return removed;
  }

  removeDestination(destination: D): number {
    if (this.observers.size === 0) return this.inner.removeDestination(destination);
    const gone = [...this.inner.entries()].filter((e) => e.destination === destination);
    const n = this.inner.removeDestination(destination);
    this.notify('unbind', gone);
    return n;
  }

  private notify(change: 'bind' | 'unbind', entries: readonly BindingEntry<D>[]): void {
    if (this.observers.size === 0) return;
    for (const o of this.observers) for (const e of entries) o(change, e);
  }
}
