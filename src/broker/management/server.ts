/**
 * The management HTTP listener (node:http, no framework): basic auth with the
 * broker's users, JSON bodies limited to 1 MiB, RabbitMQ's error bodies
 * (`{error, reason}`), and every handler guarded so a bad request can never
 * take the broker down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { closeAll, listenAll } from '../listen.js';
import { authorize, type Caller, callerFor, notAuthorised, unrestrictedCaller } from './authorize.js';
import { selectColumns } from './columns.js';
import { ConsoleAssets } from './console-assets.js';
import type { ManagementHost } from './host.js';
import { HttpError, notFoundError, type Reply } from './http-error.js';
import type { Json, JsonObject } from './json.js';
import { paginate } from './pagination.js';
import type { RequestContext } from './route-types.js';
import { matchRoute } from './routes.js';
import { StatsSampler } from './stats.js';

/** Largest request body accepted; larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ManagementOptions {
  /** Statistics sample interval for rates (default: the broker's statsIntervalMs). */
  sampleIntervalMs?: number;
}

export class ManagementServer {
  readonly sampler: StatsSampler;
  private readonly assets = new ConsoleAssets();
  private readonly servers: Server[] = [];
  private boundPort = 0;

  constructor(
    private readonly broker: ManagementHost,
    options: ManagementOptions = {},
  ) {
    this.sampler = new StatsSampler(broker, options.sampleIntervalMs ?? broker.options.statsIntervalMs);
  }

  get port(): number {
    return this.boundPort;
  }

  /** Listens on each host (the first one picks the port when `port` is 0); an unavailable ::1 is skipped. */
  async listen(hosts: string[], port: number): Promise<void> {
    const l = await listenAll(
      () => {
        const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
        const t = this.broker.options.mgmtTls;
        // management.ssl: the same API over HTTPS.
        const server = t ? createHttpsServer({ cert: t.cert, key: t.key, ca: t.ca }, handler) : createServer(handler);
        server.on('clientError', (_err, socket) => socket.destroy());
        return server;
      },
      hosts,
      port,
    );
    this.servers.push(...l.servers);
    this.boundPort = l.port;
    this.sampler.start();
  }

