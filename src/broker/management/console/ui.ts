/** Small shared pieces of the console: polling, formatting, tables, form fields, messages. */
import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** How often pages refresh, ms: `?refresh=MS` (default 5000, RabbitMQ's statistics interval). */
export function refreshMs(): number {
  const n = Number(new URLSearchParams(location.search).get('refresh'));
  return n >= 250 ? n : 5000;
}

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Calls `load` now and every refresh interval while mounted; the last good data stays shown on an error. */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const run = async () => {
      try {
        const v = await load();
        if (!alive) return;
        setData(v);
        setError(undefined);
      } catch (e) {
        if (alive) setError(errorText(e));
      }
      if (alive) timer = window.setTimeout(run, refreshMs());
    };
    void run();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [...deps, nonce]);
  return { data, error, reload };
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.status ? `${e.reason} (HTTP ${e.status})` : e.reason;
  return e instanceof Error ? e.message : String(e);
}

// ---- formatting ---------------------------------------------------------------

export function num(n: unknown): string {
  return typeof n === 'number' ? n.toLocaleString('en-US') : '';
}

export function rate(details: { rate?: number } | undefined): string {
  const r = details?.rate;
  return typeof r === 'number' ? `${r.toLocaleString('en-US', { maximumFractionDigits: 1 })}/s` : '';
}

