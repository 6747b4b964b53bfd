/**
 * Shared by the exchange, queue and routing parity tests: run one operation on
 * a fresh amqplib channel and turn its outcome (the reply, or the
 * channel.close with its full reply text) into plain data, and read back what
 * queues hold without timing assumptions.
 */
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { closeReason, replyText } from '../helpers/parity.js';

export interface Refusal {
  code: number | null;
  classId: number | null;
  methodId: number | null;
  /** The whole reply text: names come from ctx.name, so they are equal on both brokers. */
  text: string | null;
}

export type Result<T> = { ok: T } | { error: Refusal };

/**
 * Runs `fn` on a new channel; a server channel.close becomes `{ error }` with
 * the full reply text (taken from the channel's 'error' event, which carries
 * the class and method ids). The channel is closed afterwards either way.
 */
export async function onChannel<T>(conn: ChannelModel, fn: (ch: Channel) => Promise<T>): Promise<Result<T>> {
  const ch = await conn.createChannel();
  let failure: unknown;
  ch.on('error', (err: unknown) => {
    failure = err;
  });
  const closed = new Promise<void>((resolve) => ch.once('close', () => resolve()));
  try {
    const value = await fn(ch);
    // A round trip makes any asynchronous refusal (publish to a bad exchange) arrive first.
    await ch.checkExchange('amq.direct');
    await ch.close();
    return { ok: value };
  } catch (err) {
    await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    const src = failure ?? err;
    const info = closeReason(src);
    return { error: { code: info.code, classId: info.classId, methodId: info.methodId, text: replyText(src) } };
  }
}

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

/** Message count through a passive declare, or the refusal. */
export async function exists(conn: ChannelModel, kind: 'queue' | 'exchange', name: string): Promise<boolean> {
  const r = await onChannel(conn, (ch) => (kind === 'queue' ? ch.checkQueue(name) : ch.checkExchange(name)));
  return 'ok' in r;
}

/** Polls `probe` until it returns true or `tries` run out (25 ms apart); returns the last answer. */
export async function eventually(probe: () => Promise<boolean>, tries = 40): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

/** A deterministic PRNG (mulberry32), so randomised scenarios are the same on both brokers. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const portOf = (url: string) => Number(new URL(url).port);
