/** Connections (with close-with-reason) and Channels. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Api, type Json, seg } from '../api.js';
import { type Column, ErrorBox, Field, Notice, num, rate, Section, Table, useAction, usePoll } from '../ui.js';

function clientName(props: Json): string {
  if (!props || typeof props !== 'object') return '';
  const parts = [props.connection_name, props.product, props.version, props.platform].filter(
    (x) => typeof x === 'string' && x !== '',
  );
  return parts.join(' · ');
}

function CloseForm(props: { api: Api; name: string; onClosed: (name: string) => void }) {
  const [reason, setReason] = useState('Closed via management console');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      await props.api.del(`/connections/${seg(props.name)}`, { 'X-Reason': reason });
      // The page says so: this form goes away with the connection.
      props.onClosed(props.name);
      return undefined;
    });
  };
  return html`<form class="inline" onSubmit=${submit} aria-label=${`Close connection ${props.name}`}>
    <${Field} label="Reason" value=${reason} onInput=${setReason} />
    <button type="submit" class="danger" disabled=${a.busy}>Close connection</button>
    <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
  </form>`;
}

export function Connections(props: { api: Api }) {
  const { data, error, reload } = usePoll(() => props.api.get('/connections'), [props.api]);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const [closed, setClosed] = useState<string | undefined>(undefined);
  const onClosed = (name: string) => {
    setClosed(`Closed ${name}`);
    setOpen(undefined);
    reload();
  };
  const columns: Column<Json>[] = [
    {
      key: 'name',
      label: 'Name',
      render: (c) => html`<button type="button" class="link" aria-expanded=${open === c.name}
        onClick=${() => setOpen(open === c.name ? undefined : c.name)}>${c.name}</button>`,
      sortValue: (c) => c.name,
    },
    { key: 'user', label: 'User', render: (c) => c.user, sortValue: (c) => c.user ?? '' },
    { key: 'vhost', label: 'Virtual host', render: (c) => c.vhost, sortValue: (c) => c.vhost ?? '' },
    { key: 'client', label: 'Client', render: (c) => clientName(c.client_properties) },
    { key: 'state', label: 'State', render: (c) => c.state, sortValue: (c) => c.state ?? '' },
    { key: 'channels', label: 'Channels', render: (c) => num(c.channels), sortValue: (c) => c.channels, numeric: true },
    { key: 'recv', label: 'From client', render: (c) => rate(c.recv_oct_details).replace('/s', ' B/s'), numeric: true },
    { key: 'send', label: 'To client', render: (c) => rate(c.send_oct_details).replace('/s', ' B/s'), numeric: true },
  ];
  const rows: Json[] = data ?? [];
  const selected = rows.find((c) => c.name === open);
  return html`<${Section} title="Connections">
    <${ErrorBox} error=${error} /><${Notice} text=${closed} />
    <${Table} label="Connections" columns=${columns} rows=${rows} rowKey=${(c: Json) => c.name} empty="No connections." />
    ${
      selected &&
      html`<div class="detail">
        <h3>${selected.name}</h3>
        <dl class="facts">
          <dt>Peer</dt><dd>${selected.peer_host}:${selected.peer_port}</dd>
          <dt>Protocol</dt><dd>${selected.protocol}</dd>
          <dt>Heartbeat</dt><dd>${selected.timeout}s</dd>
          <dt>Frame max</dt><dd>${num(selected.frame_max)}</dd>
        </dl>
        <h4>Client properties</h4>
        <pre class="props">${JSON.stringify(selected.client_properties ?? {}, null, 2)}</pre>
        <${CloseForm} api=${props.api} name=${selected.name} onClosed=${onClosed} />
      </div>`
    }
  </${Section}>`;
}

export function Channels(props: { api: Api }) {
  const { data, error } = usePoll(() => props.api.get('/channels'), [props.api]);
  const columns: Column<Json>[] = [
    { key: 'name', label: 'Channel', render: (c) => c.name, sortValue: (c) => c.name },
    { key: 'user', label: 'User', render: (c) => c.user, sortValue: (c) => c.user ?? '' },
    { key: 'vhost', label: 'Virtual host', render: (c) => c.vhost },
    { key: 'mode', label: 'Mode', render: (c) => [c.confirm ? 'C' : '', c.transactional ? 'T' : ''].join(' ') },
    { key: 'state', label: 'State', render: (c) => c.state },
    { key: 'prefetch', label: 'Prefetch', render: (c) => num(c.prefetch_count), numeric: true },
    {
      key: 'unacked',
      label: 'Unacked',
      render: (c) => num(c.messages_unacknowledged),
      sortValue: (c) => c.messages_unacknowledged ?? 0,
      numeric: true,
    },
    { key: 'consumers', label: 'Consumers', render: (c) => num(c.consumer_count), numeric: true },
    { key: 'publish', label: 'Publish', render: (c) => rate(c.message_stats?.publish_details), numeric: true },
    { key: 'confirm', label: 'Confirm', render: (c) => rate(c.message_stats?.confirm_details), numeric: true },
    { key: 'deliver', label: 'Deliver', render: (c) => rate(c.message_stats?.deliver_get_details), numeric: true },
    { key: 'ack', label: 'Ack', render: (c) => rate(c.message_stats?.ack_details), numeric: true },
  ];
  return html`<${Section} title="Channels">
    <${ErrorBox} error=${error} />
    <${Table} label="Channels" columns=${columns} rows=${data ?? []} rowKey=${(c: Json) => c.name} empty="No channels." />
  </${Section}>`;
}
