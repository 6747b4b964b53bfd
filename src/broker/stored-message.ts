/**
 * One published message, shared (never copied) by every queue it is routed
 * to: fanout to ten queues holds one body. Per-queue state (redelivered,
 * expiry, position) lives in `QueueEntry`.
 */
import type { BasicProperties, FieldTable } from '../protocol/index.js';

/** Reads a paged-out body back from where the store wrote it (see DiskStore's body budget). */
export interface BodyPager {
  readBody(message: StoredMessage): Buffer;
}

/**
 * A copy of `src` in an allocation of its own. Bodies the store may page out
 * are copied so: Buffer.from puts small copies in Node's shared 8 KiB pool
 * slabs, beside other messages' header bytes, which stay in RAM and would keep
 * the whole slab (and so the paged-out bodies' bytes) alive.
 */
export function unpooledCopy(src: Uint8Array): Buffer {
  const b = Buffer.allocUnsafeSlow(src.length);
  b.set(src);
  return b;
}

/** Approximate heap bytes of a Message and its queue entry (measured with --expose-gc on Node 20). */
export const MESSAGE_OVERHEAD = 256;

export class StoredMessage {
  /** How many queue entries (ready or unacknowledged) hold this message; its bytes are released at zero. */
  refs = 0;
  /** Set by a durable store once the message has a record on disk. */
  storeId: number | undefined;
  /** Durable-queue references the store holds (enqueued, not yet removed); maintained by the store. */
  storeRefs = 0;
  /** Position of the body in its segment file, set by the store with `storeId`. */
  bodyPos = 0;
  /** Links of the store's list of stored messages whose body is in RAM (newest at its tail). */
  residentPrev: StoredMessage | undefined;
  residentNext: StoredMessage | undefined;
  resident = false;
  readonly bodySize: number;
  /** The body, or undefined while paged out to the store (then `pager` reads it back). */
  private body: Buffer | undefined;
  private pager: BodyPager | undefined;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    readonly properties: BasicProperties,
    /** The content-header frame payload as the publisher sent it; re-sent verbatim on delivery. */
    readonly headerPayload: Buffer,
    body: Buffer,
    /** Milliseconds since the epoch when the broker accepted it. */
    readonly publishedAt: number,
  ) {
    this.body = body;
    this.bodySize = body.length;
  }

  /**
   * The body: the one in RAM, or read back from the store when paged out (a
   * fresh buffer each time, not kept, so delivering a paged-out backlog does
   * not bring it all back into RAM).
   */
  loadBody(): Buffer {
    if (this.body !== undefined) return this.body;
    return (this.pager as BodyPager).readBody(this);
  }

  /** False while the body is paged out to the store. */
  get bodyInMemory(): boolean {
    return this.body !== undefined;
  }

  /** The store drops the body from RAM; it must stay readable through `pager` while the message is held. */
  pageOut(pager: BodyPager): void {
    this.pager = pager;
    this.body = undefined;
  }

  /** The store puts the body back in RAM (it is about to become unreadable from disk, or fits the budget). */
  pageIn(body: Buffer): void {
    this.body = body;
    this.pager = undefined;
  }

  /**
   * Memory this message costs while queued: body (only while in RAM), header
   * bytes and a fixed estimate for its objects. The store adjusts the broker's
   * account when it pages a held body out or in, so hold and release agree.
   */
  get footprint(): number {
    return (this.body === undefined ? 0 : this.bodySize) + this.headerPayload.length + MESSAGE_OVERHEAD;
  }

  /** Delivery mode 2 is "persistent" (AMQP 0-9-1 basic.properties). */
  get persistent(): boolean {
    return this.properties.deliveryMode === 2;
  }

  get headers(): FieldTable | undefined {
    return this.properties.headers;
  }

  /** Per-message TTL in ms from the `expiration` property, or undefined. Validated at publish. */
  get expirationMs(): number | undefined {
    const e = this.properties.expiration;
    return e === undefined ? undefined : Number(e);
  }
}

/**
 * Parses the `expiration` property as RabbitMQ 3.10 does (rabbit_basic:
 * parse_expiration): Erlang's string:to_integer, so an optional sign and
 * decimal digits with nothing after them ("+5" and "-0" pass), then
 * rabbit_misc:check_expiry (not negative, at most ten years). Anything else is
 * refused with 406 at publish, the reason printed as Erlang prints it
 * ("invalid expiration '1.5': {leftover_string,\".5\"}").
 */
export function parseExpiration(expiration: string | undefined): number | undefined | Error {
  if (expiration === undefined) return undefined;
  const fail = (why: string) => new Error(`invalid expiration '${expiration}': ${why}`);
  const m = /^[+-]?\d+/.exec(expiration);
  if (m === null) return fail('no_integer');
  const rest = expiration.slice(m[0].length);
  if (rest !== '') return fail(`{leftover_string,${JSON.stringify(rest)}}`);
  const n = BigInt(m[0]);
  if (n < 0n) return fail(`{value_negative,${n}}`);
  if (n > MAX_EXPIRY_MS) return fail(`{value_too_large,${n}}`);
  return Number(n);
}

/** Ten years in milliseconds: RabbitMQ's ceiling for TTLs and x-expires (rabbit_misc:check_expiry). */
export const MAX_EXPIRY_MS = 315_360_000_000n;
