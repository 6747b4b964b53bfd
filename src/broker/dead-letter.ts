/**
 * Dead-lettering as RabbitMQ 3.10 does it (rabbit_dead_letter): the message
 * that died is republished to the queue's dead-letter exchange with an
 * x-death header recording why, and a republish that would bring it back to
 * a queue it already died in without any rejection on the way is dropped.
 *
 * This module only builds the new message and answers the cycle question;
 * the vhost routes and enqueues.
 */
import { encodeContentHeaderPayload, type FieldTable, type FieldValue, Typed } from '../protocol/index.js';
import { senderSelectedKeys } from './publish.js';
import type { DeadLetterReason } from './queue.js';
import { StoredMessage } from './stored-message.js';

export interface DeadLetter {
  /** The message to publish to the dead-letter exchange. */
  readonly message: StoredMessage;
  /** Routing keys to route it with: the dead-letter routing key, or the original key plus CC and BCC. */
  readonly routingKeys: string[];
  /** Its x-death array, most recent death first. */
  readonly deaths: FieldValue[];
}

/**
 * Builds the dead-lettered copy (sharing the body) of `message`, which died
 * in `queue` for `reason`. Header layout follows rabbit_dead_letter:make_msg:
 * - the first death adds x-first-death-reason/queue/exchange and an x-death
 *   entry {count, reason, queue, time, exchange, routing-keys[,
 *   original-expiration]} in that order;
 * - a later death for the same (queue, reason) only increments that entry's
 *   count (its time and routing keys stay) and moves it to the front; a new
 *   (queue, reason) is prepended; either way that entry's keys come sorted;
 * - the headers table is sorted by key (rabbit_misc:set_table_value);
 * - with a dead-letter routing key the CC header is removed;
 * - the expiration property is removed (kept as original-expiration).
 */
export function makeDeadLetter(
  message: StoredMessage,
  reason: DeadLetterReason,
  queue: string,
  exchange: string,
  routingKey: string | undefined,
): DeadLetter {
  const props = { ...message.properties };
  const old: FieldTable = props.headers ?? {};
  // The publish key comes first; the others are CC and BCC keys (rabbit_basic:header_routes).
  const originalKeys = [message.routingKey, ...(senderSelectedKeys(old) ?? [])];
  const info: FieldTable = {
    reason,
    queue,
    time: new Date(Math.floor(Date.now() / 1000) * 1000),
    exchange: message.exchange,
    'routing-keys': originalKeys,
  };
  if (props.expiration !== undefined) info['original-expiration'] = props.expiration;

  let headers: FieldTable = { ...old };
  const existing = old['x-death'];
  let deaths: FieldValue[];
  if (existing === undefined) {
    headers['x-first-death-reason'] = reason;
    headers['x-first-death-queue'] = queue;
    headers['x-first-death-exchange'] = message.exchange;
    deaths = [{ count: new Typed('int64', 1), ...info }];
  } else if (Array.isArray(existing)) {
    const i = existing.findIndex((d) => isTable(d) && d['queue'] === queue && d['reason'] === reason);
    let entry: FieldTable;
    if (i >= 0) {
      const prior = existing[i] as FieldTable;
      entry = { ...prior, count: new Typed('int64', countOf(prior['count']) + 1) };
    } else {
      entry = { count: new Typed('int64', 1), ...info };
    }
    deaths = [sortTable(entry), ...existing.filter((_, j) => j !== i)];
  } else {
    // Not an array (a client rewrote it): RabbitMQ starts the history again.
    deaths = [{ count: new Typed('int64', 1), ...info }];
  }
  headers['x-death'] = deaths;
  if (routingKey !== undefined) delete headers['CC'];
  headers = sortTable(headers);

  props.headers = headers;
  delete props.expiration;
  const first = routingKey ?? message.routingKey;
  const dead = new StoredMessage(
    exchange,
    first,
    props,
    encodeContentHeaderPayload(60, message.bodySize, props),
    message.loadBody(),
    Date.now(),
  );
  return { message: dead, routingKeys: routingKey !== undefined ? [routingKey] : originalKeys, deaths };
}

/**
 * rabbit_dead_letter:is_cycle: the message already died in `queue`, and no
 * death from then on (up to and including that one) was a rejection, so
 * the cycle is "fully automatic" and would spin for ever.
 */
export function isCycle(queue: string, deaths: readonly FieldValue[]): boolean {
  const i = deaths.findIndex((d) => isTable(d) && d['queue'] === queue);
  if (i < 0) return false;
  // Anything that is not a table was put there by a client: not automatic.
  return deaths.slice(0, i + 1).every((d) => isTable(d) && d['reason'] !== 'rejected');
}

function countOf(v: FieldValue | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Typed && typeof v.value !== 'object') return Number(v.value);
  return 0;
}

/** Erlang's lists:keysort on binary keys: byte order. */
function sortTable(t: FieldTable): FieldTable {
  const keys = Object.keys(t).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const out: FieldTable = {};
  for (const k of keys) out[k] = t[k] as FieldValue;
  return out;
}

export function isTable(v: FieldValue): v is FieldTable {
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
