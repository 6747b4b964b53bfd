/**
 * The route verbs: `route|dynamic|queue add|del`, `route list`, `route flush`. Each route is one
 * shovel (route.ts names it) on the broker that runs it: DEST for Qpid's default pull route, SRC for
 * a push route (`-s`, Qpid's srcIsLocal bridge), whose shovel reads SRC's bridge queue and publishes
 * to DEST (`dest-uri` DEST).
 */
import type { BrokerAddress } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import { optionalGet } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import type { CliIo } from '../common/io.js';
import { amqpUri, hostPort, parseName, type Route, shovelName, sourceQueue } from './route.js';
import { isRabbitmq, ours, paramPath, type ShovelParameter } from './shovels.js';
import { dropSourceQueue, prepareSource } from './source.js';

export interface AddOptions {
  readonly durable: boolean;
  readonly quiet: boolean;
  readonly ack: number | undefined;
}

export async function addRoute(admin: Admin, r: Route, opts: AddOptions, io: CliIo): Promise<number> {
  const name = shovelName(r);
  const existing = await optionalGet<ShovelParameter>(admin, paramPath(admin, name));
  if (existing) {
    if (!opts.quiet) io.stderr(`Duplicate Route - ignoring: ${r.exchange}(${r.key})\n`);
    return EXIT_OK;
  }
  const rabbitmq = await isRabbitmq(admin);
  // A dynamic route on the bundled broker binds its source queue itself (the mirrored bindings).
  const dynamic = r.kind === 'dynamic' && !rabbitmq;
  let srcQueue = r.key;
  if (r.kind !== 'queue') {
    srcQueue = sourceQueue(r);
    await prepareSource(r, srcQueue, { durable: opts.durable, bind: !dynamic }, admin.timeoutMs);
  }
  const value: Record<string, unknown> = {
    'src-protocol': 'amqp091',
    'src-uri': amqpUri(r.src),
    'src-queue': srcQueue,
    'dest-protocol': 'amqp091',
    // A pull route feeds the broker that runs it; a push route connects to DEST as the tool reaches it.
    'dest-uri': r.push ? amqpUri(r.dest) : 'amqp://',
    'dest-exchange': r.exchange,
    'ack-mode': 'on-confirm',
    'prefetch-count': opts.ack ?? 1000,
    'reconnect-delay': 1,
  };
  // RabbitMQ's runtime parameters are always durable; the bundled broker honours qpid.durable.
  if (!rabbitmq) value['qpid.durable'] = opts.durable;
  if (dynamic) value['qpid.dynamic'] = true;
  await admin.client.putJson(paramPath(admin, name), { value });
  return EXIT_OK;
}

export async function delRoute(admin: Admin, r: Route): Promise<number> {
  await admin.client.deleteJson(paramPath(admin, shovelName(r)));
  if (r.kind !== 'queue') await dropSourceQueue(r);
  return EXIT_OK;
}

/** Qpid's `route list`: `<local-broker> <host>:<port> <dest-exchange> <key> <srcIsLocal>` per bridge. */
export async function routeList(admin: Admin, local: BrokerAddress, io: CliIo): Promise<number> {
  for (const p of await ours(admin)) {
    const n = parseName(p.name);
    if (n === undefined) continue;
    const key = n.kind === 'dynamic' ? '<dynamic>' : n.key;
    // srcIsLocal as Python prints a bool (docs/qpid-reference.md §6.6 "Outputs").
    io.stdout(`${hostPort(local)} ${n.peer} ${n.exchange} ${key} ${n.push ? 'True' : 'False'}\n`);
  }
  return EXIT_OK;
}

/** Deletes every route; links without routes too with `-e` (as Qpid's clearAllRoutes closes links only then). */
export async function routeFlush(admin: Admin, delLinks: boolean): Promise<number> {
  for (const p of await ours(admin)) {
    if (delLinks || parseName(p.name) !== undefined) await admin.client.deleteJson(paramPath(admin, p.name));
  }
  return EXIT_OK;
}