export function bytes(n: unknown): string {
  if (typeof n !== 'number') return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`;
}

/** Short feature codes as RabbitMQ's UI shows them (D durable, AD auto-delete, Excl exclusive, I internal, args). */
export function features(o: {
  durable?: boolean;
  auto_delete?: boolean;
  exclusive?: boolean;
  internal?: boolean;
  arguments?: Record<string, unknown>;
}): string {
  const out: string[] = [];
  if (o.durable) out.push('D');
  if (o.auto_delete) out.push('AD');
  if (o.exclusive) out.push('Excl');
  if (o.internal) out.push('I');
  for (const [k, v] of Object.entries(o.arguments ?? {})) out.push(`${ARG_LABELS[k] ?? k}=${JSON.stringify(v)}`);
  return out.join(' ');
}

const ARG_LABELS: Record<string, string> = {
  'x-message-ttl': 'TTL',
  'x-expires': 'Exp',
  'x-max-length': 'Lim',
  'x-max-length-bytes': 'Lim B',
  'x-dead-letter-exchange': 'DLX',
  'x-dead-letter-routing-key': 'DLK',
  'x-max-priority': 'Pri',
  'x-overflow': 'Ovfl',
  'x-single-active-consumer': 'SAC',
  'x-queue-mode': 'Mode',
};

// ---- tables -------------------------------------------------------------------

export interface Column<T> {
  key: string;
  label: string;
  render: (row: T) => ComponentChildren;
  /** Present when the column sorts client-side. */
  sortValue?: (row: T) => string | number;
  numeric?: boolean;
}

export interface Sort {
  key: string;
  reverse: boolean;
}

/** A table whose sortable headers are buttons (Tab to reach, Enter/Space to sort); `aria-sort` tells which. */
export function Table<T>(props: {
  label: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  sort?: Sort;
  onSort?: (s: Sort) => void;
  empty?: string;
}) {
  const [localSort, setLocalSort] = useState<Sort | undefined>(undefined);
  const sort = props.onSort ? props.sort : localSort;
  const setSort = props.onSort ?? setLocalSort;
  let rows = props.rows;
  const col = props.columns.find((c) => c.key === sort?.key);
  if (!props.onSort && col?.sortValue && sort) {
    const sv = col.sortValue;
    rows = [...rows].sort((a, b) => {
      const x = sv(a);
      const y = sv(b);
      const c = x < y ? -1 : x > y ? 1 : 0;
      return sort.reverse ? -c : c;
    });
  }
  const header = (c: Column<T>) => {
    const sortable = props.onSort !== undefined || c.sortValue !== undefined;
    const active = sort?.key === c.key;
    const ariaSort = active ? (sort?.reverse ? 'descending' : 'ascending') : undefined;
    if (!sortable) return html`<th scope="col" class=${c.numeric ? 'num' : ''}>${c.label}</th>`;
    return html`<th scope="col" class=${c.numeric ? 'num' : ''} aria-sort=${ariaSort}>
      <button type="button" class="sort" onClick=${() => setSort({ key: c.key, reverse: active ? !sort?.reverse : false })}>
        ${c.label}${active ? (sort?.reverse ? ' ▼' : ' ▲') : ''}
      </button>
    </th>`;
  };
  return html`<div class="table-wrap">
    <table aria-label=${props.label}>
      <thead><tr>${props.columns.map(header)}</tr></thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr><td colspan=${props.columns.length} class="empty">${props.empty ?? 'Nothing here yet.'}</td></tr>`
            : rows.map(
                (r) =>
                  html`<tr key=${props.rowKey(r)}>${props.columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.render(r)}</td>`)}</tr>`,
              )
        }
      </tbody>
    </table>
  </div>`;
}

// ---- forms and messages -----------------------------------------------------------

let fieldSeq = 0;

/** A labelled input; the label's `for` ties it to the input so screen readers and getByLabel find it. */
export function Field(props: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: string;
  placeholder?: string;
  required?: boolean;
  autocomplete?: string;
}) {
  const id = useRef(`f${++fieldSeq}`).current;
  return html`<div class="field">
    <label for=${id}>${props.label}</label>
    <input id=${id} type=${props.type ?? 'text'} value=${props.value} placeholder=${props.placeholder ?? ''}
      required=${props.required} autocomplete=${props.autocomplete ?? 'off'}
      onInput=${(e: Event) => props.onInput((e.target as HTMLInputElement).value)} />
  </div>`;
}

export function Select(props: { label: string; value: string; options: string[]; onChange: (v: string) => void }) {
  const id = useRef(`f${++fieldSeq}`).current;
  return html`<div class="field">
    <label for=${id}>${props.label}</label>
    <select id=${id} value=${props.value} onChange=${(e: Event) => props.onChange((e.target as HTMLSelectElement).value)}>
      ${props.options.map((o) => html`<option value=${o}>${o}</option>`)}
    </select>
  </div>`;
}

export function TextArea(props: { label: string; value: string; onInput: (v: string) => void; rows?: number }) {
  const id = useRef(`f${++fieldSeq}`).current;
  return html`<div class="field wide">
    <label for=${id}>${props.label}</label>
    <textarea id=${id} rows=${props.rows ?? 3} value=${props.value}
      onInput=${(e: Event) => props.onInput((e.target as HTMLTextAreaElement).value)}></textarea>
  </div>`;
}

export function Check(props: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  const id = useRef(`f${++fieldSeq}`).current;
  return html`<div class="field check">
    <input id=${id} type="checkbox" checked=${props.checked}
      onChange=${(e: Event) => props.onChange((e.target as HTMLInputElement).checked)} />
    <label for=${id}>${props.label}</label>
  </div>`;
}

export function ErrorBox(props: { error: string | undefined }) {
  return props.error ? html`<p class="error" role="alert">${props.error}</p>` : null;
}

export function Notice(props: { text: string | undefined }) {
  return props.text ? html`<p class="notice" role="status">${props.text}</p>` : null;
}

/** Runs an API action for a form: the error (or a success text) is shown on the form. */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  done: string | undefined;
  run: (fn: () => Promise<string | undefined>) => Promise<void>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const run = async (fn: () => Promise<string | undefined>) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await fn());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, run };
}

export function Section(props: { title: string; children: ComponentChildren }) {
  return html`<section class="panel"><h2>${props.title}</h2>${props.children}</section>`;
}

/** Parses a JSON object typed into a form (arguments, headers); empty text is `{}`. */
export function parseObject(label: string, text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${label} must be a JSON object, e.g. {"x-message-ttl": 60000}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${label} must be a JSON object`);
  return v as Record<string, unknown>;
}