  async close(): Promise<void> {
    this.sampler.stop();
    await closeAll(this.servers);
    this.servers.length = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((e: unknown) => {
      this.broker.log('warn', `management request ${req.method} ${req.url} failed: ${(e as Error)?.message ?? e}`);
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal_error', reason: 'internal error' } });
      else res.destroy();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // The web console's page and assets are public; only the API behind them asks for credentials.
    if (url.pathname !== '/api' && !url.pathname.startsWith('/api/')) {
      if (!this.assets.serve(req, res, url.pathname)) send(res, { status: 404, body: notFoundBody() });
      return;
    }
    let reply: Reply;
    try {
      reply = await this.answer(req, url);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      reply = errorReply(e);
    }
    if (reply.status === 413) res.setHeader('connection', 'close');
    send(res, reply);
  }

  /** An API request: authenticated, routed, authorized, then handled and shaped by `?page=`/`?columns=`. */
  private async answer(req: IncomingMessage, url: URL): Promise<Reply> {
    const method = req.method ?? 'GET';
    const caller = this.authenticate(req);
    const match = matchRoute(method, apiSegments(url.pathname));
    if (match === undefined) throw notFoundError();
    const b = this.broker;
    authorize(b.options.auth ? b.access : undefined, caller, match.level, match.params['vhost'], (v) =>
      b.vhosts.has(v),
    );
    if (match.handler === undefined) return methodNotAllowed(method, match.allowed);
    const bodyText = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    const reply = await match.handler(this.context(req, url, caller, match.params, bodyText));
    if (reply.body !== undefined) reply.body = shape(reply.body, url.searchParams);
    return reply;
  }

  private context(
    req: IncomingMessage,
    url: URL,
    caller: Caller,
    params: Record<string, string>,
    bodyText: string,
  ): RequestContext {
    let parsed: JsonObject | undefined;
    return {
      broker: this.broker,
      sampler: this.sampler.view(url.searchParams),
      mgmtPort: this.boundPort,
      user: caller.name,
      caller,
      headers: req.headers,
      method: req.method ?? 'GET',
      params,
      query: url.searchParams,
      reason: typeof req.headers['x-reason'] === 'string' ? req.headers['x-reason'] : undefined,
      body: () => (parsed ??= parseBody(bodyText)),
    };
  }

  /**
   * The caller of the request's basic credentials (rabbit_mgmt_util:is_authorized):
   * 401 not_authorized "Login failed" for missing or wrong credentials,
   * 401 not_authorised for a loopback-only user from elsewhere or a user without
   * a management tag. With auth off anyone (or no one) is let in.
   */
  private authenticate(req: IncomingMessage): Caller {
    const header = req.headers.authorization;
    let user = '';
    let password = '';
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      user = i < 0 ? decoded : decoded.slice(0, i);
      password = i < 0 ? '' : decoded.slice(i + 1);
    }
    const b = this.broker;
    if (!b.options.auth) return unrestrictedCaller(user || 'guest');
    const remote = req.socket.remoteAddress;
    const login = header === undefined ? undefined : b.access.authenticate(user, password);
    if (login === undefined) throw new HttpError(401, 'not_authorized', '');
    if ('refused' in login) {
      b.log('warn', `HTTP access denied: ${login.refused}`);
      throw new HttpError(401, 'not_authorized', 'Login failed');
    }
    if (!b.loopbackAllowed(user, remote)) throw notAuthorised('User can only log in via localhost');
    return callerFor(b.access, user);
  }
}

/** The path below `/api`, percent-decoded; split before decoding, so %2F stays inside a vhost name. */
function apiSegments(pathname: string): string[] {
  const raw = pathname.split('/').slice(1);
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  if (raw[0] !== 'api') throw notFoundError();
  try {
    return raw.slice(1).map((s) => decodeURIComponent(s));
  } catch {
    throw notFoundError();
  }
}

function methodNotAllowed(method: string, allowed: string[]): Reply {
  return {
    status: 405,
    body: { error: 'method_not_allowed', reason: `${method} is not allowed here` },
    headers: { allow: allowed.join(', ') },
  };
}

/** RabbitMQ's `{error, reason}` body; a 401 not_authorized also carries the basic-auth challenge. */
function errorReply(e: HttpError): Reply {
  const reply: Reply = { status: e.status, body: { error: e.error, reason: e.reason } };
  if (e.error === 'not_authorized') {
    reply.headers = { 'www-authenticate': 'Basic realm="RabbitMQ Management"' };
    // Without credentials cowboy answers the challenge alone, with no body.
    if (e.reason === '') delete reply.body;
  }
  return reply;
}

/** RabbitMQ's `?page=` (filter, sort, paginate) and then `?columns=` (on the page's items). */
function shape(body: Json, query: URLSearchParams): Json {
  const paged = paginate(body, query);
  const raw = query.get('columns');
  if (!raw) return paged;
  const columns = raw.split(',');
  if (paged !== body && paged !== null && typeof paged === 'object' && !Array.isArray(paged)) {
    return { ...paged, items: selectColumns(paged['items'] as Json, columns) };
  }
  return selectColumns(paged, columns);
}

function notFoundBody(): Json {
  const e = notFoundError();
  return { error: e.error, reason: e.reason };
}

function send(res: ServerResponse, reply: Reply): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.setHeader('cache-control', 'no-cache');
  if (reply.body === undefined) {
    res.writeHead(reply.status, { 'content-length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        done = true;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
  });
}

function tooLarge(): HttpError {
  return new HttpError(413, 'bad_request', `request body larger than ${MAX_BODY_BYTES} bytes`);
}

/** An empty body is `{}`; anything but a JSON object is refused as RabbitMQ does (`not_json`). */
function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let v: Json;
  try {
    v = JSON.parse(text) as Json;
  } catch {
    throw new HttpError(400, 'bad_request', 'not_json');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'bad_request', 'not_json');
  return v;
}
