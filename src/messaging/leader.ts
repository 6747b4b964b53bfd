/**
 * Leader-aware connect (README "Running on a cluster"): a receiver does best on the node that leads
 * its queue — a quorum queue's or stream's leader, a classic queue's home node — since every other
 * node relays each delivery and ack through it. Before each connect (and reconnect) the Connection
 * asks a management API for the queue's `leader` (quorum, stream) or `node` (classic) field, finds
 * that node's AMQP listener in `/api/overview` `listeners`, and tries the broker URL with that port
 * (and host, when it is not loopback) first. Any failure — no management API, unknown queue, a
 * listener not in the URL list — keeps the given order: the preference never stops a connect.
 */
import type { BrokerUrl } from './url.js';

export interface LeaderPreference {
  /** The queue whose leader (or home node) to connect to. */
  readonly queue: string;
  /** Its vhost (default: the URL's, else `/`). */
  readonly vhost?: string;
  /** Management API base URLs to ask, in order (default: `http://<each broker host>:15672`). */
  readonly managementUrls?: readonly string[];
  /** Milliseconds per management request (default 2000). */
  readonly timeoutMs?: number;
}

interface Listener {
  readonly node: string;
  readonly protocol: string;
  readonly port: number;
  readonly ip_address?: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::|0\.0\.0\.0)$/;

/** `urls` with the queue leader's listener first; the same order when it cannot be found. */
export async function leaderFirst(
  urls: readonly BrokerUrl[],
  pref: LeaderPreference,
  auth: { username: string; password: string },
): Promise<BrokerUrl[]> {
  const bases = pref.managementUrls ?? [...new Set(urls.map((u) => `http://${hostOf(u)}:15672`))];
  const vhost = pref.vhost ?? urls[0]?.vhost ?? '/';
  const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  for (const base of bases) {
    try {
      const get = async <T>(path: string): Promise<T> => {
        const res = await fetch(new URL(path, base), {
          headers: { authorization: header },
          signal: AbortSignal.timeout(pref.timeoutMs ?? 2000),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return (await res.json()) as T;
      };
      const q = await get<{ leader?: string; node?: string }>(
        `/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(pref.queue)}`,
      );
      const node = q.leader ?? q.node;
      if (!node) return [...urls];
      const overview = await get<{ listeners?: Listener[] }>('/api/overview');
      const l = overview.listeners?.find((x) => x.node === node && x.protocol === 'amqp');
      if (!l) return [...urls];
      return preferListener(urls, l);
    } catch {
      // Try the next management API; none answering keeps the order.
    }
  }
  return [...urls];
}

function preferListener(urls: readonly BrokerUrl[], l: Listener): BrokerUrl[] {
  const ip = l.ip_address ?? '';
  const matches = (u: BrokerUrl) => u.port === l.port && (LOOPBACK.test(ip) || ip === u.hostname);
  const i = urls.findIndex(matches);
  if (i <= 0) return [...urls];
  return [urls[i] as BrokerUrl, ...urls.slice(0, i), ...urls.slice(i + 1)];
}

function hostOf(u: BrokerUrl): string {
  return u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname;
}
