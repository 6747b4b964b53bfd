/**
 * `qpid-config`: lists, creates and deletes exchanges, queues and bindings (docs/qpid-reference.md §6.4),
 * through the management HTTP API of the bundled broker or RabbitMQ. Output follows Qpid's
 * qpid-config; Qpid's queue limits map onto RabbitMQ's arguments:
 * --max-queue-size → x-max-length-bytes, --max-queue-count → x-max-length,
 * --limit-policy reject|ring → x-overflow reject-publish|drop-head,
 * --alternate-exchange (queues) → x-dead-letter-exchange.
 */
import type { Arguments, BindingInfo, ExchangeInfo, QueueInfo } from '../admin/index.js';
import { pyRepr } from '../index.js';
import { ADMIN_OPTIONS, type Admin, adminClient, adminError, typedArgument, typedJsonValue } from './common/admin.js';
import { commandParser, intOption, parseArgs, repeated } from './common/args.js';
import { EXIT_FAILURE, EXIT_OK, reportError, reportUsage, UsageError } from './common/errors.js';
import { type CliIo, processIo } from './common/io.js';
import { runCommand } from './common/run.js';

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
      json: { type: 'boolean', describe: 'print listings as JSON' },
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
      verbose: { alias: 'v', type: 'boolean', describe: 'print stack traces on errors' },
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
  const parsed = parseArgs(parser(), argv, io, NAME);
  if ('exit' in parsed) return parsed.exit;
  const args = parsed.args as unknown as Args;
  const verbose = args.verbose === true;
  let admin: Admin;
  let words: string[];
  try {
    admin = await adminClient(args);
    words = args._.map(String);
    intOption('max-queue-size', args['max-queue-size'], 0);
    intOption('max-queue-count', args['max-queue-count'], 0);
    intOption('quorum-initial-group-size', args['quorum-initial-group-size'], 1);
    intOption('delivery-limit', args['delivery-limit'], 0);
    if (args.quorum && args.stream) throw new UsageError('--quorum and --stream exclude each other');
    validate(words);
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(io, NAME, e.message);
    return reportError(io, e, verbose);
  }
  try {
    return await dispatch(admin, args, words, io);
  } catch (e) {
    if (e instanceof UsageError) return reportUsage(io, NAME, e.message);
    return reportError(io, adminError(e, undefined, admin.source), verbose);
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

async function dispatch(admin: Admin, args: Args, words: string[], io: CliIo): Promise<number> {
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

// ---- listings --------------------------------------------------------------------

function out(io: CliIo, lines: string[]): void {
  if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
}

function json(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

async function overview(admin: Admin, args: Args, io: CliIo): Promise<number> {
  const [exchanges, queues] = await Promise.all([
    admin.client.exchanges(admin.vhost),
    admin.client.queues(admin.vhost),
  ]);
  const types = new Map<string, number>();
  for (const x of exchanges) types.set(x.type, (types.get(x.type) ?? 0) + 1);
  const durable = queues.filter((q) => q.durable).length;
  if (args.json) {
    json(io, {
      exchanges: { total: exchanges.length, types: Object.fromEntries(types) },
      queues: { total: queues.length, durable, nonDurable: queues.length - durable },
    });
    return EXIT_OK;
  }
  const lines = [`Total Exchanges: ${exchanges.length}`];
  for (const [type, n] of types) lines.push(`${type.padStart(15)}: ${n}`);
  lines.push('', `   Total Queues: ${queues.length}`, `        durable: ${durable}`);
  lines.push(`    non-durable: ${queues.length - durable}`);
  out(io, lines);
  return EXIT_OK;
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Bindings in one order whatever the broker's: by the other end's name, then key, then arguments. */
function ordered(list: BindingInfo[], end: 'source' | 'destination'): BindingInfo[] {
  return [...list].sort(
    (x, y) => cmp(x[end], y[end]) || cmp(x.routing_key, y.routing_key) || cmp(pyRepr(x.arguments), pyRepr(y.arguments)),
  );
}

const match = (name: string, filter: string) => filter === '' || name.includes(filter);

/** Python's str() of an argument value. */
function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

function bindingJson(b: BindingInfo, peer: string) {
  return { [peer]: peer === 'queue' ? b.destination : b.source, key: b.routing_key, arguments: b.arguments };
}

function bindLine(b: BindingInfo, target: string): string {
  const hasArgs = Object.keys(b.arguments ?? {}).length > 0;
  return `    bind [${b.routing_key}] => ${target}${hasArgs ? ` ${pyRepr(b.arguments)}` : ''}`;
}

function exchangeFlags(x: ExchangeInfo): string[] {
  const flags: string[] = [];
  const a = x.arguments ?? {};
  if (x.durable) flags.push('--durable');
  if (a['qpid.replicate'] !== undefined) flags.push(`--replicate=${pyStr(a['qpid.replicate'])}`);
  if (a['qpid.msg_sequence']) flags.push('--sequence');
  if (a['qpid.ive']) flags.push('--ive');
  if (a['alternate-exchange'] !== undefined) flags.push(`--alternate-exchange=${pyStr(a['alternate-exchange'])}`);
  const special = ['qpid.replicate', 'qpid.msg_sequence', 'qpid.ive', 'alternate-exchange'];
  for (const [k, v] of Object.entries(a).sort(byKey))
    if (!special.includes(k)) flags.push(`--argument ${k}=${pyStr(v)}`);
  return flags;
}

/** An empty listing says so on stderr (exit 1, as before), rather than printing nothing. */
function nothingMatched(io: CliIo, kind: 'queues' | 'exchanges', filter: string, vhost: string): number {
  io.stderr(
    filter === '' ? `No ${kind} in vhost '${vhost}'.\n` : `No ${kind} match '${filter}' in vhost '${vhost}'.\n`,
  );
  return EXIT_FAILURE;
}

async function exchangeList(admin: Admin, args: Args, filter: string, io: CliIo): Promise<number> {
  const all = await admin.client.exchanges(admin.vhost);
  const found = all.filter((x) => match(x.name, filter));
  const shown = found.filter((x) => !(args['ignore-default'] && x.name === ''));
  const bindings = args.recursive ? await admin.client.bindings(admin.vhost) : [];
  const from = (x: ExchangeInfo) =>
    ordered(
      bindings.filter((b) => b.source === x.name),
      'destination',
    );
  if (args.json) {
    json(
      io,
      shown.map((x) => ({
        name: x.name,
        type: x.type,
        durable: x.durable,
        autoDelete: x.auto_delete,
        internal: x.internal,
        arguments: x.arguments ?? {},
        ...(args.recursive ? { bindings: from(x).map((b) => bindingJson(b, 'queue')) } : {}),
      })),
    );
    return found.length === 0 ? EXIT_FAILURE : EXIT_OK;
  }
  if (found.length === 0) return nothingMatched(io, 'exchanges', filter, admin.vhost);
  const lines: string[] = [];
  if (args.recursive) {
    for (const x of shown) {
      lines.push(`Exchange '${x.name}' (${x.type})`);
      for (const b of from(x)) {
        lines.push(bindLine(b, b.destination_type === 'exchange' ? `exchange '${b.destination}'` : b.destination));
      }
    }
  } else {
    const caption1 = 'Type      ';
    const caption2 = 'Exchange Name';
    const w = Math.max(caption2.length, ...found.map((x) => x.name.length));
    lines.push(`${caption1}${caption2.padEnd(w)}  Attributes`);
    lines.push('='.repeat(5 * (Math.floor((w + caption1.length) / 5) + 5)));
    for (const x of shown) {
      lines.push(
        `${x.type.padEnd(10)}${x.name.padEnd(w)} ${exchangeFlags(x)
          .map((f) => ` ${f}`)
          .join('')}`.trimEnd(),
      );
    }
  }
  out(io, lines);
  return EXIT_OK;
}

/** Qpid's argument names that have their own option, and RabbitMQ's that stand for them. */
const QPID_SPECIAL: [string, string][] = [
  ['qpid.file_size', '--file-size'],
  ['qpid.file_count', '--file-count'],
  ['qpid.efp_partition_num', '--efp-partition-num'],
  ['qpid.efp_pool_file_size', '--efp-pool-file-size'],
  ['qpid.wcache-page-size', '--wcache-page-size'],
  ['qpid.wcache-num-pages', '--wcache-num-pages'],
  ['qpid.max_size', '--max-queue-size'],
  ['x-max-length-bytes', '--max-queue-size'],
  ['qpid.max_count', '--max-queue-count'],
  ['x-max-length', '--max-queue-count'],
];

const OVERFLOW_POLICY: Record<string, string> = { 'reject-publish': 'reject', 'drop-head': 'ring' };

function queueFlags(q: QueueInfo): string[] {
  const a: Arguments = q.arguments ?? {};
  const used = new Set<string>();
  const flags: string[] = [];
  const flag = (key: string, text: (v: unknown) => string) => {
    if (a[key] === undefined) return;
    used.add(key);
    flags.push(text(a[key]));
  };
  if (q.durable) flags.push('--durable');
  flag('qpid.replicate', (v) => `--replicate=${pyStr(v)}`);
  if (q.auto_delete) flags.push('auto-del');
  if (q.exclusive) flags.push('excl');
  for (const [key, option] of QPID_SPECIAL) flag(key, (v) => `${option}=${pyStr(v)}`);
  const queueType = a['x-queue-type'];
  if (queueType === 'quorum' || queueType === 'stream') flag('x-queue-type', () => `--${queueType}`);
  flag('x-quorum-initial-group-size', (v) => `--quorum-initial-group-size=${pyStr(v)}`);
  flag('x-delivery-limit', (v) => `--delivery-limit=${pyStr(v)}`);
  flag('qpid.policy_type', (v) => `--limit-policy=${pyStr(v).replace(/_/g, '-')}`);
  const overflow = a['x-overflow'];
  if (typeof overflow === 'string' && OVERFLOW_POLICY[overflow]) {
    flag('x-overflow', () => `--limit-policy=${OVERFLOW_POLICY[overflow]}`);
  }
  flag('qpid.last_value_queue_key', (v) => `--lvq-key=${pyStr(v)}`);
  flag('alternate-exchange', (v) => `--alternate-exchange=${pyStr(v)}`);
  flag('x-dead-letter-exchange', (v) => `--alternate-exchange=${pyStr(v)}`);
  flag('qpid.flow_stop_size', (v) => `--flow-stop-size=${pyStr(v)}`);
  flag('qpid.flow_resume_size', (v) => `--flow-resume-size=${pyStr(v)}`);
  flag('qpid.flow_stop_count', (v) => `--flow-stop-count=${pyStr(v)}`);
  flag('qpid.flow_resume_count', (v) => `--flow-resume-count=${pyStr(v)}`);
  flag('qpid.group_header_key', (v) => `--group-header=${pyStr(v)}`);
  if (a['qpid.shared_msg_group'] === 1) flag('qpid.shared_msg_group', () => '--shared-groups');
  // Other arguments by name: brokers keep them in different orders.
  for (const [k, v] of Object.entries(a).sort(byKey)) if (!used.has(k)) flags.push(`--argument ${k}=${pyStr(v)}`);
  return flags;
}

async function queueList(admin: Admin, args: Args, filter: string, io: CliIo): Promise<number> {
  const queues = (await admin.client.queues(admin.vhost)).filter((q) => match(q.name, filter));
  const bindings = args.recursive ? await admin.client.bindings(admin.vhost) : [];
  const to = (q: QueueInfo) =>
    ordered(
      bindings.filter(
        (b) =>
          b.destination === q.name && b.destination_type === 'queue' && !(args['ignore-default'] && b.source === ''),
      ),
      'source',
    );
  if (args.json) {
    json(
      io,
      queues.map((q) => ({
        name: q.name,
        durable: q.durable,
        autoDelete: q.auto_delete,
        exclusive: q.exclusive,
        arguments: q.arguments ?? {},
        attributes: queueFlags(q),
        ...(args.recursive ? { bindings: to(q).map((b) => bindingJson(b, 'exchange')) } : {}),
      })),
    );
    return queues.length === 0 ? EXIT_FAILURE : EXIT_OK;
  }
  if (queues.length === 0) return nothingMatched(io, 'queues', filter, admin.vhost);
  const lines: string[] = [];
  if (args.recursive) {
    for (const q of queues) {
      lines.push(`Queue '${q.name}'`);
      for (const b of to(q)) lines.push(bindLine(b, b.source === '' ? "''" : b.source));
    }
  } else {
    const caption = 'Queue Name';
    const w = Math.max(caption.length, ...queues.map((q) => q.name.length));
    lines.push(`${caption.padEnd(w)}  Attributes`);
    lines.push('='.repeat(5 * (Math.floor(w / 5) + 5)));
    for (const q of queues)
      lines.push(
        `${q.name.padEnd(w)} ${queueFlags(q)
          .map((f) => ` ${f}`)
          .join('')}`.trimEnd(),
      );
  }
  out(io, lines);
  return EXIT_OK;
}

// ---- changes ---------------------------------------------------------------------

class ObjectAlreadyExists extends Error {
  static {
    ObjectAlreadyExists.prototype.name = 'ObjectAlreadyExists';
  }
}

function extraArguments(args: Args): Record<string, string | number | boolean> {
  return Object.fromEntries(repeated(args.argument).map((a) => typedArgument(a, '--argument')));
}

async function addExchange(admin: Admin, args: Args, rest: string[]): Promise<number> {
  const [type, name] = rest as [string, string];
  const declArgs: Record<string, unknown> = extraArguments(args);
  if (args['alternate-exchange']) declArgs['alternate-exchange'] = args['alternate-exchange'];
  let created: boolean;
  try {
    created = await admin.client.declareExchange(admin.vhost, name, {
      type,
      durable: args.durable === true,
      auto_delete: false,
      internal: false,
      arguments: declArgs,
    });
  } catch (e) {
    throw adminError(e);
  }
  if (!created) throw new ObjectAlreadyExists(`exchange '${name}' already exists in vhost '${admin.vhost}'`);
  return EXIT_OK;
}

async function addQueue(admin: Admin, args: Args, rest: string[]): Promise<number> {
  const name = rest[0] as string;
  const declArgs: Record<string, unknown> = extraArguments(args);
  if (args['max-queue-size'] !== undefined) declArgs['x-max-length-bytes'] = args['max-queue-size'];
  if (args['max-queue-count'] !== undefined) declArgs['x-max-length'] = args['max-queue-count'];
  if (args['limit-policy'] === 'reject') declArgs['x-overflow'] = 'reject-publish';
  else if (args['limit-policy'] === 'ring') declArgs['x-overflow'] = 'drop-head';
  if (args['alternate-exchange']) declArgs['x-dead-letter-exchange'] = args['alternate-exchange'];
  // Replicated queue types (README "Running on a cluster"); RabbitMQ requires them durable.
  const queueType = args.quorum ? 'quorum' : args.stream ? 'stream' : undefined;
  if (queueType) declArgs['x-queue-type'] = queueType;
  if (args['quorum-initial-group-size'] !== undefined) {
    declArgs['x-quorum-initial-group-size'] = args['quorum-initial-group-size'];
  }
  if (args['delivery-limit'] !== undefined) declArgs['x-delivery-limit'] = args['delivery-limit'];
  let created: boolean;
  try {
    created = await admin.client.declareQueue(admin.vhost, name, {
      durable: args.durable === true || queueType !== undefined,
      auto_delete: false,
      arguments: declArgs,
    });
  } catch (e) {
    throw adminError(e);
  }
  if (!created) throw new ObjectAlreadyExists(`queue '${name}' already exists in vhost '${admin.vhost}'`);
  return EXIT_OK;
}

async function delExchange(admin: Admin, name: string): Promise<number> {
  try {
    await admin.client.deleteExchange(admin.vhost, name);
  } catch (e) {
    throw adminError(e, { kind: 'exchange', name, vhost: admin.vhost });
  }
  return EXIT_OK;
}

async function delQueue(admin: Admin, args: Args, name: string): Promise<number> {
  const ifEmpty = !(args.force || args['force-if-not-empty']);
  const ifUnused = !(args.force || args['force-if-used']);
  try {
    await admin.client.deleteQueue(admin.vhost, name, { ifEmpty, ifUnused });
  } catch (e) {
    throw forceHint(adminError(e, { kind: 'queue', name, vhost: admin.vhost }));
  }
  return EXIT_OK;
}

/** A refused `del queue` says which flag deletes anyway. */
function forceHint(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  if (/not empty/.test(e.message)) e.message += ': use --force-if-not-empty (or --force) to delete it anyway';
  else if (/in use/.test(e.message)) e.message += ': use --force-if-used (or --force) to delete it anyway';
  return e;
}

/** The exchange's type, or a not-found error naming it. */
async function exchangeType(admin: Admin, name: string): Promise<string> {
  try {
    return (await admin.client.exchange(admin.vhost, name)).type;
  } catch (e) {
    throw adminError(e, { kind: 'exchange', name, vhost: admin.vhost });
  }
}

/** `all|any k=v ...` after the key of a headers binding → {x-match, k: v, ...}. */
function headerArguments(words: string[]): Record<string, unknown> {
  if (words.length < 2) throw new UsageError("Invalid args to bind headers: need 'any'/'all' plus conditions");
  const [op, ...conditions] = words as [string, ...string[]];
  if (op !== 'all' && op !== 'any') {
    throw new UsageError(`Invalid condition arg to bind headers, need 'any' or 'all', not '${op}'`);
  }
  const out: Record<string, unknown> = {};
  for (const c of conditions) {
    const i = c.indexOf('=');
    if (i <= 0) throw new UsageError(`Invalid condition arg to bind headers: expected k=v, not '${c}'`);
    out[c.slice(0, i)] = typedJsonValue(c.slice(i + 1));
  }
  out['x-match'] = op;
  return out;
}

async function bind(admin: Admin, words: string[]): Promise<number> {
  const [ename, qname, key = ''] = words as [string, string, string?];
  const type = await exchangeType(admin, ename);
  const bindArgs = type === 'headers' ? headerArguments(words.slice(3)) : {};
  try {
    await admin.client.bind(admin.vhost, ename, qname, { routing_key: key, arguments: bindArgs });
  } catch (e) {
    throw adminError(e, { kind: 'queue', name: qname, vhost: admin.vhost });
  }
  return EXIT_OK;
}

async function unbind(admin: Admin, words: string[]): Promise<number> {
  const [ename, qname, key = ''] = words as [string, string, string?];
  const type = await exchangeType(admin, ename);
  // Qpid names a binding by exchange, queue and key; RabbitMQ also by its arguments: with `all|any k=v`
  // only the binding with those arguments goes, without them every binding with the key does.
  const wanted = type === 'headers' && words.length > 3 ? headerArguments(words.slice(3)) : undefined;
  let list: BindingInfo[];
  try {
    list = await admin.client.queueBindings(admin.vhost, qname);
  } catch (e) {
    throw adminError(e, { kind: 'queue', name: qname, vhost: admin.vhost });
  }
  const same = (a: Arguments, b: Arguments) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  const doomed = list.filter(
    (b) => b.source === ename && b.routing_key === key && (wanted === undefined || same(b.arguments ?? {}, wanted)),
  );
  if (doomed.length === 0) {
    throw new BindingNotFound(`no binding of queue '${qname}' to exchange '${ename}' with key '${key}'`);
  }
  for (const b of doomed) {
    try {
      await admin.client.unbind(admin.vhost, ename, qname, { routing_key: key, arguments: b.arguments ?? {} });
    } catch (e) {
      throw adminError(e);
    }
  }
  return EXIT_OK;
}

class BindingNotFound extends Error {
  static {
    BindingNotFound.prototype.name = 'NotFound';
  }
}

function sorted(o: Arguments): Arguments {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function run(): Promise<void> {
  await runCommand(main);
}
