/**
 * The endpoints of the management API: a RabbitMQ 3.10-compatible subset
 * (rabbit_mgmt_dispatcher's paths, its status codes and error bodies).
 */
import { encodeContentHeaderPayload, type FieldTable } from '../../protocol/index.js';
import { PRODUCT, VERSION } from '../../version.js';
import { ResourceGuard } from '../auth/resource-guard.js';
import { authorizeBinding, authorizeExchangeDeclare, authorizeQueueDeclare } from '../auth/topology-checks.js';
import type { Channel } from '../channel.js';
import type { ClientConnection } from '../client-connection.js';
import { ChannelException } from '../errors.js';
import { Exchange } from '../exchange.js';
import { listParameters, listShovels, parameterJson } from '../federation/management.js';
import { ShovelDefinitionError } from '../federation/shovel-definition.js';
import { PUBLISH_ROUTED, senderSelectedKeys, stripBcc } from '../publish.js';
import type { Queue } from '../queue.js';
import type { QueueEntry } from '../queue-entry.js';
import { parseExpiration, StoredMessage } from '../stored-message.js';
import type { VHost } from '../vhost.js';
import { ACCESS_ROUTES, deleteVhost, putVhost } from './access-routes.js';
import { type AccessLevel, notAuthorised } from './authorize.js';
import { RABBITMQ_COMPAT_VERSION } from './compat.js';
import { badRequest, brokerOp, HttpError, noContent, notFoundError, ok, type Reply } from './http-error.js';
import {
  type BindingView,
  channelJson,
  connectionJson,
  consumerJson,
  defaultBinding,
  depthJson,
  exchangeBindings,
  exchangeJson,
  type Json,
  type JsonObject,
  jsonToTable,
  NODE_NAME,
  propertiesFromJson,
  propertiesKey,
  propertiesToJson,
  queueDepth,
  queueJson,
  vhostBindings,
  vhostOf,
  withDetails,
} from './json.js';
import { nodeJson } from './node-json.js';
import type { Handler, HttpMethod, RequestContext, Route } from './route-types.js';
import { CHANNEL_KEYS, channelCounters } from './stats.js';

/** The RabbitMQ version whose management API this one follows. */
export { RABBITMQ_COMPAT_VERSION } from './compat.js';

export { badRequest, brokerOp, HttpError, noContent, notFoundError, ok, type Reply } from './http-error.js';

export type { Handler, HttpMethod, RequestContext, Route } from './route-types.js';

/** Stands for the management API as the "connection" that declares non-exclusive queues. */
const MGMT_OWNER = Object.freeze({ management: true });

// ---- lookups ------------------------------------------------------------------

function vhostParam(ctx: RequestContext, forWrite = false): VHost {
  const v = ctx.broker.vhosts.get(ctx.params['vhost'] as string);
  if (v === undefined) throw forWrite ? new HttpError(404, 'not_found', 'vhost_not_found') : notFoundError();
  return v;
}

function vhostsParam(ctx: RequestContext): VHost[] {
  if (ctx.params['vhost'] === undefined) {
    return [...ctx.broker.vhosts.values()].filter((v) => ctx.caller.canSeeVhost(v.name));
  }
  return [vhostParam(ctx)];
}

/**
 * The caller's permissions on a vhost: the management API declares, deletes,
 * binds, publishes and reads through the same checks as an AMQP channel
 * (RabbitMQ runs these requests through rabbit_channel:handle_method/6).
 */
function guardFor(ctx: RequestContext, v: VHost): ResourceGuard {
  const b = ctx.broker;
  return new ResourceGuard(b.options.auth ? b.access : undefined, ctx.caller.name, v.name);
}

/** RabbitMQ's management API names the default exchange `amq.default`. */
function exchangeName(name: string): string {
  return name === 'amq.default' ? '' : name;
}

function queueParam(v: VHost, name: string): Queue {
  const q = v.queues.get(name);
  if (q === undefined) throw notFoundError();
  return q;
}

