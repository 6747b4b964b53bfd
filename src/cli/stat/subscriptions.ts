/** qpid-stat -u: the consumers of the vhost's queues, with their connection and credit. */
import type { ConsumerInfo } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import { addressOf, processOf } from './connections.js';
import type { Table } from './table.js';

export async function subscriptions(admin: Admin): Promise<Table[]> {
  const [consumers, conns, channels] = await Promise.all([
    admin.client.consumers(),
    admin.client.connections(),
    admin.client.channels(),
  ]);
  const byName = new Map(conns.map((c) => [c.name, c]));
  const channelByName = new Map(channels.map((ch) => [ch.name, ch]));
  const rows = consumers
    .filter((c: ConsumerInfo) => c.queue?.vhost === undefined || c.queue.vhost === admin.vhost)
    .map((c): Cell[] => {
      const d = c.channel_details ?? {};
      const conn = d.connection_name === undefined ? undefined : byName.get(d.connection_name);
      const ch = d.name === undefined ? undefined : channelByName.get(d.name);
      return [
        c.consumer_tag,
        c.queue?.name,
        conn ? addressOf(conn) : d.peer_host === undefined ? undefined : addressOf(d),
        ...processOf(conn),
        false,
        c.ack_required,
        c.exclusive,
        c.prefetch_count > 0 ? `WINDOW(${c.prefetch_count})` : 'UNLIMITED',
        undefined,
        ch?.messages_unacknowledged,
      ];
    });
  return [
    {
      title: 'Subscriptions',
      columns: [
        { head: 'subscr' },
        { head: 'queue' },
        { head: 'conn' },
        { head: 'procName' },
        { head: 'procId' },
        { head: 'browse', format: 'y' },
        { head: 'acked', format: 'y' },
        { head: 'excl', format: 'y' },
        { head: 'creditMode' },
        { head: 'delivered', format: 'commas' },
        { head: 'sessUnacked', format: 'commas' },
      ],
      rows,
      sortable: true,
    },
  ];
}
