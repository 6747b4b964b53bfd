/**
 * Definitions export and import in RabbitMQ's JSON format (rabbit_definitions,
 * GET/POST /api/definitions[/vhost]): users with their password hashes,
 * vhosts, permissions, vhost limits (as "vhost-limits" parameters), durable
 * exchanges and queues, and the bindings between them. A file exported from
 * RabbitMQ imports here with its hashes, so its users keep their passwords.
 * Policies, topic permissions and other parameters are not supported and are
 * refused on import rather than silently dropped.
 */

import { isHashingAlgorithm, isValidHash } from '../auth/password-hash.js';
import type { VhostLimits } from '../auth/types.js';
import { VHOST_LIMIT_NAMES } from '../auth/types.js';
import { Exchange } from '../exchange.js';
import type { VHost } from '../vhost.js';
import { parseTags, userJson } from './access-json.js';
import { RABBITMQ_COMPAT_VERSION } from './compat.js';
import type { ManagementHost as Broker } from './host.js';
import { badRequest, brokerOp } from './http-error.js';
import { type Json, type JsonObject, jsonToTable, tableToJson } from './json.js';

/** Exported definitions of one kind, without their vhost (added when the whole broker is exported). */
type Definitions = JsonObject[];

/** The vhost a definition goes to: the one imported into, else its `vhost` field (default `/`). */
type VhostName = (o: JsonObject) => string;
/** That vhost, created when missing. */
type VhostOf = (o: JsonObject) => VHost;

const MGMT_OWNER = Object.freeze({ definitions: true });

/** Vhost limits are exported as RabbitMQ does: a `vhost-limits` parameter named `limits`. */
function limitParameters(b: Broker, v: VHost): Definitions {
  const limits = b.access.meta(v.name).limits;
  if (Object.keys(limits).length === 0) return [];
  return [{ value: { ...limits }, vhost: v.name, component: 'vhost-limits', name: 'limits' }];
}

// As RabbitMQ 3.10: every queue but exclusive ones, every exchange but the built-in ones.
function queueDefinitions(v: VHost): Definitions {
  return [...v.queues.values()]
    .filter((q) => q.exclusiveOwner === undefined)
    .map((q) => ({ name: q.name, durable: q.durable, auto_delete: q.autoDelete, arguments: tableToJson(q.args) }));
}

function exchangeDefinitions(v: VHost): Definitions {
  return [...v.exchanges.values()]
    .filter((x) => !x.builtin)
    .map((x) => ({
      name: x.name,
      type: x.type,
      durable: x.durable,
      auto_delete: x.autoDelete,
      internal: x.internal,
      arguments: tableToJson(x.args),
    }));
}

/** Bindings between exported objects: none from the default exchange, none to built-in exchanges or exclusive queues. */
function bindingDefinitions(v: VHost): Definitions {
  const out: Definitions = [];
  for (const x of v.exchanges.values()) {
    if (x.name === '') continue;
    for (const e of x.router.entries()) {
      if (e.destination instanceof Exchange ? e.destination.builtin : e.destination.exclusiveOwner !== undefined)
        continue;
      out.push({
        source: x.name,
        destination: e.destination.name,
        destination_type: e.destination instanceof Exchange ? 'exchange' : 'queue',
        routing_key: e.bindingKey,
        arguments: tableToJson(e.args),
      });
    }
  }
  return out;
}

export function exportDefinitions(b: Broker, only?: string): JsonObject {
  const vhosts = [...b.vhosts.values()].filter((v) => only === undefined || v.name === only);
  const withVhost = (o: JsonObject, vhost: string): JsonObject => (only === undefined ? { ...o, vhost } : o);
  const queues: Json[] = [];
  const exchanges: Json[] = [];
  const bindings: Json[] = [];
  const parameters: Json[] = [];
  for (const v of vhosts) {
    parameters.push(...limitParameters(b, v));
    queues.push(...queueDefinitions(v).map((o) => withVhost(o, v.name)));
    exchanges.push(...exchangeDefinitions(v).map((o) => withVhost(o, v.name)));
    bindings.push(...bindingDefinitions(v).map((o) => withVhost(o, v.name)));
  }
  if (only !== undefined) {
    return { rabbit_version: RABBITMQ_COMPAT_VERSION, parameters, policies: [], queues, exchanges, bindings };
  }
  return {
    rabbit_version: RABBITMQ_COMPAT_VERSION,
    rabbitmq_version: RABBITMQ_COMPAT_VERSION,
    product_name: 'qpid-messaging',
    product_version: RABBITMQ_COMPAT_VERSION,
    users: b.access.listUsers().map(userJson),
    vhosts: vhosts.map((v) => ({ name: v.name })),
    permissions: b.access.listPermissions() as unknown as Json,
    topic_permissions: [],
    parameters,
    global_parameters: [],
    policies: [],
    queues,
    exchanges,
    bindings,
  };
}

