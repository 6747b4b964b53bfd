/**
 * `link list`: Qpid's links are the brokers this broker's routes connect to, one row per peer
 * (docs/qpid-reference.md §6.6 "Outputs"), state and last error from the shovel status.
 */
import type { Admin } from '../common/admin.js';
import { EXIT_OK } from '../common/errors.js';
import type { CliIo } from '../common/io.js';
import { parseName } from './route.js';
import { ours, shovelStatus } from './shovels.js';

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
    const peer = parseName(p.name)?.peer;
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
