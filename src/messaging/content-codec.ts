/**
 * Message bodies (docs/qpid-reference.md §5.2): what a content value becomes on the wire and back.
 *
 * Inference on send follows [py] `TYPE_MAPPINGS`: a plain object → `amqp/map`, an array → `amqp/list`,
 * a string → `text/plain`, bytes → no content type. `amqp/map` and `amqp/list` are written as AMQP
 * 0-9-1 field tables / field arrays (4-byte length prefix + RabbitMQ-tagged entries) rather than Qpid's
 * 0-10 codec, so pika, kombu, amqplib or any other 0-9-1 client can decode them with the table decoder
 * it already has. `application/json` is encoded/decoded when the content type asks for it.
 */
import { decodeFieldArray, decodeFieldTable, encodeFieldArray, encodeFieldTable } from '../protocol/field-table.js';
import type { FieldTable, FieldValue } from '../protocol/field-types.js';
import { DecodeError, EncodeError } from './errors.js';

/** A map body (`amqp/map`): string keys, AMQP field values. */
export type ContentMap = FieldTable;
/** A list body (`amqp/list`). */
export type ContentList = FieldValue[];
/** What `Message.content` may hold. JSON values other than these travel with `contentType: 'application/json'`. */
export type MessageContent = string | Buffer | ContentMap | ContentList | null | undefined;

export const CONTENT_TYPE_MAP = 'amqp/map';
export const CONTENT_TYPE_LIST = 'amqp/list';
export const CONTENT_TYPE_TEXT = 'text/plain';
export const CONTENT_TYPE_JSON = 'application/json';

/** The content type [py] would infer for a content value; undefined for bytes and no content. */
export function inferContentType(content: unknown): string | undefined {
  if (typeof content === 'string') return CONTENT_TYPE_TEXT;
  if (content === null || content === undefined || content instanceof Uint8Array) return undefined;
  if (Array.isArray(content)) return CONTENT_TYPE_LIST;
  if (isPlainObject(content)) return CONTENT_TYPE_MAP;
  return undefined;
}

/** Encodes `content` for the given (or inferred) content type. Throws EncodeError when they do not fit. */
export function encodeContent(content: unknown, contentType: string | undefined): Buffer {
  const type = baseType(contentType);
  try {
    // Bytes are taken as already-encoded JSON text (a peer's exact serialization, e.g. oslo.messaging's).
    if (type === CONTENT_TYPE_JSON && !(content instanceof Uint8Array)) {
      return Buffer.from(JSON.stringify(content ?? null), 'utf8');
    }
    if (content === null || content === undefined) return Buffer.alloc(0);
    if (Buffer.isBuffer(content)) return content;
    if (content instanceof Uint8Array) return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
    if (typeof content === 'string') return Buffer.from(content, 'utf8');
    if (type === CONTENT_TYPE_LIST || (type === undefined && Array.isArray(content))) {
      if (!Array.isArray(content)) throw new TypeError('amqp/list content must be an array');
      return encodeFieldArray(content as FieldValue[]);
    }
    if (type === CONTENT_TYPE_MAP || (type === undefined && isPlainObject(content))) {
      if (!isPlainObject(content)) throw new TypeError('amqp/map content must be a plain object');
      return encodeFieldTable(content as FieldTable);
    }
  } catch (err) {
    if (err instanceof EncodeError) throw err;
    throw new EncodeError(`cannot encode content as ${contentType ?? 'binary'}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  throw new EncodeError(`cannot encode ${describe(content)} content as ${contentType ?? 'binary'}`);
}

/** Decodes a body by its content type: map/list/text/JSON; anything else stays a Buffer. */
export function decodeContent(body: Buffer, contentType: string | undefined): MessageContent {
  const type = baseType(contentType);
  try {
    switch (type) {
      case CONTENT_TYPE_MAP: {
        if (body.length === 0) return {};
        const { value, offset } = decodeFieldTable(body, 0);
        if (offset !== body.length) throw new Error(`${body.length - offset} trailing bytes`);
        return value;
      }
      case CONTENT_TYPE_LIST: {
        if (body.length === 0) return [];
        const { value, offset } = decodeFieldArray(body, 0);
        if (offset !== body.length) throw new Error(`${body.length - offset} trailing bytes`);
        return value;
      }
      case CONTENT_TYPE_TEXT:
        return body.toString('utf8');
      case CONTENT_TYPE_JSON:
        return JSON.parse(body.toString('utf8')) as MessageContent;
      default:
        return body;
    }
  } catch (err) {
    throw new DecodeError(`cannot decode ${contentType} body: ${(err as Error).message}`, { cause: err });
  }
}

// `text/plain; charset=utf8` → `text/plain`.
function baseType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
