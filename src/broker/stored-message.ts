/**
 * One published message, shared (never copied) by every queue it is routed
 * to: fanout to ten queues holds one body. Per-queue state (redelivered,
 * expiry, position) lives in a `QueuePlace`: the message's own for the first
 * queue it reaches, a `FanoutEntry` for each further one (queue-entry.ts).
 */
import { type BasicProperties, decodeContentHeader, type FieldTable } from '../protocol/index.js';
import { ARENA_MAX, ContentArena } from './content-arena.js';
import { internName } from './intern.js';
import { flagsOf, HAS_EXPIRATION, HAS_HEADERS, PERSISTENT, priorityOf, scanFlags } from './message-flags.js';
import { QueuePlace } from './queue-place.js';

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

/**
 * Persistent bodies at least this big are kept apart from their header so the
 * disk store can page them out (DiskStore body budget); smaller ones cost
 * less than their own bookkeeping and stay with the header.
 */
export const PAGEABLE_MIN = 256;

/**
 * What a durable store keeps per stored message (see DiskStore): in an object
 * of its own, created when a durable store first takes the message, so a
 * transient message carries one empty field instead of six.
 */
export class StoreBookkeeping {
  /** Durable-queue references the store holds (enqueued, not yet removed). */
  storeRefs = 0;
  /** Segment id and offset of the record on disk; segment -1 while not written. */
  segment = -1;
  offset = 0;
}

/** The bookkeeping of a message whose body the store may page out (`pageable`). */
export class PagedBookkeeping extends StoreBookkeeping {
  /** Position of the body in its segment file. */
  bodyPos = 0;
  /** Links of the store's list of stored messages whose body is in RAM (newest at its tail). */
  residentPrev: StoredMessage | undefined = undefined;
  residentNext: StoredMessage | undefined = undefined;
  resident = false;
}

/** Message positions are `segment id * 2^32 + offset` (store/segment-log.ts SEGMENT_SPAN). */
const SPAN = 0x1_0000_0000;

/**
 * publishedAt is kept relative to when this module loaded: within ±24 days of
 * it the value is a small integer, stored in the object itself, where an
 * epoch timestamp would be a 16-byte heap number per message.
 */
const EPOCH = Date.now();

const arena = new ContentArena();

/** message-flags.ts bits stay below this (priority in bits 3-10). */
const FLAG_SPAN = 0x800;

/**
 * Decoded properties of the message asked for last, keyed by where its header
 * bytes are (not by the message, so a large body is not kept alive by it):
 * routing and enqueueing read the properties of the message being published
 * several times, and it arrives decoded.
 */
let cachedContent: Buffer | undefined;
let cachedStart = -1;
let cachedProperties: BasicProperties = {};

export class StoredMessage extends QueuePlace<StoredMessage> {
  /** How many queue entries (ready or unacknowledged) hold this message; its bytes are released at zero. */
  refs = 0;
  /** Set by a durable store (see StoreBookkeeping). */
  stored: StoreBookkeeping | undefined = undefined;
  readonly bodySize: number;
  /** The header payload at `start`, followed by the body when that is kept inline (`body` undefined). */
  private readonly content: Buffer;
  private readonly headerSize: number;
  /** The body kept apart from the header, its pager while paged out, or undefined when inline. */
  private body: Buffer | BodyPager | undefined;
  readonly exchange: string;
  readonly routingKey: string;
  /** ms since EPOCH. */
  private readonly published: number;
  /**
   * The message-flags.ts bits (below FLAG_SPAN) and `start` × FLAG_SPAN in one
   * small integer (start < the arena's 8 KiB slab, so below 2^24): one field
   * fewer per message.
   */
  private readonly packed: number;

  constructor(
    exchange: string,
    routingKey: string,
    /** As decoded from `headerPayload` when the caller has them; otherwise read from it when needed. */
    properties: BasicProperties | undefined,
    /** The content-header frame payload as the publisher sent it; re-sent verbatim on delivery. */
    headerPayload: Buffer,
    body: Buffer,
    /** Milliseconds since the epoch when the broker accepted it. */
    publishedAt: number,
  ) {
    super();
    this.exchange = internName(exchange);
    this.routingKey = internName(routingKey);
    this.published = publishedAt - EPOCH;
    const flags = properties === undefined ? scanFlags(headerPayload, 0, headerPayload.length) : flagsOf(properties);
    this.bodySize = body.length;
    this.headerSize = headerPayload.length;
    const apart = (flags & PERSISTENT && body.length >= PAGEABLE_MIN) || this.headerSize + body.length > ARENA_MAX;
    let start: number;
    if (!apart) {
      this.content = arena.place(headerPayload, body);
      start = arena.lastStart;
      this.body = undefined;
    } else {
      this.content = this.headerSize <= ARENA_MAX ? arena.place(headerPayload) : Buffer.from(headerPayload);
      start = this.headerSize <= ARENA_MAX ? arena.lastStart : 0;
      this.body = body;
    }
    this.packed = flags + start * FLAG_SPAN;
    if (properties !== undefined) {
      cachedContent = this.content;
      cachedStart = start;
      cachedProperties = properties;
    }
  }

  /** message-flags.ts */
  private get flags(): number {
    return this.packed % FLAG_SPAN;
  }

  /** Where the header payload starts in `content`. */
  private get start(): number {
    return Math.floor(this.packed / FLAG_SPAN);
  }

  /** As its own first queue entry (QueuePlace): the message it holds is itself. */
  get message(): StoredMessage {
    return this;
  }

