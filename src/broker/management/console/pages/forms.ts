/** Forms shared by the exchange and queue pages: publish a message, add a binding, add a queue or exchange. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Api, seg } from '../api.js';
import { Check, ErrorBox, Field, Notice, parseObject, Section, Select, TextArea, useAction } from '../ui.js';

/** The message properties a publish form offers (RabbitMQ's names); delivery_mode is a select. */
const PROPERTY_FIELDS = ['content_type', 'correlation_id', 'reply_to', 'message_id', 'expiration', 'type', 'app_id'];

/** Publish message: POST /api/exchanges/{vhost}/{exchange}/publish (the default exchange is amq.default). */
export function PublishForm(props: { api: Api; vhost: string; exchange: string; routingKey?: string }) {
  const [routingKey, setRoutingKey] = useState(props.routingKey ?? '');
  const [payload, setPayload] = useState('');
  const [headers, setHeaders] = useState('');
  const [mode, setMode] = useState('1 - non-persistent');
  const [props_, setProps] = useState<Record<string, string>>({});
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      const properties: Record<string, unknown> = { delivery_mode: mode.startsWith('2') ? 2 : 1 };
      const h = parseObject('Headers', headers);
      if (Object.keys(h).length > 0) properties['headers'] = h;
      for (const [k, v] of Object.entries(props_)) if (v !== '') properties[k] = v;
      const r = await props.api.post(`/exchanges/${seg(props.vhost)}/${seg(props.exchange || 'amq.default')}/publish`, {
        properties,
        routing_key: routingKey,
        payload,
        payload_encoding: 'string',
      });
      return r?.routed ? 'Message published.' : 'Message published, but not routed to any queue.';
    });
  };
  return html`<${Section} title="Publish message">
    <form onSubmit=${submit} aria-label="Publish message">
      <div class="grid">
        <${Field} label="Routing key" value=${routingKey} onInput=${setRoutingKey} />
        <${Select} label="Delivery mode" value=${mode} options=${['1 - non-persistent', '2 - persistent']} onChange=${setMode} />
        ${PROPERTY_FIELDS.map(
          (k) =>
            html`<${Field} label=${k} value=${props_[k] ?? ''} onInput=${(v: string) => setProps({ ...props_, [k]: v })} />`,
        )}
      </div>
      <${TextArea} label="Headers (JSON object)" value=${headers} onInput=${setHeaders} rows=${2} />
      <${TextArea} label="Payload" value=${payload} onInput=${setPayload} rows=${4} />
      <button type="submit" disabled=${a.busy}>Publish message</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}

/** Add binding from an exchange to a queue or exchange (POST /api/bindings/{vhost}/e/{source}/{q|e}/{dest}). */
export function BindForm(props: {
  api: Api;
  vhost: string;
  source?: string;
  destination?: string;
  onDone: () => void;
}) {
  const [source, setSource] = useState(props.source ?? '');
  const [dest, setDest] = useState(props.destination ?? '');
  const [kind, setKind] = useState('queue');
  const [key, setKey] = useState('');
  const [args, setArgs] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      const d = kind === 'queue' ? 'q' : 'e';
      await props.api.post(`/bindings/${seg(props.vhost)}/e/${seg(source)}/${d}/${seg(dest)}`, {
        routing_key: key,
        arguments: parseObject('Arguments', args),
      });
      props.onDone();
      return 'Binding added.';
    });
  };
  return html`<form onSubmit=${submit} aria-label="Add binding">
    <h3>Add binding</h3>
    <div class="grid">
      ${props.source === undefined && html`<${Field} label="From exchange" value=${source} onInput=${setSource} required />`}
      ${props.destination === undefined && html`<${Select} label="Destination type" value=${kind} options=${['queue', 'exchange']} onChange=${setKind} />`}
      ${props.destination === undefined && html`<${Field} label="To" value=${dest} onInput=${setDest} required />`}
      <${Field} label="Binding key" value=${key} onInput=${setKey} />
    </div>
    <${TextArea} label="Binding arguments (JSON object)" value=${args} onInput=${setArgs} rows=${2} />
    <button type="submit" disabled=${a.busy}>Bind</button>
    <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
  </form>`;
}

/** The common queue arguments, offered as fields (RabbitMQ's UI has the same shortcuts). */
const QUEUE_ARGS: [string, string, 'number' | 'string'][] = [
  ['Message TTL (ms)', 'x-message-ttl', 'number'],
  ['Auto expire (ms)', 'x-expires', 'number'],
  ['Max length', 'x-max-length', 'number'],
  ['Max length bytes', 'x-max-length-bytes', 'number'],
  ['Dead letter exchange', 'x-dead-letter-exchange', 'string'],
  ['Dead letter routing key', 'x-dead-letter-routing-key', 'string'],
  ['Maximum priority', 'x-max-priority', 'number'],
];

function collectArgs(values: Record<string, string>, specs: typeof QUEUE_ARGS, extra: string) {
  const out: Record<string, unknown> = {};
  for (const [label, key, type] of specs) {
    const v = (values[key] ?? '').trim();
    if (v === '') continue;
    if (type === 'number') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${label} must be a whole number`);
      out[key] = n;
    } else out[key] = v;
  }
  return { ...out, ...parseObject('Other arguments', extra) };
}

