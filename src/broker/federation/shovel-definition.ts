/**
 * A built-in shovel's definition: the JSON of RabbitMQ's dynamic shovel parameter
 * (`PUT /api/parameters/shovel/{vhost}/{name}` with `{"value": {...}}`, rabbit_shovel_parameters),
 * the subset the bundled broker runs. `qpid-route` writes the same JSON to either broker.
 *
 * The bundled broker pulls: it consumes from `src-uri` and feeds its own vhost when `dest-uri` is
 * local (`amqp://` or absent), as a Qpid link created on the destination broker does. A remote
 * `dest-uri` is a push route (`qpid-route -s`, Qpid's `srcIsLocal` bridge): the link defined on the
 * source broker publishes to the destination with publisher confirms (remote-destination.ts).
 */
/** A definition the bundled broker cannot run; the management API answers it with a 400. */
export class ShovelDefinitionError extends Error {
  static {
    ShovelDefinitionError.prototype.name = 'ShovelDefinitionError';
  }
}

export interface ShovelDefinition {
  readonly srcUri: string;
  /** A remote destination (push route); undefined: this broker's own vhost. */
  readonly destUri?: string;
  /** Consume from this queue on the source (it must exist there) ... */
  readonly srcQueue?: string;
  /** ... or from a private queue bound to this exchange with `srcExchangeKey`. */
  readonly srcExchange?: string;
  readonly srcExchangeKey: string;
  /** Local exchange to publish to; default: the message's own exchange. */
  readonly destExchange?: string;
  /** Routing key to publish with; default: the message's own key. */
  readonly destExchangeKey?: string;
  readonly prefetchCount: number;
  /** Seconds before a reconnect, doubled on each failure up to 30 s. */
  readonly reconnectDelay: number;
  readonly ackMode: 'on-confirm' | 'on-publish' | 'no-ack';
  /**
   * `qpid.dynamic: true` (our key, sent by `qpid-route dynamic add`): a Qpid dynamic route. The link
   * mirrors the bindings of the local `destExchange` onto the source queue, bound to the source's
   * exchange of the same name (or `srcExchange`), instead of a fixed key (dynamic-bindings.ts).
   */
  readonly dynamic: boolean;
  /**
   * `qpid.link: true` (our key, sent by `qpid-route link add`): a Qpid link without routes. It
   * connects to the source and keeps state and last error, reconnecting, but consumes nothing.
   */
  readonly linkOnly: boolean;
}

const KNOWN = new Set([
  'src-protocol',
  'src-uri',
  'src-queue',
  'src-exchange',
  'src-exchange-key',
  'src-prefetch-count',
  'src-delete-after',
  'dest-protocol',
  'dest-uri',
  'dest-exchange',
  'dest-exchange-key',
  'dest-queue',
  'dest-add-forward-headers',
  'dest-add-timestamp-header',
  'prefetch-count',
  'reconnect-delay',
  'ack-mode',
  'qpid.dynamic',
  'qpid.link',
]);

const bad = (reason: string) => new ShovelDefinitionError(reason);

function str(v: Record<string, unknown>, key: string): string | undefined {
  const x = v[key];
  if (x === undefined) return undefined;
  if (typeof x !== 'string') throw bad(`${key} must be a string`);
  return x;
}

function num(v: Record<string, unknown>, key: string, dflt: number): number {
  const x = v[key];
  if (x === undefined) return dflt;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) throw bad(`${key} must be a non-negative number`);
  return x;
}

