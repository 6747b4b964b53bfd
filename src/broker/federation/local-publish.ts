/**
 * Feeds a message a federation link consumed into the local vhost through VHost.publish (the one
 * publish path: CC/BCC, e2e bindings, alternate exchanges, statistics), with BCC stripped as a
 * channel's publish strips it (RabbitMQ sender-selected distribution), then waits for the store (a
 * persistent message on a durable queue is on disk when the promise resolves): that is what "the
 * destination confirmed" means for a built-in shovel.
 */
import type { ConsumeMessage } from 'amqplib';
import { type BasicProperties, encodeContentHeaderPayload, type FieldTable } from '../../protocol/index.js';
import { PUBLISH_REFUSED, PUBLISH_ROUTED, senderSelectedKeys, stripBcc } from '../publish.js';
import { StoredMessage } from '../stored-message.js';
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

/**
 * Publishes one message into `vhost` through the broker's one publish path (VHost.publish); resolves
 * once every queue that took it has it stored.
 */
export async function publishLocal(
  vhost: VHost,
  exchange: string,
  routingKey: string,
  given: BasicProperties,
  body: Buffer,
): Promise<LocalOutcome> {
  const x = vhost.exchanges.get(exchange);
  if (x === undefined) return 'no-exchange';
  const ccKeys = senderSelectedKeys(given.headers);
  // No queue may see BCC (a source that is not RabbitMQ-like may have left it in).
  const properties = given.headers?.['BCC'] !== undefined ? stripBcc(given) : given;
  const headerPayload = encodeContentHeaderPayload(60, body.length, properties);
  const message = new StoredMessage(exchange, routingKey, properties, headerPayload, Buffer.from(body), Date.now());
  const pending: Promise<void>[] = [];
  const outcome = vhost.publish(x, message, ccKeys, pending);
  await Promise.all(pending);
  if (outcome & PUBLISH_REFUSED) return 'rejected';
  return outcome & PUBLISH_ROUTED ? 'routed' : 'unroutable';
}
