/**
 * Direct exchange: a message goes to the destinations bound with a key equal to
 * its routing key (rabbit_router:match_routing_key does an exact lookup).
 */
import type { FieldTable } from '../../protocol/field-types.js';
import type { BindingEntry } from './router.js';
import { BindingRouter, countDown, countUp } from './router.js';

export class DirectRouter<D> extends BindingRouter<D> {
  // key → destination → number of bindings (same key and destination may be
  // bound several times with different arguments; each is its own binding).
  readonly #byKey = new Map<string, Map<D, number>>();

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    const destinations = this.#byKey.get(routingKey);
    if (destinations === undefined) return;
    for (const destination of destinations.keys()) out.add(destination);
  }

  protected index(entry: BindingEntry<D>): void {
    let destinations = this.#byKey.get(entry.bindingKey);
    if (destinations === undefined) {
      destinations = new Map();
      this.#byKey.set(entry.bindingKey, destinations);
    }
    countUp(destinations, entry.destination);
  }

  protected unindex(entry: BindingEntry<D>): void {
    const destinations = this.#byKey.get(entry.bindingKey);
    if (destinations === undefined) return;
    if (countDown(destinations, entry.destination) && destinations.size === 0) this.#byKey.delete(entry.bindingKey);
  }
}
