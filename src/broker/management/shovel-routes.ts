/**
 * The built-in shovels (src/broker/federation) as RabbitMQ's shovel plugins
 * show them: /api/parameters/shovel (rabbit_mgmt_wm_parameter(s)) and
 * /api/shovels (rabbit_shovel_mgmt).
 */
import { listParameters, listShovels, parameterJson } from '../federation/management.js';
import { ShovelDefinitionError } from '../federation/shovel-definition.js';
import { badRequest, noContent, notFoundError, ok, type Reply } from './http-error.js';
import { type JsonObject, NODE_NAME } from './json.js';
import { vhostFilter, vhostParam } from './request-params.js';
import type { RequestContext, Route } from './route-types.js';

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

/** Shovel definitions carry source/destination URIs with credentials: only the vhosts the caller may see. */
function visibleParameters(ctx: RequestContext): Reply {
  const all = listParameters(ctx.broker.federation, vhostFilter(ctx)) as JsonObject[];
  return ok(all.filter((p) => ctx.caller.canSeeVhost(String(p['vhost']))));
}

function shovelStatus(ctx: RequestContext): Reply {
  return ok(listShovels(ctx.broker.federation, NODE_NAME, vhostFilter(ctx)));
}

// rabbit_mgmt_wm_parameter(s): is_authorized_policies; rabbit_shovel_mgmt: is_authorized_monitor.
export const SHOVEL_ROUTES: Route[] = [
  { segments: ['parameters', 'shovel'], methods: { GET: visibleParameters }, auth: 'policy' },
  { segments: ['parameters', 'shovel', ':vhost'], methods: { GET: visibleParameters }, auth: 'policy' },
  {
    segments: ['parameters', 'shovel', ':vhost', ':name'],
    methods: { GET: getShovel, PUT: putShovel, DELETE: deleteShovel },
    auth: 'policy',
  },
  { segments: ['shovels'], methods: { GET: shovelStatus }, auth: 'monitor' },
  { segments: ['shovels', ':vhost'], methods: { GET: shovelStatus }, auth: 'monitor' },
];
