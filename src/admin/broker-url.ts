/**
 * The `-b/--broker` argument of the admin tools, plus the management API URL derived from it (same
 * host and credentials, port 15672) unless one is given explicitly. The text is parsed by the one
 * broker-URL parser, messaging/url.ts, so `-b` takes every form a Connection does.
 */
import { ConnectionError } from '../messaging/errors.js';
import { type BrokerUrl, DEFAULT_PORT, DEFAULT_TLS_PORT, parseUrl } from '../messaging/url.js';

export interface BrokerAddress {
  host: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  tls: boolean;
}

export const DEFAULT_AMQP_PORT = DEFAULT_PORT;
export const DEFAULT_AMQPS_PORT = DEFAULT_TLS_PORT;
export const DEFAULT_MGMT_PORT = 15672;

export class BrokerUrlError extends Error {
  override name = 'BrokerUrlError';
}

/**
 * Parses a `-b/--broker` value with the messaging API's parser (messaging/url.ts, every form it takes),
 * then applies the admin tools' defaults: guest/guest (a user without a password has an empty one),
 * vhost "/", and the first broker of a failover list (a tool talks to one broker).
 */
export function parseBrokerUrl(value: string): BrokerAddress {
  return parseBrokerUrls(value)[0] as BrokerAddress;
}

/** Every broker of a `-b h1,h2` list, in order, with the admin defaults (as parseBrokerUrl). */
export function parseBrokerUrls(value: string): BrokerAddress[] {
  let urls: BrokerUrl[];
  try {
    urls = parseUrl(value);
  } catch (e) {
    if (e instanceof ConnectionError) throw new BrokerUrlError(e.message);
    throw e;
  }
  return urls.map((url) => ({
    host: url.hostname,
    port: url.port,
    username: url.username ?? 'guest',
    password: url.password ?? (url.username === undefined ? 'guest' : ''),
    vhost: url.vhost ?? '/',
    tls: url.protocol === 'amqps',
  }));
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
