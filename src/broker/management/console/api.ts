/**
 * The console's only way to the broker: RabbitMQ's public management HTTP
 * API with basic auth. The API base is the page's own origin, or `?api=URL`
 * (another broker's management API where its CORS allows). Credentials live
 * in sessionStorage only, so closing the tab logs out.
 */

export interface Credentials {
  username: string;
  password: string;
}

/** An API answer other than 2xx: RabbitMQ's `{error, reason}` body when there is one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are RabbitMQ's, read field by field by the pages
export type Json = any;

const KEY = 'qpid-console-credentials';

/** The management API's base URL, without a trailing slash. */
export function apiBase(): string {
  const given = new URLSearchParams(location.search).get('api');
  return (given ?? `${location.origin}`).replace(/\/+$/, '');
}

export function loadCredentials(): Credentials | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return undefined;
  try {
    const c = JSON.parse(raw) as Credentials;
    return typeof c.username === 'string' && typeof c.password === 'string' ? c : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredentials(c: Credentials | undefined): void {
  if (c === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(c));
}

/** Percent-encodes one path segment, as RabbitMQ's paths need (`/` → `%2F`). */
export const seg = (s: string): string => encodeURIComponent(s);

function authHeader(c: Credentials): string {
  const bytes = new TextEncoder().encode(`${c.username}:${c.password}`);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

function reasonOf(status: number, statusText: string, body: Json): string {
  if (body && typeof body === 'object') {
    const r = body.reason ?? body.error;
    if (r !== undefined) return typeof r === 'string' ? r : JSON.stringify(r);
  }
  return `${status} ${statusText}`.trim();
}

/** One API call; resolves to the parsed JSON (undefined for 204), rejects with ApiError. */
export async function request(
  c: Credentials,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Json> {
  const h: Record<string, string> = { authorization: authHeader(c), ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${apiBase()}/api${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the management API at ${apiBase()}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, reasonOf(res.status, res.statusText, parsed));
  return parsed;
}

/** The API bound to one user's credentials, as the pages use it. */
export interface Api {
  user: Credentials;
  get(path: string): Promise<Json>;
  put(path: string, body: unknown): Promise<Json>;
  post(path: string, body: unknown): Promise<Json>;
  del(path: string, headers?: Record<string, string>): Promise<Json>;
}

export function bindApi(user: Credentials): Api {
  return {
    user,
    get: (p) => request(user, 'GET', p),
    put: (p, b) => request(user, 'PUT', p, b),
    post: (p, b) => request(user, 'POST', p, b),
    del: (p, h) => request(user, 'DELETE', p, undefined, h),
  };
}
