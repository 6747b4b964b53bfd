/**
 * Broker URLs (docs/qpid-reference.md §2.1). Every form a Qpid or RabbitMQ user may type:
 *
 * - `host`, `host:port`, `[::1]:5672`
 * - `amqp://user:pass@host:port/vhost`, `amqps://...` (percent-decoded, query string ignored)
 * - Qpid's `user/pass@host:port` and `amqp://guest/guest@host:port` ([py] separator is `/`)
 * - [cpp] `amqp:tcp:host:port,tcp:host2:port2`, `ssl:host:5671`
 * - comma-separated failover lists, oslo.messaging style: `amqp://u:p@h1:5672,h2:5673/vhost`
 *   (entries without credentials inherit the first entry's; the vhost applies to all).
 * - oslo.messaging transport URLs: `rabbit://u:p@h1:5672,u:p@h2:5672/vhost` (and its alias `kombu://`)
 *   mean the same as `amqp://` (docs/rpc.md; oslo_messaging/transport.py TransportURL).
 * - a bare IPv6 address (`::1`, several colons, no brackets) is a host without a port.
 *
 * The one parser of broker URLs: the admin tools' `-b` (admin/broker-url.ts) is this with their defaults.
 * Refused, with a ConnectionError naming the input: another scheme (`http://`), an empty user name
 * (`@h`, `/p@h`), credentials without a host (`u:p@`), a bad port, bad percent-encoding, an unclosed `[`.
 */
import { ConnectionError } from './errors.js';

export interface BrokerUrl {
  readonly protocol: 'amqp' | 'amqps';
  readonly hostname: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly vhost?: string;
}

export const DEFAULT_PORT = 5672;
export const DEFAULT_TLS_PORT = 5671;

/** Parses a URL or comma-separated failover list into one entry per broker, in order. */
export function parseUrl(text: string): BrokerUrl[] {
  let rest = text.trim();
  if (rest === '') throw new ConnectionError('empty broker URL');
  let protocol: 'amqp' | 'amqps' = 'amqp';
  // `rabbit:5672` is a host named rabbit: oslo's schemes count only with `//`.
  const scheme = /^(amqps?)(:\/\/|:)/i.exec(rest) ?? /^(rabbit|kombu)(:\/\/)/i.exec(rest);
  const other = scheme ? undefined : /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (other) {
    const name = (other[1] as string).toLowerCase();
    throw new ConnectionError(`unsupported scheme '${name}' in broker URL ${text} (amqp://, amqps:// or rabbit://)`);
  }
  if (scheme) {
    const name = (scheme[1] as string).toLowerCase();
    // oslo's driver names are plain AMQP 0-9-1; TLS there is a driver option, not a scheme.
    protocol = name === 'amqps' ? 'amqps' : 'amqp';
    rest = rest.slice(scheme[0].length);
  }
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  // The vhost is the path after the last host; a `/` before the last `@` separates Qpid user/password.
  let vhost: string | undefined;
  // The last entry may carry its own scheme, whose `//` is no path.
  const lastEntry = rest.lastIndexOf(',') + 1;
  const ownScheme = /^\s*amqps?:\/\//i.exec(rest.slice(lastEntry));
  const hostStart = Math.max(rest.lastIndexOf('@') + 1, lastEntry + (ownScheme ? ownScheme[0].length : 0));
  const slash = rest.indexOf('/', hostStart);
  if (slash >= 0) {
    const path = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (path !== '') vhost = decode(path, text);
  }
  const entries = splitEntries(rest);
  const urls: BrokerUrl[] = [];
  let first: { username?: string; password?: string } | undefined;
  for (const entry of entries) {
    const parsed = parseEntry(entry, protocol, text);
    const creds = parsed.username !== undefined ? parsed : first;
    if (first === undefined) first = { username: parsed.username, password: parsed.password };
    urls.push(
      clean({
        protocol: parsed.protocol,
        hostname: parsed.hostname,
        port: parsed.port,
        username: creds?.username,
        password: creds?.password,
        vhost,
      }),
    );
  }
  if (urls.length === 0) throw new ConnectionError(`no broker in URL ${text}`);
  return urls;
}

