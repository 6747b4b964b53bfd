/**
 * How qpid-stat shows its tables: per-second rate columns under --watch, -S/-I/-L sorting and cutting,
 * then Qpid's table layout (common/table.ts) or --json (docs/json-output.md).
 */
import type { CliIo } from '../common/io.js';
import { jsonKey } from '../common/json-keys.js';
import { type Cell, Repr, renderTable, sortRows } from '../common/table.js';
import type { Sample, Table } from './table.js';

/** The display options of the command line. */
export interface ShowOptions {
  /** -S: the column to sort by. */
  sortBy: string | undefined;
  /** -I */
  increasing: boolean;
  /** -L */
  limit: number | undefined;
  json: boolean;
  /** --watch SECONDS */
  watch: number | undefined;
}

/** Adds the rate columns (under --watch), then sorts and cuts the rows as -S/-I/-L ask. */
export function finish(t: Table, prev: Sample | undefined, cur: Sample, k: number, show: ShowOptions): Table {
  let columns = t.columns;
  let rows = t.rows;
  if (show.watch !== undefined && t.counters && t.counters.length > 0) {
    columns = [...columns, ...t.counters.map((c) => ({ head: `${t.columns[c]?.head}/s`, format: 'rate' as const }))];
    rows = withRates(t, t.counters, prev?.tables[k], prev ? (cur.at - prev.at) / 1000 : 0);
  }
  if (t.sortable && show.sortBy !== undefined) {
    rows = sortRows(columns, rows, show.sortBy, show.increasing, show.limit ?? 50);
  } else if (t.sortable && show.limit !== undefined && show.limit > 0) {
    rows = rows.slice(0, show.limit);
  }
  return { ...t, columns, rows };
}

/** Each row with the rates of its counters since `before` (matched on the first cell), else the broker's. */
function withRates(t: Table, counters: number[], before: Table | undefined, dt: number): Cell[][] {
  const old = new Map<Cell, Cell[]>();
  for (const r of before?.rows ?? []) old.set(r[0], r);
  return t.rows.map((r, i) => {
    const was = old.get(r[0]);
    const rates = counters.map((c, k) => {
      const now = r[c];
      const then = was?.[c];
      if (was && dt > 0 && typeof now === 'number' && typeof then === 'number') return (now - then) / dt;
      return t.brokerRates?.[i]?.[k];
    });
    return [...r, ...rates];
  });
}

/** JSON values are real JSON: structured cells as themselves, empty cells as null. */
function jsonCell(v: Cell): unknown {
  return v instanceof Repr ? v.value : (v ?? null);
}

function tableJson(t: Table): Record<string, unknown>[] {
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [jsonKey(c.head), jsonCell(r[i])])));
}

/** Writes one reading: JSON, or the tables (under --watch after a `Every Ns: <command line>` heading). */
export function print(io: CliIo, tables: Table[], show: ShowOptions, commandLine: string, at: number): void {
  const watch = show.watch;
  if (show.json) {
    const body =
      tables.length === 1
        ? tableJson(tables[0] as Table)
        : Object.fromEntries(tables.map((t) => [jsonKey(t.title), tableJson(t)]));
    const doc = watch === undefined ? body : { time: new Date(at).toISOString(), data: body };
    io.stdout(`${JSON.stringify(doc, null, watch === undefined ? 2 : undefined)}\n`);
    return;
  }
  let text = '';
  if (watch !== undefined) {
    // Like top: clear and redraw on a terminal; separate the redraws with a blank line in a pipe.
    text += io.isTTY ? '\x1b[H\x1b[2J' : '';
    text += `Every ${watch}s: ${commandLine}    ${new Date(at).toISOString()}\n\n`;
  }
  text += tables.map((t) => renderTable(t.title, t.columns, t.rows)).join('\n');
  if (watch !== undefined && !io.isTTY) text += '\n';
  io.stdout(text);
}
