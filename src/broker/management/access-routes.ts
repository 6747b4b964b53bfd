/**
 * The management API's access-control endpoints, with RabbitMQ 3.10's paths,
 * bodies, status codes and error reasons (rabbit_mgmt_wm_user(s),
 * _permission(s), _limit(s), _user_limit(s), _whoami, _definitions): users,
 * permissions, vhost and user limits, definitions. Every change goes through
 * the broker's AccessControl; vhosts themselves are in vhost-routes.ts.
 */
import { AccessAdminError } from '../auth/access-control.js';
import { isHashingAlgorithm, isValidHash } from '../auth/password-hash.js';
import type { UserLimits, VhostLimits } from '../auth/types.js';
import { USER_LIMIT_NAMES, VHOST_LIMIT_NAMES } from '../auth/types.js';
import { parseTags, userJson } from './access-json.js';
import { exportDefinitions, importDefinitions } from './definitions.js';
import { badRequest, HttpError, noContent, notFoundError, ok, type Reply } from './http-error.js';
import type { Json } from './json.js';
import { requireKeys } from './request-params.js';
import type { RequestContext, Route } from './route-types.js';

const param = (ctx: RequestContext, name: string) => ctx.params[name] as string;

function adminOp<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof AccessAdminError) throw e.kind === 'not_found' ? notFoundError() : badRequest(e.message);
    throw e;
  }
}

// ---- users ------------------------------------------------------------------------

function getUser(ctx: RequestContext): Reply {
  const u = ctx.broker.access.user(param(ctx, 'user'));
  if (u === undefined) throw notFoundError();
  return ok(userJson(u));
}

/** rabbit_mgmt_wm_user:put_user: tags are required; password or password_hash, not both. */
function putUser(ctx: RequestContext): Reply {
  const body = ctx.body();
  const name = param(ctx, 'user');
  if (body['tags'] === undefined) throw badRequest('tags_not_present');
  const password = body['password'];
  const hash = body['password_hash'];
  if (password !== undefined && hash !== undefined) throw badRequest('both_password_and_password_hash_are_provided');
  const algorithm = body['hashing_algorithm'] ?? 'rabbit_password_hashing_sha256';
  if (!isHashingAlgorithm(algorithm)) throw badRequest(['unknown_hashing_algorithm', String(algorithm)]);
  if (hash !== undefined && (typeof hash !== 'string' || !isValidHash(hash, algorithm))) {
    throw badRequest(['not_base64', String(hash)]);
  }
  if (password !== undefined && typeof password !== 'string') throw badRequest('password must be a string');
  const a = ctx.broker.access;
  const exists = a.user(name) !== undefined;
  const tags = parseTags(body['tags']);
  // A new user without any password gets a random one (it cannot log in); an update without one clears it.
  const pw = password ?? (hash === undefined && !exists ? randomPassword() : undefined);
  const r = adminOp(() =>
    a.putUser(name, { password: pw, passwordHash: hash ?? '', hashingAlgorithm: algorithm, tags }),
  );
  return { status: r.created ? 201 : 204 };
}

function randomPassword(): string {
  return crypto.randomUUID();
}

function deleteUser(ctx: RequestContext): Reply {
  if (!ctx.broker.access.deleteUser(param(ctx, 'user'))) throw notFoundError();
  return noContent;
}

function usersWithoutPermissions(ctx: RequestContext): Reply {
  const a = ctx.broker.access;
  const withPerms = new Set(a.listPermissions().map((p) => p.user));
  return ok(
    a
      .listUsers()
      .filter((u) => !withPerms.has(u.name))
      .map(userJson),
  );
}

function bulkDeleteUsers(ctx: RequestContext): Reply {
  const users = ctx.body()['users'];
  if (!Array.isArray(users)) throw badRequest('[{key_missing,users}]');
  for (const u of users) ctx.broker.access.deleteUser(String(u));
  return noContent;
}

// ---- permissions --------------------------------------------------------------------

function permissionsReply(ctx: RequestContext, filter: { user?: string; vhost?: string }): Reply {
  return ok(ctx.broker.access.listPermissions(filter) as unknown as Json);
}

