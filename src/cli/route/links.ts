/**
 * The link verbs. `link list`: Qpid's links are the brokers this broker's routes (and links without
 * routes) connect to, one row per peer (docs/qpid-reference.md §6.6 "Outputs"), state and last error
 * from the shovel status. `link add`: a link without routes, a `qpid.link` shovel of the bundled
 * broker (RabbitMQ has none: each shovel carries its own connection). `link del`: the link and every
 * route on it. `-e`: a link goes with its last route.
 */
import type { BrokerAddress } from '../../admin/index.js';
import { type Admin, optionalGet } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import type { CliIo } from '../common/io.js';
import { amqpUri, hostPort, linkName, parseName, peerOf, type Route } from './route.js';
import { delRoute } from './routes.js';
import { isRabbitmq, ours, paramPath, type ShovelParameter, shovelStatus } from './shovels.js';

interface LinkRow {
  durable: boolean;
  state: string;
  error: string;
}

const STATES: Record<string, string> = {
  running: 'Operational',
  starting: 'Connecting',
  reconnecting: 'Waiting',
  terminated: 'Closed',
};

async function linkRows(admin: Admin): Promise<Map<string, LinkRow>> {
  const params = await ours(admin);
  const status = await shovelStatus(admin);
  const byPeer = new Map<string, LinkRow>();
  for (const p of params) {
    const peer = peerOf(p.name);
    if (peer === undefined) continue;
    const s = status.find((x) => x.name === p.name);
    const state = STATES[s?.state ?? 'terminated'] ?? s?.state ?? 'Closed';
    // One route up makes the link Operational.
    if (byPeer.get(peer)?.state !== 'Operational') {
      byPeer.set(peer, { durable: p.value['qpid.durable'] !== false, state, error: s?.last_error ?? s?.reason ?? '' });
    }
  }
  return byPeer;
}

export async function linkList(admin: Admin, io: CliIo): Promise<number> {
  const rows = await linkRows(admin);
  if (rows.size === 0) {
    io.stdout('No Links Found\n');
    return EXIT_OK;
  }
  io.stdout('\nHost            Port    Transport Durable  State             Last Error\n');
  io.stdout(`${'='.repeat(77)}\n`);
  for (const [peer, l] of rows) {
    const i = peer.lastIndexOf(':');
    const row = `${peer.slice(0, i).padEnd(16)}${peer.slice(i + 1).padEnd(8)}${'tcp'.padEnd(13)}${l.durable ? 'Y' : 'N'}     ${l.state.padEnd(18)}${l.error}`;
    io.stdout(`${row.trimEnd()}\n`);
  }
  return EXIT_OK;
}

export async function linkAdd(admin: Admin, src: BrokerAddress, durable: boolean): Promise<number> {
  if (await isRabbitmq(admin)) {
    throw new Error('RabbitMQ has no links without routes (each shovel carries its own connection): add a route');
  }
  const name = linkName(hostPort(src));
  if (await optionalGet<ShovelParameter>(admin, paramPath(admin, name))) return EXIT_OK; // as Qpid: one link per peer
  const value = {
    'src-protocol': 'amqp091',
    'src-uri': amqpUri(src),
    'dest-protocol': 'amqp091',
    'dest-uri': 'amqp://',
    'reconnect-delay': 1,
    'qpid.link': true,
    'qpid.durable': durable,
  };
  await admin.client.putJson(paramPath(admin, name), { value });
  return EXIT_OK;
}

/** Deletes the link to SRC and every route on it: pulls from SRC, pushes to SRC ("Link not found" if none). */
export async function linkDel(admin: Admin, dest: BrokerAddress, src: BrokerAddress): Promise<number> {
  const peer = hostPort(src);
  const on = (await ours(admin)).filter((p) => peerOf(p.name) === peer);
  if (on.length === 0) throw new Error('Link not found');
  for (const p of on) {
    const n = parseName(p.name);
    if (n === undefined) {
      await admin.client.deleteJson(paramPath(admin, p.name));
      continue;
    }
    const ends = n.push ? { src: dest, dest: src } : { src, dest };
    const route: Route = { kind: n.kind, exchange: n.exchange, key: n.key, push: n.push, ...ends };
    await delRoute(admin, route);
  }
  return EXIT_OK;
}

/** `-e`: once no route is left on the link to `peer`, its link without routes goes too. */
export async function dropEmptyLink(admin: Admin, peer: string): Promise<void> {
  const left = (await ours(admin)).filter((p) => peerOf(p.name) === peer);
  if (left.some((p) => parseName(p.name) !== undefined)) return;
  for (const p of left) await admin.client.deleteJson(paramPath(admin, p.name));
}
