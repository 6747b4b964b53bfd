/**
 * Fanout exchange: every bound destination gets every message; key and
 * arguments only matter for binding identity (rabbit_exchange_type_fanout
 * routes to all of the exchange's bindings).
 */
import type { FieldTable } from '../../protocol/field-types.js';
import type { BindingEntry } from './router.js';
import { BindingRouter, countDown, countUp } from './router.js';

export class FanoutRouter<D> extends BindingRouter<D> {
  // destination → number of bindings to it.
  readonly #destinations = new Map<D, number>();

  route(_routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    for (const destination of this.#destinations.keys()) out.add(destination);
  }

  protected index(entry: BindingEntry<D>): void {
    countUp(this.#destinations, entry.destination);
  }

  protected unindex(entry: BindingEntry<D>): void {
    countDown(this.#destinations, entry.destination);
  }
}
