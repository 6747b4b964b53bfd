/** qpid-stat -q: the vhost's queues with depth, enqueues, dequeues, consumers and bindings. */
import type { QueueInfo } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import { dequeues, enqueues } from './queue-counters.js';
import { bindCounts, type Table } from './table.js';

export async function queues(admin: Admin): Promise<Table[]> {
  const [qs, bindings] = await Promise.all([admin.client.queues(admin.vhost), admin.client.bindings(admin.vhost)]);
  const counts = bindCounts(bindings, (b) => (b.destination_type === 'queue' ? b.destination : undefined));
  const rows = qs.map((q): Cell[] => [
    q.name,
    q.durable,
    q.auto_delete,
    q.exclusive,
    q.messages ?? 0,
    enqueues(q),
    dequeues(q.message_stats) ?? 0,
    q.message_bytes ?? 0,
    undefined,
    undefined,
    q.consumers ?? 0,
    counts.get(q.name) ?? 0,
  ]);
  return [
    {
      title: 'Queues',
      columns: [
        { head: 'queue' },
        { head: 'dur', format: 'y' },
        { head: 'autoDel', format: 'y' },
        { head: 'excl', format: 'y' },
        { head: 'msg', format: 'kmg' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'bytes', format: 'kmg' },
        { head: 'bytesIn', format: 'kmg' },
        { head: 'bytesOut', format: 'kmg' },
        { head: 'cons', format: 'kmg' },
        { head: 'bind', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [5, 6],
      brokerRates: qs.map(brokerRates),
    },
  ];
}

/** The broker's own msgIn/s and msgOut/s of a queue (dequeues: acks plus deliveries without ack). */
function brokerRates(q: QueueInfo): (number | undefined)[] {
  const s = q.message_stats;
  const out = s && [s.ack_details, s.deliver_no_ack_details, s.get_no_ack_details].some((d) => d !== undefined);
  return [
    s?.publish_details?.rate,
    out
      ? (s?.ack_details?.rate ?? 0) + (s?.deliver_no_ack_details?.rate ?? 0) + (s?.get_no_ack_details?.rate ?? 0)
      : undefined,
  ];
}
