/**
 * Broker objects → the JSON of RabbitMQ 3.10's management plugin
 * (rabbit_mgmt_format and the *_wm_* handlers): same field names and shapes,
 * minus the Erlang-only fields (garbage_collection, reductions, ...).
 */
import { createHash } from 'node:crypto';
import type { BasicProperties, FieldTable, FieldValue } from '../../protocol/index.js';
import { Typed } from '../../protocol/index.js';
import type { Channel } from '../channel.js';
import type { ClientConnection } from '../client-connection.js';
import { Exchange } from '../exchange.js';
import { bindingIdentity } from '../exchanges/router.js';
import type { Consumer, Queue } from '../queue.js';
import { MESSAGE_OVERHEAD } from '../stored-message.js';
import type { VHost } from '../vhost.js';
import { details, type Rates } from './rates.js';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The Erlang node name the broker reports (RabbitMQ: rabbit@host). */
export const NODE_NAME = 'qpidd@localhost';

// ---- field tables -----------------------------------------------------------

/** An AMQP field value as RabbitMQ renders it in JSON (rabbit_mgmt_format:amqp_table). */
export function fieldValueToJson(v: FieldValue): Json {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }
  if (v instanceof Typed) {
    const x = v.value;
    if (typeof x === 'object') return Number(x.value) / 10 ** x.scale;
    if (typeof x === 'bigint') return Number.isSafeInteger(Number(x)) ? Number(x) : x.toString();
    return Number.isFinite(x) ? x : String(x);
  }
  if (v instanceof Date) return Math.floor(v.getTime() / 1000);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (Array.isArray(v)) return v.map(fieldValueToJson);
  return tableToJson(v as FieldTable);
}

export function tableToJson(t: FieldTable | undefined): JsonObject {
  const out: JsonObject = {};
  if (t === undefined) return out;
  for (const [k, v] of Object.entries(t)) out[k] = fieldValueToJson(v);
  return out;
}

/** JSON (a request body's `arguments`) → a field table; JSON numbers stay numbers (int32/int64/double by value). */
export function jsonToTable(j: JsonObject): FieldTable {
  const out: FieldTable = {};
  for (const [k, v] of Object.entries(j)) out[k] = jsonToFieldValue(v);
  return out;
}

function jsonToFieldValue(v: Json): FieldValue {
  if (Array.isArray(v)) return v.map(jsonToFieldValue);
  if (v !== null && typeof v === 'object') return jsonToTable(v);
  return v;
}

// ---- rates ------------------------------------------------------------------

/** `{name: n, name_details: {rate}}` for each counter, RabbitMQ's message_stats layout. */
export function withDetails(counters: Record<string, number>, rates: Rates | undefined): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(counters).sort()) {
    out[key] = counters[key] as number;
    out[`${key}_details`] = details(rates, key);
  }
  return out;
}

// ---- queues -----------------------------------------------------------------

export interface QueueCounters extends Record<string, number> {
  ack: number;
  deliver: number;
  deliver_get: number;
  deliver_no_ack: number;
  get: number;
  get_empty: number;
  get_no_ack: number;
  publish: number;
  redeliver: number;
}

export function queueCounters(q: Queue): QueueCounters {
  const s = q.stats;
  return {
    ack: s.ack,
    deliver: s.deliver,
    deliver_get: s.deliver + s.deliverNoAck + s.get + s.getNoAck,
    deliver_no_ack: s.deliverNoAck,
    get: s.get,
    get_empty: 0,
    get_no_ack: s.getNoAck,
    publish: s.publish,
    redeliver: s.redeliver,
  };
}

export type QueueDepth = { messages: number; messages_ready: number; messages_unacknowledged: number };

/** The three message counts with their `_details` rates, as queues and the overview's queue_totals show them. */
export function depthJson(depth: QueueDepth, rates: Rates | undefined): JsonObject {
  return {
    messages: depth.messages,
    messages_details: details(rates, 'messages'),
    messages_ready: depth.messages_ready,
    messages_ready_details: details(rates, 'messages_ready'),
    messages_unacknowledged: depth.messages_unacknowledged,
    messages_unacknowledged_details: details(rates, 'messages_unacknowledged'),
  };
}

