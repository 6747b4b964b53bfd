/**
 * `qpidd`: runs the bundled broker. The command line is in qpidd/options.ts (Qpid's qpidd options where
 * they exist, RabbitMQ's settings where Qpid has none), its mapping onto BrokerOptions in qpidd/config.ts.
 */
import { Broker, type BrokerOptions } from '../broker/index.js';
import { brokerOptions } from './qpidd/config.js';
import { NAME, type QpiddArgs, qpiddParser } from './qpidd/options.js';

export interface QpiddIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIo: QpiddIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/** Starts the broker the command line describes; a number is the exit code of a failure (or of --help). */
export async function main(
  argv: string[],
  io: QpiddIo = defaultIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Broker | number> {
  let args: QpiddArgs;
  let options: Partial<BrokerOptions>;
  try {
    args = await qpiddParser().parse(argv);
    if (args.help || args.version) return 0;
    options = brokerOptions(args, env);
  } catch (e) {
    // A bad command line (yargs' own errors, or UsageError from the mapping): one line, exit 2.
    io.stderr(`${NAME}: ${(e as Error).message}\n`);
    return 2;
  }
  let broker: Broker;
  try {
    broker = await Broker.start(options);
  } catch (e) {
    io.stderr(`${NAME}: ${startFailure(e, args.port)}\n`);
    return 1;
  }
  io.stdout(`${NAME} listening on ${broker.url}\n`);
  if (broker.tlsPort !== undefined) io.stdout(`${NAME} listening on amqps://${broker.host}:${broker.tlsPort}\n`);
  io.stdout(`${NAME} management on ${broker.mgmtUrl} (web console and API)\n`);
  return broker;
}

/** Why the broker did not start: the port that could not be listened on, else the store's message. */
function startFailure(e: unknown, port: number): string {
  // Node's listen errors carry the port that failed (AMQP or management).
  const err = e as NodeJS.ErrnoException & { port?: number };
  // A data directory that is locked, unreadable or corrupt: the store's message names the file.
  if (err.syscall !== 'listen') return err.message;
  return `cannot listen on port ${err.port ?? port}: ${err.code ?? err.message}`;
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
