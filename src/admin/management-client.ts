/**
 * A small typed client for the management HTTP API, shared by the admin CLIs
 * (qpid-config, qpid-stat). It talks to RabbitMQ 3.10's management plugin and
 * to the bundled broker's compatible subset alike.
 */
import type {
  BindBody,
  BindingInfo,
  ChannelInfo,
  ConnectionInfo,
  ConsumerInfo,
  ExchangeDeclareBody,
  ExchangeInfo,
  GetBody,
  GotMessage,
  Overview,
  PublishBody,
  QueueDeclareBody,
  QueueInfo,
  VhostInfo,
  WhoAmI,
} from './types.js';

export type * from './types.js';

export interface ManagementClientOptions {
  /** Base URL, e.g. http://localhost:15672 (a path prefix is kept). */
  url: string;
  username?: string;
  password?: string;
  /** Replaces globalThis.fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** The API answered with an error status; `error` and `reason` are RabbitMQ's JSON fields. */
export class ManagementError extends Error {
  override name = 'ManagementError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${error}${reason ? `: ${reason}` : ''}`);
  }
}

/** The API could not be reached; the message is one line, e.g. `cannot connect to localhost:15672 (ECONNREFUSED)`. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    readonly host: string,
    readonly code: string,
    options?: { cause?: unknown; url?: string },
  ) {
    super(
      options?.url === undefined
        ? `cannot connect to ${host} (${code})`
        : `cannot reach the management API at ${options.url} (${code})`,
      options,
    );
    this.url = options?.url;
  }
  /** The management API URL that was tried, when it is known. */
  readonly url: string | undefined;
}

const enc = encodeURIComponent;

function vhostPath(vhost?: string): string {
  return vhost === undefined ? '' : `/${enc(vhost)}`;
}

export class ManagementClient {
  private readonly base: URL;
  private readonly authHeader: string | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: ManagementClientOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    const user = options.username ?? (decodeURIComponent(this.base.username) || undefined);
    const pass = options.password ?? decodeURIComponent(this.base.password);
    this.base.username = '';
    this.base.password = '';
    this.authHeader =
      user === undefined ? undefined : `Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}`;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** host:port of the API, for messages. */
  get address(): string {
    return this.base.host;
  }

  // ---- listing ------------------------------------------------------------

  overview(): Promise<Overview> {
    return this.request('GET', '/api/overview');
  }
  whoami(): Promise<WhoAmI> {
    return this.request('GET', '/api/whoami');
  }
  vhosts(): Promise<VhostInfo[]> {
    return this.request('GET', '/api/vhosts');
  }
  queues(vhost?: string): Promise<QueueInfo[]> {
    return this.request('GET', `/api/queues${vhostPath(vhost)}`);
  }
  queue(vhost: string, name: string): Promise<QueueInfo> {
    return this.request('GET', `/api/queues/${enc(vhost)}/${enc(name)}`);
  }
  exchanges(vhost?: string): Promise<ExchangeInfo[]> {
    return this.request('GET', `/api/exchanges${vhostPath(vhost)}`);
  }
  exchange(vhost: string, name: string): Promise<ExchangeInfo> {
    return this.request('GET', `/api/exchanges/${enc(vhost)}/${enc(name || 'amq.default')}`);
  }
  bindings(vhost?: string): Promise<BindingInfo[]> {
    return this.request('GET', `/api/bindings${vhostPath(vhost)}`);
  }
  queueBindings(vhost: string, queue: string): Promise<BindingInfo[]> {
    return this.request('GET', `/api/queues/${enc(vhost)}/${enc(queue)}/bindings`);
  }
  exchangeBindingsSource(vhost: string, exchange: string): Promise<BindingInfo[]> {
    return this.request('GET', `/api/exchanges/${enc(vhost)}/${enc(exchange || 'amq.default')}/bindings/source`);
  }
  connections(): Promise<ConnectionInfo[]> {
    return this.request('GET', '/api/connections');
  }
  channels(): Promise<ChannelInfo[]> {
    return this.request('GET', '/api/channels');
  }
  consumers(): Promise<ConsumerInfo[]> {
    return this.request('GET', '/api/consumers');
  }

  // ---- changes ------------------------------------------------------------

  /** Declares a queue; resolves true when it was created, false when it existed (201 vs 204). */
  async declareQueue(vhost: string, name: string, body: QueueDeclareBody = {}): Promise<boolean> {
    return (await this.send('PUT', `/api/queues/${enc(vhost)}/${enc(name)}`, body)) === 201;
  }

  async deleteQueue(vhost: string, name: string, opts: { ifEmpty?: boolean; ifUnused?: boolean } = {}): Promise<void> {
    const q = new URLSearchParams();
    if (opts.ifEmpty) q.set('if-empty', 'true');
    if (opts.ifUnused) q.set('if-unused', 'true');
    const qs = q.size > 0 ? `?${q}` : '';
    await this.send('DELETE', `/api/queues/${enc(vhost)}/${enc(name)}${qs}`);
  }

