/**
 * One published message, shared (never copied) by every queue it is routed
 * to: fanout to ten queues holds one body. Per-queue state (redelivered,
 * expiry, position) lives in `QueueEntry`.
 */
import type { BasicProperties, FieldTable } from '../protocol/index.js';

export class Message {
  /** How many queue entries (ready or unacknowledged) hold this message; its bytes are released at zero. */
  refs = 0;
  /** Set by a durable store once the message has a record on disk. */
  storeId: number | undefined;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    readonly properties: BasicProperties,
    /** The content-header frame payload as the publisher sent it; re-sent verbatim on delivery. */
    readonly headerPayload: Buffer,
    readonly body: Buffer,
    /** Milliseconds since the epoch when the broker accepted it. */
    readonly publishedAt: number,
  ) {}

  get bodySize(): number {
    return this.body.length;
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
 * Parses the `expiration` property as RabbitMQ does: a string of decimal
 * digits giving milliseconds; anything else is refused with 406 at publish
 * ("PRECONDITION_FAILED - invalid expiration '...'").
 */
export function parseExpiration(expiration: string | undefined): number | undefined | Error {
  if (expiration === undefined) return undefined;
  if (!/^\d+$/.test(expiration)) return new Error(`invalid expiration '${expiration}'`);
  const n = Number(expiration);
  if (!Number.isSafeInteger(n)) return new Error(`invalid expiration '${expiration}'`);
  return n;
}
