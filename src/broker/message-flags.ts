/**
 * The few properties the broker consults for every queued message — is it
 * persistent, its priority, does it carry an expiration or headers — packed
 * in one small integer, so a queued message need not keep its decoded
 * BasicProperties object (they are decoded again from the header bytes when
 * asked for; see StoredMessage.properties).
 */
import type { BasicProperties } from '../protocol/index.js';

/** delivery-mode 2 (AMQP 0-9-1 basic.properties). */
export const PERSISTENT = 1;
export const HAS_EXPIRATION = 2;
export const HAS_HEADERS = 4;
const PRIORITY_SHIFT = 3;

/** Property-flag bits of basic.properties (AMQP 0-9-1 §4.2.6.1, in spec order). */
const CONTENT_TYPE = 0x8000;
const CONTENT_ENCODING = 0x4000;
const HEADERS = 0x2000;
const DELIVERY_MODE = 0x1000;
const PRIORITY = 0x0800;
const EXPIRATION = 0x0100;

/** Where the property flags sit in a content-header payload (class, weight, body size before them). */
const FLAGS_AT = 12;

export function priorityOf(flags: number): number {
  return flags >>> PRIORITY_SHIFT;
}

function pack(persistent: boolean, priority: number, expiration: boolean, headers: boolean): number {
  return (
    (persistent ? PERSISTENT : 0) |
    (expiration ? HAS_EXPIRATION : 0) |
    (headers ? HAS_HEADERS : 0) |
    ((priority & 0xff) << PRIORITY_SHIFT)
  );
}

/** The flags of decoded properties. */
export function flagsOf(p: BasicProperties): number {
  return pack(p.deliveryMode === 2, p.priority ?? 0, p.expiration !== undefined, p.headers !== undefined);
}

/**
 * The flags read straight from a content-header payload `buf[start, end)`,
 * skipping the properties before priority without decoding them; throws a
 * RangeError when they run past the end.
 */
export function scanFlags(buf: Uint8Array, start: number, end: number): number {
  const truncated = () => new RangeError('truncated content header');
  let o = start + FLAGS_AT;
  if (o + 2 > end) throw truncated();
  const f = ((buf[o] as number) << 8) | (buf[o + 1] as number);
  o += 2;
  if (f & CONTENT_TYPE) o += 1 + (buf[o] ?? 0);
  if (f & CONTENT_ENCODING) o += 1 + (buf[o] ?? 0);
  if (f & HEADERS) {
    if (o + 4 > end) throw truncated();
    o +=
      4 +
      (((buf[o] as number) << 24) >>> 0) +
      ((buf[o + 1] as number) << 16) +
      ((buf[o + 2] as number) << 8) +
      (buf[o + 3] as number);
  }
  let deliveryMode = 0;
  if (f & DELIVERY_MODE) {
    if (o + 1 > end) throw truncated();
    deliveryMode = buf[o++] as number;
  }
  let priority = 0;
  if (f & PRIORITY) {
    if (o + 1 > end) throw truncated();
    priority = buf[o] as number;
  }
  return pack(deliveryMode === 2, priority, (f & EXPIRATION) !== 0, (f & HEADERS) !== 0);
}
