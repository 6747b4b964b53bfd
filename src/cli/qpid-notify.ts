/**
 * `qpid-notify listen [TOPIC...]` prints oslo.messaging notifications as they arrive;
 * `qpid-notify send TOPIC PRIORITY EVENT_TYPE [PAYLOAD]` emits one (docs/rpc.md).
 *
 * listen prints `PRIORITY PUBLISHER EVENT_TYPE PAYLOAD-JSON` per notification, or one JSON object per
 * line with --json; it stops after --count notifications or on Ctrl-C.
 */
import type { Connection } from '../index.js';
import { NotificationListener, Notifier, type NotifierDriver, PRIORITIES, type Priority } from '../rpc/index.js';
import { commandParser, intOption, repeated, startCommand } from './common/args.js';
import { connectionSettings, withConnection } from './common/broker.js';
import { EXIT_OK, reportError, UsageError } from './common/errors.js';
import { type CliIo, debugLogger, processIo } from './common/io.js';
import { BROKER_OPTIONS, VERBOSE_LOGGING_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { aborted, jsonObject, TRANSPORT_OPTIONS, transportOptions } from './rpc-common.js';

const NAME = 'qpid-notify';

function parser() {
  return (
    commandParser(NAME, '$0 [options] listen [TOPIC...]\n$0 [options] send TOPIC PRIORITY EVENT [PAYLOAD]')
      // yargs wraps a description under a long usage line into the room that line leaves: an epilogue instead.
      .epilogue(
        'listen prints oslo.messaging notifications as they arrive (default topic: notifications);\nsend emits one (EVENT: its event type).',
      )
      .options({
        ...BROKER_OPTIONS,
        ...TRANSPORT_OPTIONS,
        priority: { type: 'string', describe: `listen: only these priorities (repeatable): ${PRIORITIES.join(', ')}` },
        pool: { type: 'string', describe: 'listen: share one queue with the other listeners of this pool' },
        count: { alias: 'c', type: 'number', describe: 'listen: stop after this many notifications' },
        json: { type: 'boolean', describe: 'listen: one JSON object per line' },
        'publisher-id': { type: 'string', default: 'qpid-notify', describe: 'send: the publisher id' },
        driver: {
          type: 'string',
          default: 'messagingv2',
          describe: 'send: messagingv2 (envelope) or messaging (bare)',
        },
        context: { type: 'string', describe: 'send: context as a JSON object' },
        verbose: VERBOSE_LOGGING_OPTION,
      })
      .example('$0 listen', 'print every notification on the notifications topic')
      .example('$0 --json --priority error listen notifications', 'errors only, as JSON lines')
      .example(`$0 send notifications info compute.create '{"id": 1}'`, 'send one notification')
  );
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, (args: Args) => {
    const [verb, ...rest] = args._.map(String);
    const settings = connectionSettings(args);
    let job: (c: Connection) => Promise<number>;
    if (verb === 'listen') job = listenJob(rest, args, io);
    else if (verb === 'send') job = sendJob(rest, args);
    else throw new UsageError(verb === undefined ? 'a command is required: listen or send' : `unknown command ${verb}`);
    return { settings, job };
  });
  if ('exit' in started) return started.exit;
  const { verbose, prepared } = started;
  const { settings, job } = prepared;
  const log = debugLogger(io, NAME, verbose);
  try {
    return await withConnection(settings, log, job);
  } catch (e) {
    return reportError(io, e, verbose);
  }
}

function priorityOf(text: string): Priority {
  const p = text.toLowerCase() as Priority;
  if (!PRIORITIES.includes(p)) throw new UsageError(`unknown priority ${text} (${PRIORITIES.join(', ')})`);
  return p;
}

function listenJob(topics: string[], args: Args, io: CliIo): (c: Connection) => Promise<number> {
  const priorities = repeated(args['priority']).map(priorityOf);
  const wanted = priorities.length > 0 ? priorities : [...PRIORITIES];
  const count = intOption('count', args['count'], 1);
  const json = args['json'] === true;
  const pool = args['pool'] as string | undefined;
  return async (connection) => {
    let seen = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const endpoint: Record<string, unknown> = {};
    for (const p of wanted) {
      endpoint[p] = (ctxt: unknown, publisherId: unknown, eventType: unknown, payload: unknown, md: object) => {
        if (count !== undefined && seen >= count) return 'requeue';
        seen++;
        const line = json
          ? JSON.stringify({ priority: p, publisher_id: publisherId, event_type: eventType, payload, ctxt, ...md })
          : `${p.toUpperCase()} ${String(publisherId)} ${String(eventType)} ${JSON.stringify(payload)}`;
        io.stdout(`${line}\n`);
        if (count !== undefined && seen >= count) done();
        return 'handled';
      };
    }
    const targets = (topics.length > 0 ? topics : ['notifications']).map((topic) => ({ topic }));
    const listener = new NotificationListener(connection, targets, [endpoint], {
      ...transportOptions(args as Parameters<typeof transportOptions>[0]),
      pool,
      allowRequeue: true,
    });
    await listener.start();
    io.stderr(`${NAME}: listening on ${targets.map((t) => t.topic).join(', ')} (${wanted.join(', ')})\n`);
    await Promise.race([finished, aborted(io.signal)]);
    await listener.stop();
    await listener.wait();
    return EXIT_OK;
  };
}

function sendJob(rest: string[], args: Args): (c: Connection) => Promise<number> {
  const [topic, priorityText, eventType, payloadText, extra] = rest;
  if (!topic || !priorityText || !eventType) throw new UsageError('send needs TOPIC PRIORITY EVENT_TYPE [PAYLOAD]');
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  const priority = priorityOf(priorityText);
  const payload = jsonObject('PAYLOAD', payloadText);
  const ctxt = jsonObject('--context', args['context'] as string | undefined);
  const driver = args['driver'] as NotifierDriver;
  if (driver !== 'messaging' && driver !== 'messagingv2') {
    throw new UsageError(`--driver: expected messaging or messagingv2, got ${String(driver)}`);
  }
  return async (connection) => {
    const notifier = new Notifier(connection, {
      ...transportOptions(args as Parameters<typeof transportOptions>[0]),
      publisherId: args['publisher-id'] as string,
      driver,
      topics: [topic],
    });
    await notifier.notify(ctxt, eventType, payload, priority.toUpperCase());
    return EXIT_OK;
  };
}

export async function run(): Promise<void> {
  await runCommand(main);
}