function list(body: JsonObject, key: string): JsonObject[] {
  const v = body[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest(`'${key}' must be a list`);
  return v.filter((e): e is JsonObject => e !== null && typeof e === 'object' && !Array.isArray(e));
}

const str = (o: JsonObject, k: string, dflt = ''): string => (typeof o[k] === 'string' ? (o[k] as string) : dflt);
const bool = (o: JsonObject, k: string): boolean => o[k] === true || o[k] === 'true';
const args = (o: JsonObject) => {
  const a = o['arguments'];
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? jsonToTable(a) : {};
};

/** Checks the whole file before changing anything, so a bad file leaves the broker as it was. */
function validate(body: JsonObject): void {
  for (const u of list(body, 'users')) {
    const alg = u['hashing_algorithm'] ?? 'rabbit_password_hashing_sha256';
    if (!isHashingAlgorithm(alg)) throw badRequest(`user '${str(u, 'name')}': unknown hashing_algorithm '${alg}'`);
    const hash = u['password_hash'];
    if (hash !== undefined && (typeof hash !== 'string' || !isValidHash(hash, alg))) {
      throw badRequest(`user '${str(u, 'name')}': password_hash is not a valid ${alg} hash`);
    }
  }
  for (const p of list(body, 'policies')) throw badRequest(`policy '${str(p, 'name')}': policies are not supported`);
  for (const p of list(body, 'topic_permissions')) {
    throw badRequest(`topic permissions (user '${str(p, 'user')}') are not supported`);
  }
  for (const p of list(body, 'parameters')) {
    if (p['component'] !== 'vhost-limits') {
      throw badRequest(`parameter component '${String(p['component'])}' is not supported`);
    }
  }
}

function importUsers(b: Broker, body: JsonObject): void {
  for (const u of list(body, 'users')) {
    const alg = u['hashing_algorithm'];
    b.access.putUser(str(u, 'name'), {
      passwordHash: str(u, 'password_hash'),
      hashingAlgorithm: isHashingAlgorithm(alg) ? alg : 'rabbit_password_hashing_sha256',
      tags: parseTags(u['tags']),
    });
  }
}

/** A vhost's description is read from its `metadata`, else from beside its name. */
function importVhosts(b: Broker, body: JsonObject): void {
  for (const v of list(body, 'vhosts')) {
    b.addVhost(str(v, 'name'));
    const meta = v['metadata'];
    const m = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? meta : v;
    b.access.setVhostMeta(
      str(v, 'name'),
      typeof m['description'] === 'string' ? m['description'] : undefined,
      undefined,
    );
  }
}

function importPermissions(b: Broker, body: JsonObject): void {
  for (const p of list(body, 'permissions')) {
    if (!b.vhosts.has(str(p, 'vhost'))) b.addVhost(str(p, 'vhost'));
    b.access.setPermissions(str(p, 'user'), str(p, 'vhost'), {
      configure: str(p, 'configure'),
      write: str(p, 'write'),
      read: str(p, 'read'),
    });
  }
}

/** The `vhost-limits` parameters (validate refused every other component). */
function importLimits(b: Broker, body: JsonObject, vhostName: VhostName): void {
  for (const p of list(body, 'parameters')) {
    const value = p['value'];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const limits: Record<string, number> = {};
    for (const n of VHOST_LIMIT_NAMES) if (typeof value[n] === 'number') limits[n] = value[n] as number;
    const vhost = vhostName(p);
    if (!b.vhosts.has(vhost)) b.addVhost(vhost);
    b.access.setVhostLimits(vhost, limits as VhostLimits);
  }
}

function importExchanges(body: JsonObject, vhost: VhostOf): void {
  for (const x of list(body, 'exchanges')) {
    brokerOp(() =>
      vhost(x).declareExchange({
        name: str(x, 'name'),
        type: str(x, 'type', 'direct'),
        passive: false,
        durable: x['durable'] !== false,
        autoDelete: bool(x, 'auto_delete'),
        internal: bool(x, 'internal'),
        args: args(x),
      }),
    );
  }
}

function importQueues(body: JsonObject, vhost: VhostOf): void {
  for (const q of list(body, 'queues')) {
    brokerOp(() =>
      vhost(q).declareQueue(
        {
          name: str(q, 'name'),
          passive: false,
          durable: q['durable'] !== false,
          exclusive: false,
          autoDelete: bool(q, 'auto_delete'),
          args: args(q),
        },
        MGMT_OWNER,
      ),
    );
  }
}

function importBindings(body: JsonObject, vhost: VhostOf): void {
  for (const bd of list(body, 'bindings')) {
    const v = vhost(bd);
    const dest = str(bd, 'destination');
    brokerOp(() => {
      if (str(bd, 'destination_type', 'queue') === 'queue') {
        v.bindQueue(
          dest,
          str(bd, 'source'),
          str(bd, 'routing_key'),
          args(bd),
          v.queues.get(dest)?.exclusiveOwner ?? MGMT_OWNER,
        );
      } else {
        v.bindExchange(dest, str(bd, 'source'), str(bd, 'routing_key'), args(bd));
      }
    });
  }
}

/** rabbit_definitions:import: users, vhosts, permissions, limits, then exchanges, queues, bindings. */
export function importDefinitions(b: Broker, body: JsonObject, only?: string): void {
  validate(body);
  // A vhost-scoped import puts everything in that vhost, whatever the file says.
  const vhostName: VhostName = (o) => only ?? str(o, 'vhost', '/');
  if (only === undefined) {
    importUsers(b, body);
    importVhosts(b, body);
    importPermissions(b, body);
  }
  importLimits(b, body, vhostName);
  const vhost: VhostOf = (o) => {
    const name = vhostName(o);
    return b.vhosts.get(name) ?? b.addVhost(name);
  };
  importExchanges(body, vhost);
  importQueues(body, vhost);
  importBindings(body, vhost);
}
