/**
 * Shared by the queue-argument and dead-letter parity tests: refusals with
 * their full reply text, bounded polling, and a raw basic.get that keeps the
 * wire types of header values (amqplib turns 'l', 'I' and 'T' all into
 * numbers, and RabbitMQ's x-death types are part of what we match).
 */
import type { Channel, GetMessage } from 'amqplib';
import {
  decodeContentHeader,
  encodeMethodFrame,
  type FieldTable,
  type FieldValue,
  FrameType,
  Typed,
} from '../../src/protocol/index.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

// The channel-refusal helpers are shared with the topology parity tests.
export { onChannel, type Refusal, type Result } from './topology-helpers.js';

/** Polls `check` every `everyMs` until it returns true or `limitMs` passed; returns the last answer. */
export async function until(check: () => Promise<boolean>, limitMs = 5000, everyMs = 25): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Drains a queue with basic.get (no-ack), returning bodies in order; bounded. */
export async function drain(ch: Channel, queue: string, max = 1000): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < max; i++) {
    const m: GetMessage | false = await ch.get(queue, { noAck: true });
    if (m === false) break;
    out.push(m.content.toString());
  }
  return out;
}

/**
 * Whether a queue exists, asked without touching it: a passive declare or a
 * basic.get would restart its x-expires countdown. A mandatory publish to the
 * default exchange comes back (basic.return before the confirm) when no queue
 * of that name exists.
 */
export async function queueExists(ch: import('amqplib').ConfirmChannel, queue: string): Promise<boolean> {
  let returned = false;
  const onReturn = (m: { fields: { routingKey: string } }) => {
    if (m.fields.routingKey === queue) returned = true;
  };
  ch.on('return', onReturn);
  try {
    await new Promise<void>((resolve, reject) =>
      ch.publish('', queue, Buffer.from('probe'), { mandatory: true }, (err) => (err ? reject(err) : resolve())),
    );
    return !returned;
  } finally {
    ch.off('return', onReturn);
  }
}

/** A header value with its wire type spelled out: `{ l: 1 }`, `{ T: 'seconds' }`, tables as ordered pairs. */
export type Described = string | number | boolean | null | { [tag: string]: unknown };

export function describeValue(v: FieldValue): Described {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return { t: v };
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return { I: v };
  if (typeof v === 'bigint') return { l: String(v) };
  // Times differ between runs: keep only that it is a whole-second timestamp near now.
  if (v instanceof Date) return { T: Math.abs(v.getTime() - Date.now()) < 600_000 ? 'now' : 'far' };
  if (v instanceof Typed) return { [v.type]: typeof v.value === 'object' ? v.value : Number(v.value) };
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { x: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return { A: v.map(describeValue) };
  return { F: describeTable(v as FieldTable) };
}

/** Ordered [key, value] pairs: the order of a table's entries on the wire is part of the comparison. */
export function describeTable(t: FieldTable): [string, Described][] {
  return Object.entries(t).map(([k, v]) => [k, describeValue(v)]);
}

export interface RawGot {
  exchange: string;
  routingKey: string;
  redelivered: boolean;
  messageCount: number;
  body: string;
  /** Property names present, sorted. */
  properties: string[];
  expiration: string | undefined;
  headers: [string, Described][] | undefined;
}

/** basic.get (no-ack) over a raw socket, returning the properties with their wire types, or 'empty'. */
export async function rawGet(url: string, queue: string): Promise<RawGot | 'empty'> {
  const c = await RawAmqp.open(Number(new URL(url).port));
  try {
    await c.openChannel(1);
    c.write(encodeMethodFrame(1, 'basic.get', { queue, noAck: true }));
    const f = await c.next((f) => f.method?.name === 'basic.get-ok' || f.method?.name === 'basic.get-empty');
    if (f.method?.name !== 'basic.get-ok') return 'empty';
    const ok = f.method.args;
    const header = await c.next((f) => f.type === FrameType.HEADER);
    const h = decodeContentHeader(header.payload);
    const chunks: Buffer[] = [];
    let got = 0;
    while (got < h.bodySize) {
      const b = await c.next((f) => f.type === FrameType.BODY);
      chunks.push(b.payload);
      got += b.payload.length;
    }
    const props = h.properties as Record<string, unknown>;
    return {
      exchange: ok.exchange,
      routingKey: ok.routingKey,
      redelivered: ok.redelivered,
      messageCount: ok.messageCount,
      body: Buffer.concat(chunks).toString(),
      properties: Object.keys(props)
        .filter((k) => props[k] !== undefined)
        .sort(),
      expiration: h.properties.expiration,
      headers: h.properties.headers && describeTable(h.properties.headers),
    };
  } finally {
    c.close();
  }
}