export function queueDepth(q: Queue): QueueDepth {
  const ready = q.messageCount;
  return { messages: ready + q.unacked, messages_ready: ready, messages_unacknowledged: q.unacked };
}

/** The summed depth of `queues` (the overview's queue_totals, a vhost's message counts). */
export function totalDepth(queues: Iterable<Queue>): QueueDepth {
  const depth = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
  for (const q of queues) {
    const d = queueDepth(q);
    depth.messages += d.messages;
    depth.messages_ready += d.messages_ready;
    depth.messages_unacknowledged += d.messages_unacknowledged;
  }
  return depth;
}

function readyBytes(q: Queue): number {
  let n = 0;
  for (const e of q.ready) n += e.message.bodySize;
  return n;
}

export function queueJson(q: Queue, rates: Rates | undefined, details: boolean): JsonObject {
  const depth = queueDepth(q);
  const ready = readyBytes(q);
  const counters = queueCounters(q);
  const consumers = q.allConsumers;
  const out: JsonObject = {
    arguments: tableToJson(q.args),
    auto_delete: q.autoDelete,
    consumers: consumers.length,
    durable: q.durable,
    exclusive: q.exclusiveOwner !== undefined,
    exclusive_consumer_tag: consumers.find((c) => c.exclusive)?.tag ?? null,
    head_message_timestamp: null,
    memory: ready + depth.messages * MESSAGE_OVERHEAD,
    message_bytes: ready,
    message_bytes_ready: ready,
    ...depthJson(depth, rates),
    name: q.name,
    node: NODE_NAME,
    policy: null,
    single_active_consumer_tag: q.activeConsumer?.tag ?? null,
    state: 'running',
    type: 'classic',
    vhost: q.vhost,
    qpid_discards: discardsJson(q),
  };
  // RabbitMQ shows message_stats once the queue has seen traffic.
  if (Object.values(counters).some((n) => n > 0)) out['message_stats'] = withDetails(counters, rates);
  if (details) out['consumer_details'] = consumers.map((c) => consumerJson(q, c));
  return out;
}

/**
 * Our extension (RabbitMQ keeps no per-queue drop counts): messages the queue dropped, by cause, for
 * qpid-stat's discards-* rows. Names follow the API's snake_case.
 */
function discardsJson(q: Queue): JsonObject {
  const d = q.discards;
  return {
    ring_overflow: d.ringOverflow,
    limit_overflow: d.limitOverflow,
    ttl_expired: d.ttlExpired,
    subscriber_reject: d.subscriberReject,
    dead_lettered: d.deadLettered,
    purged: d.purged,
  };
}

// ---- exchanges --------------------------------------------------------------

export function exchangeJson(x: Exchange, rates: Rates | undefined): JsonObject {
  const out: JsonObject = {
    arguments: tableToJson(x.args),
    auto_delete: x.autoDelete,
    durable: x.durable,
    internal: x.internal,
    name: x.name,
    type: x.type,
    user_who_performed_action: x.builtin ? 'rmq-internal' : 'guest',
    vhost: x.vhost,
  };
  const { publishIn, publishOut } = x.stats;
  if (publishIn > 0 || publishOut > 0) {
    out['message_stats'] = withDetails({ publish_in: publishIn, publish_out: publishOut }, rates);
  }
  return out;
}

// ---- bindings ---------------------------------------------------------------

export interface BindingView {
  source: string;
  vhost: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: JsonObject;
  properties_key: string;
}

/**
 * RabbitMQ's properties_key (rabbit_mgmt_format:pack_binding_props): the
 * URL-quoted routing key, plus `~` and a hash of the arguments when there are
 * any; `~` alone for an empty key without arguments. RabbitMQ hashes with
 * erlang:phash2; we hash the binding identity, so the suffix differs but is
 * stable and unique per binding.
 */
