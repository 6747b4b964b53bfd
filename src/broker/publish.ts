/**
 * The vocabulary of the broker's one publish path, `VHost.publish`: what a
 * publisher passes besides the message, and the routing outcome it gets
 * back. Channels (basic.publish, tx.commit), dead-lettering and the
 * management API's publish all go through that one function; permission
 * checks and future publishers (shovels, federation links, direct reply-to)
 * belong in front of it.
 */
import {
  type BasicProperties,
  encodeContentHeaderPayload,
  type FieldTable,
  type FieldValue,
} from '../protocol/index.js';
import type { AssembledContent } from './content-assembler.js';
import { preconditionFailed } from './errors.js';
import type { DeadLetterReason, Queue } from './queue.js';
import { parseExpiration, StoredMessage } from './stored-message.js';

/**
 * Outcome flags of `VHost.publish` (a number, so the hot path allocates no
 * result object). 0 means unroutable: no queue was reached.
 */
export const PUBLISH_ROUTED = 1;
/** At least one queue refused the message (`x-overflow: reject-publish`): a confirming publisher is nacked. */
export const PUBLISH_REFUSED = 2;

/** True when no queue was reached: a mandatory publisher gets basic.return 312 NO_ROUTE. */
export function unroutable(outcome: number): boolean {
  return outcome === 0;
}

/** Rarely used publish inputs; the hot path (a channel's basic.publish) passes none. */
export interface PublishExtras {
  /**
   * Queues chosen when the message was published inside a transaction: at
   * tx.commit they receive it without routing again (RabbitMQ keeps the
   * routes it found at publish time); queues deleted since are skipped.
   */
  readonly routes?: ReadonlySet<Queue>;
  /**
   * Set when a queue dead-letters the message. RabbitMQ's queue process
   * republishes it without exchange statistics, and skips a target queue
   * that would close a fully automatic cycle (rabbit_dead_letter:detect_cycles).
   */
  readonly deadLetter?: { readonly reason: DeadLetterReason; readonly deaths: readonly FieldValue[] };
}

/**
 * CC and BCC header keys: extra routing keys (RabbitMQ sender-selected
 * distribution, rabbit_basic:header_routes); long strings inside arrays only,
 * CC before BCC. Undefined (no allocation) when there are none.
 */
export function senderSelectedKeys(headers: FieldTable | undefined): string[] | undefined {
  if (headers === undefined) return undefined;
  let keys: string[] | undefined;
  for (const name of SENDER_SELECTED) {
    const v = headers[name];
    if (!Array.isArray(v)) continue;
    for (const k of v) if (typeof k === 'string') (keys ??= []).push(k);
  }
  return keys;
}

const SENDER_SELECTED = ['CC', 'BCC'];

/**
 * The properties without the BCC header, which RabbitMQ removes before the
 * message reaches any queue (sender-selected distribution). Callers test
 * `properties.headers?.['BCC'] !== undefined` first, so messages without BCC
 * cost nothing, and re-encode the content header from the result.
 */
export function stripBcc(properties: BasicProperties): BasicProperties {
  const { BCC: _bcc, ...rest } = properties.headers ?? {};
  return { ...properties, headers: rest };
}

/**
 * The message a complete basic.publish makes from its content and `props`
 * (its properties after the direct reply-to rewrite, which RabbitMQ does
 * first): a bad expiration is 406, BCC is stripped, and the content header is
 * re-encoded only when the properties changed.
 */
export function publishedMessage(c: AssembledContent, props: BasicProperties): StoredMessage {
  let headerPayload = props === c.properties ? c.headerPayload : encodeContentHeaderPayload(60, c.bodySize, props);
  const exp = parseExpiration(props.expiration);
  if (exp instanceof Error) throw preconditionFailed(exp.message);
  if (props.headers?.['BCC'] !== undefined) {
    props = stripBcc(props);
    headerPayload = encodeContentHeaderPayload(60, c.bodySize, props);
  }
  return new StoredMessage(c.exchange, c.routingKey, props, headerPayload, c.body, Date.now());
}
