/**
 * `qpidd`: runs the bundled broker. Options follow Qpid's qpidd where they
 * exist (--port, --interface, --data-dir, --no-data-dir, --auth, --log-enable)
 * and RabbitMQ's settings where Qpid has none.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Broker, LOG_LEVELS, type LogLevel, stderrLogger } from '../broker/index.js';
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

export async function main(argv: string[], io: QpiddIo = defaultIo): Promise<Broker | number> {
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
      dataDir,
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
  io.stdout(`qpidd management on ${broker.mgmtUrl} (web console and API)\n`);
  return broker;
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
