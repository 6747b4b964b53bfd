/**
 * Management API endpoints of the built-in shovels, on RabbitMQ's paths so that `qpid-route` (and
 * rabbitmqadmin-style scripts) use one protocol for both brokers:
 * - `GET /api/parameters/shovel[/{vhost}[/{name}]]`, `PUT` and `DELETE /api/parameters/shovel/{vhost}/{name}`
 *   with `{"value": {...}}` (rabbit_shovel_parameters' keys, see shovel-definition.ts);
 * - `GET /api/shovels[/{vhost}]`: status as RabbitMQ's shovel_management plugin, plus our counters
 *   (`received`, `forwarded`, `unroutable`, `acked`, `reconnects`, `looped`, `last_error`) and
 *   `dynamic_bindings`, the bindings a dynamic route holds on its source queue (0 for a static one).
 */
import type { Json, JsonObject } from '../management/json.js';
import type { Federation } from './federation.js';
import type { FederationLink } from './link.js';

export function parameterJson(vhost: string, name: string, value: Record<string, unknown>): JsonObject {
  return { vhost, component: 'shovel', name, value: value as JsonObject };
}

export function shovelStatusJson(node: string, link: FederationLink): JsonObject {
  const d = link.definition;
  let src: JsonObject = { src_exchange: d.srcExchange ?? '', src_exchange_key: d.srcExchangeKey };
  if (d.srcQueue !== undefined) src = { src_queue: d.srcQueue };
  // A link without routes (qpid.link) has no source of messages.
  if (d.linkOnly) src = { qpid_link: true };
  return {
    node,
    timestamp: new Date(link.since).toISOString().replace('T', ' ').slice(0, 19),
    name: link.name,
    vhost: link.vhost.name,
    type: 'dynamic',
    state: link.state,
    src_uri: link.sourceUri,
    src_protocol: 'amqp091',
    ...src,
    dest_uri: link.destinationUri,
    dest_protocol: 'amqp091',
    ...(d.destExchange !== undefined ? { dest_exchange: d.destExchange } : {}),
    ...(d.destExchangeKey !== undefined ? { dest_exchange_key: d.destExchangeKey } : {}),
    received: link.counters.received,
    forwarded: link.counters.forwarded,
    unroutable: link.counters.unroutable,
    acked: link.counters.acked,
    reconnects: link.counters.reconnects,
    looped: link.counters.looped,
    dynamic_bindings: link.dynamic?.size ?? 0,
    last_error: link.lastError,
  };
}

export function listParameters(f: Federation, vhost?: string): Json {
  return f.list(vhost).map((e) => parameterJson(e.parameter.vhost, e.parameter.name, e.parameter.value));
}

export function listShovels(f: Federation, node: string, vhost?: string): Json {
  return f.list(vhost).map((e) => shovelStatusJson(node, e.link));
}
