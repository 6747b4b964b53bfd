/**
 * `qpid-stat`: broker statistics as Qpid's qpid-stat shows them (docs/qpid-reference.md §6.5), read from
 * the management HTTP API of the bundled broker or RabbitMQ: -g broker summary, -c connections,
 * -e exchanges, -q queues (or one queue), -u subscriptions, -m memory, -l links. Tables use Qpid's layout
 * and number formats; --json prints the raw values; --watch SECONDS redraws like top, with per-second
 * rates. Statistics the AMQP 0-9-1 brokers do not keep (byte counters, persistent/transactional counts,
 * ...) print as empty cells, as Qpid prints a missing value. The views are in stat/.
 */
import { type Admin, adminClient, adminError } from './common/admin.js';
import { commandParser, intOption, startCommand } from './common/args.js';
import { EXIT_OK, reportFailure, UsageError } from './common/errors.js';
import { type CliIo, processIo, sleep } from './common/io.js';
import { ADMIN_OPTIONS, jsonOption, VERBOSE_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { connections } from './stat/connections.js';
import { exchanges } from './stat/exchanges.js';
import { general } from './stat/general.js';
import { links } from './stat/links.js';
import { memory } from './stat/memory.js';
import { oneQueue } from './stat/one-queue.js';
import { queues } from './stat/queues.js';
import { finish, print, type ShowOptions } from './stat/render.js';
import { subscriptions } from './stat/subscriptions.js';
import type { Sample, Table, View } from './stat/table.js';

const NAME = 'qpid-stat';

const USAGE = `$0 -g [options]
       $0 -c [options]
       $0 -e [options]
       $0 -q [options] [queue-name]
       $0 -u [options]
       $0 -m [options]
       $0 -l [options]`;

const VIEWS = { general, connections, exchanges, queues, subscriptions, memory, links } as const satisfies Record<
  string,
  View
>;
type Display = keyof typeof VIEWS;
const DISPLAYS = Object.keys(VIEWS) as Display[];

function parser() {
  return commandParser(NAME, USAGE)
    .options({
      ...ADMIN_OPTIONS,
      general: { alias: 'g', type: 'boolean', describe: 'show general broker stats' },
      connections: { alias: 'c', type: 'boolean', describe: 'show connections' },
      exchanges: { alias: 'e', type: 'boolean', describe: 'show exchanges' },
      queues: { alias: 'q', type: 'boolean', describe: 'show queues (or one queue, named after -q)' },
      subscriptions: { alias: 'u', type: 'boolean', describe: 'show subscriptions (consumers)' },
      memory: { alias: 'm', type: 'boolean', describe: 'show broker memory stats' },
      links: {
        alias: 'l',
        type: 'boolean',
        describe: 'show federation links (qpid-route shovels) with their counters',
      },
      'sort-by': { alias: 'S', type: 'string', requiresArg: true, describe: 'sort by column name' },
      increasing: { alias: 'I', type: 'boolean', describe: 'sort by increasing value (default = decreasing)' },
      limit: {
        alias: 'L',
        type: 'number',
        requiresArg: true,
        describe: 'limit output to n rows [default: 50 when sorting]',
      },
      json: jsonOption('print the values as JSON (one document per redraw with --watch)'),
      watch: {
        type: 'number',
        requiresArg: true,
        describe: 'redraw every SECONDS with per-second rates, until Ctrl-C',
      },
      iterations: { type: 'number', requiresArg: true, hidden: true, describe: 'stop --watch after N redraws' },
      verbose: VERBOSE_OPTION,
    })
    .example(`${NAME} -q`, 'every queue with its depth, enqueues, dequeues, consumers and bindings')
    .example(`${NAME} -q my-queue`, "one queue's properties and statistics")
    .example(`${NAME} -q -S msg -L 10`, 'the ten deepest queues')
    .example(`${NAME} -e -b guest/guest@broker-host:5672`, 'exchanges of another broker')
    .example(`${NAME} -q --watch 2`, 'redraw the queue table every 2 s with msgIn/s and msgOut/s')
    .example(`${NAME} -g --json`, 'the broker summary as JSON');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

/** What the command line asks for: one view (with -q NAME one queue), how to show it, how often. */
interface Request {
  view: () => Promise<Table[]>;
  show: ShowOptions;
  iterations: number | undefined;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, async (args: Args) => {
    const admin = await adminClient(args);
    return { admin, request: requestOf(args, admin) };
  });
  if ('exit' in started) return started.exit;
  const { verbose, prepared } = started;
  const { admin, request } = prepared;
  try {
    await show(io, request, `${NAME} ${argv.join(' ')}`);
    return EXIT_OK;
  } catch (e) {
    return reportFailure(io, NAME, adminError(e, undefined, admin.source), verbose);
  }
}

/** The one display chosen, its queue name and the display options; anything else is a usage error. */
function requestOf(args: Args, admin: Admin): Request {
  const chosen = DISPLAYS.filter((d) => args[d] === true);
  if (chosen.length === 0) throw new UsageError('You must specify one of these options: -g, -c, -e, -q, -m, or -u');
  if (chosen.length > 1) throw new UsageError('give only one of these options: -g, -c, -e, -q, -m, or -u');
  const display = chosen[0] as Display;
  const words = args._.map(String);
  let queueName: string | undefined;
  if (display === 'queues' && words.length === 1) queueName = words[0];
  else if (words.length > 0) throw new UsageError(`unexpected argument '${words[0]}'`);
  if (args.watch !== undefined && !(Number.isFinite(args.watch) && args.watch > 0)) {
    throw new UsageError('option --watch: expected seconds > 0');
  }
  const iterations = intOption('iterations', args.iterations, 1);
  const limit = intOption('limit', args.limit, 0);
  return {
    view: queueName === undefined ? () => VIEWS[display](admin) : () => oneQueue(admin, queueName),
    show: {
      sortBy: args['sort-by'],
      increasing: args.increasing === true,
      limit,
      json: args.json === true,
      watch: args.watch,
    },
    iterations,
  };
}

/** Reads and prints the view: once, or under --watch every SECONDS until Ctrl-C or --iterations. */
async function show(io: CliIo, request: Request, commandLine: string): Promise<void> {
  const { watch } = request.show;
  let prev: Sample | undefined;
  for (let i = 0; ; i++) {
    const sample: Sample = { at: Date.now(), tables: await request.view() };
    const tables = sample.tables.map((t, k) => finish(t, prev, sample, k, request.show));
    print(io, tables, request.show, commandLine, sample.at);
    prev = sample;
    if (watch === undefined || (request.iterations !== undefined && i + 1 >= request.iterations)) break;
    await sleep(watch * 1000, io.signal);
    if (io.signal?.aborted) break;
  }
}

export async function run(): Promise<void> {
  await runCommand(main);
}
