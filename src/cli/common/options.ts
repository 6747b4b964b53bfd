/**
 * The yargs option definitions the commands share (issue 10, item 5), spread into `.options({...})`:
 * the broker and connection options of the messaging tools (spout, drain, qpid-rpc, qpid-notify), the
 * broker and management options of the admin tools (qpid-config, qpid-stat, qpid-ctl, qpid-route),
 * -v/--verbose and --json. Each command keeps its own options after these, so its help lists them in
 * the same order.
 */
import type { Options } from 'yargs';

export const DEFAULT_BROKER = 'localhost';
/** The Python tools' -i default (seconds). */
export const DEFAULT_RECONNECT_INTERVAL = 3;

/** -b (every URL form src/messaging/url.ts reads), --connection-options in Qpid's map grammar, -r, -i, -l. */
export const BROKER_OPTIONS = {
  broker: {
    alias: 'b',
    type: 'string',
    default: DEFAULT_BROKER,
    describe: 'broker to connect to: host[:port], user/pass@host:port or amqp://user:pass@host:port/vhost',
  },
  'connection-options': {
    type: 'string',
    describe: 'connection options as a Qpid map, e.g. "{reconnect: true, heartbeat: 10}"',
  },
  reconnect: { alias: 'r', type: 'boolean', describe: 'reconnect (and fail over) automatically' },
  'reconnect-interval': {
    alias: 'i',
    type: 'number',
    describe: `seconds between reconnect attempts [default: ${DEFAULT_RECONNECT_INTERVAL}]`,
  },
  'reconnect-limit': { alias: 'l', type: 'number', describe: 'give up after this many reconnect attempts' },
} as const satisfies Record<string, Options>;

export interface BrokerArgs {
  broker?: string;
  'connection-options'?: string;
  reconnect?: boolean;
  'reconnect-interval'?: number;
  'reconnect-limit'?: number;
}

/**
 * -b in Qpid's forms, --mgmt-url for the management HTTP API (docs/management-discovery.md), --vhost,
 * -t/--timeout.
 */
export const ADMIN_OPTIONS = {
  broker: {
    alias: 'b',
    type: 'string',
    default: DEFAULT_BROKER,
    requiresArg: true,
    describe: 'broker: [user/pass@]host[:port] or amqp://user:pass@host:port/vhost',
  },
  'mgmt-url': {
    type: 'string',
    requiresArg: true,
    describe:
      'management HTTP API URL [default: $QPID_MGMT_URL, else the URL the broker advertises, else http://<broker host>:15672; with the broker credentials]',
  },
  vhost: {
    type: 'string',
    requiresArg: true,
    describe: 'virtual host [default: the one in an amqp:// broker URL, else "/"]',
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
  vhost?: string;
  timeout?: number;
}

/** -v of the admin tools: errors with their stack trace. */
export const VERBOSE_OPTION = {
  alias: 'v',
  type: 'boolean',
  describe: 'print stack traces on errors',
} as const satisfies Options;

/** -v of the messaging tools: a log of what they do on stderr, and stack traces. */
export const VERBOSE_LOGGING_OPTION = {
  alias: 'v',
  type: 'boolean',
  describe: 'enable logging (and stack traces on errors)',
} as const satisfies Options;

/** --json (docs/json-output.md), described as the command prints it. */
export function jsonOption(describe: string) {
  return { type: 'boolean', describe } as const satisfies Options;
}

/** spout's and drain's --json. */
export const MESSAGE_JSON_OPTION = jsonOption('print each message as one JSON object per line');
