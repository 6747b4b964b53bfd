/**
 * Message ↔ AMQP 0-9-1 basic properties, through amqplib (docs/qpid-reference.md §7.2 "Message.*" rows).
 * Also turns amqplib's errors into the qpid.messaging error tree.
 */
import type { Options, Message as RawMessage } from 'amqplib';
import type { FieldTable, FieldValue } from '../protocol/field-types.js';
import { inferFieldTag, Typed } from '../protocol/field-types.js';
import { decodeContent, encodeContent, isPlainObject, type MessageContent } from './content-codec.js';
import { type CloseContext, errorFromAmqpClose, MessagingError } from './errors.js';
import { Message } from './message.js';

/** Header carrying the Qpid subject ([py] `SUBJECT = "qpid.subject"`). */
export const SUBJECT_HEADER = 'qpid.subject';
/** Incoming-only property naming the routing key the message was published with ([py] 0-10 key). */
export const ROUTING_KEY_PROPERTY = 'x-amqp-0-10.routing-key';
const APP_ID_PROPERTY = 'x-amqp-0-10.app-id';
const CONTENT_ENCODING_PROPERTY = 'x-amqp-0-10.content-encoding';
const TIMESTAMP_PROPERTY = 'x-amqp-0-10.timestamp';

export interface Outgoing {
  readonly body: Buffer;
  readonly options: Options.Publish;
}

/** Encodes a message for publishing; `subject` is the effective subject (message's, else the address's). */
export function toPublish(message: Message<unknown>, subject: string | undefined, defaultDurable: boolean): Outgoing {
  const body = encodeContent(message.content, message.contentType);
  const headers: Record<string, unknown> = {};
  let appId: string | undefined;
  let contentEncoding: string | undefined;
  for (const [k, v] of Object.entries(message.properties)) {
    if (k === APP_ID_PROPERTY && typeof v === 'string') appId = v;
    else if (k === CONTENT_ENCODING_PROPERTY && typeof v === 'string') contentEncoding = v;
    else if (k !== ROUTING_KEY_PROPERTY && k !== TIMESTAMP_PROPERTY) headers[k] = toAmqplibValue(v);
  }
  if (subject !== undefined) headers[SUBJECT_HEADER] = subject;
  // Only what is set goes on the wire: amqplib walks a headers object's prototype chain per publish,
  // and an absent delivery-mode already means transient.
  const options: Options.Publish = {};
  for (const _ in headers) {
    options.headers = headers;
    break;
  }
  if (message.durable ?? defaultDurable) options.persistent = true;
  if (message.id !== undefined) options.messageId = message.id;
  if (message.correlationId !== undefined) options.correlationId = message.correlationId;
  if (message.userId !== undefined) options.userId = message.userId;
  if (message.replyTo !== undefined) options.replyTo = message.replyTo;
  if (message.contentType !== undefined) options.contentType = message.contentType;
  if (message.priority !== undefined) options.priority = message.priority;
  // 0-9-1 expiration is a string of milliseconds; Qpid ttl is seconds.
  if (message.ttl !== undefined) options.expiration = String(Math.max(0, Math.round(message.ttl * 1000)));
  if (appId !== undefined) options.appId = appId;
  if (contentEncoding !== undefined) options.contentEncoding = contentEncoding;
  return { body, options };
}

/** Builds a Message from a delivery. Throws DecodeError when the body does not match its content type. */
export function fromDelivery(raw: RawMessage): Message {
  const p = raw.properties;
  const properties: FieldTable = {};
  let subject: string | undefined;
  for (const [k, v] of Object.entries((p.headers ?? {}) as Record<string, unknown>)) {
    if (k === SUBJECT_HEADER && typeof v === 'string') subject = v;
    else properties[k] = fromAmqplibValue(v);
  }
  if (typeof p.appId === 'string') properties[APP_ID_PROPERTY] = p.appId;
  if (typeof p.contentEncoding === 'string') properties[CONTENT_ENCODING_PROPERTY] = p.contentEncoding;
  if (typeof p.timestamp === 'number') properties[TIMESTAMP_PROPERTY] = p.timestamp;
  properties[ROUTING_KEY_PROPERTY] = raw.fields.routingKey;
  const contentType = typeof p.contentType === 'string' ? p.contentType : undefined;
  let content: MessageContent;
  try {
    content = decodeContent(raw.content, contentType);
  } catch {
    // A body that does not parse as its content type is handed over as raw bytes rather than lost or
    // thrown out of amqplib's delivery callback; `contentType` still says what it claimed to be.
    content = raw.content;
  }
  const message = new Message({
    content,
    redelivered: raw.fields.redelivered === true,
    properties,
  });
  message.contentType = contentType;
  if (subject !== undefined) message.subject = subject;
  if (typeof p.messageId === 'string') message.id = p.messageId;
  if (typeof p.correlationId === 'string') message.correlationId = p.correlationId;
  if (typeof p.userId === 'string') message.userId = p.userId;
  if (typeof p.replyTo === 'string') message.replyTo = p.replyTo;
  if (typeof p.priority === 'number') message.priority = p.priority;
  if (p.deliveryMode === 2) message.durable = true;
  else if (p.deliveryMode === 1) message.durable = false;
  if (p.expiration !== undefined && p.expiration !== null && p.expiration !== '') {
    message.ttl = Number(p.expiration) / 1000;
  }
  return message;
}

