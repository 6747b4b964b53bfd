/**
 * What qpid-route knows about one route and how it names it (docs/federation.md "Mapping Qpid's
 * verbs"): each route is one shovel named `qpid-route <kind> <peer host:port> <exchange> <key>`, so a
 * listing can be rebuilt from the names alone. The peer is the other broker of the link: the source
 * for a pull route (defined on DEST), the destination for a push route (`-s`, defined on SRC, where
 * the name reads `qpid-route -s <kind> …`). A link without routes (`link add`, bundled broker only) is
 * the shovel `qpid-route link <src host:port>`.
 */
import { type BrokerAddress, BrokerUrlError, parseBrokerUrl } from '../../admin/index.js';
import { UsageError } from '../common/errors.js';

export type RouteKind = 'route' | 'dynamic' | 'queue';

export interface Route {
  readonly kind: RouteKind;
  readonly dest: BrokerAddress;
  readonly src: BrokerAddress;
  readonly exchange: string;
  /** Binding key (route), '#' (dynamic) or the source queue (queue). */
  readonly key: string;
  /** Qpid's srcIsLocal (`-s`): the shovel runs on SRC and pushes to DEST. */
  readonly push: boolean;
}

/** A route's shovel name read back. */
export interface RouteName {
  readonly kind: RouteKind;
  readonly push: boolean;
  /** host:port of the link's other broker. */
  readonly peer: string;
  readonly exchange: string;
  readonly key: string;
}

export const NAME_PREFIX = 'qpid-route ';
const PUSH_MARK = '-s';

export function address(text: string): BrokerAddress {
  try {
    return parseBrokerUrl(text);
  } catch (e) {
    if (e instanceof BrokerUrlError) throw new UsageError(e.message);
    throw e;
  }
}

export function sameBroker(a: BrokerAddress, b: BrokerAddress): boolean {
  const local = (h: string) => (h === 'localhost' || h === '::1' ? '127.0.0.1' : h);
  return local(a.host) === local(b.host) && a.port === b.port;
}

export function hostPort(a: BrokerAddress): string {
  return `${a.host}:${a.port}`;
}

export function amqpUri(a: BrokerAddress): string {
  const user = `${encodeURIComponent(a.username)}:${encodeURIComponent(a.password)}`;
  const host = a.host === 'localhost' ? '127.0.0.1' : a.host;
  return `${a.tls ? 'amqps' : 'amqp'}://${user}@${host}:${a.port}/${encodeURIComponent(a.vhost)}`;
}

/** The shovel's name: one per (direction, kind, peer, exchange, key/queue), as a Qpid bridge is. */
export function shovelName(r: Route): string {
  const peer = hostPort(r.push ? r.dest : r.src);
  return `${NAME_PREFIX}${r.push ? `${PUSH_MARK} ` : ''}${r.kind} ${peer} ${r.exchange} ${r.key}`;
}

/** A shovel name written by shovelName; undefined for any other shovel. */
export function parseName(name: string): RouteName | undefined {
  if (!name.startsWith(NAME_PREFIX)) return undefined;
  const words = name.slice(NAME_PREFIX.length).split(' ');
  const push = words[0] === PUSH_MARK;
  const [kind, peer, exchange, ...rest] = push ? words.slice(1) : words;
  if (kind !== 'route' && kind !== 'dynamic' && kind !== 'queue') return undefined;
  if (peer === undefined || exchange === undefined) return undefined;
  return { kind, push, peer, exchange, key: rest.join(' ') };
}

export function linkName(peer: string): string {
  return `${NAME_PREFIX}link ${peer}`;
}

/** The other broker of any qpid-route shovel, a route's or a link's. */
export function peerOf(name: string): string | undefined {
  if (name.startsWith(`${NAME_PREFIX}link `)) return name.slice(`${NAME_PREFIX}link `.length);
  return parseName(name)?.peer;
}

/** The queue on the source broker that a route/dynamic bridge drains. */
export function sourceQueue(r: Route): string {
  return `qpid-route.${hostPort(r.dest)}.${r.exchange}.${r.key}`;
}
