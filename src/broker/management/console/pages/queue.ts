/** One queue's page: facts, live chart, consumers, bindings, Get messages, Publish, Purge and Delete. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Api, type Json, seg } from '../api.js';
import { Chart, levels, rates, windowQuery } from '../chart.js';
import {
  ErrorBox,
  Field,
  features,
  Notice,
  num,
  rate,
  refreshMs,
  Section,
  Select,
  Table,
  useAction,
  usePoll,
} from '../ui.js';
import { BindingsTable } from './bindings.js';
import { BindForm, PublishForm } from './forms.js';

const ACK_MODES: Record<string, string> = {
  'Nack message requeue true': 'ack_requeue_true',
  'Automatic ack': 'ack_requeue_false',
  'Reject requeue true': 'reject_requeue_true',
};

function GetMessages(props: { api: Api; path: string; onDone: () => void }) {
  const [mode, setMode] = useState(Object.keys(ACK_MODES)[0] as string);
  const [count, setCount] = useState('1');
  const [got, setGot] = useState<Json[] | undefined>(undefined);
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      const n = Number(count);
      if (!Number.isInteger(n) || n < 1) throw new Error('Messages must be a whole number of at least 1');
      const r: Json[] = await props.api.post(`${props.path}/get`, {
        count: n,
        ackmode: ACK_MODES[mode],
        encoding: 'auto',
        truncate: 50000,
      });
      setGot(r);
      props.onDone();
      return r.length === 0 ? 'Queue is empty.' : undefined;
    });
  };
  return html`<${Section} title="Get messages">
    <form onSubmit=${submit} aria-label="Get messages">
      <div class="grid">
        <${Select} label="Ack mode" value=${mode} options=${Object.keys(ACK_MODES)} onChange=${setMode} />
        <${Field} label="Messages" value=${count} onInput=${setCount} type="number" />
      </div>
      <button type="submit" disabled=${a.busy}>Get messages</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
    ${(got ?? []).map(
      (m, i) => html`<article class="message" aria-label=${`Message ${i + 1}`}>
        <h3>Message ${i + 1}</h3>
        <dl class="facts">
          <dt>Exchange</dt><dd>${m.exchange || '(AMQP default)'}</dd>
          <dt>Routing key</dt><dd>${m.routing_key}</dd>
          <dt>Redelivered</dt><dd>${String(m.redelivered)}</dd>
          <dt>Remaining</dt><dd>${num(m.message_count)}</dd>
          <dt>Properties</dt><dd><pre class="props">${JSON.stringify(m.properties, null, 2)}</pre></dd>
          <dt>Payload (${num(m.payload_bytes)} bytes, ${m.payload_encoding})</dt><dd><pre class="payload">${m.payload}</pre></dd>
        </dl>
      </article>`,
    )}
  </${Section}>`;
}

function Danger(props: { api: Api; path: string; name: string; onPurged: () => void; onDeleted: () => void }) {
  const purge = useAction();
  const del = useAction();
  return html`<${Section} title="Purge and delete">
    <div class="actions">
      <button type="button" class="danger" disabled=${purge.busy}
        onClick=${() =>
          purge.run(async () => {
            await props.api.del(`${props.path}/contents`);
            props.onPurged();
            return `Queue ${props.name} purged.`;
          })}>Purge messages</button>
      <button type="button" class="danger" disabled=${del.busy}
        onClick=${() =>
          del.run(async () => {
            await props.api.del(props.path);
            props.onDeleted();
            return `Queue ${props.name} deleted.`;
          })}>Delete queue</button>
    </div>
    <${ErrorBox} error=${purge.error ?? del.error} /><${Notice} text=${purge.done ?? del.done} />
  </${Section}>`;
}

export function QueuePage(props: { api: Api; vhost: string; name: string; go: (hash: string) => void }) {
  const { api, vhost, name } = props;
  const path = `/queues/${seg(vhost)}/${seg(name)}`;
  const q = usePoll(() => api.get(`${path}?${windowQuery(refreshMs())}`), [api, path]);
  const bindings = usePoll(() => api.get(`${path}/bindings`), [api, path]);
  if (!q.data) return html`<${ErrorBox} error=${q.error} />${q.error ? null : html`<p>Loading…</p>`}`;
  const d = q.data;
  const m = d.message_stats ?? {};
  const queued = levels([
    { label: 'Ready', details: d.messages_ready_details },
    { label: 'Unacked', details: d.messages_unacknowledged_details },
  ]);
  const msgRates = rates([
    { label: 'Publish', details: m.publish_details },
    { label: 'Deliver', details: m.deliver_get_details },
    { label: 'Ack', details: m.ack_details },
    { label: 'Redeliver', details: m.redeliver_details },
  ]);
  return html`<${Section} title=${`Queue ${name}`}>
      <${ErrorBox} error=${q.error} />
      <dl class="facts">
        <dt>Virtual host</dt><dd>${d.vhost}</dd>
        <dt>Type</dt><dd>${d.type}</dd>
        <dt>Features</dt><dd>${features(d) || '–'}</dd>
        <dt>State</dt><dd>${d.state}</dd>
        <dt>Ready</dt><dd data-testid="ready">${num(d.messages_ready)}</dd>
        <dt>Unacked</dt><dd>${num(d.messages_unacknowledged)}</dd>
        <dt>Total</dt><dd data-testid="total">${num(d.messages)}</dd>
        <dt>Consumers</dt><dd>${num(d.consumers)}</dd>
        <dt>Incoming</dt><dd>${rate(m.publish_details) || '0/s'}</dd>
      </dl>
    </${Section}>
    <${Section} title="Queued messages">
      <${Chart} id="chart-queue-queued" title="Queued messages" data=${queued} />
    </${Section}>
    <${Section} title="Message rates">
      <${Chart} id="chart-queue-rates" title="Message rates" data=${msgRates} unit="/s" />
    </${Section}>
    <${Section} title="Consumers">
      <${Table} label="Consumers" rows=${d.consumer_details ?? []} rowKey=${(c: Json) => c.consumer_tag} empty="No consumers."
        columns=${[
          { key: 'tag', label: 'Consumer tag', render: (c: Json) => c.consumer_tag },
          { key: 'channel', label: 'Channel', render: (c: Json) => c.channel_details?.name },
          { key: 'ack', label: 'Ack required', render: (c: Json) => String(c.ack_required) },
          { key: 'exclusive', label: 'Exclusive', render: (c: Json) => String(c.exclusive) },
          { key: 'prefetch', label: 'Prefetch', render: (c: Json) => num(c.prefetch_count), numeric: true },
          { key: 'active', label: 'Active', render: (c: Json) => String(c.active) },
        ]} />
    </${Section}>
    <${Section} title="Bindings">
      <${ErrorBox} error=${bindings.error} />
      <${BindingsTable} api=${api} rows=${bindings.data ?? []} onChange=${bindings.reload} />
      <${BindForm} api=${api} vhost=${vhost} destination=${name} onDone=${bindings.reload} />
    </${Section}>
    <${PublishForm} api=${api} vhost=${vhost} exchange="" routingKey=${name} />
    <${GetMessages} api=${api} path=${path} onDone=${q.reload} />
    <${Danger} api=${api} path=${path} name=${name} onPurged=${q.reload} onDeleted=${() => props.go('#/queues')} />`;
}
