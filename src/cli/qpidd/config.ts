/**
 * qpidd's options as the bundled broker's BrokerOptions: checked (a bad value is a usage error, exit 2),
 * defaults that depend on other options filled in, and the PEM files of the --tls-* options read.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type BrokerOptions,
  LOG_LEVELS,
  type LogLevel,
  type MgmtTlsOptions,
  stderrLogger,
  type TlsListenerOptions,
} from '../../broker/index.js';
import { UsageError } from '../common/errors.js';
import type { QpiddArgs } from './options.js';

/** Qpid writes levels as `info+` (this level and above); both forms are accepted. */
export function parseLogLevel(s: string): LogLevel {
  const level = s.replace(/\+$/, '').replace(/^warning$/, 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(level))
    throw new UsageError(`invalid --log-enable level '${s}' (one of ${LOG_LEVELS.join(', ')})`);
  return level;
}

/** The options Broker.start takes for the command line; throws UsageError for a bad value. */
export function brokerOptions(args: QpiddArgs, env: NodeJS.ProcessEnv): Partial<BrokerOptions> {
  const logLevel = parseLogLevel(args['log-enable']);
  for (const name of ['port', 'mgmt-port', 'tls-port'] as const) checkPort(name, args[name]);
  checkLimits(args);
  const tls = tlsOptions(args);
  return {
    port: args.port,
    host: (args.interface as string[] | undefined)?.flatMap((h) => h.split(',')) ?? undefined,
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
    dataDir: dataDir(args),
    federationId: args['federation-id'],
    tls: tls.amqp,
    mgmtTls: tls.mgmt,
    diskFreeLimit: args['disk-free-limit'],
    messageMemoryBudget: args['message-memory-budget'],
    // A throwaway broker (--port 0) does not grab the well-known management port either.
    mgmtPort: args['mgmt-port'] ?? (args.port === 0 ? 0 : 15672),
    statsIntervalMs: args['mgmt-stats-interval'],
  };
}

/** --max-connections, --channel-max and --frame-max within what connection.tune can carry. */
function checkLimits(args: QpiddArgs): void {
  for (const n of ['max-connections', 'channel-max', 'frame-max'] as const) {
    const v = args[n];
    if (v !== undefined && (!Number.isInteger(v) || v < 0))
      throw new UsageError(`--${n} must be a non-negative integer`);
  }
  const fm = args['frame-max'];
  if (fm !== undefined && fm !== 0 && fm < 4096) {
    throw new UsageError('--frame-max must be at least 4096 (AMQP 0-9-1 frame-min-size)');
  }
  const cm = args['channel-max'];
  if (cm !== undefined && cm > 65535) throw new UsageError('--channel-max must be at most 65535');
}

/** The data directory, or none with --no-data-dir; ~/.qpidd by default. */
function dataDir(args: QpiddArgs): string | undefined {
  // yargs reads --no-data-dir as data-dir=false; with both given, --no-data-dir wins (as in Qpid).
  const dirArgs = [args['data-dir'] as unknown].flat();
  const noDataDir = args['no-data-dir'] === true || dirArgs.includes(false);
  const dirGiven = dirArgs.filter((d): d is string => typeof d === 'string').pop();
  return noDataDir ? undefined : (dirGiven ?? join(homedir(), '.qpidd'));
}

type TlsArgs = Pick<
  QpiddArgs,
  | 'tls-port'
  | 'tls-cert'
  | 'tls-key'
  | 'tls-ca'
  | 'tls-verify'
  | 'tls-fail-if-no-peer-cert'
  | 'tls-external'
  | 'mgmt-tls-cert'
  | 'mgmt-tls-key'
  | 'mgmt-tls-ca'
>;

/** Reads a PEM file an option names; a missing or unreadable file is a usage error. */
function readPem(flag: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The AMQPS listener and the management HTTPS settings of the --tls-* and --mgmt-tls-* options. */
function tlsOptions(args: TlsArgs): { amqp: TlsListenerOptions | undefined; mgmt: MgmtTlsOptions | undefined } {
  const cert = readPem('--tls-cert', args['tls-cert']);
  const key = readPem('--tls-key', args['tls-key']);
  if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (cert === undefined && args['tls-port'] !== undefined) {
    throw new UsageError('--tls-port needs --tls-cert and --tls-key');
  }
  const amqp =
    cert === undefined || key === undefined
      ? undefined
      : {
          port: args['tls-port'] ?? 5671,
          cert,
          key,
          ca: readPem('--tls-ca', args['tls-ca']),
          verify: args['tls-verify'] === 'peer' ? ('peer' as const) : ('none' as const),
          failIfNoPeerCert: args['tls-fail-if-no-peer-cert'] === true,
          external: args['tls-external'] === true,
        };
  const mcert = readPem('--mgmt-tls-cert', args['mgmt-tls-cert']);
  const mkey = readPem('--mgmt-tls-key', args['mgmt-tls-key']);
  if ((mcert === undefined) !== (mkey === undefined)) {
    throw new UsageError('--mgmt-tls-cert and --mgmt-tls-key go together');
  }
  const mgmt =
    mcert === undefined || mkey === undefined
      ? undefined
      : { cert: mcert, key: mkey, ca: readPem('--mgmt-tls-ca', args['mgmt-tls-ca']) };
  return { amqp, mgmt };
}

/** A port option is an integer 0–65535 (0: pick a free one); yargs turns `--port abc` into NaN. */
function checkPort(name: string, value: number | undefined): void {
  if (value === undefined || (Number.isInteger(value) && value >= 0 && value <= 65535)) return;
  throw new UsageError(`--${name} must be a port number from 0 to 65535`);
}
