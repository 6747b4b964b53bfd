/** Overview: version, uptime, listeners, totals and the live node-wide charts. */
import { html } from 'htm/preact';
import type { Api, Json } from '../api.js';
import { Chart, levels, rates, windowQuery } from '../chart.js';
import { duration, ErrorBox, num, refreshMs, Section, Table, usePoll } from '../ui.js';

interface OverviewData {
  overview: Json;
  node: Json | undefined;
}

async function load(api: Api): Promise<OverviewData> {
  const overview = await api.get(`/overview?${windowQuery(refreshMs())}`);
  // Uptime lives on the node (RabbitMQ's /api/nodes); a user without monitoring rights may not see it.
  const nodes = await api.get('/nodes').catch(() => undefined);
  return { overview, node: Array.isArray(nodes) ? nodes[0] : undefined };
}

export function Overview(props: { api: Api }) {
  const { data, error } = usePoll(() => load(props.api), [props.api]);
  if (!data) return html`<${ErrorBox} error=${error} />${error ? null : html`<p>Loading…</p>`}`;
  const o = data.overview;
  const t = o.object_totals ?? {};
  const q = o.queue_totals ?? {};
  const m = o.message_stats ?? {};
  const queued = levels([
    { label: 'Ready', details: q.messages_ready_details },
    { label: 'Unacked', details: q.messages_unacknowledged_details },
  ]);
  const msgRates = rates([
    { label: 'Publish', details: m.publish_details },
    { label: 'Deliver', details: m.deliver_get_details },
    { label: 'Ack', details: m.ack_details },
    { label: 'Confirm', details: m.confirm_details },
    { label: 'Redeliver', details: m.redeliver_details },
  ]);
  const totals: [string, unknown][] = [
    ['Connections', t.connections],
    ['Channels', t.channels],
    ['Queues', t.queues],
    ['Consumers', t.consumers],
    ['Exchanges', t.exchanges],
    ['Messages ready', q.messages_ready],
    ['Messages unacked', q.messages_unacknowledged],
    ['Messages total', q.messages],
  ];
  return html`
    <${ErrorBox} error=${error} />
    <${Section} title="Broker">
      <dl class="facts">
        <dt>Product</dt><dd>${o.product_name} ${o.product_version}</dd>
        <dt>RabbitMQ API version</dt><dd>${o.rabbitmq_version}</dd>
        <dt>Node</dt><dd>${o.node}</dd>
        <dt>Uptime</dt><dd data-testid="uptime">${typeof data.node?.uptime === 'number' ? duration(data.node.uptime) : '–'}</dd>
      </dl>
    </${Section}>
    <${Section} title="Totals">
      <dl class="totals">
        ${totals.map(([k, v]) => html`<div><dt>${k}</dt><dd>${num(v)}</dd></div>`)}
      </dl>
    </${Section}>
    <${Section} title="Queued messages">
      <${Chart} id="chart-queued" title="Queued messages" data=${queued} />
    </${Section}>
    <${Section} title="Message rates">
      <${Chart} id="chart-rates" title="Message rates" data=${msgRates} unit="/s" />
    </${Section}>
    <${Section} title="Listeners">
      <${Table} label="Listeners" rows=${o.listeners ?? []} rowKey=${(l: Json) => `${l.protocol}:${l.ip_address}:${l.port}`}
        columns=${[
          { key: 'protocol', label: 'Protocol', render: (l: Json) => l.protocol, sortValue: (l: Json) => l.protocol },
          { key: 'ip', label: 'Bound to', render: (l: Json) => l.ip_address },
          { key: 'port', label: 'Port', render: (l: Json) => l.port, numeric: true },
        ]} />
    </${Section}>`;
}
