/**
 * /api/connections, /api/channels and /api/consumers (rabbit_mgmt_wm_connection(s),
 * _channels, _consumers): what clients are attached, listed only for callers
 * who may see their user, and closing a connection.
 */
import type { Channel } from '../channel.js';
import type { ClientConnection } from '../client-connection.js';
import { notAuthorised } from './authorize.js';
import { noContent, notFoundError, ok, type Reply } from './http-error.js';
import { channelJson, connectionJson, consumerJson, type Json, type JsonObject, withDetails } from './json.js';
import { vhostsParam } from './request-params.js';
import type { RequestContext, Route } from './route-types.js';
import { CHANNEL_KEYS, channelCounters } from './stats.js';

function listConnections(ctx: RequestContext): Reply {
  const list = [...ctx.broker.connections]
    .filter((c) => ctx.caller.canSeeUserObject(c.user))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return ok(list.map((c) => connectionJson(c, ctx.sampler.rates(c))));
}

/** The named connection, if the caller may see it (rabbit_mgmt_wm_connection: its own, or all with monitoring). */
function connectionParam(ctx: RequestContext): ClientConnection {
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

export const CONNECTION_ROUTES: Route[] = [
  { segments: ['connections'], methods: { GET: listConnections } },
  { segments: ['connections', ':name'], methods: { GET: getConnection, DELETE: closeConnection } },
  { segments: ['connections', ':name', 'channels'], methods: { GET: connectionChannels } },
  { segments: ['channels'], methods: { GET: listChannels } },
  { segments: ['consumers'], methods: { GET: listConsumers } },
  { segments: ['consumers', ':vhost'], methods: { GET: listConsumers } },
];
