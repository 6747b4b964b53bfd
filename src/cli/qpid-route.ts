/**
 * `qpid-route`: Qpid's federation tool (docs/qpid-reference.md §6.6) on shovels. A Qpid link lives on the
 * destination broker and pulls from the source; so does a shovel. Every verb becomes a shovel
 * definition PUT to the destination's management API (`/api/parameters/shovel/{vhost}/{name}`), which
 * both brokers serve: RabbitMQ's shovel plugin, and the bundled broker's built-in shovel
 * (src/broker/federation). Mapping:
 *
 * - `route add DEST SRC EXCHANGE KEY`: on SRC a queue `qpid-route.<dest>.<exchange>.<key>` bound to
 *   EXCHANGE with KEY (durable with --durable, so nothing published while the link is down is lost);
 *   the shovel moves it into DEST's EXCHANGE with each message's own routing key.
 * - `dynamic add DEST SRC EXCHANGE`: the same queue (key `#` in its name), bound by the link itself:
 *   on the bundled broker (`qpid.dynamic: true`) the link mirrors DEST's bindings of EXCHANGE onto it,
 *   as Qpid propagates them (docs/federation.md "Dynamic routes and loops"); RabbitMQ's shovel cannot,
 *   so there it is bound with `#` (topic/headers: everything; DEST's own bindings then pick).
 * - `queue add DEST SRC EXCHANGE QUEUE`: the shovel moves SRC's existing QUEUE into DEST's EXCHANGE.
 * - `--ack N`: the shovel's prefetch (acks are per message, sent once DEST confirmed: ack-mode on-confirm).
 * - `route del`/`dynamic del`/`queue del`, `route list`, `link list`, `route flush`.
 */
