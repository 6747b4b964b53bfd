/** qpid-stat -c: connections with their client process, login and message and byte counters. */
import type { ChannelInfo, ConnectionInfo } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import { sum, type Table } from './table.js';

type ChannelWithStats = ChannelInfo & { message_stats?: { publish?: number; deliver_get?: number } };

/** The client's process name and pid, as Qpid clients announce them (else the product, `-`). */
export function processOf(c: ConnectionInfo | undefined): [Cell, Cell] {
  const p = c?.client_properties ?? {};
  const name = p['qpid.client_process'] ?? p['product'];
  const pid = p['qpid.client_pid'];
  return [
    typeof name === 'string' && name !== '' ? name : '-',
    typeof pid === 'number' || typeof pid === 'string' ? pid : undefined,
  ];
}

export const addressOf = (c: { peer_host?: string; peer_port?: number }): string => `${c.peer_host}:${c.peer_port}`;

export async function connections(admin: Admin): Promise<Table[]> {
  const [conns, channels] = await Promise.all([
    admin.client.connections(),
    admin.client.channels() as Promise<ChannelWithStats[]>,
  ]);
  const now = Date.now();
  const rows = conns.map((c): Cell[] => {
    const mine = channels.filter((ch) => ch.connection_details?.name === c.name);
    const withStats = mine.filter((ch) => ch.message_stats !== undefined);
    const counted = (k: 'publish' | 'deliver_get') =>
      withStats.length === 0 ? undefined : sum(withStats.map((ch) => ch.message_stats?.[k]));
    const mech = (c as ConnectionInfo & { auth_mechanism?: string }).auth_mechanism;
    return [
      addressOf(c),
      ...processOf(c),
      mech || '-',
      c.user || '-',
      typeof c.connected_at === 'number' ? now - c.connected_at : undefined,
      undefined,
      counted('publish'),
      counted('deliver_get'),
      c.recv_oct,
      c.send_oct,
    ];
  });
  return [
    {
      title: 'Connections',
      columns: [
        { head: 'connection' },
        { head: 'cproc' },
        { head: 'cpid' },
        { head: 'mech' },
        { head: 'auth' },
        { head: 'connected', format: 'duration' },
        { head: 'idle', format: 'duration' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'bytesIn', format: 'kmg' },
        { head: 'bytesOut', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [7, 8, 9, 10],
    },
  ];
}
