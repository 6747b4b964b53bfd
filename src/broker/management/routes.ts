/**
 * The endpoints of the management API: a RabbitMQ 3.10-compatible subset
 * (rabbit_mgmt_dispatcher's paths, its status codes and error bodies). Each
 * resource family has its own file of handlers and rows; this is the table
 * that puts them together and finds the row for a request.
 */
import { ACCESS_ROUTES } from './access-routes.js';
import type { AccessLevel } from './authorize.js';
import { BINDING_ROUTES } from './binding-routes.js';
import { CONNECTION_ROUTES } from './connection-routes.js';
import { EXCHANGE_ROUTES } from './exchange-routes.js';
import { OVERVIEW_ROUTES } from './overview-routes.js';
import { QUEUE_ROUTES } from './queue-routes.js';
import type { Handler, HttpMethod, Route } from './route-types.js';
import { SHOVEL_ROUTES } from './shovel-routes.js';
import { VHOST_ROUTES } from './vhost-routes.js';

export { selectColumns } from './columns.js';
/** The RabbitMQ version whose management API this one follows. */
export { RABBITMQ_COMPAT_VERSION } from './compat.js';
export { badRequest, brokerOp, HttpError, noContent, notFoundError, ok, type Reply } from './http-error.js';
export type { Handler, HttpMethod, RequestContext, Route } from './route-types.js';

/**
 * Tried in order, the first match wins. Rows that match the same path are only ever in one family
 * (`users/without-permissions` before `users/:user`), so the order of the families does not matter.
 */
const ROUTES: Route[] = [
  ...SHOVEL_ROUTES,
  ...OVERVIEW_ROUTES,
  ...VHOST_ROUTES,
  ...ACCESS_ROUTES,
  ...CONNECTION_ROUTES,
  ...QUEUE_ROUTES,
  ...EXCHANGE_ROUTES,
  ...BINDING_ROUTES,
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
