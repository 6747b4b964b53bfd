/**
 * NotificationListener (oslo_messaging/notify/listener.py, dispatcher.py, filter.py): one queue per
 * target and priority (`topic.priority`, or the pool's name shared by all of them), endpoints called by
 * priority as `method(ctxt, publisherId, eventType, payload, metadata)`. A result of REQUEUE (or a throw)
 * puts the message back when `allowRequeue` is set; anything else acknowledges it.
 */
import { EventEmitter } from 'node:events';
import type { Connection, Message, Receiver } from '../messaging/index.js';
import { type Context, fromAmqpMessage, isDict, type MessageDict, UNIQUE_ID, unpackContext } from './envelope.js';
import { DuplicateCache, Executor } from './executor.js';
import { PRIORITIES, type Priority } from './notifier.js';
import { pump } from './pump.js';
import { Target, type TargetInit } from './target.js';
import { type RpcTransport, type TransportOptions, transportFor } from './transport.js';

/** [oslo] NotificationResult. */
export const NotificationResult = { HANDLED: 'handled', REQUEUE: 'requeue' } as const;
export type NotificationResultValue = (typeof NotificationResult)[keyof typeof NotificationResult];

export interface NotificationMetadata {
  message_id: unknown;
  timestamp: unknown;
}

type Callback = (
  ctxt: Context,
  publisherId: string | undefined,
  eventType: string | undefined,
  payload: unknown,
  metadata: NotificationMetadata,
) => unknown;

/** An endpoint: methods named for priorities (`info`, `error`, …) and an optional `filterRule`. */
export type NotificationEndpoint = { readonly filterRule?: NotificationFilter } & {
  readonly [P in Priority]?: Callback;
};

export interface NotificationFilterInit {
  publisherId?: string;
  eventType?: string;
  context?: Record<string, string>;
  metadata?: Record<string, string>;
  payload?: Record<string, string>;
}

/** [oslo] NotificationFilter: regular expressions (matched at the start, as Python's re.match). */
export class NotificationFilter {
  private readonly publisherId: RegExp | undefined;
  private readonly eventType: RegExp | undefined;
  private readonly context: [string, RegExp][];
  private readonly metadata: [string, RegExp][];
  private readonly payload: [string, RegExp][];

  constructor(init: NotificationFilterInit) {
    this.publisherId = anchored(init.publisherId);
    this.eventType = anchored(init.eventType);
    this.context = dictOf(init.context);
    this.metadata = dictOf(init.metadata);
    this.payload = dictOf(init.payload);
  }

  match(ctxt: Context, publisherId: unknown, eventType: unknown, metadata: object, payload: unknown): boolean {
    return (
      single(publisherId, this.publisherId) &&
      single(eventType, this.eventType) &&
      each(ctxt, this.context) &&
      each(metadata, this.metadata) &&
      each(payload, this.payload)
    );
  }
}

export interface NotificationListenerOptions extends TransportOptions {
  /** Listeners sharing a pool name share one queue (each message goes to one of them). */
  pool?: string;
  /** Honour REQUEUE (default false, as oslo's get_notification_listener). */
  allowRequeue?: boolean;
  executor?: 'async';
  /** Notifications handled at once (default 1: in order). */
  concurrency?: number;
}

export interface NotificationListenerEvents {
  warning: [message: string, error: unknown];
}

export class NotificationListener extends EventEmitter<NotificationListenerEvents> {
  readonly targets: readonly Target[];
  private readonly transport: RpcTransport;
  private readonly executor: Executor;
  private readonly callbacks = new Map<Priority, { filter?: NotificationFilter; fn: Callback; ep: object }[]>();
  private readonly seen = new DuplicateCache();
  private receivers: Receiver[] = [];
  private pumps: Promise<void>[] = [];
  private running = false;

  constructor(
    readonly connection: Connection,
    targets: readonly (Target | TargetInit)[],
    endpoints: readonly NotificationEndpoint[],
    private readonly options: NotificationListenerOptions = {},
  ) {
    super();
    this.targets = targets.map((t) => (t instanceof Target ? t : new Target(t)));
    for (const t of this.targets) if (!t.topic) throw new TypeError(`a notification target needs a topic: ${t}`);
    this.transport = transportFor(connection, options);
    this.executor = new Executor(options.concurrency ?? 1);
    for (const ep of endpoints) {
      for (const p of PRIORITIES) {
        const fn = ep[p];
        if (typeof fn !== 'function') continue;
        const list = this.callbacks.get(p) ?? [];
        list.push({ filter: ep.filterRule, fn, ep });
        this.callbacks.set(p, list);
      }
    }
  }

