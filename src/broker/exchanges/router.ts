/**
 * The routing contract every exchange type implements, plus the binding
 * bookkeeping they share: RabbitMQ's binding identity and insertion order.
 *
 * Routers are pure data structures (no I/O); the broker owns the exchange and
 * hands a router each bind, unbind and publish.
 */
import type { FieldTable, FieldValue } from '../../protocol/field-types.js';
import { inferFieldTag, Typed } from '../../protocol/field-types.js';

export interface BindingEntry<D> {
  readonly destination: D;
  readonly bindingKey: string;
  readonly args: FieldTable;
}

export interface Router<D> {
  /** Adds a binding; false when an identical one (same destination, key and arguments — RabbitMQ's binding identity) exists. */
  add(destination: D, bindingKey: string, args: FieldTable): boolean;
  /** Removes a binding; false when there was none. */
  remove(destination: D, bindingKey: string, args: FieldTable): boolean;
  /** Removes every binding to the destination (queue or exchange deleted); returns how many. */
  removeDestination(destination: D): number;
  /** Adds to `out` every destination whose binding matches. `headers` are the message's decoded headers (only the headers router reads them). */
  route(routingKey: string, headers: FieldTable | undefined, out: Set<D>): void;
  /** All bindings, in insertion order. */
  entries(): Iterable<BindingEntry<D>>;
  readonly size: number;
}

export type ExchangeKind = 'direct' | 'fanout' | 'topic' | 'headers';

/**
 * Shared add/remove/removeDestination/entries/size over a binding set; each
 * exchange type supplies its match index through `index`/`unindex` and `route`.
 */
export abstract class BindingRouter<D> implements Router<D> {
  // Set keeps insertion order and deletes in O(1).
  readonly #ordered = new Set<BindingEntry<D>>();
  // destination → identity key → entry, so removeDestination need not scan.
  readonly #byDestination = new Map<D, Map<string, BindingEntry<D>>>();

  protected abstract index(entry: BindingEntry<D>): void;
  protected abstract unindex(entry: BindingEntry<D>): void;
  abstract route(routingKey: string, headers: FieldTable | undefined, out: Set<D>): void;

  get size(): number {
    return this.#ordered.size;
  }

  entries(): Iterable<BindingEntry<D>> {
    return this.#ordered.values();
  }

  add(destination: D, bindingKey: string, args: FieldTable): boolean {
    const id = bindingIdentity(bindingKey, args);
    let forDestination = this.#byDestination.get(destination);
    if (forDestination === undefined) {
      forDestination = new Map();
      this.#byDestination.set(destination, forDestination);
    } else if (forDestination.has(id)) {
      return false;
    }
    const entry: BindingEntry<D> = { destination, bindingKey, args };
    forDestination.set(id, entry);
    this.#ordered.add(entry);
    this.index(entry);
    return true;
  }

  remove(destination: D, bindingKey: string, args: FieldTable): boolean {
    const forDestination = this.#byDestination.get(destination);
    if (forDestination === undefined) return false;
    const id = bindingIdentity(bindingKey, args);
    const entry = forDestination.get(id);
    if (entry === undefined) return false;
    forDestination.delete(id);
    if (forDestination.size === 0) this.#byDestination.delete(destination);
    this.#ordered.delete(entry);
    this.unindex(entry);
    return true;
  }

  removeDestination(destination: D): number {
    const forDestination = this.#byDestination.get(destination);
    if (forDestination === undefined) return 0;
    this.#byDestination.delete(destination);
    for (const entry of forDestination.values()) {
      this.#ordered.delete(entry);
      this.unindex(entry);
    }
    return forDestination.size;
  }
}

/**
 * Reference counts of destinations: one destination may hold several bindings
 * that route alike (same key, different arguments), and stays routable until
 * the last one goes.
 */
export function countUp<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Drops one reference to `key`, deleting it at zero; false when it was absent. */
export function countDown<K>(counts: Map<K, number>, key: K): boolean {
  const n = counts.get(key);
  if (n === undefined) return false;
  if (n <= 1) counts.delete(key);
  else counts.set(key, n - 1);
  return true;
}

/**
 * The string that identifies a binding for one destination. RabbitMQ stores
 * `#binding{key, args}` with args sorted by key at the top level only
 * (rabbit_binding:binding_action → rabbit_misc:sort_field_table) and compares
 * terms exactly, so: top-level key order is irrelevant, wire types matter
 * (int32 1 ≠ int64 1), nested tables keep their order.
 */
export function bindingIdentity(bindingKey: string, args: FieldTable): string {
  return lengthPrefixed(bindingKey) + tableIdentity(args, true);
}

function tableIdentity(table: FieldTable, sortKeys: boolean): string {
  const keys = Object.keys(table);
  if (sortKeys) keys.sort();
  let out = 'F' + keys.length + ':';
  for (const key of keys) out += lengthPrefixed(key) + valueIdentity(table[key]);
  return out;
}

function valueIdentity(value: FieldValue): string {
  const tag = inferFieldTag(value);
  switch (tag) {
    case 'S':
      return 'S' + lengthPrefixed(value as string);
    case 'x':
      return 'x' + lengthPrefixed(Buffer.from(value as Uint8Array).toString('hex'));
    case 'F':
      return tableIdentity(value as FieldTable, false);
    case 'A': {
      const items = value as FieldValue[];
      let out = 'A' + items.length + ':';
      for (const item of items) out += valueIdentity(item);
      return out;
    }
    case 'V':
      return 'V;';
    default:
      return tag + String(scalarOf(value)) + ';';
  }
}

function lengthPrefixed(s: string): string {
  return s.length + ':' + s;
}

/** The scalar payload of a non-string, non-container value, as identity text. */
function scalarOf(value: FieldValue): number | bigint | boolean | string {
  if (value instanceof Typed) {
    const v = value.value;
    if (typeof v === 'object') return v.scale + ',' + v.value;
    // float32 values are what survives the wire, so compare them that way.
    return value.type === 'float' ? Math.fround(Number(v)) : v;
  }
  if (value instanceof Date) return timestampSeconds(value);
  return value as number | bigint | boolean;
}

/** Whole seconds of an AMQP timestamp given as a Date. */
export function timestampSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