  /**
   * True for the first queue that asks: it takes the message's own place as
   * its entry; every later queue makes a FanoutEntry (Queue.makeEntry).
   */
  takeOwnPlace(): boolean {
    return this.claimOnce();
  }

  /** Milliseconds since the epoch when the broker accepted it. */
  get publishedAt(): number {
    return this.published + EPOCH;
  }

  /** The content-header frame payload as the publisher sent it (a view: not to be kept). */
  get headerPayload(): Buffer {
    return this.content.subarray(this.start, this.start + this.headerSize);
  }

  get headerLength(): number {
    return this.headerSize;
  }

  /** The basic.properties, decoded from the header bytes (the last message's are cached). */
  get properties(): BasicProperties {
    if (cachedContent !== this.content || cachedStart !== this.start) {
      cachedProperties = decodeContentHeader(this.headerPayload).properties;
      cachedContent = this.content;
      cachedStart = this.start;
    }
    return cachedProperties;
  }

  /**
   * The body: the one in RAM, or read back from the store when paged out (a
   * fresh buffer each time, not kept, so delivering a paged-out backlog does
   * not bring it all back into RAM).
   */
  loadBody(): Buffer {
    const b = this.body;
    if (b === undefined) {
      const at = this.start + this.headerSize;
      return this.content.subarray(at, at + this.bodySize);
    }
    if (b instanceof Uint8Array) return b;
    return b.readBody(this);
  }

  /** False while the body is paged out to the store. */
  get bodyInMemory(): boolean {
    return this.body === undefined || this.body instanceof Uint8Array;
  }

  /** The body is kept apart from the header and may be paged out by the store (persistent, not tiny). */
  get pageable(): boolean {
    return this.body !== undefined && (this.flags & PERSISTENT) !== 0;
  }

  /** The store drops the body from RAM; it must stay readable through `pager` while the message is held. */
  pageOut(pager: BodyPager): void {
    if (this.body !== undefined) this.body = pager;
  }

  /** The store puts the body back in RAM (it is about to become unreadable from disk, or fits the budget). */
  pageIn(body: Buffer): void {
    if (this.body !== undefined) this.body = body;
  }

  /**
   * Memory this message costs while queued: body (only while in RAM), header
   * bytes and a fixed estimate for its objects. The store adjusts the broker's
   * account when it pages a held body out or in, so hold and release agree.
   */
  get footprint(): number {
    return (this.bodyInMemory ? this.bodySize : 0) + this.headerSize + MESSAGE_OVERHEAD;
  }

  /** Delivery mode 2 is "persistent" (AMQP 0-9-1 basic.properties). */
  get persistent(): boolean {
    return (this.flags & PERSISTENT) !== 0;
  }

  /** The priority property (0 when absent); `priority` is the queue entry's bucket (QueuePlace). */
  get propertyPriority(): number {
    return priorityOf(this.flags);
  }

  get headers(): FieldTable | undefined {
    return this.flags & HAS_HEADERS ? this.properties.headers : undefined;
  }

  /** Per-message TTL in ms from the `expiration` property, or undefined. Validated at publish. */
  get expirationMs(): number | undefined {
    if ((this.flags & HAS_EXPIRATION) === 0) return undefined;
    const e = this.properties.expiration;
    return e === undefined ? undefined : Number(e);
  }

  // ---- the store's bookkeeping (StoreBookkeeping), for store/ ----

  private book(): StoreBookkeeping {
    if (this.stored === undefined) this.stored = this.pageable ? new PagedBookkeeping() : new StoreBookkeeping();
    return this.stored;
  }

  /** The bookkeeping of a pageable message; undefined for the others (their body is never read from disk). */
  private paged(): PagedBookkeeping | undefined {
    const s = this.pageable ? this.book() : undefined;
    return s instanceof PagedBookkeeping ? s : undefined;
  }

  /** Set by a durable store once the message has a record on disk. */
  get storeId(): number | undefined {
    const s = this.stored;
    return s === undefined || s.segment < 0 ? undefined : s.segment * SPAN + s.offset;
  }

  set storeId(id: number | undefined) {
    if (id === undefined) {
      if (this.stored !== undefined) this.stored.segment = -1;
      return;
    }
    const s = this.book();
    s.segment = Math.floor(id / SPAN);
    // `>>> 0` makes the (always integral, below 2^32) remainder a small integer: `%` of a
    // heap number yields a heap number, and one stored would turn the field into a boxed
    // double for every message (a 16-byte heap number each).
    s.offset = (id % SPAN) >>> 0;
  }

  get storeRefs(): number {
    return this.stored?.storeRefs ?? 0;
  }

  set storeRefs(n: number) {
    this.book().storeRefs = n;
  }

  /** Position of the body in its segment file (pageable messages only: the others are never read back). */
  get bodyPos(): number {
    return this.paged()?.bodyPos ?? 0;
  }

  set bodyPos(p: number) {
    const s = this.paged();
    if (s !== undefined) s.bodyPos = p;
  }

  get resident(): boolean {
    return this.paged()?.resident ?? false;
  }

  set resident(r: boolean) {
    const s = this.paged();
    if (s !== undefined) s.resident = r;
  }

  get residentPrev(): StoredMessage | undefined {
    return this.paged()?.residentPrev;
  }

  set residentPrev(m: StoredMessage | undefined) {
    const s = this.paged();
    if (s !== undefined) s.residentPrev = m;
  }

  get residentNext(): StoredMessage | undefined {
    return this.paged()?.residentNext;
  }

  set residentNext(m: StoredMessage | undefined) {
    const s = this.paged();
    if (s !== undefined) s.residentNext = m;
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