  /** Declares an exchange; resolves true when it was created. */
  async declareExchange(vhost: string, name: string, body: ExchangeDeclareBody = {}): Promise<boolean> {
    return (await this.send('PUT', `/api/exchanges/${enc(vhost)}/${enc(name)}`, body)) === 201;
  }

  async deleteExchange(vhost: string, name: string, opts: { ifUnused?: boolean } = {}): Promise<void> {
    const qs = opts.ifUnused ? '?if-unused=true' : '';
    await this.send('DELETE', `/api/exchanges/${enc(vhost)}/${enc(name)}${qs}`);
  }

  /** Binds `destination` (a queue, or an exchange with destinationType 'exchange') to `source`. */
  async bind(
    vhost: string,
    source: string,
    destination: string,
    body: BindBody = {},
    destinationType: 'queue' | 'exchange' = 'queue',
  ): Promise<void> {
    const d = destinationType === 'queue' ? 'q' : 'e';
    await this.send('POST', `/api/bindings/${enc(vhost)}/e/${enc(source)}/${d}/${enc(destination)}`, {
      routing_key: body.routing_key ?? '',
      arguments: body.arguments ?? {},
    });
  }

  /**
   * Removes a binding. With `arguments` the binding is found by listing (its
   * properties_key is the broker's); without, the key alone names it.
   */
  async unbind(
    vhost: string,
    source: string,
    destination: string,
    body: BindBody = {},
    destinationType: 'queue' | 'exchange' = 'queue',
  ): Promise<void> {
    const d = destinationType === 'queue' ? 'q' : 'e';
    const between = `/api/bindings/${enc(vhost)}/e/${enc(source)}/${d}/${enc(destination)}`;
    const key = body.routing_key ?? '';
    const wantedArgs = JSON.stringify(sortKeys(body.arguments ?? {}));
    const list = await this.request<BindingInfo[]>('GET', between);
    const found = list.find((b) => b.routing_key === key && JSON.stringify(sortKeys(b.arguments)) === wantedArgs);
    if (found === undefined) throw new ManagementError(404, 'Object Not Found', 'Not Found', 'DELETE', between);
    await this.send('DELETE', `${between}/${enc(found.properties_key)}`);
  }

  async purge(vhost: string, queue: string): Promise<void> {
    await this.send('DELETE', `/api/queues/${enc(vhost)}/${enc(queue)}/contents`);
  }

  get(vhost: string, queue: string, body: GetBody): Promise<GotMessage[]> {
    return this.request('POST', `/api/queues/${enc(vhost)}/${enc(queue)}/get`, body);
  }

  /** Publishes through the API; resolves whether the message reached a queue. */
  async publish(vhost: string, exchange: string, body: PublishBody): Promise<boolean> {
    const r = await this.request<{ routed: boolean }>(
      'POST',
      `/api/exchanges/${enc(vhost)}/${enc(exchange || 'amq.default')}/publish`,
      { properties: {}, payload_encoding: 'string', ...body },
    );
    return r.routed;
  }

  // ---- transport ----------------------------------------------------------

  /** PUT of a JSON body to any API path (e.g. a runtime parameter); resolves to the HTTP status. */
  async putJson(path: string, body: unknown): Promise<number> {
    return this.send('PUT', path, body);
  }

  /** DELETE of any API path; a 404 is a ManagementError like every other failure. */
  async deleteJson(path: string): Promise<void> {
    await this.send('DELETE', path);
  }

  /** One API call answering JSON (used by the access-control client too). */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** One API call whose answer is only a status (201, 204, ...). */
  async send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<number> {
    const res = await this.raw(method, path, body, headers);
    await res.arrayBuffer();
    return res.status;
  }

  private async raw(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<Response> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.authHeader) headers['authorization'] = this.authHeader;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new ConnectError(this.base.host, errorCode(e), { cause: e, url: this.base.toString().replace(/\/$/, '') });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let error = res.statusText || `HTTP ${res.status}`;
    let reason = '';
    try {
      const j = JSON.parse(text) as { error?: unknown; reason?: unknown };
      if (typeof j.error === 'string') error = j.error;
      if (j.reason !== undefined) reason = typeof j.reason === 'string' ? j.reason : JSON.stringify(j.reason);
    } catch {
      reason = text.slice(0, 200);
    }
    throw new ManagementError(res.status, error, reason, method, path);
  }
}

/** The errno-style code behind a failed fetch (undici hides it in `cause`). */
function errorCode(e: unknown): string {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
    const c = cur as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof c.code === 'string' && c.code !== 'UND_ERR_SOCKET') return c.code;
    if (c.name === 'TimeoutError') return 'ETIMEDOUT';
    if (Array.isArray(c.errors) && c.errors.length > 0) cur = c.errors[0];
    else cur = c.cause;
  }
  return (e as Error)?.message ?? String(e);
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
