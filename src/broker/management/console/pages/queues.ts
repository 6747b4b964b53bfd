/**
 * Queues: a server-side paginated, sorted and regex-filtered list (RabbitMQ's
 * `?page=&page_size=&name=&use_regex=&sort=&sort_reverse=`, so 10k+ queues
 * load one page at a time), and the Add a new queue form.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { Api, Json } from '../api.js';
import {
  type Column,
  ErrorBox,
  Field,
  features,
  num,
  rate,
  Section,
  Select,
  type Sort,
  Table,
  usePoll,
} from '../ui.js';
import { link } from './bindings.js';
import { AddQueueForm } from './forms.js';

const PAGE_SIZES = ['20', '50', '100', '500'];

/** The list's columns; `key` is the field the server sorts by (`?sort=`). */
const QUEUE_COLUMNS: Column<Json>[] = [
  { key: 'vhost', label: 'Virtual host', render: (q) => q.vhost },
  { key: 'name', label: 'Name', render: (q) => html`<a href=${link('queues', q.vhost, q.name)}>${q.name}</a>` },
  { key: 'type', label: 'Type', render: (q) => q.type },
  { key: 'features', label: 'Features', render: (q) => features(q) },
  { key: 'state', label: 'State', render: (q) => q.state },
  { key: 'messages_ready', label: 'Ready', render: (q) => num(q.messages_ready), numeric: true },
  { key: 'messages_unacknowledged', label: 'Unacked', render: (q) => num(q.messages_unacknowledged), numeric: true },
  { key: 'messages', label: 'Total', render: (q) => num(q.messages), numeric: true },
  {
    key: 'message_stats.publish_details.rate',
    label: 'Incoming',
    render: (q) => rate(q.message_stats?.publish_details),
    numeric: true,
  },
  {
    key: 'message_stats.deliver_get_details.rate',
    label: 'Deliver / get',
    render: (q) => rate(q.message_stats?.deliver_get_details),
    numeric: true,
  },
  {
    key: 'message_stats.ack_details.rate',
    label: 'Ack',
    render: (q) => rate(q.message_stats?.ack_details),
    numeric: true,
  },
];

function pageQuery(page: number, size: number, filter: string, sort: Sort): string {
  const q = new URLSearchParams({
    page: String(page),
    page_size: String(size),
    name: filter,
    use_regex: 'true',
    pagination: 'true',
    sort: sort.key,
    sort_reverse: String(sort.reverse),
  });
  return `/queues?${q}`;
}

export function Queues(props: { api: Api }) {
  const [page, setPage] = useState(1);
  const [size, setSize] = useState(50);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<Sort>({ key: 'name', reverse: false });
  const list = usePoll(() => props.api.get(pageQuery(page, size, filter, sort)), [props.api, page, size, filter, sort]);
  const vhosts = usePoll(() => props.api.get('/vhosts'), [props.api]);
  const data: Json = list.data;
  const pageCount = Math.max(1, data?.page_count ?? 1);
  const names: string[] = (vhosts.data ?? []).map((v: Json) => v.name);
  const go = (p: number) => setPage(Math.min(Math.max(1, p), pageCount));
  return html`<${Section} title="Queues">
      <form class="toolbar" role="search" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Filter queues">
        <${Field} label="Filter (regex)" value=${filter} onInput=${(v: string) => {
          setFilter(v);
          setPage(1);
        }} />
        <${Select} label="Page size" value=${String(size)} options=${PAGE_SIZES} onChange=${(v: string) => {
          setSize(Number(v));
          setPage(1);
        }} />
        <nav class="pager" aria-label="Pages">
          <button type="button" onClick=${() => go(page - 1)} disabled=${page <= 1}>Previous page</button>
          <span aria-live="polite">Page ${page} of ${pageCount}</span>
          <button type="button" onClick=${() => go(page + 1)} disabled=${page >= pageCount}>Next page</button>
        </nav>
        <span class="count">${data ? `${num(data.filtered_count)} of ${num(data.total_count)} queues` : ''}</span>
      </form>
      <${ErrorBox} error=${list.error} />
      <${Table} label="Queues" columns=${QUEUE_COLUMNS} rows=${data?.items ?? []} rowKey=${(q: Json) => `${q.vhost}|${q.name}`}
        sort=${sort} onSort=${(s: Sort) => {
          setSort(s);
          setPage(1);
        }} empty="No queues match." />
    </${Section}>
    <${AddQueueForm} api=${props.api} vhosts=${names.length ? names : ['/']} onDone=${list.reload} />`;
}
