/**
 * Messages as JSON (spout/drain --json): one object per line, with the messaging API's camelCase field
 * names (docs/json-output.md). Bytes become `{"$binary": "<base64>"}`; 64-bit integers beyond 2^53 become strings.
 */
import type { Message } from '../../index.js';
import { Typed } from '../../index.js';

export function messageToJson(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields: [string, unknown][] = [
    ['id', m.id],
    ['subject', m.subject],
    ['userId', m.userId],
    ['replyTo', m.replyTo],
    ['correlationId', m.correlationId],
    ['priority', m.priority],
    ['ttl', m.ttl],
    ['durable', m.durable],
    ['redelivered', m.redelivered],
    ['contentType', m.contentType],
  ];
  for (const [k, v] of fields) if (v !== undefined && v !== null) out[k] = v;
  out['properties'] = jsonValue(m.properties);
  out['content'] = jsonValue(m.content);
  return out;
}

/** One line of JSON for a message. */
export function messageJsonLine(m: Message): string {
  return `${JSON.stringify(messageToJson(m))}\n`;
}

export function jsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Typed) return jsonValue(v.value);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return { $binary: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonValue(x);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}
