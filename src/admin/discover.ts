/**
 * Where the management HTTP API is, for tools given only a broker address (docs/management-discovery.md).
 *
 * In order: an explicit URL (`--mgmt-url`), the `QPID_MGMT_URL` environment variable, the URL the broker
 * advertises in its connection.start server properties (`qpid.management_url`, sent by the bundled
 * broker), and last the broker's host on RabbitMQ's default port 15672. Explicit choices come first so a
 * user can always override what the broker says (a proxy, a tunnel). The advertisement is read without
 * logging in: the broker sends connection.start right after the protocol header, and we hang up then.
 */
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { decodeMethod, FrameReader, FrameType, MANAGEMENT_URL_PROPERTY, PROTOCOL_HEADER } from '../protocol/index.js';
import { type BrokerAddress, type ManagementTarget, managementTarget } from './broker-url.js';

/** Environment variable naming the management API URL. */
export const MANAGEMENT_URL_ENV = 'QPID_MGMT_URL';

export type ManagementUrlSource = '--mgmt-url' | typeof MANAGEMENT_URL_ENV | 'broker' | 'default';

export interface DiscoveredTarget extends ManagementTarget {
  /** Where the URL came from, for error messages. */
  source: ManagementUrlSource;
}

export interface DiscoverOptions {
  /** `--mgmt-url`, if given. */
  explicit?: string;
  /** Environment to read QPID_MGMT_URL from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Longest wait for the broker's connection.start (default 2 s). */
  probeTimeoutMs?: number;
}

/** The management API for `addr`, in the order above. */
export async function discoverManagement(
  addr: BrokerAddress,
  options: DiscoverOptions = {},
): Promise<DiscoveredTarget> {
  if (options.explicit !== undefined && options.explicit !== '') {
    return { ...managementTarget(addr, options.explicit), source: '--mgmt-url' };
  }
  const fromEnv = (options.env ?? process.env)[MANAGEMENT_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { ...managementTarget(addr, fromEnv), source: MANAGEMENT_URL_ENV };
  }
  const advertised = await advertisedManagementUrl(addr, options.probeTimeoutMs ?? 2000);
  if (advertised !== undefined) return { ...managementTarget(addr, advertised), source: 'broker' };
  return { ...managementTarget(addr), source: 'default' };
}

/**
 * The first broker of a `-b h1,h2` list that answers, and its management API: an explicit or
 * environment URL applies to the first broker as for one; otherwise each broker in turn is asked for
 * its connection.start (its advertised URL, else its host on port 15672), and one that does not
 * answer is skipped, as the messaging API's failover list skips it. When none answers, the first
 * one's default, so the error that follows names it.
 */
export async function discoverManagementInList(
  addrs: readonly BrokerAddress[],
  options: DiscoverOptions = {},
): Promise<DiscoveredTarget & { addr: BrokerAddress }> {
  const first = addrs[0];
  if (first === undefined) throw new Error('no broker address');
  const fromEnv = (options.env ?? process.env)[MANAGEMENT_URL_ENV];
  if (addrs.length === 1 || options.explicit || fromEnv)
    return { ...(await discoverManagement(first, options)), addr: first };
  for (const addr of addrs) {
    const start = await probeConnectionStart(addr, options.probeTimeoutMs ?? 2000);
    if (!start.answered) continue;
    const target =
      start.url === undefined
        ? { ...managementTarget(addr), source: 'default' as const }
        : { ...managementTarget(addr, start.url), source: 'broker' as const };
    return { ...target, addr };
  }
  return { ...managementTarget(first), source: 'default', addr: first };
}

/** Reads `qpid.management_url` from the broker's connection.start; undefined when absent or unreachable. */
export async function advertisedManagementUrl(addr: BrokerAddress, timeoutMs: number): Promise<string | undefined> {
  return (await probeConnectionStart(addr, timeoutMs)).url;
}

/** Whether the broker sent connection.start, and the management URL it advertised there. */
function probeConnectionStart(addr: BrokerAddress, timeoutMs: number): Promise<{ answered: boolean; url?: string }> {
  return new Promise((resolve) => {
    const socket = addr.tls
      ? tlsConnect({ host: addr.host, port: addr.port, rejectUnauthorized: false, servername: addr.host })
      : connect({ host: addr.host, port: addr.port });
    const reader = new FrameReader(131072);
    let done = false;
    const finish = (url: string | undefined, answered = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(url === undefined ? { answered } : { answered, url });
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once(addr.tls ? 'secureConnect' : 'connect', () => socket.write(PROTOCOL_HEADER));
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
        const frame = reader.next();
        if (frame === undefined) return;
        if (frame.type !== FrameType.METHOD) return finish(undefined);
        const method = decodeMethod(frame.payload);
        const url =
          method.name === 'connection.start' ? method.args.serverProperties[MANAGEMENT_URL_PROPERTY] : undefined;
        finish(
          typeof url === 'string' && /^https?:\/\//.test(url) ? url : undefined,
          method.name === 'connection.start',
        );
      } catch {
        finish(undefined);
      }
    });
  });
}
