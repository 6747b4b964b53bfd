/**
 * `qpid-config`: lists, creates and deletes exchanges, queues and bindings (docs/qpid-reference.md §6.4),
 * through the management HTTP API of the bundled broker or RabbitMQ. Output follows Qpid's
 * qpid-config; Qpid's queue limits map onto RabbitMQ's arguments:
 * --max-queue-size → x-max-length-bytes, --max-queue-count → x-max-length,
 * --limit-policy reject|ring → x-overflow reject-publish|drop-head,
 * --alternate-exchange (queues) → x-dead-letter-exchange (config/arguments.ts). The verbs are in config/.
 */
import { type Admin, adminClient, adminError } from './common/admin.js';
import { commandParser, intOption, startCommand } from './common/args.js';
import { reportFailure, UsageError } from './common/errors.js';
import { type CliIo, processIo } from './common/io.js';
import { ADMIN_OPTIONS, jsonOption, VERBOSE_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import type { ConfigArgs } from './config/arguments.js';
import { bind, unbind } from './config/bindings.js';
import { addExchange, delExchange } from './config/exchange-verbs.js';
import { exchangeList, overview, queueList } from './config/listing.js';
import { addQueue, delQueue } from './config/queue-verbs.js';

const NAME = 'qpid-config';

const USAGE = `Usage:  $0 [OPTIONS]
        $0 [OPTIONS] exchanges [filter-string]
        $0 [OPTIONS] queues    [filter-string]
        $0 [OPTIONS] add exchange <type> <name> [AddExchangeOptions]
        $0 [OPTIONS] del exchange <name>
        $0 [OPTIONS] add queue <name> [AddQueueOptions]
        $0 [OPTIONS] del queue <name> [DelQueueOptions]
        $0 [OPTIONS] bind   <exchange-name> <queue-name> [binding-key]
                  <for type headers>  [all|any] k1=v1 [k2=v2...]
        $0 [OPTIONS] unbind <exchange-name> <queue-name> [binding-key]

Exchange types: direct, fanout, topic, headers.
Queue limit policies: none (broker default), reject (x-overflow: reject-publish),
ring (x-overflow: drop-head).`;

function parser() {
  return commandParser(NAME, USAGE)
    .options({
      ...ADMIN_OPTIONS,
      broker: { ...ADMIN_OPTIONS.broker, alias: ['b', 'a', 'broker-addr'] },
      recursive: { alias: 'r', type: 'boolean', describe: 'show bindings in queue or exchange list' },
      'ignore-default': { type: 'boolean', describe: 'ignore the default exchange in exchange or queue list' },
      json: jsonOption('print listings as JSON'),
      'alternate-exchange': {
        type: 'string',
        requiresArg: true,
        describe: 'alternate exchange of the new exchange, or dead-letter exchange of the new queue',
      },
      durable: { type: 'boolean', describe: 'the new queue or exchange is durable' },
      quorum: { type: 'boolean', describe: 'the new queue is a quorum queue (x-queue-type quorum; implies --durable)' },
      stream: { type: 'boolean', describe: 'the new queue is a stream (x-queue-type stream; implies --durable)' },
      'quorum-initial-group-size': {
        type: 'number',
        requiresArg: true,
        describe: 'replicas of a new quorum queue (x-quorum-initial-group-size)',
      },
      'delivery-limit': {
        type: 'number',
        requiresArg: true,
        describe: 'redeliveries before a quorum queue drops or dead-letters a message (x-delivery-limit)',
      },
      'max-queue-size': {
        type: 'number',
        requiresArg: true,
        describe: 'maximum queue size in bytes (x-max-length-bytes)',
      },
      'max-queue-count': { type: 'number', requiresArg: true, describe: 'maximum number of messages (x-max-length)' },
      'limit-policy': {
        type: 'string',
        choices: ['none', 'reject', 'ring'],
        describe: 'action when a queue limit is reached (reject → reject-publish, ring → drop-head)',
      },
      argument: {
        type: 'string',
        requiresArg: true,
        describe: 'NAME=VALUE added to the queue or exchange arguments (repeatable; numbers and True/False typed)',
      },
      force: { type: 'boolean', describe: "delete the queue even if it's in use or not empty" },
      'force-if-not-empty': { type: 'boolean', describe: "delete the queue even if it's not empty" },
      'force-if-used': { type: 'boolean', describe: "delete the queue even if it's in use" },
      verbose: VERBOSE_OPTION,
    })
    .example(`${NAME}`, 'totals of exchanges (by type) and queues')
    .example(`${NAME} add exchange topic news-service`, 'create the topic exchange news-service')
    .example(
      `${NAME} add queue q --max-queue-count 1000 --limit-policy ring`,
      'a queue keeping the newest 1000 messages',
    )
    .example(`${NAME} add queue orders --quorum --delivery-limit 5`, 'a replicated queue on a RabbitMQ cluster')
    .example(`${NAME} bind news-service q "#.news"`, 'route news-service messages with subjects ending .news to q')
    .example(`${NAME} bind hx q "" all colour=red size=2`, 'a headers-exchange binding matching both headers')
    .example(`${NAME} -r queues my-`, 'queues whose names contain my-, with their bindings')
    .example(`${NAME} queues -b guest/guest@broker-host:5672`, 'queues of another broker')
    .example(`${NAME} del queue q --force`, 'delete q even if it holds messages or has consumers');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, async (args: Args) => {
    const admin = await adminClient(args);
    const words = args._.map(String);
    intOption('max-queue-size', args['max-queue-size'], 0);
    intOption('max-queue-count', args['max-queue-count'], 0);
    intOption('quorum-initial-group-size', args['quorum-initial-group-size'], 1);
    intOption('delivery-limit', args['delivery-limit'], 0);
    if (args.quorum && args.stream) throw new UsageError('--quorum and --stream exclude each other');
    validate(words);
    return { admin, words };
  });
  if ('exit' in started) return started.exit;
  const { args, verbose, prepared } = started;
  const { admin, words } = prepared;
  try {
    return await dispatch(admin, args, words, io);
  } catch (e) {
    return reportFailure(io, NAME, adminError(e, undefined, admin.source), verbose);
  }
}

