/**
 * An exchange: its declared properties plus the router of its type.
 * Matching lives in `exchanges/*-router.ts`; this class only holds identity.
 */
import type { FieldTable } from '../protocol/index.js';
import { createRouter } from './exchanges/create-router.js';
import type { ExchangeKind, Router } from './exchanges/router.js';
import type { Queue } from './queue.js';

export type BindingDestination = Queue | Exchange;

export class Exchange {
  readonly router: Router<BindingDestination>;
  /** Bindings in which this exchange is the destination (exchange-to-exchange). */
  inbound = 0;
  readonly stats = { publishIn: 0, publishOut: 0 };

  constructor(
    readonly vhost: string,
    readonly name: string,
    readonly type: ExchangeKind,
    readonly durable: boolean,
    readonly autoDelete: boolean,
    readonly internal: boolean,
    readonly args: FieldTable,
  ) {
    this.router = createRouter<BindingDestination>(type);
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
}
