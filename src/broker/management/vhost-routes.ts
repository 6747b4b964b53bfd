/**
 * /api/vhosts[/{vhost}] (rabbit_mgmt_wm_vhosts, rabbit_mgmt_wm_vhost): listing,
 * reading, creating and deleting virtual hosts. Their permissions and limits
 * are in access-routes.ts.
 */
import type { VHost } from '../vhost.js';
import { parseTags } from './access-json.js';
import { noContent, notFoundError, ok, type Reply } from './http-error.js';
import { type JsonObject, NODE_NAME, totalDepth, vhostOf } from './json.js';
import { vhostParam } from './request-params.js';
import type { RequestContext, Route } from './route-types.js';

function vhostJson(ctx: RequestContext, v: VHost): JsonObject {
  const depth = totalDepth(v.queues.values());
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

function listVhosts(ctx: RequestContext): Reply {
  return ok(
    [...ctx.broker.vhosts.values()].filter((v) => ctx.caller.canSeeVhost(v.name)).map((v) => vhostJson(ctx, v)),
  );
}

/** rabbit_mgmt_wm_vhost:put_vhost; a new vhost gives its creator full permissions on it, as RabbitMQ's does. */
function putVhost(ctx: RequestContext): Reply {
  const body = ctx.body();
  const name = ctx.params['vhost'] as string;
  const b = ctx.broker;
  const existed = b.vhosts.has(name);
  const description = typeof body['description'] === 'string' ? body['description'] : undefined;
  const tags = body['tags'] === undefined ? undefined : parseTags(body['tags']);
  b.addVhost(name);
  b.access.setVhostMeta(name, description, tags);
  if (!existed && b.options.auth && b.access.user(ctx.caller.name) !== undefined) {
    b.access.setPermissions(ctx.caller.name, name, { configure: '.*', write: '.*', read: '.*' });
  }
  return { status: existed ? 204 : 201 };
}

function deleteVhost(ctx: RequestContext): Reply {
  if (!ctx.broker.deleteVhost(ctx.params['vhost'] as string)) throw notFoundError();
  return noContent;
}

export const VHOST_ROUTES: Route[] = [
  { segments: ['vhosts'], methods: { GET: listVhosts } },
  {
    segments: ['vhosts', ':vhost'],
    methods: { GET: (ctx) => ok(vhostJson(ctx, vhostParam(ctx))), PUT: putVhost, DELETE: deleteVhost },
    // rabbit_mgmt_wm_vhost is is_authorized_admin for every method, GET included.
    auth: 'admin',
  },
];