import amqp from 'amqplib';
import { type BrokerAddress, BrokerUrlError, parseBrokerUrl } from '../admin/index.js';
import { type Admin, adminClient, adminError, optionalGet } from './common/admin.js';
import { commandParser, intOption, startCommand } from './common/args.js';
import { EXIT_OK, reportFailure, UsageError } from './common/errors.js';
import { type CliIo, processIo } from './common/io.js';
import { ADMIN_OPTIONS, VERBOSE_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';

const NAME = 'qpid-route';

const USAGE = `Usage:  $0 [OPTIONS] dynamic add <dest-broker> <src-broker> <exchange>
        $0 [OPTIONS] dynamic del <dest-broker> <src-broker> <exchange>
        $0 [OPTIONS] route add   <dest-broker> <src-broker> <exchange> <routing-key>
        $0 [OPTIONS] route del   <dest-broker> <src-broker> <exchange> <routing-key>
        $0 [OPTIONS] queue add   <dest-broker> <src-broker> <exchange> <queue>
        $0 [OPTIONS] queue del   <dest-broker> <src-broker> <exchange> <queue>
        $0 [OPTIONS] route list  [<dest-broker>]
        $0 [OPTIONS] route flush [<dest-broker>]
        $0 [OPTIONS] link list   [<dest-broker>]

Brokers: [user/pass@]host[:port] or amqp://user:pass@host:port/vhost. Routes run as shovels on the
destination broker (the bundled broker's built-in shovel, or RabbitMQ's shovel plugin).`;

function parser() {
  return commandParser(NAME, USAGE)
    .options({
      'mgmt-url': ADMIN_OPTIONS['mgmt-url'],
      timeout: ADMIN_OPTIONS.timeout,
      durable: { alias: 'd', type: 'boolean', describe: 'the route (and its source queue) survives restarts' },
      ack: {
        type: 'number',
        requiresArg: true,
        describe: 'messages in flight per link before acknowledgements (prefetch)',
      },
      quiet: { alias: 'q', type: 'boolean', describe: 'quiet: no message for duplicate routes' },
      verbose: VERBOSE_OPTION,
    })
    .example('$0 route add localhost:5672 localhost:5673 amq.topic "news.#"', 'pull news from 5673 into 5672')
    .example('$0 --durable queue add localhost:5672 rabbit-host:5672 amq.direct orders', 'move a queue across');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

interface Route {
  readonly kind: 'route' | 'dynamic' | 'queue';
  readonly dest: BrokerAddress;
  readonly src: BrokerAddress;
  readonly exchange: string;
  /** Binding key (route), '#' (dynamic) or the source queue (queue). */
  readonly key: string;
}

interface ShovelParameter {
  name: string;
  vhost: string;
  value: Record<string, unknown>;
}

interface ShovelStatus {
  name: string;
  state: string;
  src_uri?: string;
  last_error?: string;
  reason?: string;
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, async (args: Args) => {
    const words = args._.map(String);
    intOption('ack', args.ack, 1);
    check(words);
    // DEST (default localhost) is the broker whose management API holds the shovels.
    const admin = await adminFor(words[2] ?? 'localhost', args);
    return { admin, words };
  });
  if ('exit' in started) return started.exit;
  const { args, verbose, prepared } = started;
  try {
    return await dispatch(prepared.admin, args, prepared.words, io);
  } catch (e) {
    return reportFailure(io, NAME, adminError(e), verbose);
  }
}

const ARITY: Record<string, [number, number]> = {
  'dynamic add': [5, 5],
  'dynamic del': [5, 5],
  'route add': [6, 6],
  'route del': [6, 6],
  'queue add': [6, 6],
  'queue del': [6, 6],
  'route list': [2, 3],
  'route flush': [2, 3],
  'link list': [2, 3],
};

function check(words: string[]): void {
  const verb = words.slice(0, 2).join(' ');
  const arity = ARITY[verb];
  if (!arity) throw new UsageError(words.length === 0 ? 'missing command' : `unknown command '${verb}'`);
  if (words.length < arity[0]) throw new UsageError(`missing arguments for '${verb}'`);
  if (words.length > arity[1]) throw new UsageError(`unexpected argument '${words[arity[1]]}'`);
}

function address(text: string): BrokerAddress {
  try {
    return parseBrokerUrl(text);
  } catch (e) {
    if (e instanceof BrokerUrlError) throw new UsageError(e.message);
    throw e;
  }
}

function adminFor(dest: string, args: Args): Promise<Admin> {
  return adminClient({ broker: dest, 'mgmt-url': args['mgmt-url'], timeout: args.timeout });
}

async function dispatch(admin: Admin, args: Args, words: string[], io: CliIo): Promise<number> {
  const [group, verb, destText = 'localhost', srcText, exchange, key] = words as string[];
  if (verb === 'list') return group === 'link' ? linkList(admin, io) : routeList(admin, destText, io);
  if (verb === 'flush') return routeFlush(admin);
  const kind = group as Route['kind'];
  const route: Route = {
    kind,
    dest: address(destText),
    src: address(srcText as string),
    exchange: exchange as string,
    key: kind === 'dynamic' ? '#' : (key as string),
  };
  if (sameBroker(route.dest, route.src)) throw new Error('Linking broker to itself is not permitted');
  return verb === 'add' ? addRoute(admin, route, args, io) : delRoute(admin, route);
}

function sameBroker(a: BrokerAddress, b: BrokerAddress): boolean {
  const local = (h: string) => (h === 'localhost' || h === '::1' ? '127.0.0.1' : h);
  return local(a.host) === local(b.host) && a.port === b.port;
}

function hostPort(a: BrokerAddress): string {
  return `${a.host}:${a.port}`;
}

function amqpUri(a: BrokerAddress): string {
  const user = `${encodeURIComponent(a.username)}:${encodeURIComponent(a.password)}`;
  const host = a.host === 'localhost' ? '127.0.0.1' : a.host;
  return `${a.tls ? 'amqps' : 'amqp'}://${user}@${host}:${a.port}/${encodeURIComponent(a.vhost)}`;
}

/** The shovel's name: one per (kind, source, exchange, key/queue), as a Qpid bridge is. */
function shovelName(r: Route): string {
  return `qpid-route ${r.kind} ${hostPort(r.src)} ${r.exchange} ${r.key}`;
}

/** The queue on the source broker that a route/dynamic bridge drains. */
function sourceQueue(r: Route): string {
  return `qpid-route.${hostPort(r.dest)}.${r.exchange}.${r.key}`;
}

function paramPath(admin: Admin, name: string): string {
  return `/api/parameters/shovel/${encodeURIComponent(admin.vhost)}/${encodeURIComponent(name)}`;
}

async function isRabbitmq(admin: Admin): Promise<boolean> {
  const o = await optionalGet<{ product_name?: string }>(admin, '/api/overview');
  return o?.product_name === 'RabbitMQ';
}

async function addRoute(admin: Admin, r: Route, args: Args, io: CliIo): Promise<number> {
  const name = shovelName(r);
  const existing = await optionalGet<ShovelParameter>(admin, paramPath(admin, name));
  if (existing) {
    if (!args.quiet) io.stderr(`Duplicate Route - ignoring: ${r.exchange}(${r.key})\n`);
    return EXIT_OK;
  }
  const durable = args.durable === true;
  const rabbitmq = await isRabbitmq(admin);
  // A dynamic route on the bundled broker binds its source queue itself (the mirrored bindings).
  const dynamic = r.kind === 'dynamic' && !rabbitmq;
  let srcQueue = r.key;
  if (r.kind !== 'queue') {
    srcQueue = sourceQueue(r);
    await prepareSource(r, srcQueue, { durable, bind: !dynamic }, admin.timeoutMs);
  }
  const value: Record<string, unknown> = {
    'src-protocol': 'amqp091',
    'src-uri': amqpUri(r.src),
    'src-queue': srcQueue,
    'dest-protocol': 'amqp091',
    'dest-uri': 'amqp://',
    'dest-exchange': r.exchange,
    'ack-mode': 'on-confirm',
    'prefetch-count': args.ack ?? 1000,
    'reconnect-delay': 1,
  };
  // RabbitMQ's runtime parameters are always durable; the bundled broker honours qpid.durable.
  if (!rabbitmq) value['qpid.durable'] = durable;
  if (dynamic) value['qpid.dynamic'] = true;
  await admin.client.putJson(paramPath(admin, name), { value });
  return EXIT_OK;
}

/**
 * Connects to the source broker with amqplib (the bridge queue needs queue.declare/queue.bind and
 * exchange.declare passive, which Qpid's messaging API does not expose), runs `job` and closes the
 * connection however it ends. `timeoutMs` bounds the connect (none: amqplib's default).
 */
async function onSource<T>(r: Route, timeoutMs: number | undefined, job: (conn: amqp.ChannelModel) => Promise<T>) {
  let conn: amqp.ChannelModel;
  try {
    conn = await amqp.connect(amqpUri(r.src), { timeout: timeoutMs });
  } catch (e) {
    throw new Error(`cannot connect to source broker ${hostPort(r.src)}: ${(e as Error).message}`);
  }
  try {
    return await job(conn);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * Declares the bridge queue on the source and binds it with the route's key (Qpid's bridge subscribes
 * there too); a dynamic route's link makes the bindings itself (`bind: false`).
 */
function prepareSource(
  r: Route,
  queue: string,
  how: { durable: boolean; bind: boolean },
  timeoutMs: number,
): Promise<void> {
  return onSource(r, timeoutMs, async (conn) => {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await ch.checkExchange(r.exchange).catch(() => {
      throw new Error(`no exchange '${r.exchange}' on source broker ${hostPort(r.src)}`);
    });
    const c2 = await conn.createChannel();
    await c2.assertQueue(queue, { durable: how.durable, autoDelete: false });
    if (how.bind) await c2.bindQueue(queue, r.exchange, r.key);
  });
}

async function delRoute(admin: Admin, r: Route): Promise<number> {
  const name = shovelName(r);
  await admin.client.deleteJson(paramPath(admin, name));
  // The bridge queue goes with the route; a source that cannot be reached keeps it (the route is gone either way).
  if (r.kind !== 'queue') {
    await onSource(r, undefined, async (conn) => {
      await (await conn.createChannel()).deleteQueue(sourceQueue(r));
    }).catch(() => undefined);
  }
  return EXIT_OK;
}

async function ours(admin: Admin): Promise<ShovelParameter[]> {
  const all =
    (await optionalGet<ShovelParameter[]>(admin, `/api/parameters/shovel/${encodeURIComponent(admin.vhost)}`)) ?? [];
  return all.filter((p) => p.name.startsWith('qpid-route '));
}

async function routeList(admin: Admin, destText: string, io: CliIo): Promise<number> {
  const dest = address(destText);
  for (const p of await ours(admin)) {
    const [, kind, src, exchange, ...rest] = p.name.split(' ');
    const key = kind === 'dynamic' ? '<dynamic>' : rest.join(' ');
    io.stdout(`${hostPort(dest)} ${src} ${exchange} ${key}\n`);
  }
  return EXIT_OK;
}

async function routeFlush(admin: Admin): Promise<number> {
  for (const p of await ours(admin)) await admin.client.deleteJson(paramPath(admin, p.name));
  return EXIT_OK;
}

const STATES: Record<string, string> = {
  running: 'Operational',
  starting: 'Connecting',
  reconnecting: 'Waiting',
  terminated: 'Closed',
};

async function linkList(admin: Admin, io: CliIo): Promise<number> {
  const params = await ours(admin);
  const status = (await optionalGet<ShovelStatus[]>(admin, '/api/shovels')) ?? [];
  const bySrc = new Map<string, { durable: boolean; state: string; error: string }>();
  for (const p of params) {
    const src = p.name.split(' ')[2] as string;
    const s = status.find((x) => x.name === p.name);
    const state = STATES[s?.state ?? 'terminated'] ?? s?.state ?? 'Closed';
    const prev = bySrc.get(src);
    if (prev?.state !== 'Operational') {
      bySrc.set(src, { durable: p.value['qpid.durable'] !== false, state, error: s?.last_error ?? s?.reason ?? '' });
    }
  }
  if (bySrc.size === 0) {
    io.stdout('No Links Found\n');
    return EXIT_OK;
  }
  io.stdout('\nHost            Port    Transport Durable  State             Last Error\n');
  io.stdout(`${'='.repeat(77)}\n`);
  for (const [src, l] of bySrc) {
    const i = src.lastIndexOf(':');
    const row = `${src.slice(0, i).padEnd(16)}${src.slice(i + 1).padEnd(8)}${'tcp'.padEnd(13)}${l.durable ? 'Y' : 'N'}     ${l.state.padEnd(18)}${l.error}`;
    io.stdout(`${row.trimEnd()}\n`);
  }
  return EXIT_OK;
}

export const run = (): Promise<void> => runCommand(main);
