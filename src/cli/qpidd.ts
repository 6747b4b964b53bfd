/**
 * `qpidd`: runs the bundled broker. Options follow Qpid's qpidd where they
 * exist (--port, --interface, --data-dir, --no-data-dir, --auth, --log-enable)
 * and RabbitMQ's settings where Qpid has none.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  Broker,
  LOG_LEVELS,
  type LogLevel,
  type MgmtTlsOptions,
  stderrLogger,
  type TlsListenerOptions,
} from '../broker/index.js';
import { terminalWidth, VERSION } from './common/args.js';
import { yargs } from './common/yargs.js';

export interface QpiddIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIo: QpiddIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Qpid writes levels as `info+` (this level and above); both forms are accepted. */
export function parseLogLevel(s: string): LogLevel {
  const level = s.replace(/\+$/, '').replace(/^warning$/, 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(level))
    throw new Error(`invalid --log-enable level '${s}' (one of ${LOG_LEVELS.join(', ')})`);
  return level;
}

const NAME = 'qpidd';

export async function main(
  argv: string[],
  io: QpiddIo = defaultIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Broker | number> {
  const parser = yargs(argv)
    .scriptName('qpidd')
    .usage(`${NAME} [options]\n\nRuns the bundled AMQP 0-9-1 broker (RabbitMQ-compatible).`)
    .option('port', { alias: 'p', type: 'number', default: 5672, describe: 'AMQP port (0 picks a free port)' })
    .option('interface', {
      alias: 'host',
      type: 'string',
      array: true,
      describe: 'interface(s) to listen on [default: 127.0.0.1 and ::1; use 0.0.0.0 / :: for all]',
    })
    .option('data-dir', { type: 'string', describe: 'directory for durable state (default ~/.qpidd)' })
    .option('no-data-dir', { type: 'boolean', describe: 'keep everything in memory' })
    .option('federation-id', {
      type: 'string',
      describe: 'id in federation traces (qpid-route loops) [default: kept in the data dir, else random]',
    })
    .option('disk-free-limit', {
      type: 'number',
      describe: 'block publishers while the data directory has less free space (bytes; 0: off) [default: 50000000]',
    })
    .option('auth', { type: 'string', choices: ['yes', 'no'], default: 'yes', describe: 'check credentials' })
    .option('log-enable', {
      type: 'string',
      default: 'notice+',
      describe: 'minimum log level: error, warn, notice, info, debug, trace (Qpid style "info+" accepted)',
    })
    .option('max-message-size', {
      type: 'number',
      describe: 'largest accepted message body in bytes [default: 134217728]',
    })
    .option('memory-high-watermark', {
      type: 'number',
      describe: 'block publishers above this fraction of RAM (≤1) or byte count [default: 0.4]',
    })
    .option('message-memory-budget', {
      type: 'number',
      describe:
        'bytes of persistent message bodies kept in RAM; the rest are read from the data dir [default: 268435456]',
    })
    .option('mgmt-port', {
      type: 'number',
      describe:
        'management HTTP API port, RabbitMQ-compatible (0 picks a free port) [default: 15672; a free port with --port 0]',
    })
    .option('default-user', {
      type: 'string',
      describe: 'first user, created on first start as administrator [default: $QPIDD_DEFAULT_USER or guest]',
    })
    .option('default-pass', {
      type: 'string',
      describe: "the first user's password [default: $QPIDD_DEFAULT_PASS or guest]",
    })
    .option('allow-remote-guest', {
      type: 'boolean',
      describe: 'let the guest user connect from non-loopback addresses (RabbitMQ loopback_users = none)',
    })
    .option('max-connections', { type: 'number', describe: 'open connections allowed (0: no limit) [default: 0]' })
    .option('channel-max', { type: 'number', describe: 'channel_max offered in connection.tune [default: 2047]' })
    .option('frame-max', { type: 'number', describe: 'frame_max offered in connection.tune [default: 131072]' })
    .option('tls-port', { type: 'number', describe: 'AMQPS port [default: 5671 when --tls-cert is given]' })
    .option('tls-cert', { type: 'string', describe: 'server certificate (PEM file) for the AMQPS listener' })
    .option('tls-key', { type: 'string', describe: 'its private key (PEM file)' })
    .option('tls-ca', { type: 'string', describe: 'CA certificates (PEM file) client certificates must chain to' })
    .option('tls-verify', {
      type: 'string',
      choices: ['peer', 'none'],
      default: 'none',
      describe: 'ask clients for a certificate and refuse invalid ones (peer)',
    })
    .option('tls-fail-if-no-peer-cert', {
      type: 'boolean',
      describe: 'with --tls-verify peer: refuse clients without one',
    })
    .option('tls-external', {
      type: 'boolean',
      describe: 'offer SASL EXTERNAL: the client certificate CN is the user name',
    })
    .option('mgmt-tls-cert', { type: 'string', describe: 'serve the management API over HTTPS with this certificate' })
    .option('mgmt-tls-key', { type: 'string', describe: 'its private key (PEM file)' })
    .option('mgmt-tls-ca', { type: 'string', describe: 'CA chain to send with the management certificate' })
    .option('tcp-nodelay', {
      type: 'boolean',
      default: true,
      describe: "disable Nagle's algorithm on client sockets (--no-tcp-nodelay turns it back on)",
    })
    .option('mgmt-stats-interval', {
      type: 'number',
      describe: 'management statistics sample interval in ms, for rates and charts (0 turns it off) [default: 5000]',
    })
    .option('heartbeat', { type: 'number', describe: 'heartbeat interval offered to clients, seconds [default: 60]' })
    .example(`${NAME}`, 'listen on 127.0.0.1:5672 and [::1]:5672')
    .example(`${NAME} --port 0 --no-data-dir`, 'a throwaway broker on a free port')
    .example(
      `${NAME} --interface 0.0.0.0 --default-user admin --default-pass s3cret`,
      'all interfaces, another first user',
    )
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .version(VERSION)
    .help()
    .wrap(terminalWidth());

  let args: Awaited<ReturnType<typeof parser.parse>>;
  try {
    args = await parser.parse();
  } catch (e) {
    io.stderr(`qpidd: ${(e as Error).message}\n`);
    return 2;
  }
  if (args.help || args.version) return 0;

  let logLevel: LogLevel;
  try {
    logLevel = parseLogLevel(args['log-enable']);
  } catch (e) {
    io.stderr(`qpidd: ${(e as Error).message}\n`);
    return 2;
  }
  const numbers = ['max-connections', 'channel-max', 'frame-max'] as const;
  for (const n of numbers) {
    const v = args[n];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      io.stderr(`qpidd: --${n} must be a non-negative integer\n`);
      return 2;
    }
  }
  const fm = args['frame-max'];
  if (fm !== undefined && fm !== 0 && fm < 4096) {
    io.stderr('qpidd: --frame-max must be at least 4096 (AMQP 0-9-1 frame-min-size)\n');
    return 2;
  }
  const cm = args['channel-max'];
  if (cm !== undefined && cm > 65535) {
    io.stderr('qpidd: --channel-max must be at most 65535\n');
    return 2;
  }
  let tls: ReturnType<typeof tlsOptions>;
  try {
    tls = tlsOptions(args);
  } catch (e) {
    io.stderr(`qpidd: ${(e as Error).message}\n`);
    return 2;
  }
  const hosts = (args.interface as string[] | undefined)?.flatMap((h) => h.split(',')) ?? undefined;
  // yargs reads --no-data-dir as data-dir=false; with both given, --no-data-dir wins (as in Qpid).
  const dirArgs = [args['data-dir'] as unknown].flat();
  const noDataDir = args['no-data-dir'] === true || dirArgs.includes(false);
  const dirGiven = dirArgs.filter((d): d is string => typeof d === 'string').pop();
  const dataDir = noDataDir ? undefined : (dirGiven ?? join(homedir(), '.qpidd'));
  let broker: Broker;
  try {
    broker = await Broker.start({
      port: args.port,
      host: hosts,
      auth: args.auth === 'yes',
      logLevel,
      logger: stderrLogger,
      tcpNoDelay: args['tcp-nodelay'],
      maxMessageSize: args['max-message-size'],
      memoryHighWatermark: args['memory-high-watermark'],
      heartbeat: args.heartbeat,
      defaultUser: args['default-user'] ?? env['QPIDD_DEFAULT_USER'],
      defaultPass: args['default-pass'] ?? env['QPIDD_DEFAULT_PASS'],
      loopbackUsers: args['allow-remote-guest'] === true ? [] : undefined,
      maxConnections: args['max-connections'],
      channelMax: args['channel-max'],
      frameMax: args['frame-max'],
      dataDir,
      federationId: args['federation-id'],
      tls: tls.amqp,
      mgmtTls: tls.mgmt,
      diskFreeLimit: args['disk-free-limit'],
      messageMemoryBudget: args['message-memory-budget'],
      // A throwaway broker (--port 0) does not grab the well-known management port either.
      mgmtPort: args['mgmt-port'] ?? (args.port === 0 ? 0 : 15672),
      statsIntervalMs: args['mgmt-stats-interval'],
    });
  } catch (e) {
    // Node's listen errors carry the port that failed (AMQP or management).
    const err = e as NodeJS.ErrnoException & { port?: number };
    if (err.syscall !== 'listen') {
      // A data directory that is locked, unreadable or corrupt: the store's message names the file.
      io.stderr(`qpidd: ${err.message}\n`);
      return 1;
    }
    io.stderr(`qpidd: cannot listen on port ${err.port ?? args.port}: ${err.code ?? err.message}\n`);
    return 1;
  }
  io.stdout(`qpidd listening on ${broker.url}\n`);
  if (broker.tlsPort !== undefined) io.stdout(`qpidd listening on amqps://${broker.host}:${broker.tlsPort}\n`);
  io.stdout(`qpidd management on ${broker.mgmtUrl} (web console and API)\n`);
  return broker;
}

