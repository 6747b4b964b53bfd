/** qpid-stat -q NAME: one queue's properties, optional properties and statistics. */
import type { BindingInfo, QueueInfo } from '../../admin/index.js';
import { pyRepr } from '../../index.js';
import { type Admin, AdminError, adminError } from '../common/admin.js';
import { Repr } from '../common/table.js';
import { dequeues, discardRows, enqueues, uncountedRows } from './queue-counters.js';
import type { Table } from './table.js';

export async function oneQueue(admin: Admin, name: string): Promise<Table[]> {
  const [q, bindings] = await readQueue(admin, name);
  const args = q.arguments ?? {};
  const alt = args['x-dead-letter-exchange'] ?? args['alternate-exchange'];
  const u = undefined;
  return [
    {
      title: 'Properties:',
      columns: [
        { head: 'Name' },
        { head: 'Durable', format: 'yn' },
        { head: 'AutoDelete', format: 'yn' },
        { head: 'Exclusive', format: 'yn' },
        { head: 'FlowStopped', format: 'yn' },
        { head: 'FlowStoppedCount', format: 'commas' },
        { head: 'Consumers', format: 'commas' },
        { head: 'Bindings', format: 'commas' },
      ],
      rows: [[q.name, q.durable, q.auto_delete, q.exclusive, q.state === 'flow', u, q.consumers ?? 0, bindings.length]],
    },
    {
      title: 'Optional Properties:',
      columns: [{ head: 'Property' }, { head: 'Value' }],
      rows: [
        ['arguments', new Repr(args, pyRepr(args))],
        ['alt-exchange', typeof alt === 'string' ? alt : u],
      ],
    },
    statistics(q),
  ];
}

/** The queue and its bindings; a queue that is not there is Qpid's `Queue 'x' not found`. */
async function readQueue(admin: Admin, name: string): Promise<[QueueInfo, BindingInfo[]]> {
  try {
    return await Promise.all([admin.client.queue(admin.vhost, name), admin.client.queueBindings(admin.vhost, name)]);
  } catch (e) {
    const err = adminError(e);
    if (err instanceof AdminError && err.status === 404) {
      throw new AdminError(`Queue '${name}' not found (404 Not Found)`, 404, { cause: e });
    }
    throw err;
  }
}

function statistics(q: QueueInfo): Table {
  const u = undefined;
  const s = q.message_stats;
  return {
    title: 'Statistics:',
    columns: [{ head: 'Statistic' }, { head: 'Messages', format: 'commas' }, { head: 'Bytes', format: 'commas' }],
    rows: [
      ['queue-depth', q.messages ?? 0, q.message_bytes ?? 0],
      ['total-enqueues', enqueues(q), u],
      ['total-dequeues', dequeues(s) ?? 0, u],
      ...uncountedRows(),
      ['acquires', s?.deliver_get ?? 0, u],
      ['releases', s?.redeliver ?? 0, u],
      ...discardRows([q.qpid_discards]),
      ['reroutes', u, u],
    ],
    counters: [1],
  };
}
