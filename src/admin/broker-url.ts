/**
 * The `-b/--broker` argument of the admin tools, in Qpid's forms
 * (`host`, `host:port`, `user/pass@host:port`, `user:pass@host:port`) and as
 * amqp:// or amqps:// URLs, plus the management API URL derived from it
 * (same host and credentials, port 15672) unless one is given explicitly.
 */

export interface BrokerAddress {
  host: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  tls: boolean;
}

export const DEFAULT_AMQP_PORT = 5672;
export const DEFAULT_AMQPS_PORT = 5671;
export const DEFAULT_MGMT_PORT = 15672;

export class BrokerUrlError extends Error {
  override name = 'BrokerUrlError';
}

function parsePort(s: string, whole: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) > 65535)
    throw new BrokerUrlError(`invalid port '${s}' in broker address '${whole}'`);
  return Number(s);
}

/** Splits `host`, `host:port`, `[v6]` or `[v6]:port`. */
function hostPort(s: string, whole: string, defaultPort: number): { host: string; port: number } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new BrokerUrlError(`unterminated '[' in broker address '${whole}'`);
    const host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest === '') return { host, port: defaultPort };
    if (!rest.startsWith(':')) throw new BrokerUrlError(`unexpected '${rest}' in broker address '${whole}'`);
    return { host, port: parsePort(rest.slice(1), whole) };
  }
  const colons = s.split(':').length - 1;
  // A bare IPv6 address (several colons, no brackets) has no port.
  if (colons > 1) return { host: s, port: defaultPort };
  const i = s.lastIndexOf(':');
  if (i < 0) return { host: s || 'localhost', port: defaultPort };
  return { host: s.slice(0, i) || 'localhost', port: parsePort(s.slice(i + 1), whole) };
}

/** Parses a `-b/--broker` value. Missing parts default to localhost:5672, guest/guest, vhost "/". */
export function parseBrokerUrl(value: string): BrokerAddress {
  const whole = value.trim();
  if (whole === '') throw new BrokerUrlError('empty broker address');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(whole);
  if (scheme) {
    const proto = (scheme[1] as string).toLowerCase();
    // oslo.messaging's transport URL schemes (rabbit://, kombu://) are plain AMQP 0-9-1 (docs/rpc.md).
    if (proto !== 'amqp' && proto !== 'amqps' && proto !== 'rabbit' && proto !== 'kombu') {
      throw new BrokerUrlError(
        `unsupported scheme '${proto}' in broker address '${whole}' (amqp://, amqps:// or rabbit://)`,
      );
    }
    let u: URL;
    try {
      u = new URL(whole);
    } catch {
      throw new BrokerUrlError(`invalid broker URL '${whole}'`);
    }
    const tls = proto === 'amqps';
    const path = u.pathname;
    return {
      host: (u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname) || 'localhost',
      port: u.port ? Number(u.port) : tls ? DEFAULT_AMQPS_PORT : DEFAULT_AMQP_PORT,
      username: u.username ? decodeURIComponent(u.username) : 'guest',
      password: u.password ? decodeURIComponent(u.password) : u.username ? '' : 'guest',
      vhost: path === '' || path === '/' ? '/' : decodeURIComponent(path.slice(1)),
      tls,
    };
  }
  let rest = whole;
  let username = 'guest';
  let password = 'guest';
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const cred = rest.slice(0, at);
    rest = rest.slice(at + 1);
    // Qpid writes user/pass; user:pass is accepted too. The first separator splits.
    const sep = cred.search(/[/:]/);
    if (sep < 0) {
      username = cred;
      password = '';
    } else {
      username = cred.slice(0, sep);
      password = cred.slice(sep + 1);
    }
    if (username === '') throw new BrokerUrlError(`empty user name in broker address '${whole}'`);
    if (rest === '') throw new BrokerUrlError(`no host after '@' in broker address '${whole}'`);
  }
  const { host, port } = hostPort(rest, whole, DEFAULT_AMQP_PORT);
  return { host, port, username, password, vhost: '/', tls: false };
}

export interface ManagementTarget {
  url: string;
  username: string;
  password: string;
}

/**
 * The management API for a broker address: `explicit` when given (its own
 * credentials win, else the broker's), otherwise http://host:15672 with the
 * broker's credentials.
 */
export function managementTarget(addr: BrokerAddress, explicit?: string): ManagementTarget {
  if (explicit !== undefined && explicit !== '') {
    const withScheme = /^https?:\/\//i.test(explicit) ? explicit : `http://${explicit}`;
    let u: URL;
    try {
      u = new URL(withScheme);
    } catch {
      throw new BrokerUrlError(`invalid management URL '${explicit}'`);
    }
    const username = u.username ? decodeURIComponent(u.username) : addr.username;
    const password = u.username ? decodeURIComponent(u.password) : addr.password;
    u.username = '';
    u.password = '';
    // No port written: the management default, not HTTP's 80.
    const hasPort = /^\w+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^/:]*):\d+/.test(withScheme);
    if (!hasPort) u.port = String(DEFAULT_MGMT_PORT);
    return { url: u.toString().replace(/\/$/, ''), username, password };
  }
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return { url: `http://${host}:${DEFAULT_MGMT_PORT}`, username: addr.username, password: addr.password };
}
