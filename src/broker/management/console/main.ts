/**
 * The management console: a single-page app over the public management API.
 * Hash routes (#/overview, #/queues/{vhost}/{name}, ...) so the broker only
 * serves one page; the login is checked with GET /api/whoami and follows the
 * user's tags as RabbitMQ's UI does (management-capable tags to log in,
 * administrator for Admin).
 */
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import {
  type Api,
  apiBase,
  bindApi,
  type Credentials,
  type Json,
  loadCredentials,
  request,
  saveCredentials,
} from './api.js';
import { Admin } from './pages/admin.js';
import { Channels, Connections } from './pages/connections.js';
import { ExchangePage, Exchanges } from './pages/exchanges.js';
import { Overview } from './pages/overview.js';
import { QueuePage } from './pages/queue.js';
import { Queues } from './pages/queues.js';
import { ErrorBox, errorText, Field } from './ui.js';

interface Session {
  api: Api;
  tags: string[];
}

/** RabbitMQ lets users with any of these tags into its UI (rabbit_mgmt_util:is_authorized_user). */
const UI_TAGS = ['management', 'policymaker', 'monitoring', 'administrator'];

function tagList(t: unknown): string[] {
  if (Array.isArray(t)) return t.map(String);
  return typeof t === 'string'
    ? t
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
}

async function logIn(c: Credentials): Promise<Session> {
  const me: Json = await request(c, 'GET', '/whoami');
  const tags = tagList(me?.tags);
  if (!tags.some((t) => UI_TAGS.includes(t))) throw new Error('Not management user: this user has no management tag.');
  return { api: bindApi(c), tags };
}

function Login(props: { onLogin: (s: Session) => void; initialError?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>(props.initialError);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const c = { username, password };
      const s = await logIn(c);
      saveCredentials(c);
      props.onLogin(s);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="login">
    <h1>qpidd management</h1>
    <form onSubmit=${submit} aria-label="Log in">
      <${Field} label="Username" value=${username} onInput=${setUsername} autocomplete="username" required />
      <${Field} label="Password" type="password" value=${password} onInput=${setPassword} autocomplete="current-password" />
      <button type="submit" disabled=${busy}>Log in</button>
      <${ErrorBox} error=${error} />
    </form>
    <p class="hint">Management API: ${apiBase()}/api</p>
  </main>`;
}

const PAGES = ['overview', 'connections', 'channels', 'exchanges', 'queues', 'admin'] as const;
const TITLES: Record<string, string> = {
  overview: 'Overview',
  connections: 'Connections',
  channels: 'Channels',
  exchanges: 'Exchanges',
  queues: 'Queues',
  admin: 'Admin',
};

function route(): string[] {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  try {
    return parts.map(decodeURIComponent);
  } catch {
    return [];
  }
}

function useRoute(): string[] {
  const [r, setR] = useState(route());
  useEffect(() => {
    const on = () => setR(route());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}

function Page(props: { session: Session; r: string[] }) {
  const { api } = props.session;
  const [page, vhost, name] = props.r;
  const go = (hash: string) => {
    location.hash = hash;
  };
  switch (page) {
    case 'connections':
      return html`<${Connections} api=${api} />`;
    case 'channels':
      return html`<${Channels} api=${api} />`;
    case 'exchanges':
      return vhost !== undefined && name !== undefined
        ? html`<${ExchangePage} key=${`${vhost}/${name}`} api=${api} vhost=${vhost} name=${name} go=${go} />`
        : html`<${Exchanges} api=${api} />`;
    case 'queues':
      return vhost !== undefined && name !== undefined
        ? html`<${QueuePage} key=${`${vhost}/${name}`} api=${api} vhost=${vhost} name=${name} go=${go} />`
        : html`<${Queues} api=${api} />`;
    case 'admin':
      return props.session.tags.includes('administrator')
        ? html`<${Admin} api=${api} />`
        : html`<p class="notice" role="status">Admin needs the administrator tag.</p>`;
    default:
      return html`<${Overview} api=${api} />`;
  }
}

function Shell(props: { session: Session; onLogout: () => void }) {
  const r = useRoute();
  const current = PAGES.includes(r[0] as (typeof PAGES)[number]) ? (r[0] as string) : 'overview';
  const visible = PAGES.filter((p) => p !== 'admin' || props.session.tags.includes('administrator'));
  useEffect(() => {
    document.title = `${TITLES[current]} · qpidd management`;
  }, [current]);
  return html`<header class="top">
      <span class="brand">qpidd management</span>
      <nav aria-label="Main">
        ${visible.map(
          (p) => html`<a href=${`#/${p}`} aria-current=${p === current ? 'page' : undefined}>${TITLES[p]}</a>`,
        )}
      </nav>
      <span class="who">${props.session.api.user.username}</span>
      <button type="button" onClick=${props.onLogout}>Log out</button>
    </header>
    <main><h1>${TITLES[current]}</h1><${Page} session=${props.session} r=${r} /></main>`;
}

function App() {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [checking, setChecking] = useState(loadCredentials() !== undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const saved = loadCredentials();
    if (saved === undefined) return;
    logIn(saved)
      .then(setSession, (e) => {
        saveCredentials(undefined);
        setError(errorText(e));
      })
      .finally(() => setChecking(false));
  }, []);
  if (checking) return html`<p>Loading…</p>`;
  if (session === undefined) return html`<${Login} onLogin=${setSession} initialError=${error} />`;
  const logout = () => {
    saveCredentials(undefined);
    setSession(undefined);
  };
  return html`<${Shell} session=${session} onLogout=${logout} />`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