function getPermission(ctx: RequestContext): Reply {
  const vhost = param(ctx, 'vhost');
  const user = param(ctx, 'user');
  const p = ctx.broker.access.permission(user, vhost);
  if (p === undefined) throw notFoundError();
  return ok({ user, vhost, ...p });
}

function putPermission(ctx: RequestContext): Reply {
  const body = ctx.body();
  requireKeys(body, ['configure', 'write', 'read']);
  const vhost = param(ctx, 'vhost');
  const user = param(ctx, 'user');
  const a = ctx.broker.access;
  if (!ctx.broker.vhosts.has(vhost) || a.user(user) === undefined) throw badRequest('vhost_or_user_not_found');
  const perm = { configure: String(body['configure']), write: String(body['write']), read: String(body['read']) };
  const r = adminOp(() => a.setPermissions(user, vhost, perm));
  return { status: r.created ? 201 : 204 };
}

function deletePermission(ctx: RequestContext): Reply {
  if (!ctx.broker.access.clearPermissions(param(ctx, 'user'), param(ctx, 'vhost'))) throw notFoundError();
  return noContent;
}

// ---- limits ---------------------------------------------------------------------------

function limitValue(ctx: RequestContext): number {
  const body = ctx.body();
  requireKeys(body, ['value']);
  return body['value'] as number;
}

function vhostLimitsReply(ctx: RequestContext, only?: string): Reply {
  const b = ctx.broker;
  if (only !== undefined && !b.vhosts.has(only)) throw notFoundError();
  const out: Json[] = [];
  for (const v of b.vhosts.keys()) {
    if ((only !== undefined && v !== only) || !ctx.caller.canSeeVhost(v)) continue;
    const limits = b.access.meta(v).limits;
    if (Object.keys(limits).length > 0) out.push({ vhost: v, value: { ...limits } });
  }
  return ok(out);
}