// amqplib spells explicit wire types as `{'!': type, value}`; we spell them `new Typed(type, value)`.
const TO_AMQPLIB_TYPE: Record<string, string> = {
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  float: 'float',
  double: 'double',
  timestamp: 'timestamp',
};

/** A field table as amqplib must be given it to write each value with its own wire type (federation links bind with it). */
export function toAmqplibTable(table: FieldTable): Record<string, unknown> {
  return toAmqplibValue(table) as Record<string, unknown>;
}

// Every value goes to amqplib with the type the protocol layer infers (protocol/field-types.ts), not
// amqplib's own guess (which writes 5 as int8 and 300 as int16): one inference for the whole project.
function toAmqplibValue(v: FieldValue): unknown {
  if (v instanceof Typed) {
    if (v.type === 'decimal' && typeof v.value === 'object') {
      return { '!': 'decimal', value: { places: v.value.scale, digits: v.value.value } };
    }
    const value = typeof v.value === 'bigint' ? Number(v.value) : v.value;
    return { '!': TO_AMQPLIB_TYPE[v.type] ?? v.type, value };
  }
  switch (inferFieldTag(v)) {
    case 'I':
      return { '!': 'int32', value: v };
    case 'l':
      return { '!': 'int64', value: Number(v) };
    case 'd':
      return { '!': 'double', value: v };
    case 'T':
      return { '!': 'timestamp', value: Math.floor((v as Date).getTime() / 1000) };
    case 'A':
      return (v as FieldValue[]).map(toAmqplibValue);
    case 'F': {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = toAmqplibValue(x as FieldValue);
      return out;
    }
    default:
      return v;
  }
}

function fromAmqplibValue(v: unknown): FieldValue {
  if (Array.isArray(v)) return v.map(fromAmqplibValue);
  if (isPlainObject(v)) {
    if (typeof v['!'] === 'string' && 'value' in v) {
      const type = v['!'];
      const value = v['value'];
      if (type === 'decimal' && isPlainObject(value)) {
        return new Typed('decimal', { scale: Number(value['places']), value: Number(value['digits']) });
      }
      if (type === 'timestamp' && typeof value === 'number') return new Date(value * 1000);
      if (typeof value === 'number') return value;
    }
    const out: FieldTable = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromAmqplibValue(x);
    return out;
  }
  return v as FieldValue;
}

// ---------------------------------------------------------------- errors

interface AmqplibError {
  code?: unknown;
  classId?: unknown;
  methodId?: unknown;
  message?: unknown;
}

/**
 * Maps an error amqplib raised (rejected RPC, channel/connection close) to the qpid.messaging tree. Errors
 * that carry an AMQP reply code go through errorFromAmqpClose; others become `fallback`.
 */
export function toMessagingError(
  err: unknown,
  context: CloseContext,
  fallback: new (message?: string, options?: { cause?: unknown }) => MessagingError = MessagingError,
): MessagingError {
  if (err instanceof MessagingError) return err;
  const e = (err ?? {}) as AmqplibError;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.code === 'number' && e.code >= 200 && e.code < 600) {
    // amqplib: `... 404 (NOT-FOUND) with message "NOT_FOUND - no queue 'q' in vhost '/'"`.
    const m = /with message "([\s\S]*)"\s*$/.exec(message);
    const failing =
      typeof e.classId === 'number' && typeof e.methodId === 'number'
        ? { classId: e.classId, methodId: e.methodId }
        : undefined;
    const mapped = errorFromAmqpClose(e.code, m?.[1] ?? message, context, failing);
    (mapped as { cause?: unknown }).cause = err;
    return mapped;
  }
  return new fallback(message, { cause: err });
}
