/**
 * Address → node (docs/qpid-reference.md §1.6, §1.9, §7.2): is the name a queue or an exchange, create or
 * assert it as the policies ask, make node bindings, delete it on close.
 *
 * Every broker call here runs on a throw-away probe channel: in 0-9-1 a 404 or 406 closes the channel
 * it happened on, and it must not take a session's or link's channel with it.
 */
import type { Channel, Options } from 'amqplib';
import type { Address, AddressMap, AddressValue, LinkRole, Policy, XBinding } from './address/index.js';
import { AssertionFailed, MessagingError, NotFound, ResolutionError } from './errors.js';
import { toMessagingError } from './wire.js';

/** Runs `fn` on a fresh channel that is closed afterwards (or was closed by the broker). */
export type Prober = <T>(fn: (ch: Channel) => Promise<T>) => Promise<T>;

export interface ResolvedNode {
  readonly kind: 'queue' | 'topic';
  readonly name: string;
  /** Exchange type when known (we created it, it is an `amq.*` default, or `x-declare.type` says). */
  readonly exchangeType?: string;
  /** Whether this resolution declared the node. */
  readonly created: boolean;
}

/** Does the policy apply to this kind of link? */
export function applies(policy: Policy | undefined, role: LinkRole): boolean {
  return policy === 'always' || policy === role;
}

const DEFAULT_EXCHANGE_TYPES: Readonly<Record<string, string>> = {
  'amq.topic': 'topic',
  'amq.direct': 'direct',
  'amq.fanout': 'fanout',
  'amq.headers': 'headers',
  'amq.match': 'headers',
  'amq.rabbitmq.trace': 'topic',
};

/** Resolves (and per policy creates/asserts) the node an address names. */
export async function resolveNode(probe: Prober, address: Address, role: LinkRole): Promise<ResolvedNode> {
  const { name, options } = address;
  const node = options.node ?? {};
  const xDeclare = node['x-declare'] ?? {};
  const create = applies(options.create, role);
  const declaredType = typeof xDeclare['type'] === 'string' ? xDeclare['type'] : undefined;
  const knownType = declaredType ?? DEFAULT_EXCHANGE_TYPES[name];

  let found: ResolvedNode | undefined;
  // [py] with a create policy and an explicit type the (idempotent) declare is the whole resolution.
  if (!(create && node.type !== undefined)) {
    found = await lookup(probe, name, node.type, knownType);
  }
  if (found === undefined) {
    if (!create) throw new NotFound(`no such ${node.type ?? 'queue'}: ${name}`);
    found = await declareNode(probe, address);
  } else if (applies(options.assert, role)) {
    await assertNode(probe, address, found);
  }
  if (node['x-bindings'] !== undefined) {
    await bindAll(probe, node['x-bindings'], found, found.kind === 'queue' ? name : undefined, address.subject);
  }
  return found;
}

async function lookup(
  probe: Prober,
  name: string,
  type: 'queue' | 'topic' | undefined,
  exchangeType: string | undefined,
): Promise<ResolvedNode | undefined> {
  // Queue wins when both exist, as in [py].
  if (type !== 'topic' && (await exists(probe, (ch) => ch.checkQueue(name)))) {
    return { kind: 'queue', name, created: false };
  }
  if (type !== 'queue' && (await exists(probe, (ch) => ch.checkExchange(name)))) {
    return exchangeType === undefined
      ? { kind: 'topic', name, created: false }
      : { kind: 'topic', name, exchangeType, created: false };
  }
  return undefined;
}

async function exists(probe: Prober, fn: (ch: Channel) => Promise<unknown>): Promise<boolean> {
  try {
    await probe(fn);
    return true;
  } catch (err) {
    if (err instanceof NotFound) return false;
    throw err;
  }
}

async function declareNode(probe: Prober, address: Address): Promise<ResolvedNode> {
  const { name, options } = address;
  const node = options.node ?? {};
  const xDeclare = node['x-declare'] ?? {};
  if (node.type === 'topic') {
    const type = typeof xDeclare['type'] === 'string' ? xDeclare['type'] : 'topic';
    if (/^(amq|qpid)\./.test(name)) {
      // [cpp] refuses to create reserved names; it only checks them.
      if (!(await exists(probe, (ch) => ch.checkExchange(name)))) {
        throw new ResolutionError(
          `Cannot create exchange ${name}; names beginning with "amq." or "qpid." are reserved.`,
        );
      }
      return { kind: 'topic', name, exchangeType: DEFAULT_EXCHANGE_TYPES[name] ?? type, created: false };
    }
    await linkCall(probe, (ch) => ch.assertExchange(name, type, exchangeOptions(xDeclare, node.durable)));
    return { kind: 'topic', name, exchangeType: type, created: true };
  }
  await linkCall(probe, (ch) => ch.assertQueue(name, queueOptions(xDeclare, node.durable, node['x-queue-type'])));
  return { kind: 'queue', name, created: true };
}

// [py] asserts only the node type (the lookup already restricted it). We also re-declare with the
// asserted properties when any are given, so RabbitMQ's 406 "inequivalent arg" reports a mismatch.
async function assertNode(probe: Prober, address: Address, found: ResolvedNode): Promise<void> {
  const node = address.options.node ?? {};
  if (node.type !== undefined && node.type !== found.kind) {
    throw new AssertionFailed(`expected ${node.type}, got ${found.kind}`);
  }
  if (node.durable === undefined && node['x-declare'] === undefined && node['x-queue-type'] === undefined) return;
  const xDeclare = node['x-declare'] ?? {};
  if (found.kind === 'queue') {
    const options = queueOptions(xDeclare, node.durable, node['x-queue-type']);
    await linkCall(probe, (ch) => ch.assertQueue(found.name, options));
  } else if (!found.name.startsWith('amq.')) {
    const type = typeof xDeclare['type'] === 'string' ? xDeclare['type'] : (found.exchangeType ?? 'topic');
    await linkCall(probe, (ch) => ch.assertExchange(found.name, type, exchangeOptions(xDeclare, node.durable)));
  }
}

