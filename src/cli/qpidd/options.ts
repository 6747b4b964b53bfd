/**
 * qpidd's command line: Qpid's qpidd options where they exist (--port, --interface, --data-dir,
 * --no-data-dir, --auth, --log-enable) and RabbitMQ's settings where Qpid has none (docs/defaults.md).
 */
import type { Options } from 'yargs';
import { baseParser, terminalWidth, withVersionAndHelp } from '../common/args.js';

export const NAME = 'qpidd';

const CORE_OPTIONS = {
  port: { alias: 'p', type: 'number', default: 5672, describe: 'AMQP port (0 picks a free port)' },
  interface: {
    alias: 'host',
    type: 'string',
    array: true,
    describe: 'interface(s) to listen on [default: 127.0.0.1 and ::1; use 0.0.0.0 / :: for all]',
  },
  'data-dir': { type: 'string', describe: 'directory for durable state (default ~/.qpidd)' },
  'no-data-dir': { type: 'boolean', describe: 'keep everything in memory' },
  'federation-id': {
    type: 'string',
    describe: 'id in federation traces (qpid-route loops) [default: kept in the data dir, else random]',
  },
  'disk-free-limit': {
    type: 'number',
    describe: 'block publishers while the data directory has less free space (bytes; 0: off) [default: 50000000]',
  },
  auth: { type: 'string', choices: ['yes', 'no'], default: 'yes', describe: 'check credentials' },
  'log-enable': {
    type: 'string',
    default: 'notice+',
    describe: 'minimum log level: error, warn, notice, info, debug, trace (Qpid style "info+" accepted)',
  },
  'max-message-size': {
    type: 'number',
    describe: 'largest accepted message body in bytes [default: 134217728]',
  },
  'memory-high-watermark': {
    type: 'number',
    describe: 'block publishers above this fraction of RAM (≤1) or byte count [default: 0.4]',
  },
  'message-memory-budget': {
    type: 'number',
    describe:
      'bytes of persistent message bodies kept in RAM; the rest are read from the data dir [default: 268435456]',
  },
  'mgmt-port': {
    type: 'number',
    describe:
      'management HTTP API port, RabbitMQ-compatible (0 picks a free port) [default: 15672; a free port with --port 0]',
  },
} as const satisfies Record<string, Options>;

const ACCESS_OPTIONS = {
  'default-user': {
    type: 'string',
    describe: 'first user, created on first start as administrator [default: $QPIDD_DEFAULT_USER or guest]',
  },
  'default-pass': {
    type: 'string',
    describe: "the first user's password [default: $QPIDD_DEFAULT_PASS or guest]",
  },
  'allow-remote-guest': {
    type: 'boolean',
    describe: 'let the guest user connect from non-loopback addresses (RabbitMQ loopback_users = none)',
  },
  'max-connections': { type: 'number', describe: 'open connections allowed (0: no limit) [default: 0]' },
  'channel-max': { type: 'number', describe: 'channel_max offered in connection.tune [default: 2047]' },
  'frame-max': { type: 'number', describe: 'frame_max offered in connection.tune [default: 131072]' },
} as const satisfies Record<string, Options>;

const TLS_OPTIONS = {
  'tls-port': { type: 'number', describe: 'AMQPS port [default: 5671 when --tls-cert is given]' },
  'tls-cert': { type: 'string', describe: 'server certificate (PEM file) for the AMQPS listener' },
  'tls-key': { type: 'string', describe: 'its private key (PEM file)' },
  'tls-ca': { type: 'string', describe: 'CA certificates (PEM file) client certificates must chain to' },
  'tls-verify': {
    type: 'string',
    choices: ['peer', 'none'],
    default: 'none',
    describe: 'ask clients for a certificate and refuse invalid ones (peer)',
  },
  'tls-fail-if-no-peer-cert': {
    type: 'boolean',
    describe: 'with --tls-verify peer: refuse clients without one',
  },
  'tls-external': {
    type: 'boolean',
    describe: 'offer SASL EXTERNAL: the client certificate CN is the user name',
  },
  'mgmt-tls-cert': { type: 'string', describe: 'serve the management API over HTTPS with this certificate' },
  'mgmt-tls-key': { type: 'string', describe: 'its private key (PEM file)' },
  'mgmt-tls-ca': { type: 'string', describe: 'CA chain to send with the management certificate' },
} as const satisfies Record<string, Options>;

const TUNING_OPTIONS = {
  'tcp-nodelay': {
    type: 'boolean',
    default: true,
    describe: "disable Nagle's algorithm on client sockets (--no-tcp-nodelay turns it back on)",
  },
  'mgmt-stats-interval': {
    type: 'number',
    describe: 'management statistics sample interval in ms, for rates and charts (0 turns it off) [default: 5000]',
  },
  heartbeat: { type: 'number', describe: 'heartbeat interval offered to clients, seconds [default: 60]' },
} as const satisfies Record<string, Options>;

/**
 * The parser. Unlike the client commands (common/args.ts commandParser) yargs prints qpidd's help
 * itself, at the full terminal width, with --version and --help last, and any unknown word is an error.
 */
export function qpiddParser() {
  return withVersionAndHelp(
    baseParser(NAME)
      .usage(`${NAME} [options]\n\nRuns the bundled AMQP 0-9-1 broker (RabbitMQ-compatible).`)
      .options({ ...CORE_OPTIONS, ...ACCESS_OPTIONS, ...TLS_OPTIONS, ...TUNING_OPTIONS })
      .example(`${NAME}`, 'listen on 127.0.0.1:5672 and [::1]:5672')
      .example(`${NAME} --port 0 --no-data-dir`, 'a throwaway broker on a free port')
      .example(
        `${NAME} --interface 0.0.0.0 --default-user admin --default-pass s3cret`,
        'all interfaces, another first user',
      )
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      }),
  )
    .alias('h', 'help')
    .wrap(terminalWidth());
}

export type QpiddArgs = Awaited<ReturnType<ReturnType<typeof qpiddParser>['parse']>>;