function exchangeParam(v: VHost, name: string): Exchange {
  const x = v.exchanges.get(exchangeName(name));
  if (x === undefined) throw notFoundError();
  return x;
}

// ---- body fields ----------------------------------------------------------------

function boolField(body: JsonObject, key: string, dflt: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badRequest(['not_boolean', v]);
}

function stringField(body: JsonObject, key: string, dflt: string): string {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

function argumentsField(body: JsonObject, key = 'arguments'): FieldTable {
  const v = body[key];
  if (v === undefined || v === null) return {};
  // An empty JSON array is Erlang's empty proplist: RabbitMQ takes it for {}.
  if (Array.isArray(v) && v.length === 0) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest(`${key} must be an object`);
  return jsonToTable(v);
}

// Request bodies: fields an endpoint does not use are ignored, as RabbitMQ ignores them (its own tools
// send vhost, name, exchange, queue, ... beside the real ones); required ones missing get RabbitMQ's
// `[{key_missing,routing_key}]` 400.
function requireKeys(body: JsonObject, keys: string[]): void {
  const missing = keys.filter((k) => body[k] === undefined);
  if (missing.length > 0) throw badRequest(`[${missing.map((k) => `{key_missing,${k}}`).join(',')}]`);
}

function queryFlag(ctx: RequestContext, name: string): boolean {
  return ctx.query.get(name) === 'true';
}

function byVhostAndName<T extends { vhost: string; name: string }>(a: T, b: T): number {
  return a.vhost < b.vhost ? -1 : a.vhost > b.vhost ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

// ---- handlers ---------------------------------------------------------------------

function overview(ctx: RequestContext): Reply {
  const b = ctx.broker;
  let queues = 0;
  let exchanges = 0;
  let consumers = 0;
  const depth = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
  for (const v of b.vhosts.values()) {
    exchanges += v.exchanges.size;
    for (const q of v.queues.values()) {
      queues++;
      consumers += q.consumerCount;
      const d = queueDepth(q);
      depth.messages += d.messages;
      depth.messages_ready += d.messages_ready;
      depth.messages_unacknowledged += d.messages_unacknowledged;
    }
  }
  let channels = 0;
  for (const c of b.connections) channels += c.channels.size;
  const rates = ctx.sampler.rates(b);
  const listeners: Json[] = [
    { node: NODE_NAME, protocol: 'amqp', ip_address: b.host, port: b.port },
    { node: NODE_NAME, protocol: 'http', ip_address: b.host, port: ctx.mgmtPort },
  ];
  return ok({
    management_version: VERSION,
    rates_mode: 'basic',
    exchange_types: ['direct', 'fanout', 'headers', 'topic'].map((name) => ({
      name,
      description: `AMQP ${name} exchange, as per the AMQP specification`,
      enabled: true,
    })),
    product_version: VERSION,
    product_name: PRODUCT,
    rabbitmq_version: RABBITMQ_COMPAT_VERSION,
    cluster_name: `qpidd@${b.host}`,
    node: NODE_NAME,
    disable_stats: false,
    message_stats: withDetails(ctx.sampler.totals(), rates),
    queue_totals: depthJson(depth, rates),
    object_totals: { channels, connections: b.connections.size, consumers, exchanges, queues },
    statistics_db_event_queue: 0,
    listeners,
  });
}

function vhostJson(ctx: RequestContext, v: VHost): JsonObject {
  const depth = { messages: 0, messages_ready: 0, messages_unacknowledged: 0 };
  for (const q of v.queues.values()) {
    const d = queueDepth(q);
    depth.messages += d.messages;
    depth.messages_ready += d.messages_ready;
    depth.messages_unacknowledged += d.messages_unacknowledged;
  }
  let recv = 0;
  let send = 0;
  for (const c of ctx.broker.connections) {
    if (vhostOf(c) !== v.name) continue;
    recv += c.stats.recvOct;
    send += c.stats.sendOct;
  }
  const description = v.name === '/' ? 'Default virtual host' : '';
  return {
    cluster_state: { [NODE_NAME]: 'running' },
    default_queue_type: 'undefined',
    description,
    messages: depth.messages,
    messages_details: { rate: 0 },
    messages_ready: depth.messages_ready,
    messages_ready_details: { rate: 0 },
    messages_unacknowledged: depth.messages_unacknowledged,
    messages_unacknowledged_details: { rate: 0 },
    metadata: { description, tags: [] },
    name: v.name,
    recv_oct: recv,
    recv_oct_details: { rate: 0 },
    send_oct: send,
    send_oct_details: { rate: 0 },
    tags: [],
    tracing: false,
  };
}

function listQueues(ctx: RequestContext): Reply {
  const out: Queue[] = [];
  for (const v of vhostsParam(ctx)) out.push(...v.queues.values());
  out.sort(byVhostAndName);
  return ok(out.map((q) => queueJson(q, ctx.sampler.rates(q), false)));
}

function getQueue(ctx: RequestContext): Reply {
  const q = queueParam(vhostParam(ctx), ctx.params['name'] as string);
  return ok(queueJson(q, ctx.sampler.rates(q), true));
}

function putQueue(ctx: RequestContext): Reply {
  const body = ctx.body();
  const v = vhostParam(ctx, true);
  const name = ctx.params['name'] as string;
  const durable = boolField(body, 'durable', false);
  const autoDelete = boolField(body, 'auto_delete', false);
  const args = argumentsField(body);
  const existed = v.queues.has(name);
  brokerOp(() => {
    const d = { name, passive: false, durable, exclusive: false, autoDelete, args };
    v.declareQueue(authorizeQueueDeclare(guardFor(ctx, v), ctx.broker.access, v, d), MGMT_OWNER);
  });
  return { status: existed ? 204 : 201 };
}

function deleteQueue(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  brokerOp(() => guardFor(ctx, v).configure('queue', q.name));
  brokerOp(() => v.deleteQueue(q.name, queryFlag(ctx, 'if-unused'), queryFlag(ctx, 'if-empty'), q.exclusiveOwner));
  return noContent;
}

function purgeQueue(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  brokerOp(() => guardFor(ctx, v).read('queue', q.name));
  q.purge();
  return noContent;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(b: Buffer): boolean {
  try {
    UTF8.decode(b);
    return true;
  } catch {
    return false;
  }
}

function getMessages(ctx: RequestContext): Reply {
  const body = ctx.body();
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  requireKeys(body, ['count', 'ackmode', 'encoding']);
  // rabbitmqadmin sends `"count": "1"`; RabbitMQ parses integers from strings too.
  const rawCount = body['count'];
  const count = typeof rawCount === 'string' && /^\d+$/.test(rawCount) ? Number(rawCount) : rawCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw badRequest('count must be an integer');
  const ackmode = body['ackmode'];
  if (ackmode !== 'ack_requeue_true' && ackmode !== 'ack_requeue_false' && ackmode !== 'reject_requeue_true') {
    throw badRequest(`unsupported ackmode '${String(ackmode)}'`);
  }
  const encoding = body['encoding'];
  if (encoding !== 'auto' && encoding !== 'base64')
    throw badRequest('Unsupported encoding. Please use auto or base64.');
  const truncate =
    typeof body['truncate'] === 'string' && /^\d+$/.test(body['truncate'])
      ? Number(body['truncate'])
      : body['truncate'];
  if (truncate !== undefined && truncate !== null && (typeof truncate !== 'number' || truncate < 0)) {
    throw badRequest('truncate must be a non-negative integer');
  }
  // Exclusive queues of other connections are refused, as basic.get on them is.
  brokerOp(() => {
    guardFor(ctx, v).read('queue', q.name);
    v.queue(q.name, undefined);
  });
  const noAck = ackmode === 'ack_requeue_false';
  const taken: QueueEntry[] = [];
  const out: Json[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const entry = q.get(noAck);
      if (entry === undefined) break;
      if (!noAck) taken.push(entry);
      const m = entry.message;
      const full = m.loadBody();
      const payload = typeof truncate === 'number' ? full.subarray(0, truncate) : full;
      const asString = encoding === 'auto' && isUtf8(payload);
      out.push({
        payload_bytes: m.bodySize,
        redelivered: entry.redelivered,
        exchange: m.exchange,
        routing_key: m.routingKey,
        message_count: q.messageCount,
        properties: propertiesToJson(m.properties),
        payload: asString ? payload.toString('utf8') : payload.toString('base64'),
        payload_encoding: asString ? 'string' : 'base64',
      });
    }
  } finally {
    // ack_requeue_true and reject_requeue_true put every message back once all were read.
    for (const e of taken) q.requeue(e, false);
    if (taken.length > 0) q.dispatch();
  }
  return ok(out);
}

function listExchanges(ctx: RequestContext): Reply {
  const out: Exchange[] = [];
  for (const v of vhostsParam(ctx)) out.push(...v.exchanges.values());
  out.sort(byVhostAndName);
  return ok(out.map((x) => exchangeJson(x, ctx.sampler.rates(x))));
}

function getExchange(ctx: RequestContext): Reply {
  const x = exchangeParam(vhostParam(ctx), ctx.params['name'] as string);
  return ok({ ...exchangeJson(x, ctx.sampler.rates(x)), incoming: [], outgoing: [] });
}

function putExchange(ctx: RequestContext): Reply {
  const body = ctx.body();
  const v = vhostParam(ctx, true);
  const name = exchangeName(ctx.params['name'] as string);
  const type = stringField(body, 'type', 'direct');
  const durable = boolField(body, 'durable', false);
  const autoDelete = boolField(body, 'auto_delete', false);
  const internal = boolField(body, 'internal', false);
  const args = argumentsField(body);
  const existed = v.exchanges.has(name);
  brokerOp(() => {
    const d = { name, type, passive: false, durable, autoDelete, internal, args };
    authorizeExchangeDeclare(guardFor(ctx, v), v, d);
    v.declareExchange(d);
  });
  return { status: existed ? 204 : 201 };
}

function deleteExchange(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const x = exchangeParam(v, ctx.params['name'] as string);
  brokerOp(() => {
    if (x.name !== '' && !x.name.startsWith('amq.')) guardFor(ctx, v).configure('exchange', x.name);
  });
  brokerOp(() => v.deleteExchange(x.name, queryFlag(ctx, 'if-unused')));
  return noContent;
}

function publish(ctx: RequestContext): Reply {
  const body = ctx.body();
  const b = ctx.broker;
  const v = vhostParam(ctx);
  requireKeys(body, ['routing_key', 'properties', 'payload', 'payload_encoding']);
  const routingKey = stringField(body, 'routing_key', '');
  const payload = stringField(body, 'payload', '');
  const enc = body['payload_encoding'];
  if (enc !== 'string' && enc !== 'base64') throw badRequest(`unsupported payload_encoding '${String(enc)}'`);
  const rawProps = body['properties'];
  const props =
    Array.isArray(rawProps) && rawProps.length === 0
      ? {}
      : typeof rawProps === 'object' && rawProps !== null && !Array.isArray(rawProps)
        ? propertiesFromJson(rawProps)
        : 'properties must be an object';
  if (typeof props === 'string') throw badRequest(props);
  const name = exchangeName(ctx.params['name'] as string);
  try {
    guardFor(ctx, v).write('exchange', name);
  } catch (e) {
    // RabbitMQ publishes through a channel of the caller, so a refusal is that channel's close reason.
    if (e instanceof ChannelException) throw badRequest(`403 ${e.message}`);
    throw e;
  }
  const x = v.exchanges.get(name);
  // RabbitMQ publishes through an internal channel and reports its close reason with 400.
  if (x === undefined) throw badRequest(`404 NOT_FOUND - no exchange '${name}' in vhost '${v.name}'`);
  if (x.internal) {
    throw badRequest(`403 ACCESS_REFUSED - cannot publish to internal exchange '${name}' in vhost '${v.name}'`);
  }
  const exp = parseExpiration(props.expiration);
  if (exp instanceof Error) throw badRequest(`406 PRECONDITION_FAILED - ${exp.message}`);
  const bytes = enc === 'base64' ? Buffer.from(payload, 'base64') : Buffer.from(payload, 'utf8');
  if (bytes.length > b.options.maxMessageSize) {
    throw badRequest(
      `406 PRECONDITION_FAILED - message size ${bytes.length} is larger than configured max size ${b.options.maxMessageSize}`,
    );
  }
  // RabbitMQ's management publish goes through a channel, so CC/BCC apply and BCC is removed.
  const ccKeys = senderSelectedKeys(props.headers);
  const stored = props.headers?.['BCC'] !== undefined ? stripBcc(props) : props;
  const header = encodeContentHeaderPayload(60, bytes.length, stored);
  const message = new StoredMessage(name, routingKey, stored, header, bytes, Date.now());
  const outcome = v.publish(x, message, ccKeys, undefined);
  return ok({ routed: (outcome & PUBLISH_ROUTED) !== 0 });
}

function listBindings(ctx: RequestContext): Reply {
  const out: BindingView[] = [];
  for (const v of vhostsParam(ctx)) out.push(...vhostBindings(v));
  return ok(out as unknown as Json);
}

function queueBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  const out = [defaultBinding(v, q)];
  for (const x of v.exchanges.values()) {
    out.push(...exchangeBindings(v, x).filter((b) => b.destination_type === 'queue' && b.destination === q.name));
  }
  return ok(out as unknown as Json);
}

function exchangeSourceBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const x = exchangeParam(v, ctx.params['name'] as string);
  // The default exchange's implicit bindings are not listed by RabbitMQ here.
  return ok((x.name === '' ? [] : exchangeBindings(v, x)) as unknown as Json);
}

function exchangeDestinationBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const x = exchangeParam(v, ctx.params['name'] as string);
  const out: BindingView[] = [];
  for (const src of v.exchanges.values()) {
    out.push(...exchangeBindings(v, src).filter((b) => b.destination_type === 'exchange' && b.destination === x.name));
  }
  return ok(out as unknown as Json);
}

type DestKind = 'q' | 'e';

function bindingsBetween(ctx: RequestContext, kind: DestKind): { v: VHost; list: BindingView[] } {
  const v = vhostParam(ctx);
  const src = exchangeParam(v, ctx.params['source'] as string);
  const dest = ctx.params['dest'] as string;
  if (kind === 'q') queueParam(v, dest);
  else exchangeParam(v, dest);
  const wanted = kind === 'q' ? 'queue' : 'exchange';
  const list =
    src.name === ''
      ? kind === 'q'
        ? [defaultBinding(v, queueParam(v, dest))]
        : []
      : exchangeBindings(v, src).filter((b) => b.destination_type === wanted && b.destination === dest);
  return { v, list };
}

function listBindingsBetween(kind: DestKind): Handler {
  return (ctx) => ok(bindingsBetween(ctx, kind).list as unknown as Json);
}

function getBinding(kind: DestKind): Handler {
  return (ctx) => {
    const b = findBinding(ctx, kind);
    return ok(b.view as unknown as Json);
  };
}