export function AddQueueForm(props: { api: Api; vhosts: string[]; onDone: () => void }) {
  const [vhost, setVhost] = useState(props.vhosts[0] ?? '/');
  const [name, setName] = useState('');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      const args = collectArgs(values, QUEUE_ARGS, extra);
      await props.api.put(`/queues/${seg(vhost)}/${seg(name)}`, { durable, auto_delete: autoDelete, arguments: args });
      props.onDone();
      return `Queue ${name} added.`;
    });
  };
  return html`<${Section} title="Add a new queue">
    <form onSubmit=${submit} aria-label="Add a new queue">
      <div class="grid">
        <${Select} label="Virtual host" value=${vhost} options=${props.vhosts} onChange=${setVhost} />
        <${Field} label="Name" value=${name} onInput=${setName} required />
        <${Check} label="Durable" checked=${durable} onChange=${setDurable} />
        <${Check} label="Auto delete" checked=${autoDelete} onChange=${setAutoDelete} />
        ${QUEUE_ARGS.map(
          ([label, key]) =>
            html`<${Field} label=${label} value=${values[key] ?? ''} onInput=${(v: string) => setValues({ ...values, [key]: v })} />`,
        )}
      </div>
      <${TextArea} label="Other arguments (JSON object)" value=${extra} onInput=${setExtra} rows=${2} />
      <button type="submit" disabled=${a.busy}>Add queue</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}

export function AddExchangeForm(props: { api: Api; vhosts: string[]; onDone: () => void }) {
  const [vhost, setVhost] = useState(props.vhosts[0] ?? '/');
  const [name, setName] = useState('');
  const [type, setType] = useState('direct');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [internal, setInternal] = useState(false);
  const [ae, setAe] = useState('');
  const [extra, setExtra] = useState('');
  const a = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      const args = { ...(ae.trim() ? { 'alternate-exchange': ae.trim() } : {}), ...parseObject('Arguments', extra) };
      await props.api.put(`/exchanges/${seg(vhost)}/${seg(name)}`, {
        type,
        durable,
        auto_delete: autoDelete,
        internal,
        arguments: args,
      });
      props.onDone();
      return `Exchange ${name} added.`;
    });
  };
  return html`<${Section} title="Add a new exchange">
    <form onSubmit=${submit} aria-label="Add a new exchange">
      <div class="grid">
        <${Select} label="Virtual host" value=${vhost} options=${props.vhosts} onChange=${setVhost} />
        <${Field} label="Name" value=${name} onInput=${setName} required />
        <${Select} label="Type" value=${type} options=${['direct', 'fanout', 'topic', 'headers']} onChange=${setType} />
        <${Check} label="Durable" checked=${durable} onChange=${setDurable} />
        <${Check} label="Auto delete" checked=${autoDelete} onChange=${setAutoDelete} />
        <${Check} label="Internal" checked=${internal} onChange=${setInternal} />
        <${Field} label="Alternate exchange" value=${ae} onInput=${setAe} />
      </div>
      <${TextArea} label="Other arguments (JSON object)" value=${extra} onInput=${setExtra} rows=${2} />
      <button type="submit" disabled=${a.busy}>Add exchange</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}
