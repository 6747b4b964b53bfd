/**
 * Qpid's table layout for the admin tools (qpidtoollibs `Display`, `Header`, `Sorter`):
 * a title line, a header line with every column left-aligned to its widest cell plus two spaces,
 * a line of `=` (cut at 255 characters), then the rows; an empty table prints only its title.
 * Cells are formatted per column: KMG (`  12`, `1.23k`, `12.3k`, ` 123k`, `1.20m` ...),
 * COMMAS (`1,234,567`), Y (`Y` or empty), YN (`Y`/`N`), DURATION (`1d 2h 3m 4s`), NONE (as is).
 */
import { UsageError } from './errors.js';

export type CellFormat = 'none' | 'kmg' | 'yn' | 'y' | 'duration' | 'commas' | 'rate';

export interface Column {
  /** The header text (also the name -S/--sort-by takes). */
  head: string;
  format?: CellFormat;
}

/** A raw cell: undefined/null print as an empty cell (Python's None). Durations are in milliseconds. */
/** A structured value: shown as `text` (Python's repr, as Qpid prints it) in tables, as itself in JSON. */
export class Repr {
  constructor(
    readonly value: unknown,
    readonly text: string,
  ) {}
}

export type Cell = string | number | boolean | null | undefined | Repr;

/** Python's `'%.Nf' % x` for the few precisions used here, including round-half-even on exact ties. */
export function pyFixed(x: number, digits: number): string {
  const scale = 10 ** digits;
  // Exact binary ties at 1 or 2 decimals are multiples of 1/4 or 1/8: scaling by a power of two is exact.
  if (Number.isInteger(x * 2 ** (digits + 1))) {
    const scaled = x * scale;
    if (Math.abs(scaled % 1) === 0.5) {
      const floor = Math.floor(scaled);
      const even = floor % 2 === 0 ? floor : floor + 1;
      return (even / scale).toFixed(digits);
    }
  }
  return x.toFixed(digits);
}

function numCell(value: number, tag: string): string {
  const fp = value / 1000;
  if (fp < 10) return `${pyFixed(fp, 2)}${tag}`;
  if (fp < 100) return `${pyFixed(fp, 1)}${tag}`;
  return `${String(Math.floor(value / 1000)).padStart(4)}${tag}`;
}

/** Qpid's KMG number: `%4d` below 1000, else three significant digits with k, m or g. */
export function kmg(value: number): string {
  let v = Math.trunc(value);
  if (Math.abs(v) < 1000) return String(v).padStart(4);
  if (v < 1_000_000) return numCell(v, 'k');
  v = Math.floor(v / 1000);
  if (v < 1_000_000) return numCell(v, 'm');
  v = Math.floor(v / 1000);
  return numCell(v, 'g');
}

/** Thousands separators: 1234567 → `1,234,567`. */
export function commas(value: number | string): string {
  const s = String(value);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  if (!/^\d+$/.test(digits)) return s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `[Nd ][Nh ][Nm ]Ns` from milliseconds (Qpid takes nanoseconds; the layout is the same). */
export function duration(ms: number): string {
  const sec = Math.floor(Math.max(0, ms) / 1000);
  const min = Math.floor(sec / 60);
  const hour = Math.floor(min / 60);
  const day = Math.floor(hour / 24);
  let out = '';
  if (day > 0) out = `${day}d `;
  if (hour > 0 || out !== '') out += `${hour % 24}h `;
  if (min > 0 || out !== '') out += `${min % 60}m `;
  return `${out}${sec % 60}s`;
}

/** A per-second rate: one decimal below 1000, KMG above. */
export function rate(value: number): string {
  if (!Number.isFinite(value)) return '';
  return Math.abs(value) < 1000 ? pyFixed(value, 1) : kmg(Math.round(value)).trim();
}

/** Python's str() for a plain cell. */
function plain(value: Exclude<Cell, null | undefined>): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return String(value);
}

export function formatCell(value: Cell, format: CellFormat = 'none'): string {
  if (value instanceof Repr) return value.text;
  if (value === null || value === undefined) return '';
  switch (format) {
    case 'kmg':
      return typeof value === 'number' ? kmg(value) : plain(value);
    case 'yn':
      return value ? 'Y' : 'N';
    case 'y':
      return value ? 'Y' : '';
    case 'duration':
      return typeof value === 'number' ? duration(value) : plain(value);
    case 'commas':
      return typeof value === 'number' ? commas(Math.trunc(value)) : plain(value);
    case 'rate':
      return typeof value === 'number' ? rate(value) : plain(value);
    default:
      return plain(value);
  }
}

const width = (s: string) => [...s].length;

/** Lays out a table as Qpid's Display.table does (prefix, spacing 2); returns the lines joined with '\n' plus a final '\n'. */
export function renderTable(title: string, columns: Column[], rows: Cell[][], prefix = '  ', spacing = 2): string {
  const lines = [title];
  if (rows.length === 0) return `${title}\n`;
  const text = rows.map((row) => columns.map((c, i) => formatCell(row[i], c.format)));
  const widths = columns.map((c, i) => Math.max(width(c.head), ...text.map((r) => width(r[i] ?? ''))) + spacing);
  const pad = (cells: string[]) =>
    prefix +
    cells.map((cell, i) => (i < cells.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - width(cell)) : cell)).join('');
  lines.push(pad(columns.map((c) => c.head)));
  lines.push((prefix + widths.map((w) => '='.repeat(w)).join('')).slice(0, 255));
  for (const r of text) lines.push(pad(r));
  return `${lines.join('\n')}\n`;
}

// Python 2's ordering across types: None < numbers (and bools) < strings.
function rank(v: Cell): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number' || typeof v === 'boolean') return 1;
  return 2;
}

function compareCells(a: Cell, b: Cell): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return Number(a) - Number(b);
  if (ra === 2) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  return 0;
}

/**
 * Qpid's Sorter: rows sorted on the raw values of column `sortBy`, increasing or (default) decreasing,
 * cut to `limit` rows (0 = all). An unknown column is a usage error.
 */
export function sortRows(
  columns: Column[],
  rows: Cell[][],
  sortBy: string,
  increasing: boolean,
  limit: number,
): Cell[][] {
  const i = columns.findIndex((c) => c.head === sortBy);
  if (i < 0) {
    throw new UsageError(
      `sort column '${sortBy}' not found in headers (one of: ${columns.map((c) => c.head).join(', ')})`,
    );
  }
  const sorted = [...rows].sort((a, b) => compareCells(a[i], b[i]));
  if (!increasing) sorted.reverse();
  return limit > 0 ? sorted.slice(0, limit) : sorted;
}
