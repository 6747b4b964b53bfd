/**
 * Feeds a message a federation link consumed into the local vhost: exchange lookup, routing,
 * enqueue, and the wait for the store (a persistent message on a durable queue is on disk when the
 * promise resolves), which is what "the destination confirmed" means for a built-in shovel.
 *
 * This mirrors the channel's route step (channel.ts route()); when the broker grows its single
 * publish path (VHost.publish, ARCHITECTURE.md) the link calls that instead.
 */
import type { ConsumeMessage } from 'amqplib';
import { type BasicProperties, encodeContentHeaderPayload, type FieldTable } from '../../protocol/index.js';
import { Message } from '../message.js';
import type { Queue } from '../queue.js';
import type { VHost } from '../vhost.js';

export type LocalOutcome = 'routed' | 'unroutable' | 'no-exchange' | 'rejected';

/** amqplib's decoded properties → the broker's BasicProperties (undefined fields dropped). */
export function propertiesOf(raw: ConsumeMessage['properties']): BasicProperties {
  const p: Record<string, unknown> = {
    contentType: raw.contentType,
    contentEncoding: raw.contentEncoding,
    headers: raw.headers as FieldTable | undefined,
    deliveryMode: raw.deliveryMode,
    priority: raw.priority,
    correlationId: raw.correlationId,
    replyTo: raw.replyTo,
    expiration: raw.expiration,
    messageId: raw.messageId,
    timestamp: raw.timestamp,
    type: raw.type,
    userId: raw.userId,
    appId: raw.appId,
    clusterId: raw.clusterId,
  };
  for (const k of Object.keys(p)) if (p[k] === undefined || p[k] === null) delete p[k];
  if (p['headers'] !== undefined && Object.keys(p['headers'] as object).length === 0) delete p['headers'];
  return p as BasicProperties;
}

/** Routes one message into `vhost`; resolves once every queue that took it has it stored. */
export async function publishLocal(
  vhost: VHost,
  exchange: string,
  routingKey: string,
  properties: BasicProperties,
  body: Buffer,
): Promise<LocalOutcome> {
  const x = vhost.exchanges.get(exchange);
  if (x === undefined) return 'no-exchange';
  const headerPayload = encodeContentHeaderPayload(60, body.length, properties);
  const message = new Message(exchange, routingKey, properties, headerPayload, Buffer.from(body), Date.now());
  const targets = new Set<Queue>();
  vhost.route(x, routingKey, properties.headers, targets);
  x.stats.publishIn++;
  if (targets.size === 0) return 'unroutable';
  const pending: Promise<void>[] = [];
  let rejected = false;
  for (const q of targets) if (!q.enqueue(message, message.publishedAt, pending)) rejected = true;
  x.stats.publishOut++;
  await Promise.all(pending);
  return rejected ? 'rejected' : 'routed';
}
