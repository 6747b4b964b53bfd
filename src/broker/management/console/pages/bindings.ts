/** A bindings table with Unbind buttons (DELETE /api/bindings/{vhost}/e/{source}/{q|e}/{dest}/{props}). */
import { html } from 'htm/preact';
import { type Api, type Json, seg } from '../api.js';
import { ErrorBox, Table, useAction } from '../ui.js';

export function link(kind: 'queues' | 'exchanges', vhost: string, name: string): string {
  return `#/${kind}/${seg(vhost)}/${seg(name || 'amq.default')}`;
}

export function BindingsTable(props: { api: Api; rows: Json[]; onChange: () => void }) {
  const a = useAction();
  const unbind = (b: Json) =>
    a.run(async () => {
      const d = b.destination_type === 'queue' ? 'q' : 'e';
      await props.api.del(
        `/bindings/${seg(b.vhost)}/e/${seg(b.source)}/${d}/${seg(b.destination)}/${seg(b.properties_key)}`,
      );
      props.onChange();
      return undefined;
    });
  return html`<${ErrorBox} error=${a.error} />
    <${Table} label="Bindings" rows=${props.rows}
      rowKey=${(b: Json) => `${b.source}|${b.destination_type}|${b.destination}|${b.properties_key}`}
      empty="No bindings."
      columns=${[
        {
          key: 'source',
          label: 'From',
          render: (b: Json) =>
            b.source === ''
              ? html`<em>(default exchange)</em>`
              : html`<a href=${link('exchanges', b.vhost, b.source)}>${b.source}</a>`,
        },
        {
          key: 'dest',
          label: 'To',
          render: (b: Json) =>
            html`<a href=${link(b.destination_type === 'queue' ? 'queues' : 'exchanges', b.vhost, b.destination)}>${b.destination}</a> (${b.destination_type})`,
        },
        { key: 'key', label: 'Routing key', render: (b: Json) => b.routing_key },
        { key: 'args', label: 'Arguments', render: (b: Json) => JSON.stringify(b.arguments ?? {}) },
        {
          key: 'action',
          label: 'Action',
          render: (b: Json) =>
            b.source === ''
              ? null
              : html`<button type="button" disabled=${a.busy} onClick=${() => unbind(b)}
                  aria-label=${`Unbind ${b.destination} from ${b.source} with key ${b.routing_key}`}>Unbind</button>`,
        },
      ]} />`;
}
