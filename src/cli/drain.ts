/**
 * `drain [options] ADDRESS`: receives messages from an address and prints them (docs/qpid-reference.md §6.2).
 * Same loop as Qpid's Python drain: fetch (waiting --timeout seconds, or forever with -f), print with the
 * -p format, acknowledge; stop after --count messages or when a fetch times out. Waiting for more than one
 * message it subscribes (basic.consume, prefetch --capacity) and acknowledges in multiple-acks; -c 1 or
 * --capacity 0 fetches one at a time with basic.get, as Qpid's capacity 0. Adds --connection-options,
 * --browse, --json, and on a terminal with -c a progress line and a rate summary on stderr.
 */

import type { Message, Receiver, Session } from '../index.js';
import { createAddress, parseAddress } from '../index.js';
import { commandParser, intOption, numberOption, startCommand } from './common/args.js';
import { connectionSettings, withConnection } from './common/broker.js';
import { EXIT_OK, reportError, UsageError } from './common/errors.js';
import { type CliIo, debugLogger, processIo, stderrColors } from './common/io.js';
import { messageJsonLine } from './common/json.js';
import { BROKER_OPTIONS, MESSAGE_JSON_OPTION, VERBOSE_LOGGING_OPTION } from './common/options.js';
import { PyFormat } from './common/pyformat.js';
import { runCommand } from './common/run.js';

const NAME = 'drain';
/** Prefetch when waiting for many messages (-c N, -f, or until the queue is empty); docs/defaults.md. */
const MAX_CAPACITY = 1000;
const DEFAULT_FORMAT = '%(M)s';

function parser() {
  return commandParser(NAME, '$0 [options] ADDRESS\n\nDrain messages from the supplied address.')
    .options({
      ...BROKER_OPTIONS,
      count: { alias: 'c', type: 'number', describe: 'number of messages to drain (0: no limit)' },
      forever: { alias: 'f', type: 'boolean', describe: 'ignore timeout and wait forever' },
      timeout: {
        alias: 't',
        type: 'number',
        default: 0,
        describe: 'seconds to wait for each message before exiting',
      },
      print: {
        alias: 'p',
        type: 'string',
        default: DEFAULT_FORMAT,
        describe: 'format for each message: Python %-format over M (message), P (properties), C (content)',
      },
      capacity: {
        type: 'number',
        describe: `messages to prefetch (0: fetch one at a time) [default: ${MAX_CAPACITY}, at most --count]`,
      },
      browse: { type: 'boolean', describe: 'read without consuming (same as "; {mode: browse}")' },
      json: MESSAGE_JSON_OPTION,
      verbose: VERBOSE_LOGGING_OPTION,
    })
    .example(`${NAME} -t 120 news-service/#.news`, 'print news for two minutes after the last one')
    .example(`${NAME} -c 3 my-queue`, 'take three messages from my-queue')
    .example(`${NAME} -p "%(P['spout-id'])s %(C)s" my-queue`, 'print the spout-id property and the content')
    .example(`${NAME} -f --browse my-queue`, 'watch my-queue without consuming its messages');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

/** What to drain and how: the options checked and their defaults filled in. */
interface Plan {
  address: string;
  /** -c: 0 is no limit. */
  limit: number;
  capacity: number;
  /** Seconds to wait for each message; undefined (-f) waits forever. */
  timeout: number | undefined;
  /** The -p format; none with --json. */
  format: PyFormat | undefined;
  browse: boolean;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, (args: Args) => ({
    plan: planOf(args),
    settings: connectionSettings(args),
  }));
  if ('exit' in started) return started.exit;
  const { verbose, prepared } = started;
  const { plan, settings } = prepared;
  const log = debugLogger(io, NAME, verbose);
  const progress = new Progress(io, plan.limit);
  try {
    let source = parseAddress(plan.address, 'receiver');
    if (plan.browse) source = createAddress({ ...source, options: { ...source.options, mode: 'browse' } });
    const received = await withConnection(settings, log, async (connection) => {
      log(`connected to ${connection.url}`);
      const session = await connection.session();
      const receiver = await session.receiver(source, { capacity: plan.capacity });
      log(`receiving from ${source.toString()} (capacity ${plan.capacity})`);
      return drainAll(plan, io, session, receiver, progress);
    });
    log(`received ${received} message${received === 1 ? '' : 's'}`);
    return EXIT_OK;
  } catch (e) {
    progress.clear();
    return reportError(io, e, verbose);
  }
}

