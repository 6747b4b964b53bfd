/**
 * Reading RabbitMQ streams (x-queue-type stream) through a receiver.
 *
 * A stream is a log: consuming does not remove, and RabbitMQ refuses `basic.get` on it with a
 * connection-level 540 ("basic.get not supported by stream queues"). A receiver whose
 * `link.x-subscribe.arguments` carry `x-stream-offset` therefore always subscribes with a
 * prefetch (RabbitMQ requires one for streams) and manual acknowledgements, whatever its capacity.
 * `x-stream-offset` takes RabbitMQ's values: `first`, `last`, `next`, an offset number, an interval
 * string (`1h`, `30m`, `7D`), or — our spelling, since an address cannot write an AMQP timestamp —
 * an ISO-8601 time (`'2026-12-04T01:00:00Z'`), sent as a timestamp so the stream starts there.
 */
import type { AddressMap } from './address/index.js';

export const STREAM_OFFSET = 'x-stream-offset';
/** Prefetch of a stream subscription whose receiver asked for capacity 0 (a stream needs one). */
export const STREAM_DEFAULT_PREFETCH = 100;

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

/** Whether a subscription's arguments make it a stream subscription. */
export function isStreamSubscription(args: AddressMap | Record<string, unknown>): boolean {
  return Object.hasOwn(args, STREAM_OFFSET);
}

/** The consume arguments with an ISO-8601 `x-stream-offset` turned into an AMQP timestamp (seconds). */
export function streamArguments(args: Record<string, unknown>): Record<string, unknown> {
  const offset = args[STREAM_OFFSET];
  if (typeof offset !== 'string' || !ISO_TIME.test(offset)) return args;
  const ms = Date.parse(offset);
  if (Number.isNaN(ms)) return args;
  // amqplib's typed-value notation: encoded as field type 'T'.
  return { ...args, [STREAM_OFFSET]: { '!': 'timestamp', value: Math.floor(ms / 1000) } };
}
