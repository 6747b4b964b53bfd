/**
 * qpid-stat -l: federation links, i.e. the shovels qpid-route defines (docs/federation.md). The bundled
 * broker adds counters to RabbitMQ's shovel status, among them `looped` (messages dropped because their
 * `x-qpid.trace` already held this broker: they came round a ring) and `dynamic_bindings` (bindings a
 * dynamic route mirrored onto its source queue; docs/federation.md "Dynamic routes and loops").
 * RabbitMQ's shovel plugin reports none of them: those cells stay empty (null in --json).
 */
import { type Admin, optionalGet } from '../common/admin.js';
import type { Cell } from '../common/table.js';
import type { Table } from './table.js';

/** One shovel in /api/shovels: RabbitMQ's keys, and the bundled broker's counters (all optional). */
export interface ShovelStatus {
  name: string;
  state: string;
  src_uri?: string;
  received?: number;
  forwarded?: number;
  acked?: number;
  looped?: number;
  reconnects?: number;
  dynamic_bindings?: number;
  last_error?: string;
  reason?: string;
}

/** Federation links: /api/shovels. */
export async function links(admin: Admin): Promise<Table[]> {
  return [linkTable((await optionalGet<ShovelStatus[]>(admin, '/api/shovels')) ?? [])];
}

/** The links table of a shovel status document (either broker's). */
export function linkTable(shovels: ShovelStatus[]): Table {
  const rows = shovels.map((s): Cell[] => [
    s.name,
    s.src_uri ?? '',
    s.state,
    s.received,
    s.forwarded,
    s.acked,
    s.looped,
    s.reconnects,
    s.dynamic_bindings,
    s.last_error ?? s.reason ?? '',
  ]);
  return {
    title: 'Federation Links',
    columns: [
      { head: 'link' },
      { head: 'source' },
      { head: 'state' },
      { head: 'msgIn', format: 'kmg' },
      { head: 'msgOut', format: 'kmg' },
      { head: 'acked', format: 'kmg' },
      { head: 'looped', format: 'kmg' },
      { head: 'reconnects', format: 'kmg' },
      { head: 'dynBind', format: 'kmg' },
      { head: 'lastError' },
    ],
    rows,
  };
}