/** The source: exactly one of src-queue and src-exchange, or neither for a link without routes. */
function checkSource(v: Record<string, unknown>): { srcQueue?: string; srcExchange?: string; linkOnly: boolean } {
  const linkOnly = v['qpid.link'] ?? false;
  if (typeof linkOnly !== 'boolean') throw bad('qpid.link must be a boolean');
  const srcQueue = str(v, 'src-queue');
  const srcExchange = str(v, 'src-exchange');
  if (linkOnly) {
    const route = ['src-queue', 'src-exchange', 'dest-exchange', 'qpid.dynamic'].filter((k) => v[k] !== undefined);
    if (route.length > 0) throw bad(`qpid.link carries no route: ${route.join(', ')} not allowed`);
    return { linkOnly };
  }
  if ((srcQueue === undefined) === (srcExchange === undefined)) throw bad('exactly one of src-queue and src-exchange');
  return {
    ...(srcQueue === undefined ? {} : { srcQueue }),
    ...(srcExchange === undefined ? {} : { srcExchange }),
    linkOnly,
  };
}

function checkDynamic(v: Record<string, unknown>, remoteDest: boolean): boolean {
  const dynamic = v['qpid.dynamic'] ?? false;
  if (typeof dynamic !== 'boolean') throw bad('qpid.dynamic must be a boolean');
  if (dynamic && str(v, 'dest-exchange') === undefined) throw bad('qpid.dynamic needs dest-exchange');
  // The mirrored bindings are the local exchange's: a dynamic route pulls (Qpid refuses push ones too).
  if (dynamic && remoteDest) throw bad('qpid.dynamic needs a local dest-uri ("amqp://")');
  if (dynamic && v['src-exchange-key'] !== undefined) throw bad('qpid.dynamic replaces src-exchange-key');
  if (dynamic && v['dest-exchange-key'] !== undefined) throw bad('qpid.dynamic keeps each message its own key');
  return dynamic;
}

/** Validates a parameter body's `value`; throws 400 with RabbitMQ-like reasons. */
export function parseShovelDefinition(value: unknown): ShovelDefinition {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('value must be an object');
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) throw bad(`unknown shovel keys: ${unknown.join(', ')}`);
  for (const p of ['src-protocol', 'dest-protocol']) {
    const proto = str(v, p);
    if (proto !== undefined && proto !== 'amqp091') throw bad(`${p} ${proto} is not supported (amqp091 only)`);
  }
  const srcUri = str(v, 'src-uri');
  if (!srcUri) throw bad('src-uri is required');
  if (!/^amqps?:\/\//.test(srcUri)) throw bad(`src-uri ${srcUri} is not an amqp:// URI`);
  const destUri = str(v, 'dest-uri');
  const remoteDest = destUri !== undefined && destUri !== 'amqp://' && destUri !== 'amqp:///';
  if (remoteDest && !/^amqps?:\/\/[^/]/.test(destUri)) throw bad(`dest-uri ${destUri} is not an amqp:// URI`);
  if (v['dest-queue'] !== undefined) throw bad('dest-queue is not supported: use dest-exchange');
  const { srcQueue, srcExchange, linkOnly } = checkSource(v);
  const ackMode = str(v, 'ack-mode') ?? 'on-confirm';
  if (ackMode !== 'on-confirm' && ackMode !== 'on-publish' && ackMode !== 'no-ack')
    throw bad(`bad ack-mode ${ackMode}`);
  const dynamic = checkDynamic(v, remoteDest);
  const def: Record<string, unknown> = {
    srcUri,
    srcExchangeKey: str(v, 'src-exchange-key') ?? '#',
    prefetchCount: Math.max(1, Math.floor(num(v, 'prefetch-count', num(v, 'src-prefetch-count', 1000)))),
    reconnectDelay: num(v, 'reconnect-delay', 1),
    ackMode,
    dynamic,
    linkOnly,
  };
  if (remoteDest) def['destUri'] = destUri;
  if (srcQueue !== undefined) def['srcQueue'] = srcQueue;
  if (srcExchange !== undefined) def['srcExchange'] = srcExchange;
  const destExchange = str(v, 'dest-exchange');
  if (destExchange !== undefined) def['destExchange'] = destExchange;
  const destKey = str(v, 'dest-exchange-key');
  if (destKey !== undefined) def['destExchangeKey'] = destKey;
  return def as unknown as ShovelDefinition;
}