export function propertiesKey(routingKey: string, args: FieldTable): string {
  const hasArgs = Object.keys(args).length > 0;
  if (!hasArgs) return routingKey === '' ? '~' : encodeURIComponent(routingKey);
  const hash = createHash('sha1').update(bindingIdentity(routingKey, args)).digest().subarray(0, 4);
  return `${encodeURIComponent(routingKey)}~${hash.toString('base64url')}`;
}

/** Every binding of a vhost: the implicit default-exchange ones first, then each exchange's, in declaration order. */
export function vhostBindings(v: VHost): BindingView[] {
  const out: BindingView[] = [];
  for (const q of v.queues.values()) out.push(defaultBinding(v, q));
  for (const x of v.exchanges.values()) out.push(...exchangeBindings(v, x));
  return out;
}

export function defaultBinding(v: VHost, q: Queue): BindingView {
  return {
    source: '',
    vhost: v.name,
    destination: q.name,
    destination_type: 'queue',
    routing_key: q.name,
    arguments: {},
    properties_key: propertiesKey(q.name, {}),
  };
}

export function exchangeBindings(v: VHost, x: Exchange): BindingView[] {
  const out: BindingView[] = [];
  for (const b of x.router.entries()) {
    const d = b.destination;
    out.push({
      source: x.name,
      vhost: v.name,
      destination: d.name,
      destination_type: d instanceof Exchange ? 'exchange' : 'queue',
      routing_key: b.bindingKey,
      arguments: tableToJson(b.args),
      properties_key: propertiesKey(b.bindingKey, b.args),
    });
  }
  return out;
}

// ---- connections, channels, consumers ---------------------------------------