function putVhostLimit(ctx: RequestContext): Reply {
  const vhost = param(ctx, 'vhost');
  const name = param(ctx, 'name');
  const b = ctx.broker;
  if (!b.vhosts.has(vhost)) throw notFoundError();
  const value = limitValue(ctx);
  if (!(VHOST_LIMIT_NAMES as readonly string[]).includes(name)) {
    throw badRequest(`Validation failed\n\nUnrecognised terms [{<<"${name}">>,${JSON.stringify(value)}}] in limits\n`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw badRequest(
      `Validation failed\n\n${name} should be a number, actually was <<${JSON.stringify(String(value))}>>\n`,
    );
  }
  const limits: VhostLimits = { ...b.access.meta(vhost).limits, [name]: value };
  b.access.setVhostLimits(vhost, limits);
  return noContent;
}

function deleteVhostLimit(ctx: RequestContext): Reply {
  const vhost = param(ctx, 'vhost');
  const b = ctx.broker;
  if (!b.vhosts.has(vhost)) throw notFoundError();
  const limits: Record<string, number | undefined> = { ...b.access.meta(vhost).limits };
  delete limits[param(ctx, 'name')];
  b.access.setVhostLimits(vhost, limits as VhostLimits);
  return noContent;
}

function userLimitsReply(ctx: RequestContext, only?: string): Reply {
  const a = ctx.broker.access;
  if (only !== undefined && a.user(only) === undefined) throw notFoundError();
  const out: Json[] = [];
  for (const u of a.listUsers()) {
    if (only !== undefined && u.name !== only) continue;
    if (Object.keys(u.limits).length > 0) out.push({ user: u.name, value: { ...u.limits } });
  }
  return ok(out);
}

function putUserLimit(ctx: RequestContext): Reply {
  const user = param(ctx, 'user');
  const name = param(ctx, 'name');
  const a = ctx.broker.access;
  const value = limitValue(ctx);
  const u = a.user(user);
  if (u === undefined) throw badRequest(['no_such_user', user]);
  if (!(USER_LIMIT_NAMES as readonly string[]).includes(name)) {
    throw badRequest(`Unrecognised terms [{<<"${name}">>,${JSON.stringify(value)}}] in user-limits`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw badRequest(`${name} should be a number, actually was <<${JSON.stringify(String(value))}>>`);
  }
  a.setUserLimits(user, { ...u.limits, [name]: value } as UserLimits);
  return noContent;
}

function deleteUserLimit(ctx: RequestContext): Reply {
  const a = ctx.broker.access;
  const u = a.user(param(ctx, 'user'));
  if (u === undefined) throw notFoundError();
  const limits: Record<string, number | undefined> = { ...u.limits };
  delete limits[param(ctx, 'name')];
  a.setUserLimits(u.name, limits as UserLimits);
  return noContent;
}

// ---- the table ----------------------------------------------------------------------------

function whoami(ctx: RequestContext): Reply {
  return ok({ name: ctx.caller.name, tags: [...ctx.caller.tags] });
}

function definitionsExport(ctx: RequestContext): Reply {
  const vhost = ctx.params['vhost'];
  if (vhost !== undefined && !ctx.broker.vhosts.has(vhost)) throw notFoundError();
  return ok(exportDefinitions(ctx.broker, vhost));
}

function definitionsImport(ctx: RequestContext): Reply {
  const vhost = ctx.params['vhost'];
  if (vhost !== undefined && !ctx.broker.vhosts.has(vhost)) throw notFoundError();
  try {
    importDefinitions(ctx.broker, ctx.body(), vhost);
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw badRequest((e as Error).message);
  }
  return noContent;
}

export const ACCESS_ROUTES: Route[] = [
  { segments: ['whoami'], methods: { GET: whoami } },
  { segments: ['users'], methods: { GET: (ctx) => ok(ctx.broker.access.listUsers().map(userJson)) }, auth: 'admin' },
  { segments: ['users', 'without-permissions'], methods: { GET: usersWithoutPermissions }, auth: 'admin' },
  { segments: ['users', 'bulk-delete'], methods: { POST: bulkDeleteUsers }, auth: 'admin' },
  { segments: ['users', ':user'], methods: { GET: getUser, PUT: putUser, DELETE: deleteUser }, auth: 'admin' },
  {
    segments: ['users', ':user', 'permissions'],
    methods: { GET: (ctx) => permissionsReply(ctx, { user: param(ctx, 'user') }) },
    auth: 'admin',
  },
  { segments: ['permissions'], methods: { GET: (ctx) => permissionsReply(ctx, {}) }, auth: 'admin' },
  {
    segments: ['permissions', ':vhost', ':user'],
    methods: { GET: getPermission, PUT: putPermission, DELETE: deletePermission },
    auth: 'admin',
  },
  {
    segments: ['vhosts', ':vhost', 'permissions'],
    methods: { GET: (ctx) => permissionsReply(ctx, { vhost: param(ctx, 'vhost') }) },
    auth: 'admin',
  },
  { segments: ['vhost-limits'], methods: { GET: (ctx) => vhostLimitsReply(ctx) }, auth: 'vhost-visible' },
  {
    segments: ['vhost-limits', ':vhost'],
    methods: { GET: (ctx) => vhostLimitsReply(ctx, param(ctx, 'vhost')) },
    auth: 'vhost-visible',
  },
  {
    segments: ['vhost-limits', ':vhost', ':name'],
    methods: { PUT: putVhostLimit, DELETE: deleteVhostLimit },
    auth: 'admin',
  },
  // rabbit_mgmt_wm_user_limits is is_authorized_vhost_visible: any management user may read them.
  { segments: ['user-limits'], methods: { GET: (ctx) => userLimitsReply(ctx) } },
  { segments: ['user-limits', ':user'], methods: { GET: (ctx) => userLimitsReply(ctx, param(ctx, 'user')) } },
  {
    segments: ['user-limits', ':user', ':name'],
    methods: { PUT: putUserLimit, DELETE: deleteUserLimit },
    auth: 'admin',
  },
  { segments: ['definitions'], methods: { GET: definitionsExport, POST: definitionsImport }, auth: 'admin' },
  { segments: ['definitions', ':vhost'], methods: { GET: definitionsExport, POST: definitionsImport }, auth: 'admin' },
];