/** Deletes a node per the delete policy; a node already gone is fine. */
export async function deleteNode(probe: Prober, node: ResolvedNode): Promise<void> {
  try {
    await probe((ch) => (node.kind === 'queue' ? ch.deleteQueue(node.name) : ch.deleteExchange(node.name)));
  } catch (err) {
    if (!(err instanceof NotFound)) throw err;
  }
}

/**
 * Makes `x-bindings` entries. Missing `exchange` defaults to the node when it is a topic, missing `queue`
 * to `defaultQueue`, missing `key` to the address subject ([py] link bindings).
 */
export async function bindAll(
  probe: Prober,
  bindings: readonly XBinding[],
  node: ResolvedNode,
  defaultQueue: string | undefined,
  subject: string | undefined,
  unbind = false,
): Promise<void> {
  for (const b of bindings) {
    const exchange = b.exchange ?? (node.kind === 'topic' ? node.name : undefined);
    const queue = b.queue ?? defaultQueue;
    if (exchange === undefined || queue === undefined) {
      throw new ResolutionError(`binding needs both an exchange and a queue: ${JSON.stringify(b)}`);
    }
    const key = b.key ?? subject ?? '';
    const args = b.arguments ? toArguments(b.arguments) : undefined;
    if (unbind) {
      await probe((ch) => ch.unbindQueue(queue, exchange, key, args)).catch(() => undefined);
    } else {
      await linkCall(probe, (ch) => ch.bindQueue(queue, exchange, key, args));
    }
  }
}

async function linkCall<T>(probe: Prober, fn: (ch: Channel) => Promise<T>): Promise<T> {
  try {
    return await probe(fn);
  } catch (err) {
    throw err instanceof MessagingError ? err : toMessagingError(err, 'link');
  }
}

// ---------------------------------------------------------------- declare arguments

// Qpid queue arguments with a RabbitMQ equivalent (docs/qpid-reference.md §7.2 "create queue").
function translateQueueArgument(key: string, value: AddressValue): [string, unknown] {
  switch (key) {
    case 'qpid.max_count':
      return ['x-max-length', value];
    case 'qpid.max_size':
      return ['x-max-length-bytes', value];
    case 'qpid.priorities':
      return ['x-max-priority', value];
    case 'qpid.auto_delete_timeout':
      return ['x-expires', typeof value === 'number' ? value * 1000 : value];
    case 'qpid.policy_type':
      return ['x-overflow', value === 'ring' ? 'drop-head' : value === 'reject' ? 'reject-publish' : value];
    default:
      return [key, value];
  }
}

function flag(map: AddressMap, key: string): boolean | undefined {
  const v = map[key] ?? map[key.replace(/-/g, '_')];
  return typeof v === 'boolean' ? v : undefined;
}

function toArguments(map: AddressMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map)) as Record<string, unknown>;
}

/**
 * amqplib queue.declare options from `x-declare` (+ `durable`, + the `x-queue-type` shorthand).
 * A quorum queue or stream is durable unless durable is given explicitly: RabbitMQ refuses a
 * non-durable one (406 "invalid property 'non-durable'"), so Qpid's default (False) would always fail.
 */
export function queueOptions(
  xDeclare: AddressMap,
  durable: boolean | undefined,
  queueType?: string,
): Options.AssertQueue {
  const args: Record<string, unknown> = {};
  if (queueType !== undefined) args['x-queue-type'] = queueType;
  const given = xDeclare['arguments'];
  if (given !== null && typeof given === 'object' && !Array.isArray(given)) {
    for (const [k, v] of Object.entries(given as AddressMap)) {
      const [key, value] = translateQueueArgument(k, v);
      args[key] = value;
    }
  }
  // A queue's alternate exchange receives its rejected messages in Qpid: that is a dead-letter exchange.
  const alt = xDeclare['alternate-exchange'] ?? xDeclare['alternate_exchange'];
  if (typeof alt === 'string') args['x-dead-letter-exchange'] = alt;
  const replicated = args['x-queue-type'] === 'quorum' || args['x-queue-type'] === 'stream';
  return {
    durable: flag(xDeclare, 'durable') ?? durable ?? replicated,
    exclusive: flag(xDeclare, 'exclusive') ?? false,
    autoDelete: flag(xDeclare, 'auto-delete') ?? false,
    arguments: args,
  };
}

/** amqplib exchange.declare options from `x-declare` (+ `durable`). */
export function exchangeOptions(xDeclare: AddressMap, durable: boolean | undefined): Options.AssertExchange {
  const given = xDeclare['arguments'];
  const options: Options.AssertExchange = {
    durable: flag(xDeclare, 'durable') ?? durable ?? false,
    autoDelete: flag(xDeclare, 'auto-delete') ?? false,
    arguments:
      given !== null && typeof given === 'object' && !Array.isArray(given) ? toArguments(given as AddressMap) : {},
  };
  const alt = xDeclare['alternate-exchange'] ?? xDeclare['alternate_exchange'];
  if (typeof alt === 'string') options.alternateExchange = alt;
  return options;
}
