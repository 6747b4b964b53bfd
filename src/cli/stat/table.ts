/**
 * What every qpid-stat view returns: tables of raw cells (docs/qpid-reference.md §6.5), laid out by
 * common/table.ts, and the counting helpers the views share.
 */
import type { BindingInfo } from '../../admin/index.js';
import type { Admin } from '../common/admin.js';
import type { Cell, Column } from '../common/table.js';

/** One table of a display; `counters` are the columns that get a per-second rate under --watch. */
export interface Table {
  title: string;
  columns: Column[];
  rows: Cell[][];
  sortable?: boolean;
  counters?: number[];
  /** Rates the broker reports, per row and counter, used until two samples exist. */
  brokerRates?: (number | undefined)[][];
}

/** One reading of a display, for the rates between two under --watch. */
export interface Sample {
  at: number;
  tables: Table[];
}

/** A display (-g, -c, -e, -q, -u, -m, -l): its tables read from the management API. */
export type View = (admin: Admin) => Promise<Table[]>;

/** The sum of the known values (an unknown one counts 0). */
export const sum = (xs: (number | undefined)[]): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

/** Bindings per name, the name taken from each binding by `by` (none: the binding is not counted). */
export function bindCounts(bindings: BindingInfo[], by: (b: BindingInfo) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const b of bindings) {
    const k = by(b);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}
