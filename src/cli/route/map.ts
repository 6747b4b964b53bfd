/**
 * `route map [<broker>]`: Qpid's map of the federation a broker belongs to (docs/qpid-reference.md
 * §6.6 "Outputs"). It reads the broker's route shovels, then those of every broker they link to
 * (the peer in each shovel name, route.ts), and so on; each peer's management API is found as the
 * tool finds any broker's (the URL it advertises, else port 15672), logging in with the first
 * broker's credentials as Qpid's tool does. A broker that cannot be read is `... Failed`; the walk
 * goes on. Output layout follows qpid-route's mapRoutes line for line, blank lines included.
 */

import { MANAGEMENT_URL_ENV } from '../../admin/index.js';
import { type Admin, adminClient } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import type { CliIo } from '../common/io.js';
import { parseName, peerOf, type RouteName } from './route.js';
import { ours } from './shovels.js';

/** One route as the map shows it: `to` receives what `from` sends. */
interface MappedRoute {
  readonly to: string;
  readonly from: string;
  readonly route: RouteName;
}

export interface MapStart {
  readonly admin: Admin;
  /** host:port of the broker named on the command line. */
  readonly name: string;
}

/** A broker's routes, and the brokers its routes and links without routes connect to. */
async function read(admin: Admin, broker: string): Promise<{ routes: MappedRoute[]; peers: string[] }> {
  const routes: MappedRoute[] = [];
  const peers: string[] = [];
  for (const p of await ours(admin)) {
    const peer = peerOf(p.name);
    if (peer !== undefined) peers.push(peer);
    const route = parseName(p.name);
    if (route === undefined) continue;
    // A pull route runs on its destination; a push route (-s) on its source.
    routes.push(route.push ? { to: route.peer, from: broker, route } : { to: broker, from: route.peer, route });
  }
  return { routes, peers };
}

/** The peer's management client: its advertised URL or the default, never --mgmt-url or $QPID_MGMT_URL (the first broker's). */
function peerAdmin(first: Admin, peer: string): Promise<Admin> {
  const user = `${encodeURIComponent(first.username)}:${encodeURIComponent(first.password)}`;
  const broker = `amqp://${user}@${peer}/${encodeURIComponent(first.vhost)}`;
  const env = { ...process.env, [MANAGEMENT_URL_ENV]: undefined };
  return adminClient({ broker, timeout: first.timeoutMs / 1000 }, env);
}

/** Finding Linked Brokers: breadth first from the start, each broker once. */
async function walk(start: MapStart, io: CliIo): Promise<MappedRoute[]> {
  const first = await read(start.admin, start.name);
  io.stdout(`\nFinding Linked Brokers:\n    ${start.name}... Ok\n`);
  const all = [...first.routes];
  const queue = [...first.peers];
  const seen = new Set([start.name]);
  for (let peer = queue.shift(); peer !== undefined; peer = queue.shift()) {
    if (seen.has(peer)) continue;
    seen.add(peer);
    try {
      const found = await read(await peerAdmin(start.admin, peer), peer);
      all.push(...found.routes);
      queue.push(...found.peers);
      io.stdout(`    ${peer}... Ok\n`);
    } catch {
      io.stdout(`    ${peer}... Failed\n`);
    }
  }
  return all;
}

function printDynamic(routes: MappedRoute[], io: CliIo): void {
  const dynamic = routes.filter((r) => r.route.kind === 'dynamic');
  const exchanges = [...new Set(dynamic.map((r) => r.route.exchange))];
  io.stdout(`\nDynamic Routes:\n${exchanges.length === 0 ? '  none found\n' : ''}\n`);
  for (const ex of exchanges) {
    io.stdout(`  Exchange ${ex}:\n`);
    // Qpid's RoutePair: A => B, or A <=> B once the route back B => A is seen too.
    const pairs: { from: string; to: string; bidir: boolean }[] = [];
    for (const r of dynamic.filter((d) => d.route.exchange === ex)) {
      const back = pairs.find((p) => p.from === r.to && p.to === r.from);
      if (back) back.bidir = true;
      else if (!pairs.some((p) => p.from === r.from && p.to === r.to))
        pairs.push({ from: r.from, to: r.to, bidir: false });
    }
    for (const p of pairs) io.stdout(`    ${p.from} ${p.bidir ? '<=>' : ' =>'} ${p.to}\n`);
    io.stdout('\n');
  }
}

function printStatic(routes: MappedRoute[], io: CliIo): void {
  const statics = routes.filter((r) => r.route.kind !== 'dynamic');
  io.stdout(`Static Routes:\n${statics.length === 0 ? '  none found\n' : ''}\n`);
  for (const { to, from, route } of statics) {
    // A queue route's source is the queue; its bridge has no key (Qpid's srcIsQueue bridge).
    const src = route.kind === 'queue' ? `queue=${route.key}` : `ex=${route.exchange}`;
    const key = route.kind === 'queue' ? '' : route.key;
    io.stdout(`  ${to}(ex=${route.exchange}) <= ${from}(${src}) key=${key}\n`);
  }
  io.stdout('\n');
}

export async function routeMap(start: MapStart, io: CliIo): Promise<number> {
  const routes = await walk(start, io);
  printDynamic(routes, io);
  printStatic(routes, io);
  return EXIT_OK;
}
