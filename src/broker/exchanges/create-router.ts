/**
 * Picks the router for an exchange type and checks binding arguments the way
 * that type's validate_binding/2 does in RabbitMQ 3.10.
 */
import type { FieldTable } from '../../protocol/field-types.js';
import { DirectRouter } from './direct-router.js';
import { FanoutRouter } from './fanout-router.js';
import { HeadersRouter, validateHeadersBindingArgs } from './headers-router.js';
import type { ExchangeKind, Router } from './router.js';
import { TopicRouter } from './topic-router.js';

const EXCHANGE_KINDS: ReadonlySet<string> = new Set<ExchangeKind>(['direct', 'fanout', 'topic', 'headers']);

export function isExchangeKind(s: string): s is ExchangeKind {
  return EXCHANGE_KINDS.has(s);
}

export function createRouter<D>(kind: ExchangeKind): Router<D> {
  switch (kind) {
    case 'direct':
      return new DirectRouter<D>();
    case 'fanout':
      return new FanoutRouter<D>();
    case 'topic':
      return new TopicRouter<D>();
    case 'headers':
      return new HeadersRouter<D>();
  }
}

/**
 * The explanation RabbitMQ gives when refusing a binding (the channel closes
 * with 406 PRECONDITION_FAILED and "PRECONDITION_FAILED - " before this text),
 * or undefined when the binding is acceptable. Only the headers exchange
 * checks its arguments; direct, fanout and topic accept any.
 */
export function validateBindingArgs(kind: ExchangeKind, args: FieldTable): string | undefined {
  return kind === 'headers' ? validateHeadersBindingArgs(args) : undefined;
}