interface TlsArgs {
  'tls-port'?: number;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
  'tls-verify'?: string;
  'tls-fail-if-no-peer-cert'?: boolean;
  'tls-external'?: boolean;
  'mgmt-tls-cert'?: string;
  'mgmt-tls-key'?: string;
  'mgmt-tls-ca'?: string;
}

/** Reads the PEM files the --tls-* and --mgmt-tls-* options name; a missing or unreadable file is a usage error. */
function tlsOptions(args: TlsArgs): { amqp: TlsListenerOptions | undefined; mgmt: MgmtTlsOptions | undefined } {
  const read = (flag: string, file: string | undefined) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (e) {
      throw new Error(`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const cert = read('--tls-cert', args['tls-cert']);
  const key = read('--tls-key', args['tls-key']);
  if ((cert === undefined) !== (key === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (cert === undefined && args['tls-port'] !== undefined)
    throw new Error('--tls-port needs --tls-cert and --tls-key');
  const amqp =
    cert === undefined || key === undefined
      ? undefined
      : {
          port: args['tls-port'] ?? 5671,
          cert,
          key,
          ca: read('--tls-ca', args['tls-ca']),
          verify: args['tls-verify'] === 'peer' ? ('peer' as const) : ('none' as const),
          failIfNoPeerCert: args['tls-fail-if-no-peer-cert'] === true,
          external: args['tls-external'] === true,
        };
  const mcert = read('--mgmt-tls-cert', args['mgmt-tls-cert']);
  const mkey = read('--mgmt-tls-key', args['mgmt-tls-key']);
  if ((mcert === undefined) !== (mkey === undefined)) throw new Error('--mgmt-tls-cert and --mgmt-tls-key go together');
  const mgmt =
    mcert === undefined || mkey === undefined
      ? undefined
      : { cert: mcert, key: mkey, ca: read('--mgmt-tls-ca', args['mgmt-tls-ca']) };
  return { amqp, mgmt };
}

/** Entry point used by bin/qpidd.js: runs until SIGINT/SIGTERM, then closes every connection (320) and exits 0. */
export async function run(): Promise<void> {
  // Handlers go in before the broker starts: a supervisor (or a test) may signal as soon as it reads the
  // "listening" line, and a signal with no handler yet would kill the process instead of a clean 320 close.
  let broker: Broker | undefined;
  let signalled = false;
  const shutdown = () => {
    if (signalled) return;
    signalled = true;
    if (broker) stopAndExit(broker);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const result = await main(process.argv.slice(2));
  if (typeof result === 'number') {
    process.removeListener('SIGINT', shutdown);
    process.removeListener('SIGTERM', shutdown);
    process.exitCode = result;
    return;
  }
  broker = result;
  if (signalled) stopAndExit(broker);
}

function stopAndExit(broker: Broker): void {
  broker.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
