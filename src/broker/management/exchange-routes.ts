/**
 * /api/exchanges (rabbit_mgmt_wm_exchange(s), _exchange_publish): listing,
 * declaring and deleting exchanges, and publishing through one. Publishing goes
 * through VHost.publish, the broker's one publish path, with the checks an AMQP
 * channel makes.
 */
import { type BasicProperties, encodeContentHeaderPayload } from '../../protocol/index.js';
import { authorizeExchangeDeclare } from '../auth/topology-checks.js';
import { ChannelException } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { PUBLISH_ROUTED, senderSelectedKeys, stripBcc } from '../publish.js';
import { parseExpiration, StoredMessage } from '../stored-message.js';
import { badRequest, brokerOp, noContent, ok, type Reply } from './http-error.js';
import { exchangeJson, type JsonObject, propertiesFromJson } from './json.js';
import {
  argumentsField,
  boolField,
  byVhostAndName,
  exchangeName,
  exchangeParam,
  guardFor,
  queryFlag,
  requireKeys,
  stringField,
  vhostParam,
  vhostsParam,
} from './request-params.js';
import type { RequestContext, Route } from './route-types.js';

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

/** The body's `properties`: an object, or `[]` (Erlang's empty proplist) for none. */
function publishProperties(body: JsonObject): BasicProperties {
  const rawProps = body['properties'];
  const props =
    Array.isArray(rawProps) && rawProps.length === 0
      ? {}
      : typeof rawProps === 'object' && rawProps !== null && !Array.isArray(rawProps)
        ? propertiesFromJson(rawProps)
        : 'properties must be an object';
  if (typeof props === 'string') throw badRequest(props);
  return props;
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
  const props = publishProperties(body);
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

export const EXCHANGE_ROUTES: Route[] = [
  { segments: ['exchanges'], methods: { GET: listExchanges } },
  { segments: ['exchanges', ':vhost'], methods: { GET: listExchanges } },
  {
    segments: ['exchanges', ':vhost', ':name'],
    methods: { GET: getExchange, PUT: putExchange, DELETE: deleteExchange },
  },
  { segments: ['exchanges', ':vhost', ':name', 'publish'], methods: { POST: publish } },
];
