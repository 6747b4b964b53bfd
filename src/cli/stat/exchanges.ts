/** qpid-stat -e: the vhost's exchanges with their bindings and message counters. */
import type { ExchangeInfo } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import { bindCounts, type Table } from './table.js';

export async function exchanges(admin: Admin): Promise<Table[]> {
  const [xs, bindings] = await Promise.all([admin.client.exchanges(admin.vhost), admin.client.bindings(admin.vhost)]);
  const counts = bindCounts(bindings, (b) => b.source);
  const rows = xs.map((x: ExchangeInfo): Cell[] => [
    x.name,
    x.type,
    x.durable,
    counts.get(x.name) ?? 0,
    x.message_stats?.publish_in ?? 0,
    x.message_stats?.publish_out ?? 0,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  return [
    {
      title: 'Exchanges',
      columns: [
        { head: 'exchange' },
        { head: 'type' },
        { head: 'dur', format: 'y' },
        { head: 'bind', format: 'kmg' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'msgDrop', format: 'kmg' },
        { head: 'byteIn', format: 'kmg' },
        { head: 'byteOut', format: 'kmg' },
        { head: 'byteDrop', format: 'kmg' },
      ],
      rows,
      sortable: true,
      counters: [4, 5],
      brokerRates: xs.map((x) => [
        x.message_stats?.publish_in_details?.rate,
        x.message_stats?.publish_out_details?.rate,
      ]),
    },
  ];
}
