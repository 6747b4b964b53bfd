/** qpid-stat -g: the broker summary and the aggregate statistics over every queue. */
import type { QueueMessageStats } from '../../admin/index.js';
import { type Admin, optionalGet } from '../common/admin.js';
import { dequeues, discardRows, enqueues, uncountedRows } from './queue-counters.js';
import { sum, type Table } from './table.js';

export async function general(admin: Admin): Promise<Table[]> {
  const [ov, qs] = await Promise.all([admin.client.overview(), admin.client.queues()]);
  const node = await optionalGet<{ uptime?: number }>(admin, `/api/nodes/${encodeURIComponent(ov.node)}`);
  const totals = ov.object_totals;
  const stats = (ov.message_stats ?? {}) as QueueMessageStats & {
    drop_unroutable?: number;
    return_unroutable?: number;
  };
  const summary: Table = {
    title: 'Broker Summary:',
    columns: [
      { head: 'uptime', format: 'duration' },
      { head: 'cluster' },
      { head: 'connections', format: 'commas' },
      { head: 'sessions', format: 'commas' },
      { head: 'exchanges', format: 'commas' },
      { head: 'queues', format: 'commas' },
    ],
    rows: [[node?.uptime, ov.cluster_name, totals.connections, totals.channels, totals.exchanges, totals.queues]],
  };
  const u = undefined;
  const noRoute =
    stats.drop_unroutable === undefined && stats.return_unroutable === undefined
      ? u
      : (stats.drop_unroutable ?? 0) + (stats.return_unroutable ?? 0);
  const aggregate: Table = {
    title: 'Aggregate Broker Statistics:',
    columns: [{ head: 'Statistic' }, { head: 'Messages', format: 'commas' }, { head: 'Bytes', format: 'commas' }],
    rows: [
      ['queue-depth', ov.queue_totals.messages ?? sum(qs.map((q) => q.messages)), sum(qs.map((q) => q.message_bytes))],
      ['total-enqueues', sum(qs.map(enqueues)), u],
      ['total-dequeues', sum(qs.map((q) => dequeues(q.message_stats))), u],
      ...uncountedRows(),
      ['acquires', stats.deliver_get ?? 0, u],
      ['releases', stats.redeliver ?? 0, u],
      ['discards-no-route', noRoute, u],
      ...discardRows(qs.map((q) => q.qpid_discards)),
      ['reroutes', u, u],
      ['abandoned', u, u],
      ['abandoned-via-alt', u, u],
    ],
    counters: [1],
  };
  return [summary, aggregate];
}