function findBinding(ctx: RequestContext, kind: DestKind): { v: VHost; view: BindingView; args: FieldTable } {
  const { v, list } = bindingsBetween(ctx, kind);
  const props = ctx.params['props'] as string;
  const view = list.find((b) => b.properties_key === props || decodeSafe(b.properties_key) === props);
  if (view === undefined) throw notFoundError();
  const src = v.exchanges.get(view.source) as Exchange;
  let args: FieldTable = {};
  for (const e of src.router.entries()) {
    const isQueue = !(e.destination instanceof Exchange);
    if (
      e.destination.name === view.destination &&
      isQueue === (kind === 'q') &&
      propertiesKey(e.bindingKey, e.args) === view.properties_key
    ) {
      args = e.args;
      break;
    }
  }
  return { v, view, args };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function createBinding(kind: DestKind): Handler {
  return (ctx) => {
    const body = ctx.body();
    const v = vhostParam(ctx, true);
    const source = exchangeName(ctx.params['source'] as string);
    const dest = ctx.params['dest'] as string;
    const routingKey = stringField(body, 'routing_key', '');
    const args = argumentsField(body);
    brokerOp(() => {
      authorizeBinding(guardFor(ctx, v), kind === 'q' ? 'queue' : 'exchange', dest, source);
      if (kind === 'q') v.bindQueue(dest, source, routingKey, args, v.queues.get(dest)?.exclusiveOwner ?? MGMT_OWNER);
      else v.bindExchange(dest, source, routingKey, args);
    });
    return {
      status: 201,
      headers: { location: `${encodeURIComponent(dest)}/${propertiesKey(routingKey, args)}` },
    };
  };
}

function deleteBinding(kind: DestKind): Handler {
  return (ctx) => {
    const { v, view, args } = findBinding(ctx, kind);
    brokerOp(() => {
      authorizeBinding(guardFor(ctx, v), kind === 'q' ? 'queue' : 'exchange', view.destination, view.source);
      if (kind === 'q') {
        const owner = v.queues.get(view.destination)?.exclusiveOwner ?? MGMT_OWNER;
        v.unbindQueue(view.destination, view.source, view.routing_key, args, owner);
      } else {
        v.unbindExchange(view.destination, view.source, view.routing_key, args);
      }
    });
    return noContent;
  };
}

function listConnections(ctx: RequestContext): Reply {
  const list = [...ctx.broker.connections]
    .filter((c) => ctx.caller.canSeeUserObject(c.user))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ok(list.map((c) => connectionJson(c, ctx.sampler.rates(c))));
}

/** The named connection, if the caller may see it (rabbit_mgmt_wm_connection: its own, or all with monitoring). */
function connectionParam(ctx: RequestContext) {
  const name = ctx.params['name'] as string;
  for (const c of ctx.broker.connections) {
    if (c.name !== name) continue;
    if (!ctx.caller.canSeeUserObject(c.user)) throw notAuthorised('User not authorised to access object');
    return c;
  }
  throw notFoundError();
}

function getConnection(ctx: RequestContext): Reply {
  const c = connectionParam(ctx);
  return ok(connectionJson(c, ctx.sampler.rates(c)));
}

/**
 * DELETE closes it with 320, as RabbitMQ does (`X-Reason` header, else "Closed via management plugin").
 * rabbit_mgmt_wm_connection's is_authorized_user: a user may close its own connections, an administrator any.
 */
function closeConnection(ctx: RequestContext): Reply {
  const c = connectionParam(ctx);
  if (!ctx.caller.isAdmin && c.user !== ctx.caller.name) throw notAuthorised('User not authorised to access object');
  c.forceClose(ctx.reason ?? 'Closed via management plugin');
  return noContent;
}

function connectionChannels(ctx: RequestContext): Reply {
  const c = connectionParam(ctx);
  return ok([...c.channels.values()].map((ch) => channelWithStats(ctx, c, ch)));
}

function channelWithStats(ctx: RequestContext, c: ClientConnection, ch: Channel): JsonObject {
  const out = channelJson(c, ch);
  const counters = channelCounters(ch);
  // As for queues, message_stats appears once the channel has seen traffic.
  if (CHANNEL_KEYS.some((k) => (counters[k] ?? 0) > 0)) {
    out['message_stats'] = withDetails(counters, ctx.sampler.rates(ch));
  }
  return out;
}

function listChannels(ctx: RequestContext): Reply {
  const out: Json[] = [];
  for (const c of ctx.broker.connections) {
    if (!ctx.caller.canSeeUserObject(c.user)) continue;
    for (const ch of c.channels.values()) out.push(channelWithStats(ctx, c, ch));
  }
  return ok(out);
}

function listConsumers(ctx: RequestContext): Reply {
  const out: Json[] = [];
  for (const v of vhostsParam(ctx)) {
    for (const q of v.queues.values()) for (const c of q.allConsumers) out.push(consumerJson(q, c));
  }
  return ok(out);
}

// ---- the route table ------------------------------------------------------------------

// ---- federation (built-in shovels, src/broker/federation) -------------------------

function putShovel(ctx: RequestContext): Reply {
  const v = vhostParam(ctx, true);
  const name = ctx.params['name'] as string;
  const existed = ctx.broker.federation.get(v.name, name) !== undefined;
  try {
    ctx.broker.federation.put(v.name, name, ctx.body()['value']);
  } catch (e) {
    if (e instanceof ShovelDefinitionError) throw badRequest(e.message);
    throw e;
  }
  return existed ? noContent : { status: 201 };
}

function getShovel(ctx: RequestContext): Reply {
  const e = ctx.broker.federation.get(vhostParam(ctx).name, ctx.params['name'] as string);
  if (e === undefined) throw notFoundError();
  return ok(parameterJson(e.parameter.vhost, e.parameter.name, e.parameter.value));
}

function deleteShovel(ctx: RequestContext): Reply {
  if (!ctx.broker.federation.delete(vhostParam(ctx).name, ctx.params['name'] as string)) throw notFoundError();
  return noContent;
}

const vhostFilter = (ctx: RequestContext) => (ctx.params['vhost'] === undefined ? undefined : vhostParam(ctx).name);

/** Shovel definitions carry source/destination URIs with credentials: only the vhosts the caller may see. */
function visibleParameters(ctx: RequestContext): Reply {
  const all = listParameters(ctx.broker.federation, vhostFilter(ctx)) as JsonObject[];
  return ok(all.filter((p) => ctx.caller.canSeeVhost(String(p['vhost']))));
}

// rabbit_mgmt_wm_parameter(s): is_authorized_policies; rabbit_shovel_mgmt: is_authorized_monitor.
const FEDERATION_ROUTES: Route[] = [
  { segments: ['parameters', 'shovel'], methods: { GET: visibleParameters }, auth: 'policy' },
  { segments: ['parameters', 'shovel', ':vhost'], methods: { GET: visibleParameters }, auth: 'policy' },
  {
    segments: ['parameters', 'shovel', ':vhost', ':name'],
    methods: { GET: getShovel, PUT: putShovel, DELETE: deleteShovel },
    auth: 'policy',
  },
  {
    segments: ['shovels'],
    methods: { GET: (ctx) => ok(listShovels(ctx.broker.federation, NODE_NAME)) },
    auth: 'monitor',
  },
  {
    segments: ['shovels', ':vhost'],
    methods: { GET: (ctx) => ok(listShovels(ctx.broker.federation, NODE_NAME, vhostFilter(ctx))) },
    auth: 'monitor',
  },
];

const ROUTES: Route[] = [
  ...FEDERATION_ROUTES,
  { segments: ['overview'], methods: { GET: overview } },
  {
    segments: ['vhosts'],
    methods: {
      GET: (ctx) =>
        ok([...ctx.broker.vhosts.values()].filter((v) => ctx.caller.canSeeVhost(v.name)).map((v) => vhostJson(ctx, v))),
    },
  },
  {
    segments: ['vhosts', ':vhost'],
    methods: { GET: (ctx) => ok(vhostJson(ctx, vhostParam(ctx))), PUT: putVhost, DELETE: deleteVhost },
    // rabbit_mgmt_wm_vhost is is_authorized_admin for every method, GET included.
    auth: 'admin',
  },
  ...ACCESS_ROUTES,
  { segments: ['connections'], methods: { GET: listConnections } },
  { segments: ['connections', ':name'], methods: { GET: getConnection, DELETE: closeConnection } },
  { segments: ['connections', ':name', 'channels'], methods: { GET: connectionChannels } },
  { segments: ['channels'], methods: { GET: listChannels } },
  { segments: ['nodes'], methods: { GET: (ctx) => ok([nodeJson(ctx.broker)]) } },
  {
    segments: ['nodes', ':node'],
    methods: {
      GET: (ctx) => {
        if (ctx.params['node'] !== NODE_NAME) throw notFoundError();
        return ok(nodeJson(ctx.broker));
      },
    },
  },
  { segments: ['consumers'], methods: { GET: listConsumers } },
  { segments: ['consumers', ':vhost'], methods: { GET: listConsumers } },
  { segments: ['queues'], methods: { GET: listQueues } },
  { segments: ['queues', ':vhost'], methods: { GET: listQueues } },
  { segments: ['queues', ':vhost', ':name'], methods: { GET: getQueue, PUT: putQueue, DELETE: deleteQueue } },
  { segments: ['queues', ':vhost', ':name', 'bindings'], methods: { GET: queueBindings } },
  { segments: ['queues', ':vhost', ':name', 'contents'], methods: { DELETE: purgeQueue } },
  { segments: ['queues', ':vhost', ':name', 'get'], methods: { POST: getMessages } },
  { segments: ['exchanges'], methods: { GET: listExchanges } },
  { segments: ['exchanges', ':vhost'], methods: { GET: listExchanges } },
  {
    segments: ['exchanges', ':vhost', ':name'],
    methods: { GET: getExchange, PUT: putExchange, DELETE: deleteExchange },
  },
  { segments: ['exchanges', ':vhost', ':name', 'bindings', 'source'], methods: { GET: exchangeSourceBindings } },
  {
    segments: ['exchanges', ':vhost', ':name', 'bindings', 'destination'],
    methods: { GET: exchangeDestinationBindings },
  },
  { segments: ['exchanges', ':vhost', ':name', 'publish'], methods: { POST: publish } },
  { segments: ['bindings'], methods: { GET: listBindings } },
  { segments: ['bindings', ':vhost'], methods: { GET: listBindings } },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'q', ':dest'],
    methods: { GET: listBindingsBetween('q'), POST: createBinding('q') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'e', ':dest'],
    methods: { GET: listBindingsBetween('e'), POST: createBinding('e') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'q', ':dest', ':props'],
    methods: { GET: getBinding('q'), DELETE: deleteBinding('q') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'e', ':dest', ':props'],
    methods: { GET: getBinding('e'), DELETE: deleteBinding('e') },
  },
];