/** Writes a BrokerUrl back as an `amqp://` URL (password masked unless asked for). */
export function formatUrl(url: BrokerUrl, withPassword = false): string {
  const host = url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname;
  const user =
    url.username === undefined
      ? ''
      : `${encodeURIComponent(url.username)}${
          url.password === undefined ? '' : `:${withPassword ? encodeURIComponent(url.password) : '***'}`
        }@`;
  const vhost = url.vhost === undefined ? '' : `/${encodeURIComponent(url.vhost)}`;
  return `${url.protocol}://${user}${host}:${url.port}${vhost}`;
}

// Commas separate brokers, except inside a `[ipv6]` literal (which has none anyway) — split plainly.
function splitEntries(rest: string): string[] {
  return rest
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function parseEntry(
  raw: string,
  defaultProtocol: 'amqp' | 'amqps',
  text: string,
): { protocol: 'amqp' | 'amqps'; hostname: string; port: number; username?: string; password?: string } {
  let entry = raw;
  let protocol = defaultProtocol;
  // A later entry of a list may carry its own scheme (`h1:5672,amqp://u:p@h2`): without this its
  // `amqp:` would be read as a user name.
  const own = /^(amqps?):\/\//i.exec(entry);
  if (own) {
    protocol = (own[1] as string).toLowerCase() === 'amqps' ? 'amqps' : 'amqp';
    entry = entry.slice(own[0].length);
  }
  let hostPart = entry;
  let username: string | undefined;
  let password: string | undefined;
  const at = entry.lastIndexOf('@');
  if (at >= 0) {
    const creds = entry.slice(0, at);
    hostPart = entry.slice(at + 1);
    // Qpid accepts `/` or `:` between user and password; the first one wins.
    const sep = creds.search(/[:/]/);
    username = decode(sep < 0 ? creds : creds.slice(0, sep), text);
    if (sep >= 0) password = decode(creds.slice(sep + 1), text);
    if (username === '') throw new ConnectionError(`invalid broker URL ${text}: empty user name`);
    if (hostPart === '') throw new ConnectionError(`invalid broker URL ${text}: no host after '@'`);
  }
  const tag = /^(tcp|ssl|tls):/i.exec(hostPart);
  if (tag) {
    if ((tag[1] as string).toLowerCase() !== 'tcp') protocol = 'amqps';
    hostPart = hostPart.slice(tag[0].length);
  }
  let hostname: string;
  let portText: string | undefined;
  if (hostPart.startsWith('[')) {
    const close = hostPart.indexOf(']');
    if (close < 0) throw new ConnectionError(`invalid broker URL ${text}: unclosed '['`);
    hostname = hostPart.slice(1, close);
    const after = hostPart.slice(close + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after !== '') throw new ConnectionError(`invalid broker URL ${text}: unexpected ${after}`);
  } else if (hostPart.indexOf(':') !== hostPart.lastIndexOf(':')) {
    hostname = hostPart; // a bare IPv6 address: its colons are not a port separator
  } else {
    const colon = hostPart.lastIndexOf(':');
    hostname = colon < 0 ? hostPart : hostPart.slice(0, colon);
    if (colon >= 0) portText = hostPart.slice(colon + 1);
  }
  if (hostname === '') hostname = 'localhost';
  let port = protocol === 'amqps' ? DEFAULT_TLS_PORT : DEFAULT_PORT;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw new ConnectionError(`invalid broker URL ${text}: bad port ${portText}`);
    }
    port = Number(portText);
  }
  return { protocol, hostname, port, username, password };
}

function decode(s: string, text: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ConnectionError(`invalid broker URL ${text}: bad percent-encoding in ${s}`);
  }
}

function clean(u: { [K in keyof BrokerUrl]: BrokerUrl[K] | undefined }): BrokerUrl {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(u)) if (v !== undefined) out[k] = v;
  return out as unknown as BrokerUrl;
}