function stripMapped(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

export function peerOf(c: ClientConnection): { peer_host: string; peer_port: number } {
  return { peer_host: stripMapped(c.socket.remoteAddress), peer_port: c.socket.remotePort ?? 0 };
}

function connectionState(c: ClientConnection): string {
  if (c.blockedByAlarm) return 'blocked';
  switch (c.state) {
    case 'open':
      return 'running';
    case 'closing':
    case 'closed':
      return 'closing';
    default:
      return 'starting';
  }
}

/** The vhost of an open connection (undefined during the handshake). */
export function vhostOf(c: ClientConnection): string | undefined {
  return (c.vhost as VHost | undefined)?.name;
}

export function connectionJson(c: ClientConnection, rates: Rates | undefined): JsonObject {
  const s = c.stats;
  return {
    auth_mechanism: 'PLAIN',
    channel_max: c.channelMax,
    channels: c.channels.size,
    client_properties: tableToJson(c.clientProperties),
    connected_at: c.connectedAt,
    frame_max: c.frameMax,
    host: stripMapped(c.socket.localAddress),
    name: c.name,
    node: NODE_NAME,
    ...peerOf(c),
    port: c.socket.localPort ?? 0,
    protocol: 'AMQP 0-9-1',
    recv_cnt: s.recvCnt,
    recv_oct: s.recvOct,
    recv_oct_details: details(rates, 'recv_oct'),
    send_cnt: s.sendCnt,
    send_oct: s.sendOct,
    send_oct_details: details(rates, 'send_oct'),
    send_pend: c.out.size,
    ssl: c.tls,
    state: connectionState(c),
    timeout: c.heartbeat,
    type: 'network',
    user: c.user,
    user_who_performed_action: c.user,
    vhost: vhostOf(c) ?? null,
  };
}

export function channelName(conn: ClientConnection, id: number): string {
  return `${conn.name} (${id})`;
}

export function channelJson(conn: ClientConnection, ch: Channel): JsonObject {
  return {
    acks_uncommitted: 0,
    confirm: ch.inConfirmMode,
    connection_details: { name: conn.name, ...peerOf(conn) },
    consumer_count: ch.consumerCount,
    global_prefetch_count: ch.globalPrefetch,
    messages_unacknowledged: ch.unackedCount,
    messages_uncommitted: 0,
    messages_unconfirmed: 0,
    name: channelName(conn, ch.id),
    node: NODE_NAME,
    number: ch.id,
    prefetch_count: ch.prefetchCount,
    state: ch.closing ? 'closing' : ch.flowActive ? 'running' : 'flow',
    transactional: ch.transactional,
    user: conn.user,
    user_who_performed_action: conn.user,
    vhost: vhostOf(conn) ?? null,
    // As RabbitMQ: once the channel has seen traffic.
    ...(ch.stats.publish + ch.delivered > 0
      ? { message_stats: { publish: ch.stats.publish, deliver_get: ch.delivered, ack: ch.stats.ack } }
      : {}),
  };
}

/** What a consumer created by a channel carries beyond the Consumer interface (ChannelConsumer's public fields). */
interface ChannelSide {
  channel?: { id: number; connection: ClientConnection };
  prefetch?: number;
}

export function consumerJson(q: Queue, c: Consumer): JsonObject {
  const side = c as Consumer & ChannelSide;
  const ch = side.channel;
  const active = q.activeConsumer === undefined || q.activeConsumer === c;
  return {
    arguments: tableToJson(c.args),
    ack_required: !c.noAck,
    active,
    activity_status: active ? 'up' : 'waiting',
    channel_details:
      ch === undefined
        ? {}
        : {
            connection_name: ch.connection.name,
            name: channelName(ch.connection, ch.id),
            node: NODE_NAME,
            number: ch.id,
            ...peerOf(ch.connection),
            user: ch.connection.user,
          },
    consumer_tag: c.tag,
    exclusive: c.exclusive,
    prefetch_count: side.prefetch ?? 0,
    queue: { name: q.name, vhost: q.vhost },
  };
}

// ---- message properties (get / publish) ---------------------------------------

const PROPERTY_NAMES: [keyof BasicProperties, string][] = [
  ['contentType', 'content_type'],
  ['contentEncoding', 'content_encoding'],
  ['headers', 'headers'],
  ['deliveryMode', 'delivery_mode'],
  ['priority', 'priority'],
  ['correlationId', 'correlation_id'],
  ['replyTo', 'reply_to'],
  ['expiration', 'expiration'],
  ['messageId', 'message_id'],
  ['timestamp', 'timestamp'],
  ['type', 'type'],
  ['userId', 'user_id'],
  ['appId', 'app_id'],
  ['clusterId', 'cluster_id'],
];

/** Message properties as RabbitMQ's queue get shows them; an empty set is `[]` (an empty Erlang proplist), as RabbitMQ does. */
export function propertiesToJson(p: BasicProperties): JsonObject | [] {
  const out: JsonObject = {};
  for (const [camel, snake] of PROPERTY_NAMES) {
    const v = p[camel];
    if (v === undefined || v === null) continue;
    out[snake] = camel === 'headers' ? tableToJson(v as FieldTable) : fieldValueToJson(v as FieldValue);
  }
  return Object.keys(out).length === 0 ? [] : out;
}

/** A publish body's `properties` → BasicProperties; returns an error text for an unknown or mistyped property. */
export function propertiesFromJson(j: JsonObject): BasicProperties | string {
  const out: Record<string, unknown> = {};
  const byName = new Map(PROPERTY_NAMES.map(([c, s]) => [s, c]));
  for (const [snake, v] of Object.entries(j)) {
    const camel = byName.get(snake);
    if (camel === undefined) return `unknown property '${snake}'`;
    if (v === null) continue;
    if (camel === 'headers') {
      if (typeof v !== 'object' || Array.isArray(v)) return `property 'headers' must be an object`;
      out[camel] = jsonToTable(v);
    } else if (camel === 'deliveryMode' || camel === 'priority' || camel === 'timestamp') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `property '${snake}' must be an integer`;
      out[camel] = v;
    } else {
      if (typeof v !== 'string' && typeof v !== 'number') return `property '${snake}' must be a string`;
      out[camel] = String(v);
    }
  }
  return out as BasicProperties;
}
