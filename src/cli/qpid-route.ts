/**
 * `qpid-route`: Qpid's federation tool (docs/qpid-reference.md §6.6) on shovels. A Qpid link lives on the
 * destination broker and pulls from the source; so does a shovel. Every route becomes a shovel
 * definition PUT to the destination's management API (`/api/parameters/shovel/{vhost}/{name}`; the
 * source's for a push route, `-s`), which both brokers serve: RabbitMQ's shovel plugin, and the
 * bundled broker's built-in shovel (src/broker/federation). Mapping:
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
 * - `-s/--src-local`: a push route, defined on SRC's management API; its shovel reads SRC's bridge
 *   queue and publishes to DEST (`dest-uri` DEST). Not for dynamic routes (as in Qpid).
 * - `route del`/`dynamic del`/`queue del`, `route list`, `link list`, `route flush`.
 * - `link add DEST SRC`: a link without routes (bundled broker only); `link del`: the link and its routes;
 *   `-e`: a route's del also drops the link once it has no route left (links.ts).
 * - `route map`: the routes of the broker and of every broker linked to it, each read through its own
 *   management API (map.ts).
 * The verbs live in cli/route/: route.ts (names), source.ts (SRC over AMQP), routes.ts, links.ts, map.ts.
 */
import type { BrokerAddress } from '../admin/index.js';
import { type Admin, adminClient, adminError } from './common/admin.js';
import { commandParser, intOption, startCommand } from './common/args.js';
import { EXIT_OK, reportFailure, UsageError } from './common/errors.js';
import { type CliIo, processIo } from './common/io.js';
import { ADMIN_OPTIONS, VERBOSE_OPTION } from './common/options.js';
import { runCommand } from './common/run.js';
import { dropEmptyLink, linkAdd, linkDel, linkList } from './route/links.js';
import { routeMap } from './route/map.js';
import { address, hostPort, type Route, type RouteKind, sameBroker } from './route/route.js';
import { addRoute, delRoute, routeFlush, routeList } from './route/routes.js';

const NAME = 'qpid-route';

const USAGE = `Usage:  $0 [OPTIONS] dynamic add <dest-broker> <src-broker> <exchange>
        $0 [OPTIONS] dynamic del <dest-broker> <src-broker> <exchange>
        $0 [OPTIONS] route add   <dest-broker> <src-broker> <exchange> <routing-key>
        $0 [OPTIONS] route del   <dest-broker> <src-broker> <exchange> <routing-key>
        $0 [OPTIONS] queue add   <dest-broker> <src-broker> <exchange> <queue>
        $0 [OPTIONS] queue del   <dest-broker> <src-broker> <exchange> <queue>
        $0 [OPTIONS] route list  [<dest-broker>]
        $0 [OPTIONS] route flush [<dest-broker>]
        $0 [OPTIONS] route map   [<broker>]
        $0 [OPTIONS] link add    <dest-broker> <src-broker>
        $0 [OPTIONS] link del    <dest-broker> <src-broker>
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
      'del-empty-link': {
        alias: 'e',
        type: 'boolean',
        describe: 'route del: delete the link too once its last route is gone',
      },
      'src-local': {
        alias: 's',
        type: 'boolean',
        describe: 'push route: define it on the source broker, which sends to the destination',
      },
      verbose: VERBOSE_OPTION,
    })
    .example('$0 route add localhost:5672 localhost:5673 amq.topic "news.#"', 'pull news from 5673 into 5672')
    .example('$0 --durable queue add localhost:5672 rabbit-host:5672 amq.direct orders', 'move a queue across');
}

type Args = Awaited<ReturnType<ReturnType<typeof parser>['parse']>>;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const started = await startCommand(parser(), argv, io, NAME, async (args: Args) => {
    const words = args._.map(String);
    intOption('ack', args.ack, 1);
    check(words, args['src-local'] === true);
    // DEST (default localhost) is the broker whose management API holds the shovels; SRC for a push route.
    const target = args['src-local'] === true && words.length > 3 ? words[3] : words[2];
    const admin = await adminFor(target ?? 'localhost', args);
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
  'route map': [2, 3],
  'link add': [4, 4],
  'link del': [4, 4],
  'link list': [2, 3],
};

function check(words: string[], push: boolean): void {
  const verb = words.slice(0, 2).join(' ');
  const arity = ARITY[verb];
  if (!arity) throw new UsageError(words.length === 0 ? 'missing command' : `unknown command '${verb}'`);
  if (words.length < arity[0]) throw new UsageError(`missing arguments for '${verb}'`);
  if (words.length > arity[1]) throw new UsageError(`unexpected argument '${words[arity[1]]}'`);
  // Qpid's qpid-route refuses it too: a dynamic route mirrors the destination's bindings.
  if (push && words[0] === 'dynamic') throw new UsageError('--src-local is not permitted on dynamic routes');
}

function adminFor(target: string, args: Args): Promise<Admin> {
  return adminClient({ broker: target, 'mgmt-url': args['mgmt-url'], timeout: args.timeout });
}

function linkVerb(admin: Admin, verb: string, dest: BrokerAddress, src: BrokerAddress, args: Args): Promise<number> {
  if (sameBroker(dest, src)) throw new Error('Linking broker to itself is not permitted');
  return verb === 'add' ? linkAdd(admin, src, args.durable === true) : linkDel(admin, dest, src);
}

async function dispatch(admin: Admin, args: Args, words: string[], io: CliIo): Promise<number> {
  const [group, verb, destText = 'localhost', srcText, exchange, key] = words as string[];
  if (verb === 'list') return group === 'link' ? linkList(admin, io) : routeList(admin, address(destText), io);
  if (verb === 'flush') return routeFlush(admin, args['del-empty-link'] === true);
  if (verb === 'map') return routeMap({ admin, name: hostPort(address(destText)) }, io);
  if (group === 'link') return linkVerb(admin, verb as string, address(destText), address(srcText as string), args);
  const kind = group as RouteKind;
  const route: Route = {
    kind,
    dest: address(destText),
    src: address(srcText as string),
    exchange: exchange as string,
    key: kind === 'dynamic' ? '#' : (key as string),
    push: args['src-local'] === true,
  };
  if (sameBroker(route.dest, route.src)) throw new Error('Linking broker to itself is not permitted');
  if (verb === 'del') {
    await delRoute(admin, route);
    // The link's other broker: SRC, or DEST for a push route (defined on SRC).
    if (args['del-empty-link'] === true) await dropEmptyLink(admin, hostPort(route.push ? route.dest : route.src));
    return EXIT_OK;
  }
  const opts = { durable: args.durable === true, quiet: args.quiet === true, ack: args.ack };
  return addRoute(admin, route, opts, io);
}

export const run = (): Promise<void> => runCommand(main);
