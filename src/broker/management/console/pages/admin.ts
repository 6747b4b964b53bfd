/**
 * Admin: users, virtual hosts and permissions over RabbitMQ's /api/users,
 * /api/vhosts and /api/permissions. A broker without one of these endpoints
 * (404) gets a sentence saying it is not available, not an error.
 */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { type Api, ApiError, type Json, seg } from '../api.js';
import { ErrorBox, Field, Notice, Section, Table, useAction, usePoll } from '../ui.js';

type Listing = { available: true; rows: Json[] } | { available: false };

async function listing(api: Api, path: string): Promise<Listing> {
  try {
    return { available: true, rows: (await api.get(path)) ?? [] };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return { available: false };
    throw e;
  }
}

function tagsOf(u: Json): string {
  return Array.isArray(u.tags) ? u.tags.join(', ') : String(u.tags ?? '');
}

function Unavailable(props: { what: string; path: string }) {
  return html`<p class="notice" role="status">${props.what} are not available on this broker (no ${props.path} endpoint).</p>`;
}

function DeleteButton(props: { label: string; run: () => Promise<unknown>; onDone: () => void }) {
  const a = useAction();
  return html`<button type="button" class="danger" aria-label=${props.label} disabled=${a.busy}
      onClick=${() =>
        a.run(async () => {
          await props.run();
          props.onDone();
          return undefined;
        })}>Delete</button>${a.error ? html`<span class="error" role="alert">${a.error}</span>` : null}`;
}

function Users(props: { api: Api }) {
  const { api } = props;
  const l = usePoll(() => listing(api, '/users'), [api]);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [tags, setTags] = useState('');
  const a = useAction();
  if (!l.data) return html`<${Section} title="Users"><${ErrorBox} error=${l.error} /></${Section}>`;
  if (!l.data.available)
    return html`<${Section} title="Users"><${Unavailable} what="Users" path="/api/users" /></${Section}>`;
  const add = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      await api.put(`/users/${seg(name)}`, { password, tags });
      l.reload();
      return `User ${name} saved.`;
    });
  };
  return html`<${Section} title="Users">
    <${ErrorBox} error=${l.error} />
    <${Table} label="Users" rows=${l.data.rows} rowKey=${(u: Json) => u.name}
      columns=${[
        { key: 'name', label: 'Name', render: (u: Json) => u.name, sortValue: (u: Json) => u.name },
        { key: 'tags', label: 'Tags', render: tagsOf },
        {
          key: 'del',
          label: 'Action',
          render: (u: Json) =>
            html`<${DeleteButton} label=${`Delete user ${u.name}`} run=${() => api.del(`/users/${seg(u.name)}`)} onDone=${l.reload} />`,
        },
      ]} />
    <form onSubmit=${add} aria-label="Add a user">
      <h3>Add a user</h3>
      <div class="grid">
        <${Field} label="User name" value=${name} onInput=${setName} required />
        <${Field} label="User password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" />
        <${Field} label="Tags" value=${tags} onInput=${setTags} placeholder="administrator, monitoring, management" />
      </div>
      <button type="submit" disabled=${a.busy}>Add user</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}

function Vhosts(props: { api: Api }) {
  const { api } = props;
  const l = usePoll(() => listing(api, '/vhosts'), [api]);
  const [name, setName] = useState('');
  const a = useAction();
  if (!l.data) return html`<${Section} title="Virtual hosts"><${ErrorBox} error=${l.error} /></${Section}>`;
  if (!l.data.available) {
    return html`<${Section} title="Virtual hosts"><${Unavailable} what="Virtual hosts" path="/api/vhosts" /></${Section}>`;
  }
  const add = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      await api.put(`/vhosts/${seg(name)}`, {});
      l.reload();
      return `Virtual host ${name} added.`;
    });
  };
  return html`<${Section} title="Virtual hosts">
    <${ErrorBox} error=${l.error} />
    <${Table} label="Virtual hosts" rows=${l.data.rows} rowKey=${(v: Json) => v.name}
      columns=${[
        { key: 'name', label: 'Name', render: (v: Json) => v.name, sortValue: (v: Json) => v.name },
        { key: 'messages', label: 'Messages', render: (v: Json) => v.messages ?? '', numeric: true },
        {
          key: 'del',
          label: 'Action',
          render: (v: Json) =>
            html`<${DeleteButton} label=${`Delete virtual host ${v.name}`} run=${() => api.del(`/vhosts/${seg(v.name)}`)} onDone=${l.reload} />`,
        },
      ]} />
    <form onSubmit=${add} aria-label="Add a virtual host">
      <h3>Add a virtual host</h3>
      <div class="grid"><${Field} label="Virtual host name" value=${name} onInput=${setName} required /></div>
      <button type="submit" disabled=${a.busy}>Add virtual host</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}

function Permissions(props: { api: Api }) {
  const { api } = props;
  const l = usePoll(() => listing(api, '/permissions'), [api]);
  const [user, setUser] = useState('');
  const [vhost, setVhost] = useState('/');
  const [conf, setConf] = useState('.*');
  const [write, setWrite] = useState('.*');
  const [read, setRead] = useState('.*');
  const a = useAction();
  if (!l.data) return html`<${Section} title="Permissions"><${ErrorBox} error=${l.error} /></${Section}>`;
  if (!l.data.available) {
    return html`<${Section} title="Permissions"><${Unavailable} what="Permissions" path="/api/permissions" /></${Section}>`;
  }
  const set = (e: Event) => {
    e.preventDefault();
    void a.run(async () => {
      await api.put(`/permissions/${seg(vhost)}/${seg(user)}`, { configure: conf, write, read });
      l.reload();
      return `Permissions of ${user} on ${vhost} set.`;
    });
  };
  return html`<${Section} title="Permissions">
    <${ErrorBox} error=${l.error} />
    <${Table} label="Permissions" rows=${l.data.rows} rowKey=${(p: Json) => `${p.vhost}|${p.user}`}
      columns=${[
        { key: 'user', label: 'User', render: (p: Json) => p.user, sortValue: (p: Json) => p.user },
        { key: 'vhost', label: 'Virtual host', render: (p: Json) => p.vhost, sortValue: (p: Json) => p.vhost },
        { key: 'configure', label: 'Configure', render: (p: Json) => p.configure },
        { key: 'write', label: 'Write', render: (p: Json) => p.write },
        { key: 'read', label: 'Read', render: (p: Json) => p.read },
        {
          key: 'del',
          label: 'Action',
          render: (p: Json) =>
            html`<${DeleteButton} label=${`Clear permissions of ${p.user} on ${p.vhost}`}
              run=${() => api.del(`/permissions/${seg(p.vhost)}/${seg(p.user)}`)} onDone=${l.reload} />`,
        },
      ]} />
    <form onSubmit=${set} aria-label="Set permission">
      <h3>Set permission</h3>
      <div class="grid">
        <${Field} label="Permission user" value=${user} onInput=${setUser} required />
        <${Field} label="Permission virtual host" value=${vhost} onInput=${setVhost} required />
        <${Field} label="Configure regexp" value=${conf} onInput=${setConf} />
        <${Field} label="Write regexp" value=${write} onInput=${setWrite} />
        <${Field} label="Read regexp" value=${read} onInput=${setRead} />
      </div>
      <button type="submit" disabled=${a.busy}>Set permission</button>
      <${ErrorBox} error=${a.error} /><${Notice} text=${a.done} />
    </form>
  </${Section}>`;
}

export function Admin(props: { api: Api }) {
  return html`<${Users} api=${props.api} /><${Vhosts} api=${props.api} /><${Permissions} api=${props.api} />`;
}