/** Checks the command words before anything is sent. */
function validate(words: string[]): void {
  const [cmd, modifier] = words;
  const need = (n: number, form: string) => {
    if (words.length < n) throw new UsageError(`missing arguments; usage: ${NAME} ${form}`);
  };
  switch (cmd) {
    case undefined:
      return;
    case 'exchanges':
    case 'queues':
      if (words.length > 2) throw new UsageError(`unexpected argument '${words[2]}'`);
      return;
    case 'add':
      if (modifier === 'exchange') need(4, 'add exchange <type> <name>');
      else if (modifier === 'queue') need(3, 'add queue <name>');
      else throw new UsageError(`cannot add '${modifier ?? ''}': expected 'exchange' or 'queue'`);
      return;
    case 'del':
      if (modifier === 'exchange') need(3, 'del exchange <name>');
      else if (modifier === 'queue') need(3, 'del queue <name>');
      else throw new UsageError(`cannot delete '${modifier ?? ''}': expected 'exchange' or 'queue'`);
      return;
    case 'bind':
      need(3, 'bind <exchange-name> <queue-name> [binding-key]');
      return;
    case 'unbind':
      need(3, 'unbind <exchange-name> <queue-name> [binding-key]');
      return;
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

async function dispatch(admin: Admin, args: ConfigArgs, words: string[], io: CliIo): Promise<number> {
  const [cmd, modifier = ''] = words;
  switch (cmd) {
    case undefined:
      return overview(admin, args, io);
    case 'exchanges':
      return exchangeList(admin, args, modifier, io);
    case 'queues':
      return queueList(admin, args, modifier, io);
    case 'add':
      return modifier === 'exchange' ? addExchange(admin, args, words.slice(2)) : addQueue(admin, args, words.slice(2));
    case 'del':
      return modifier === 'exchange'
        ? delExchange(admin, words[2] as string)
        : delQueue(admin, args, words[2] as string);
    case 'bind':
      return bind(admin, words.slice(1));
    case 'unbind':
      return unbind(admin, words.slice(1));
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

export async function run(): Promise<void> {
  await runCommand(main);
}
