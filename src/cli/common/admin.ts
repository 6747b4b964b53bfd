/**
 * Options and plumbing shared by the admin tools (qpid-config, qpid-stat): -b/--broker in Qpid's
 * forms, --mgmt-url for the management HTTP API (default: the broker's host, port 15672),
 * -t/--timeout, and clearer messages for the API's errors.
 */
import type { Options } from 'yargs';
import {
  BrokerUrlError,
  ConnectError,
  ManagementClient,
  ManagementError,
  managementTarget,
  parseBrokerUrl,
} from '../../admin/index.js';
import { UsageError } from './errors.js';

export const ADMIN_OPTIONS = {
  broker: {
    alias: 'b',
    type: 'string',
    default: 'localhost',
    requiresArg: true,
    describe: 'broker: [user/pass@]host[:port] or amqp://user:pass@host:port/vhost',
  },
  'mgmt-url': {
    type: 'string',
    requiresArg: true,
    describe: 'management HTTP API URL [default: http://<broker host>:15672 with the broker credentials]',
  },
  timeout: {
    alias: 't',
    type: 'number',
    default: 10,
    requiresArg: true,
    describe: 'maximum time to wait for the broker, in seconds (0 = no limit)',
  },
} as const satisfies Record<string, Options>;

export interface AdminArgs {
  broker?: string;
  'mgmt-url'?: string;
  timeout?: number;
}

export interface Admin {
  client: ManagementClient;
  /** The vhost named in an amqp:// broker URL, else "/". */
  vhost: string;
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
}

/** The management client for the broker options; malformed values are usage errors. */
export function adminClient(args: AdminArgs): Admin {
  const timeout = args.timeout ?? 10;
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError('option --timeout: expected seconds ≥ 0');
  const timeoutMs = timeout === 0 ? 2_147_483_647 : Math.round(timeout * 1000);
  try {
    const addr = parseBrokerUrl(args.broker ?? 'localhost');
    const target = managementTarget(addr, args['mgmt-url']);
    const client = new ManagementClient({ ...target, timeoutMs });
    return { client, vhost: addr.vhost, ...target, timeoutMs };
  } catch (e) {
    if (e instanceof BrokerUrlError) throw new UsageError(e.message);
    throw e;
  }
}

/**
 * GETs an API path the client has no method for; resolves undefined when the broker does not
 * serve it (404), as the bundled broker does for /api/nodes.
 */
export async function optionalGet<T>(admin: Admin, path: string): Promise<T | undefined> {
  const url = new URL(path.replace(/^\//, ''), admin.url.endsWith('/') ? admin.url : `${admin.url}/`);
  const auth = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', authorization: auth },
      signal: AbortSignal.timeout(admin.timeoutMs),
    });
  } catch (e) {
    throw new ConnectError(url.host, (e as { cause?: { code?: string } }).cause?.code ?? 'ERROR', { cause: e });
  }
  const text = await res.text();
  if (!res.ok) return undefined;
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A management API error with the broker's reason as its message (the method and path left out). */
export class AdminError extends Error {
  static {
    AdminError.prototype.name = 'ManagementError';
  }
  constructor(
    message: string,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Rewrites a ManagementError for printing: the broker's reason when it says something, else what
 * was not found (`no queue 'x' in vhost '/' (404 Not Found)`). Other errors pass through.
 */
export function adminError(e: unknown, what?: { kind: string; name: string; vhost: string }): unknown {
  if (!(e instanceof ManagementError)) return e;
  const generic = e.reason === '' || e.reason === 'Not Found' || e.reason === e.error;
  if (e.status === 404 && generic && what) {
    return new AdminError(`no ${what.kind} '${what.name}' in vhost '${what.vhost}' (404 Not Found)`, 404, { cause: e });
  }
  if (!generic) return new AdminError(e.reason, e.status, { cause: e });
  return new AdminError(`${e.status} ${e.error}${e.reason && e.reason !== e.error ? `: ${e.reason}` : ''}`, e.status, {
    cause: e,
  });
}

/** The management API's `NAME=VALUE` arguments, typed as Qpid does: integers, then floats, True/False, else text. */
export function typedArgument(text: string, option: string): [string, string | number | boolean] {
  const i = text.indexOf('=');
  if (i <= 0) throw new UsageError(`option ${option}: expected NAME=VALUE, got '${text}'`);
  return [text.slice(0, i), typedJsonValue(text.slice(i + 1))];
}

export function typedJsonValue(text: string): string | number | boolean {
  if (/^[+-]?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (/^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  return text;
}