function planOf(args: Args): Plan {
  const positional = args._.map(String);
  if (positional.length === 0) throw new UsageError('address is required');
  if (positional.length > 1) throw new UsageError(`unexpected argument ${positional[1]}: drain takes one ADDRESS`);
  const limit = intOption('count', args.count, 0) ?? 0;
  const capacity = defaultCapacity(limit, intOption('capacity', args.capacity, 0));
  const timeout = args.forever ? undefined : numberOption('timeout', args.timeout, 0);
  if (args.json && args.print !== DEFAULT_FORMAT) throw new UsageError('--json and --print are alternatives');
  const format = args.json ? undefined : new PyFormat(args.print);
  return { address: positional[0] as string, limit, capacity, timeout, format, browse: args.browse === true };
}

/** Fetches, prints and acknowledges until -c messages came, a fetch timed out, or Ctrl-C; resolves the count. */
async function drainAll(
  plan: Plan,
  io: CliIo,
  session: Session,
  receiver: Receiver,
  progress: Progress,
): Promise<number> {
  const { limit, capacity, format } = plan;
  const start = Date.now();
  let received = 0;
  // With -c N, acknowledging the last `capacity` messages only once the consumer is cancelled keeps the
  // broker from delivering more than N (its prefetch counts unacknowledged messages), so none are
  // prefetched and handed back marked redelivered. Acks written in one tick go out as one multiple-ack.
  const ackUpTo = limit === 0 ? Number.POSITIVE_INFINITY : limit - capacity;
  while (limit === 0 || received < limit) {
    const message = await fetch(receiver, plan.timeout, io.signal);
    if (!message) break;
    const line = format ? `${format.apply(message)}\n` : messageJsonLine(message);
    progress.clear();
    io.stdout(line);
    received++;
    if (received <= ackUpTo) await session.acknowledge(message, { sync: false });
    progress.update(received, start);
  }
  await receiver.close();
  await session.acknowledge();
  progress.finish(received, start);
  return received;
}

/** -c 1 fetches one message at a time (Qpid's capacity 0); more subscribe with up to MAX_CAPACITY. */
function defaultCapacity(limit: number, given: number | undefined): number {
  if (given !== undefined) return limit > 0 ? Math.min(given, limit) : given;
  if (limit === 1) return 0;
  return limit > 0 ? Math.min(limit, MAX_CAPACITY) : MAX_CAPACITY;
}

/** receiver.get(), given up (undefined) when Ctrl-C aborts the wait. */
async function fetch(
  receiver: Receiver,
  timeout: number | undefined,
  signal?: AbortSignal,
): Promise<Message | undefined> {
  if (signal?.aborted) return undefined;
  if (!signal) return receiver.get(timeout);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // A message that arrives after the abort is left unacknowledged: closing the connection returns it.
    return await Promise.race([receiver.get(timeout), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** With -c on a terminal: `drain: 40/100 messages (812 msg/s)` on stderr, then a summary line. */
class Progress {
  private readonly enabled: boolean;
  private shown = false;
  private last = 0;

  constructor(
    private readonly io: CliIo,
    private readonly limit: number,
  ) {
    this.enabled = limit > 0 && (io.stderrIsTTY ?? io.isTTY);
  }

  clear(): void {
    if (this.shown) this.io.stderr('\r\x1b[K');
    this.shown = false;
  }

  update(received: number, start: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && received < this.limit) return;
    this.last = now;
    const c = stderrColors(this.io);
    this.io.stderr(c.dim(`\r\x1b[K${NAME}: ${received}/${this.limit} messages (${rate(received, start)} msg/s)`));
    this.shown = true;
  }

  finish(received: number, start: number): void {
    if (!this.enabled) return;
    this.clear();
    const secs = (Date.now() - start) / 1000;
    this.io.stderr(
      `${NAME}: received ${received} message${received === 1 ? '' : 's'} in ${secs.toFixed(2)}s (${rate(received, start)} msg/s)\n`,
    );
  }
}

function rate(n: number, start: number): string {
  const secs = (Date.now() - start) / 1000;
  return secs > 0 ? (n / secs).toFixed(n / secs >= 100 ? 0 : 1) : '0';
}

export async function run(): Promise<void> {
  await runCommand(main);
}
