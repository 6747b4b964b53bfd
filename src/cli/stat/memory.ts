/** qpid-stat -m: the broker node's memory breakdown, or what the queues hold where there is no node endpoint. */
import { type Admin, optionalGet } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import { sum, type Table } from './table.js';

export async function memory(admin: Admin): Promise<Table[]> {
  const ov = await admin.client.overview();
  const node = await optionalGet<{ memory?: Record<string, unknown> }>(
    admin,
    `/api/nodes/${encodeURIComponent(ov.node)}?memory=true`,
  );
  const rows: Cell[][] = [];
  if (node?.memory) {
    for (const [k, v] of Object.entries(node.memory)) {
      if (typeof v === 'number') rows.push([k, v]);
      else if (v !== null && typeof v === 'object') {
        for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') rows.push([`${k}-${k2}`, v2]);
      }
    }
  } else {
    // The bundled broker has no node endpoint: what its queues hold.
    const qs = await admin.client.queues();
    rows.push(['queue-memory', sum(qs.map((q) => q.memory))]);
    rows.push(['message-bytes', sum(qs.map((q) => q.message_bytes))]);
    rows.push(['messages', sum(qs.map((q) => q.messages))]);
  }
  return [
    {
      title: 'Broker Memory Statistics:',
      columns: [{ head: 'Statistic' }, { head: 'Value', format: 'commas' }],
      rows,
    },
  ];
}
