/** Exchanges: the list (with Add a new exchange) and one exchange's page (bindings, publish, delete). */
import { html } from 'htm/preact';
import { type Api, type Json, seg } from '../api.js';
import { ErrorBox, features, Notice, rate, Section, Table, useAction, usePoll } from '../ui.js';
import { BindingsTable, link } from './bindings.js';
import { AddExchangeForm, BindForm, PublishForm } from './forms.js';

const shown = (name: string) => name || '(AMQP default)';

export function Exchanges(props: { api: Api }) {
  const list = usePoll(() => props.api.get('/exchanges'), [props.api]);
  const vhosts = usePoll(() => props.api.get('/vhosts'), [props.api]);
  const names: string[] = (vhosts.data ?? []).map((v: Json) => v.name);
  return html`<${Section} title="Exchanges">
      <${ErrorBox} error=${list.error} />
      <${Table} label="Exchanges" rows=${list.data ?? []} rowKey=${(x: Json) => `${x.vhost}|${x.name}`}
        columns=${[
          { key: 'vhost', label: 'Virtual host', render: (x: Json) => x.vhost, sortValue: (x: Json) => x.vhost },
          {
            key: 'name',
            label: 'Name',
            render: (x: Json) => html`<a href=${link('exchanges', x.vhost, x.name)}>${shown(x.name)}</a>`,
            sortValue: (x: Json) => x.name,
          },
          { key: 'type', label: 'Type', render: (x: Json) => x.type, sortValue: (x: Json) => x.type },
          { key: 'features', label: 'Features', render: (x: Json) => features(x) },
          {
            key: 'in',
            label: 'Rate in',
            render: (x: Json) => rate(x.message_stats?.publish_in_details),
            numeric: true,
          },
          {
            key: 'out',
            label: 'Rate out',
            render: (x: Json) => rate(x.message_stats?.publish_out_details),
            numeric: true,
          },
        ]} />
    </${Section}>
    <${AddExchangeForm} api=${props.api} vhosts=${names.length ? names : ['/']} onDone=${list.reload} />`;
}

export function ExchangePage(props: { api: Api; vhost: string; name: string; go: (hash: string) => void }) {
  const { api, vhost } = props;
  const name = props.name === 'amq.default' ? '' : props.name;
  const path = `/exchanges/${seg(vhost)}/${seg(props.name)}`;
  const x = usePoll(() => api.get(path), [api, path]);
  const bindings = usePoll(() => api.get(`${path}/bindings/source`), [api, path]);
  const del = useAction();
  if (!x.data) return html`<${ErrorBox} error=${x.error} />${x.error ? null : html`<p>Loading…</p>`}`;
  const e = x.data;
  const remove = () =>
    del.run(async () => {
      await api.del(path);
      props.go('#/exchanges');
      return undefined;
    });
  return html`<${Section} title=${`Exchange ${shown(name)}`}>
      <${ErrorBox} error=${x.error} />
      <dl class="facts">
        <dt>Virtual host</dt><dd>${e.vhost}</dd>
        <dt>Type</dt><dd>${e.type}</dd>
        <dt>Features</dt><dd>${features(e) || '–'}</dd>
        <dt>Publish in</dt><dd>${rate(e.message_stats?.publish_in_details) || '0/s'}</dd>
        <dt>Publish out</dt><dd>${rate(e.message_stats?.publish_out_details) || '0/s'}</dd>
      </dl>
    </${Section}>
    ${
      name !== '' &&
      html`<${Section} title="Bindings">
        <${ErrorBox} error=${bindings.error} />
        <${BindingsTable} api=${api} rows=${bindings.data ?? []} onChange=${bindings.reload} />
        <${BindForm} api=${api} vhost=${vhost} source=${name} onDone=${bindings.reload} />
      </${Section}>`
    }
    <${PublishForm} api=${api} vhost=${vhost} exchange=${name} />
    ${
      name !== '' &&
      !name.startsWith('amq.') &&
      html`<${Section} title="Delete this exchange">
        <button type="button" class="danger" onClick=${remove} disabled=${del.busy}>Delete exchange</button>
        <${ErrorBox} error=${del.error} /><${Notice} text=${del.done} />
      </${Section}>`
    }`;
}
