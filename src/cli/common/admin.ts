/**
 * Plumbing shared by the admin tools (qpid-config, qpid-stat, qpid-ctl, qpid-route): the management
 * client for their options (common/options.ts ADMIN_OPTIONS: -b in Qpid's forms, --mgmt-url, --vhost,
 * -t), and clearer messages for the API's errors.
 */
import {
  BrokerUrlError,
  ConnectError,
  discoverManagementInList,
  MANAGEMENT_URL_ENV,
  ManagementClient,
  ManagementError,
  type ManagementUrlSource,
  parseBrokerUrls,
} from '../../admin/index.js';
import { UsageError } from './errors.js';
import type { AdminArgs } from './options.js';

export interface Admin {
  client: ManagementClient;
  /** Where the management URL came from (--mgmt-url, QPID_MGMT_URL, the broker, the default). */
  source: ManagementUrlSource;
  /** --vhost, else the vhost named in an amqp:// broker URL, else "/". */
  vhost: string;
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
}

/**
 * The management client for the broker options (discover.ts: --mgmt-url, $QPID_MGMT_URL, the URL the
 * broker advertises, port 15672); malformed values are usage errors.
 */
export async function adminClient(
  args: AdminArgs,
  env: Record<string, string | undefined> = process.env,
): Promise<Admin> {
  const timeout = args.timeout ?? 10;
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError('option --timeout: expected seconds ≥ 0');
  const timeoutMs = timeout === 0 ? 2_147_483_647 : Math.round(timeout * 1000);
  let target: Awaited<ReturnType<typeof discoverManagementInList>>;
  try {
    // -b h1,h2: the first broker that answers (discover.ts), as the messaging API's failover list.
    target = await discoverManagementInList(parseBrokerUrls(args.broker ?? 'localhost'), {
      explicit: args['mgmt-url'],
      env,
      probeTimeoutMs: Math.min(timeoutMs, 2000),
    });
  } catch (e) {
    if (e instanceof BrokerUrlError) throw new UsageError(e.message);
    throw e;
  }
  const { source, addr, ...login } = target;
  const client = new ManagementClient({ ...login, timeoutMs });
  return { client, source, vhost: args.vhost ?? addr.vhost, ...login, timeoutMs };
}

const SOURCE_TEXT: Record<ManagementUrlSource, string> = {
  '--mgmt-url': 'given with --mgmt-url',
  QPID_MGMT_URL: 'from QPID_MGMT_URL',
  broker: 'advertised by the broker',
  default: 'the default: broker host, port 15672',
};

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
    throw new ConnectError(url.host, (e as { cause?: { code?: string } }).cause?.code ?? 'ERROR', {
      cause: e,
      url: admin.url,
    });
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
export function adminError(
  e: unknown,
  what?: { kind: string; name: string; vhost: string },
  source?: ManagementUrlSource,
): unknown {
  if (e instanceof ConnectError && e.url !== undefined && source !== undefined) {
    // Name the URL tried, where it came from, and how to choose another.
    const from = `, ${SOURCE_TEXT[source]}`;
    const err = new Error(
      `cannot reach the management API at ${e.url} (${e.code}${from}); set its URL with --mgmt-url URL or the ${MANAGEMENT_URL_ENV} environment variable`,
      { cause: e },
    );
    err.name = 'ConnectError';
    return err;
  }
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
