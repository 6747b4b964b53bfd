/**
 * oslo.messaging's message format on the rabbit driver (oslo_messaging/_drivers/common.py and
 * amqp.py): the 2.0 envelope, the `_context_*` keys, `_unique_id`, and failure serialization.
 *
 *   { "oslo.version": "2.0", "oslo.message": "<the message dict as a JSON string>" }
 *
 * published as `application/json`, content-encoding `utf-8`, delivery-mode 2, priority 0 (what kombu
 * sends for oslo; docs/rpc.md shows a captured frame).
 */
import { randomUUID } from 'node:crypto';
import { Message } from '../messaging/index.js';
import { RpcError } from './errors.js';
import { pyJsonDumps } from './json.js';

export const ENVELOPE_VERSION = '2.0';
export const VERSION_KEY = 'oslo.version';
export const MESSAGE_KEY = 'oslo.message';
export const UNIQUE_ID = '_unique_id';
const CONTENT_ENCODING_PROPERTY = 'x-amqp-0-10.content-encoding';

/** A message dict: what oslo calls `msg` before and after the envelope. */
export type MessageDict = Record<string, unknown>;
/** A request context (oslo `ctxt`): a plain dict of JSON values. */
export type Context = Record<string, unknown>;

/** The envelope's inner version is not one we can read ([oslo] `UnsupportedRpcEnvelopeVersion`). */
export class UnsupportedRpcEnvelopeVersion extends RpcError {
  static {
    UnsupportedRpcEnvelopeVersion.prototype.name = 'UnsupportedRpcEnvelopeVersion';
  }
}

/** oslo's `uuid.uuid4().hex`: 32 lower-case hex digits. */
export function uuidHex(): string {
  return randomUUID().replace(/-/g, '');
}

/** [oslo] `_add_unique_id`: the id receivers use to drop duplicates. */
export function addUniqueId(msg: MessageDict): string {
  const id = uuidHex();
  msg[UNIQUE_ID] = id;
  return id;
}

/** [oslo] `pack_context`: each context key travels as `_context_<key>`. */
export function packContext(msg: MessageDict, ctxt: Context): void {
  for (const [k, v] of Object.entries(ctxt)) msg[`_context_${k}`] = v;
}

/** [oslo] `unpack_context`: takes the context keys (and the reply fields) out of `msg`. */
export function unpackContext(msg: MessageDict): {
  ctxt: Context;
  msgId: string | undefined;
  replyQ: string | undefined;
  timeout: unknown;
} {
  const ctxt: Context = {};
  for (const key of Object.keys(msg)) {
    if (!key.startsWith('_context_')) continue;
    ctxt[key.slice(9)] = msg[key];
    delete msg[key];
  }
  const msgId = take(msg, '_msg_id');
  const replyQ = take(msg, '_reply_q');
  const timeout = msg['_timeout'];
  delete msg['_timeout'];
  return {
    ctxt,
    msgId: typeof msgId === 'string' && msgId !== '' ? msgId : undefined,
    replyQ: typeof replyQ === 'string' ? replyQ : undefined,
    timeout,
  };
}

/** Builds the AMQP message for a dict, with (`envelope`) or without (notification driver v1) the envelope. */
export function toAmqpMessage(msg: MessageDict, options: { envelope: boolean; ttl?: number }): Message {
  const body = options.envelope ? { [VERSION_KEY]: ENVELOPE_VERSION, [MESSAGE_KEY]: pyJsonDumps(msg) } : msg;
  const m = new Message({
    content: Buffer.from(pyJsonDumps(body), 'utf8'),
    contentType: 'application/json',
    durable: true,
    priority: 0,
    properties: { [CONTENT_ENCODING_PROPERTY]: 'utf-8' },
  });
  // kombu's `expiration` is the call timeout in seconds, sent as milliseconds (the messaging API's ttl).
  if (options.ttl !== undefined) m.ttl = options.ttl;
  return m;
}

/**
 * [oslo] `deserialize_msg`: the dict inside an envelope, or the body itself when it is not one (1.0
 * messages and v1 notifications). Throws UnsupportedRpcEnvelopeVersion for an envelope we cannot read
 * and RpcError for a body that is not a JSON object.
 */
export function fromAmqpMessage(message: Message): MessageDict {
  const body = jsonOf(message.content);
  if (!isDict(body)) throw new RpcError(`message body is not a JSON object: ${preview(message.content)}`);
  if (!(VERSION_KEY in body && MESSAGE_KEY in body)) return body;
  const version = body[VERSION_KEY];
  if (typeof version !== 'string' || !envelopeCompatible(version)) {
    throw new UnsupportedRpcEnvelopeVersion(
      `Specified RPC envelope version, ${String(version)}, not supported by this endpoint.`,
    );
  }
  const inner = jsonOf(body[MESSAGE_KEY]);
  if (!isDict(inner)) throw new RpcError('oslo.message is not a JSON object');
  return inner;
}

/** What a failure looks like on the wire ([oslo] `serialize_remote_exception`). */
export interface SerializedFailure {
  class: string;
  module: string;
  message: string;
  tb: string[];
  args: unknown[];
  kwargs: Record<string, unknown>;
}

/** Module name given to exceptions raised by Node endpoints, unless the error names its own `module`. */
export const NODE_MODULE = 'node';

/** [oslo] `serialize_remote_exception` for a JavaScript error (the stack as the traceback lines). */
export function serializeFailure(err: unknown, module?: string): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const own = (e as { module?: unknown }).module;
  const kwargs = (e as { kwargs?: unknown }).kwargs;
  const stack = e.stack ?? `${e.name}: ${e.message}`;
  const data: SerializedFailure = {
    class: e.name || e.constructor.name,
    module: module ?? (typeof own === 'string' ? own : NODE_MODULE),
    message: e.message,
    tb: stack.split('\n').map((line) => `${line}\n`),
    args: [e.message],
    kwargs: isDict(kwargs) ? kwargs : {},
  };
  return pyJsonDumps(data);
}

/** The fields of a serialized failure, tolerant of what other peers leave out. */
export function parseFailure(text: unknown): SerializedFailure {
  const raw = typeof text === 'string' ? safeParse(text) : text;
  const f = isDict(raw) ? raw : {};
  const tb = Array.isArray(f['tb']) ? f['tb'].map(String) : [];
  return {
    class: typeof f['class'] === 'string' ? f['class'] : 'Exception',
    module: typeof f['module'] === 'string' ? f['module'] : '',
    // oslo: failure.get('message', ""); a failure that is not JSON at all is its own message.
    message: typeof f['message'] === 'string' ? f['message'] : isDict(raw) ? '' : String(text),
    tb,
    args: Array.isArray(f['args']) ? f['args'] : [],
    kwargs: isDict(f['kwargs']) ? f['kwargs'] : {},
  };
}

export function isDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}

// The envelope version rule is version_is_compatible("2.0", version).
function envelopeCompatible(version: string): boolean {
  const [major, minor] = version.split('.').map((p) => Number.parseInt(p, 10));
  return major === 2 && (minor ?? 0) <= 0;
}

// A body may arrive parsed (application/json), as text, or as bytes (no content type).
function jsonOf(content: unknown): unknown {
  if (typeof content === 'string') return safeParse(content);
  if (Buffer.isBuffer(content)) return safeParse(content.toString('utf8'));
  return content;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function take(msg: MessageDict, key: string): unknown {
  const v = msg[key];
  delete msg[key];
  return v;
}

function preview(content: unknown): string {
  const s = Buffer.isBuffer(content) ? content.toString('utf8') : String(content);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
