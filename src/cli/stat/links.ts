/** qpid-stat -l: federation links, i.e. the shovels qpid-route defines (docs/federation.md). */
import { type Admin, optionalGet } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import type { Table } from './table.js';

interface ShovelStatus {
  name: string;
  state: string;
  src_uri?: string;
  received?: number;
  forwarded?: number;
  acked?: number;
  reconnects?: number;
  last_error?: string;
  reason?: string;
}

/** Federation links: /api/shovels (the bundled broker adds counters; RabbitMQ's plugin has none). */
export async function links(admin: Admin): Promise<Table[]> {
  const shovels = (await optionalGet<ShovelStatus[]>(admin, '/api/shovels')) ?? [];
  const rows = shovels.map((s): Cell[] => [
    s.name,
    s.src_uri ?? '',
    s.state,
    s.received,
    s.forwarded,
    s.acked,
    s.reconnects,
    s.last_error ?? s.reason ?? '',
  ]);
  return [
    {
      title: 'Federation Links',
      columns: [
        { head: 'link' },
        { head: 'source' },
        { head: 'state' },
        { head: 'msgIn', format: 'kmg' },
        { head: 'msgOut', format: 'kmg' },
        { head: 'acked', format: 'kmg' },
        { head: 'reconnects', format: 'kmg' },
        { head: 'lastError' },
      ],
      rows,
    },
  ];
}