export interface Match {
  handler: Handler | undefined;
  /** Who may call the matched handler. */
  level: AccessLevel;
  params: Record<string, string>;
  allowed: string[];
}

/** Finds the route for `segments` (already percent-decoded, without the leading `api`). */
export function matchRoute(method: string, segments: string[]): Match | undefined {
  for (const r of ROUTES) {
    if (r.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < segments.length; i++) {
      const pat = r.segments[i] as string;
      const seg = segments[i] as string;
      if (pat.startsWith(':')) params[pat.slice(1)] = seg;
      else if (pat !== seg) {
        matched = false;
        break;
      }
    }
    if (!matched) continue;
    const dflt: AccessLevel = r.segments.includes(':vhost') ? 'vhost' : 'any';
    const level = typeof r.auth === 'string' ? r.auth : (r.auth?.[method as HttpMethod] ?? dflt);
    return {
      handler: r.methods[method as keyof Route['methods']],
      level,
      params,
      allowed: Object.keys(r.methods),
    };
  }
  return undefined;
}

/** Keeps only the requested `columns` (dotted paths allowed), as RabbitMQ's ?columns= does. */
export function selectColumns(body: Json, columns: string[]): Json {
  const pick = (o: Json): Json => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
    const out: JsonObject = {};
    for (const col of columns) {
      const path = col.split('.');
      let src: Json | undefined = o;
      for (const p of path) src = src !== null && typeof src === 'object' && !Array.isArray(src) ? src[p] : undefined;
      if (src === undefined) continue;
      let dst = out;
      for (const p of path.slice(0, -1)) {
        const next = dst[p];
        if (next === undefined || next === null || typeof next !== 'object' || Array.isArray(next)) dst[p] = {};
        dst = dst[p] as JsonObject;
      }
      dst[path[path.length - 1] as string] = src;
    }
    return out;
  };
  return Array.isArray(body) ? body.map(pick) : pick(body);
}
