/**
 * Message (docs/qpid-reference.md §5): the fields of [py] `qpid.messaging.Message`, camelCased, and its
 * printed form. How fields travel over 0-9-1 is in `wire.ts`.
 */

import type { FieldTable, FieldValue } from '../protocol/field-types.js';
import { Typed } from '../protocol/field-types.js';
import { inferContentType, isPlainObject, type MessageContent } from './content-codec.js';

/** Application headers: AMQP field values (use `Typed` to pick a wire type). */
export type MessageProperties = FieldTable;

/** Everything a Message can be built from; all optional. */
export interface MessageInit<C = MessageContent> {
  content?: C;
  /** Defaults to the type inferred from `content` (§5.2). */
  contentType?: string;
  id?: string;
  subject?: string;
  userId?: string;
  /** An address string; a receiver can pass it straight to `session.sender()`. */
  replyTo?: string;
  correlationId?: string;
  /** Persistent (delivery-mode 2). Undefined leaves the sender's default. */
  durable?: boolean;
  priority?: number;
  /** Time to live in seconds (may be fractional); sent as the 0-9-1 `expiration` in milliseconds. */
  ttl?: number;
  properties?: MessageProperties;
  redelivered?: boolean;
}

export class Message<C = MessageContent> {
  content: C;
  contentType: string | undefined;
  id: string | undefined;
  subject: string | undefined;
  userId: string | undefined;
  replyTo: string | undefined;
  correlationId: string | undefined;
  durable: boolean | undefined;
  priority: number | undefined;
  ttl: number | undefined;
  properties: MessageProperties;
  /** Set by the receiver: the broker delivered this message before. */
  redelivered: boolean;

  /** `new Message({content, subject, ...})`, or `new Message(content)` for a string, Buffer or list. */
  constructor(init?: MessageInit<C> | (C & (string | Buffer | readonly unknown[]))) {
    const i: MessageInit<C> =
      typeof init === 'string' || Buffer.isBuffer(init) || Array.isArray(init)
        ? { content: init as C }
        : ((init as MessageInit<C> | undefined) ?? {});
    this.content = i.content as C;
    this.contentType = i.contentType ?? inferContentType(i.content);
    this.id = i.id;
    this.subject = i.subject;
    this.userId = i.userId;
    this.replyTo = i.replyTo;
    this.correlationId = i.correlationId;
    this.durable = i.durable;
    this.priority = i.priority;
    this.ttl = i.ttl;
    this.properties = { ...(i.properties ?? {}) };
    this.redelivered = i.redelivered ?? false;
  }

  /**
   * [py] `repr(Message)`: `Message(id=..., subject=..., ..., content=...)`, Python-style values, so drain
   * prints what Qpid's drain prints. Field names stay snake_case as in Qpid's output.
   */
  toString(): string {
    const parts: string[] = [];
    const scalar: [string, unknown][] = [
      ['id', this.id],
      ['subject', this.subject],
      ['user_id', this.userId],
      ['reply_to', this.replyTo],
      ['correlation_id', this.correlationId],
      ['priority', this.priority],
      ['ttl', this.ttl],
    ];
    for (const [k, v] of scalar) if (v !== undefined && v !== null) parts.push(`${k}=${pyRepr(v)}`);
    if (this.durable) parts.push(`durable=${pyRepr(this.durable)}`);
    if (this.redelivered) parts.push(`redelivered=${pyRepr(this.redelivered)}`);
    if (Object.keys(this.properties).length > 0) parts.push(`properties=${pyRepr(this.properties)}`);
    if (this.contentType !== undefined && this.contentType !== inferContentType(this.content)) {
      parts.push(`content_type=${pyRepr(this.contentType)}`);
    }
    if (this.content !== undefined && this.content !== null) {
      parts.push(parts.length > 0 ? `content=${pyRepr(this.content)}` : pyRepr(this.content));
    }
    return `Message(${parts.join(', ')})`;
  }
}

/** A value printed the way Python's repr prints the equivalent Python value. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `datetime(${pyString(value.toISOString())})`;
  if (value instanceof Typed) return typeof value.value === 'object' ? pyRepr(value.value) : String(value.value);
  if (value instanceof Uint8Array) return `b${pyString(Buffer.from(value).toString('latin1'), true)}`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyString(k)}: ${pyRepr(v as FieldValue)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

// Python prefers single quotes, switching to double quotes when the text has a ' but no ".
function pyString(s: string, bytes = false): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (bytes && c > 0x7e)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}
