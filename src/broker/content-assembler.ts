/**
 * Gathers a basic.publish, its content header and its body frames into one
 * message (AMQP 0-9-1 §4.2.6), refusing frames out of order with the 505s
 * RabbitMQ's rabbit_command_assembler sends, and a body size above the
 * limit before any body byte is read.
 */
import { type BasicProperties, decodeContentHeader, decodeContentHeaderPrefix } from '../protocol/index.js';
import { preconditionFailed, unexpectedFrame } from './errors.js';
import { PAGEABLE_MIN, unpooledCopy } from './stored-message.js';

/** A complete published message, as the publisher sent it. */
export interface AssembledContent {
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory: boolean;
  readonly properties: BasicProperties;
  readonly headerPayload: Buffer;
  readonly bodySize: number;
  readonly body: Buffer;
}

interface Pending {
  readonly exchange: string;
  readonly routingKey: string;
  readonly mandatory: boolean;
  header?: { bodySize: number; properties: BasicProperties; payload: Buffer };
  chunks: Buffer[];
  received: number;
}

/** Bodies smaller than this are copied so a queued message does not pin the socket's whole read chunk. */
const COPY_BELOW = 64 * 1024;

export class ContentAssembler {
  private pending: Pending | undefined;

  /** True between basic.publish and its last body frame. */
  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** The error for a method frame arriving while content is expected; RabbitMQ names basic.publish. */
  interrupted(): Error {
    return unexpectedFrame(
      this.pending?.header
        ? 'expected content body, got non content body frame instead'
        : 'expected content header for class 60, got non content header frame instead',
    ).at(60, 40);
  }

  start(exchange: string, routingKey: string, mandatory: boolean): void {
    this.pending = { exchange, routingKey, mandatory, chunks: [], received: 0 };
  }

  reset(): void {
    this.pending = undefined;
  }

  /** Takes a content header frame; returns the message when it has no body. */
  header(payload: Buffer, maxMessageSize: number): AssembledContent | undefined {
    const p = this.pending;
    if (p === undefined) throw unexpectedFrame('expected method frame, got non method frame instead');
    // From here on RabbitMQ's assembler state names the pending basic.publish (60/40) in its errors.
    if (p.header !== undefined)
      throw unexpectedFrame('expected content body, got non content body frame instead').at(60, 40);
    const prefix = decodeContentHeaderPrefix(payload);
    // AMQP 0-9-1 §4.2.6.1: weight "MUST be zero". rabbit_command_assembler:process only matches
    // weight-0 headers, so any other weight is "non content header", whatever its class.
    if (prefix.weight !== 0) {
      throw unexpectedFrame('expected content header for class 60, got non content header frame instead').at(60, 40);
    }
    if (prefix.classId !== 60) {
      throw unexpectedFrame(`expected content header for class 60, got one for class ${prefix.classId} instead`).at(
        60,
        40,
      );
    }
    const h = decodeContentHeader(payload);
    if (h.bodySize > maxMessageSize) {
      // Refused before any body byte is read (RabbitMQ 3.10 answers the same 406 after reading it all).
      this.pending = undefined;
      throw preconditionFailed(`message size ${h.bodySize} is larger than configured max size ${maxMessageSize}`);
    }
    p.header = { bodySize: h.bodySize, properties: h.properties, payload: Buffer.from(payload) };
    return h.bodySize === 0 ? this.finish() : undefined;
  }

  /** Takes a body frame; returns the message once the declared size has arrived. */
  body(payload: Buffer): AssembledContent | undefined {
    const p = this.pending;
    if (p === undefined) throw unexpectedFrame('expected method frame, got non method frame instead');
    if (p.header === undefined) {
      throw unexpectedFrame('expected content header for class 60, got non content header frame instead').at(60, 40);
    }
    if (p.received + payload.length > p.header.bodySize) {
      // RabbitMQ only notices at the next frame, with this same 505; we refuse at once.
      throw unexpectedFrame(
        `received body frame of ${payload.length} bytes with only ${p.header.bodySize - p.received} bytes of content left`,
      ).at(60, 40);
    }
    p.chunks.push(payload);
    p.received += payload.length;
    return p.received === p.header.bodySize ? this.finish() : undefined;
  }

  private finish(): AssembledContent {
    const p = this.pending as Pending;
    const h = p.header as NonNullable<Pending['header']>;
    this.pending = undefined;
    let body: Buffer;
    if (p.chunks.length === 1) {
      const c = p.chunks[0] as Buffer;
      // A persistent body may be paged out by the disk store: copy it out of the shared pool
      // (a smaller one is kept with its header, see StoredMessage).
      if (c.length >= COPY_BELOW) body = c;
      else body = h.properties.deliveryMode === 2 && c.length >= PAGEABLE_MIN ? unpooledCopy(c) : Buffer.from(c);
    } else if (p.chunks.length === 0) {
      body = Buffer.alloc(0);
    } else {
      body = Buffer.concat(p.chunks, p.received);
      // Buffer.concat puts results under half the pool size in the shared pool.
      if (h.properties.deliveryMode === 2 && body.length < Buffer.poolSize >>> 1) body = unpooledCopy(body);
    }
    return {
      exchange: p.exchange,
      routingKey: p.routingKey,
      mandatory: p.mandatory,
      properties: h.properties,
      headerPayload: h.payload,
      bodySize: h.bodySize,
      body,
    };
  }
}