  /** The priorities some endpoint handles: only their queues are consumed. */
  get priorities(): Priority[] {
    return [...this.callbacks.keys()];
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    // One receiver per queue name; a pool queue carries every target × priority binding.
    const queues = new Map<string, { exchange: string; keys: string[] }[]>();
    for (const t of this.targets) {
      const exchange = this.transport.exchangeOf(t);
      for (const p of this.priorities) {
        const key = `${t.topic}.${p}`;
        const name = this.options.pool ?? key;
        const list = queues.get(name) ?? [];
        const same = list.find((b) => b.exchange === exchange);
        if (same) same.keys.push(key);
        else list.push({ exchange, keys: [key] });
        queues.set(name, list);
      }
    }
    try {
      for (const [name, bindings] of queues) {
        for (const b of bindings) this.receivers.push(await this.transport.topicReceiver(b.exchange, name, b.keys));
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.pumps = this.receivers.map((r) =>
      pump(
        r,
        this.executor,
        (m) => this.onNotification(r, m),
        (err) => this.emit('warning', 'consumer ended', err),
      ),
    );
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const receivers = this.receivers;
    this.receivers = [];
    await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
  }

  async wait(): Promise<void> {
    await Promise.all(this.pumps);
    await this.executor.drained();
  }

  private async onNotification(receiver: Receiver, m: Message): Promise<void> {
    let msg: MessageDict;
    try {
      msg = fromAmqpMessage(m);
    } catch (err) {
      this.emit('warning', 'dropped an unreadable notification', err);
      await receiver.session.acknowledge(m, { sync: false });
      return;
    }
    const uid = typeof msg[UNIQUE_ID] === 'string' ? (msg[UNIQUE_ID] as string) : undefined;
    delete msg[UNIQUE_ID];
    if (this.seen.has(uid)) {
      await receiver.session.acknowledge(m, { sync: false });
      return;
    }
    const result = await this.dispatch(msg);
    if (result === NotificationResult.REQUEUE && this.options.allowRequeue) {
      await receiver.session.acknowledge(m, { disposition: 'release', sync: false });
      return;
    }
    await receiver.session.acknowledge(m, { sync: false });
    this.seen.add(uid);
  }

  // [oslo] NotificationDispatcher.dispatch: callbacks of the priority in order; the first REQUEUE wins.
  private async dispatch(msg: MessageDict): Promise<NotificationResultValue | undefined> {
    // oslo's listener sees the context with `client_timeout` (unpack_context adds it), so does ours.
    const unpacked = unpackContext(msg);
    const ctxt = { ...unpacked.ctxt, client_timeout: unpacked.timeout ?? null };
    const priority = String(msg['priority'] ?? '').toLowerCase() as Priority;
    if (!PRIORITIES.includes(priority)) {
      this.emit('warning', `Unknown priority "${priority}"`, undefined);
      return undefined;
    }
    const publisherId = typeof msg['publisher_id'] === 'string' ? msg['publisher_id'] : undefined;
    const eventType = typeof msg['event_type'] === 'string' ? msg['event_type'] : undefined;
    const metadata = { message_id: msg['message_id'], timestamp: msg['timestamp'] };
    for (const { filter, fn, ep } of this.callbacks.get(priority) ?? []) {
      if (filter && !filter.match(ctxt, msg['publisher_id'], msg['event_type'], metadata, msg['payload'])) continue;
      let ret: unknown;
      try {
        ret = await fn.call(ep, ctxt, publisherId, eventType, msg['payload'], metadata);
      } catch (err) {
        this.emit('warning', 'Callback raised an exception.', err);
        ret = NotificationResult.REQUEUE;
      }
      if (ret === NotificationResult.REQUEUE) return ret;
    }
    return NotificationResult.HANDLED;
  }
}

function anchored(pattern: string | undefined): RegExp | undefined {
  return pattern === undefined ? undefined : new RegExp(`^(?:${pattern})`);
}

function dictOf(map: Record<string, string> | undefined): [string, RegExp][] {
  return Object.entries(map ?? {}).map(([k, v]) => [k, anchored(v) as RegExp]);
}

// filter.py _check_for_single_mismatch: a non-string value never matches a rule.
function single(value: unknown, rule: RegExp | undefined): boolean {
  if (rule === undefined) return true;
  return typeof value === 'string' && rule.test(value);
}

function each(data: unknown, rules: [string, RegExp][]): boolean {
  if (rules.length === 0) return true;
  if (!isDict(data)) return false;
  return rules.every(([k, rule]) => k in data && single(data[k], rule));
}
