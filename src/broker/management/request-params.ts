/**
 * What the management handlers read from a request: the vhost, queue and
 * exchange named in the path, the caller's permissions on a vhost, typed body
 * fields and query flags, with RabbitMQ's status codes and error bodies when
 * one is missing or malformed.
 */
import type { FieldTable } from '../../protocol/index.js';
import { ResourceGuard } from '../auth/resource-guard.js';
import type { Exchange } from '../exchange.js';
import type { Queue } from '../queue.js';
import type { VHost } from '../vhost.js';
import { badRequest, HttpError, notFoundError } from './http-error.js';
import { type JsonObject, jsonToTable } from './json.js';
import type { RequestContext } from './route-types.js';

/** Stands for the management API as the "connection" that declares non-exclusive queues. */
export const MGMT_OWNER = Object.freeze({ management: true });

// ---- lookups ------------------------------------------------------------------

/** The path's `:vhost`; a missing one is 404 `vhost_not_found` on writes, RabbitMQ's plain 404 on reads. */
export function vhostParam(ctx: RequestContext, forWrite = false): VHost {
  const v = ctx.broker.vhosts.get(ctx.params['vhost'] as string);
  if (v === undefined) throw forWrite ? new HttpError(404, 'not_found', 'vhost_not_found') : notFoundError();
  return v;
}

/** The path's vhost, or every vhost the caller may see when the path names none. */
export function vhostsParam(ctx: RequestContext): VHost[] {
  if (ctx.params['vhost'] === undefined) {
    return [...ctx.broker.vhosts.values()].filter((v) => ctx.caller.canSeeVhost(v.name));
  }
  return [vhostParam(ctx)];
}

/** The path's `:vhost` name when it has one (listings filtered by vhost), else undefined. */
export function vhostFilter(ctx: RequestContext): string | undefined {
  return ctx.params['vhost'] === undefined ? undefined : vhostParam(ctx).name;
}

/**
 * The caller's permissions on a vhost: the management API declares, deletes,
 * binds, publishes and reads through the same checks as an AMQP channel
 * (RabbitMQ runs these requests through rabbit_channel:handle_method/6).
 */
export function guardFor(ctx: RequestContext, v: VHost): ResourceGuard {
  const b = ctx.broker;
  return new ResourceGuard(b.options.auth ? b.access : undefined, ctx.caller.name, v.name);
}

/** RabbitMQ's management API names the default exchange `amq.default`. */
export function exchangeName(name: string): string {
  return name === 'amq.default' ? '' : name;
}

export function queueParam(v: VHost, name: string): Queue {
  const q = v.queues.get(name);
  if (q === undefined) throw notFoundError();
  return q;
}

export function exchangeParam(v: VHost, name: string): Exchange {
  const x = v.exchanges.get(exchangeName(name));
  if (x === undefined) throw notFoundError();
  return x;
}

// ---- body fields ----------------------------------------------------------------

export function boolField(body: JsonObject, key: string, dflt: boolean): boolean {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw badRequest(['not_boolean', v]);
}

export function stringField(body: JsonObject, key: string, dflt: string): string {
  const v = body[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`);
  return v;
}

export function argumentsField(body: JsonObject, key = 'arguments'): FieldTable {
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
export function requireKeys(body: JsonObject, keys: string[]): void {
  const missing = keys.filter((k) => body[k] === undefined);
  if (missing.length > 0) throw badRequest(`[${missing.map((k) => `{key_missing,${k}}`).join(',')}]`);
}

export function queryFlag(ctx: RequestContext, name: string): boolean {
  return ctx.query.get(name) === 'true';
}

/** The order of RabbitMQ's listings: by vhost, then by name. */
export function byVhostAndName<T extends { vhost: string; name: string }>(a: T, b: T): number {
  return a.vhost < b.vhost ? -1 : a.vhost > b.vhost ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
