/**
 * RpcServer (oslo_messaging/rpc/server.py, amqpdriver.py `listen`): consumes the `topic` and
 * `topic.server` queues and a private `topic_fanout_<hex>` queue, acknowledges each request before
 * dispatching it (as oslo does, so a crash never runs a request twice), and replies to `_reply_q`
 * when the request has a `_msg_id`. A handler that throws sends the failure back; the server goes on.
 */
import { EventEmitter } from 'node:events';
import type { Connection, Message, Receiver } from '../messaging/index.js';
import { type Endpoint, RpcDispatcher } from './dispatcher.js';
import {
  addUniqueId,
  type Context,
  fromAmqpMessage,
  type MessageDict,
  serializeFailure,
  toAmqpMessage,
  UNIQUE_ID,
  unpackContext,
  uuidHex,
} from './envelope.js';
import { DISPATCHER_MODULE, InvalidTarget, NoSuchMethod, UnsupportedVersion } from './errors.js';
import { DuplicateCache, Executor } from './executor.js';
import { pump } from './pump.js';
import { Target, type TargetInit } from './target.js';
import { type RpcTransport, type TransportOptions, transportFor } from './transport.js';

export interface RpcServerOptions extends TransportOptions {
  /** Only `async` (handlers are promises); named for oslo's `executor` argument. */
  executor?: 'async';
  /** Requests handled at once (default 64, oslo's executor_thread_pool_size). */
  concurrency?: number;
  /** Seconds to keep retrying a reply whose queue is missing (oslo kombu_missing_consumer_retry_timeout, 60). */
  replyRetryTimeout?: number;
}

export interface RpcServerEvents {
  /** Something went wrong that oslo would log: a reply that could not be sent, an unreadable message. */
  warning: [message: string, error: unknown];
}

export const DEFAULT_CONCURRENCY = 64;
const REPLY_RETRY_DELAY_MS = 250;
/** oslo's ObsoleteReplyQueuesCache: reply queues found gone are not waited for again for 60 s. */
const OBSOLETE_TTL_MS = 60_000;
const OBSOLETE_SIZE = 200;

type State = 'new' | 'running' | 'stopped';

export class RpcServer extends EventEmitter<RpcServerEvents> {
  readonly target: Target;
  private readonly transport: RpcTransport;
  private readonly dispatcher: RpcDispatcher;
  private readonly executor: Executor;
  private readonly replyRetryMs: number;
  private receivers: Receiver[] = [];
  private pumps: Promise<void>[] = [];
  private readonly seen = new DuplicateCache();
  private readonly obsolete = new Map<string, number>();
  private state: State = 'new';

  constructor(
    readonly connection: Connection,
    target: Target | TargetInit,
    endpoints: readonly Endpoint[],
    options: RpcServerOptions = {},
  ) {
    super();
    this.target = target instanceof Target ? target : new Target(target);
    if (!this.target.topic || !this.target.server) {
      throw new InvalidTarget(`A server's target must have topic and server names specified ${this.target}`);
    }
    if (options.executor !== undefined && options.executor !== 'async') {
      throw new TypeError(`unsupported executor "${String(options.executor)}" (only "async")`);
    }
    this.transport = transportFor(connection, options);
    this.dispatcher = new RpcDispatcher(endpoints);
    this.executor = new Executor(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.replyRetryMs = (options.replyRetryTimeout ?? 60) * 1000;
  }

  /** Declares the queues and starts consuming. */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    this.state = 'running';
    const topic = this.target.topic as string;
    const exchange = this.transport.exchangeOf(this.target);
    try {
      this.receivers.push(await this.transport.topicReceiver(exchange, topic, [topic]));
      const direct = `${topic}.${this.target.server}`;
      this.receivers.push(await this.transport.topicReceiver(exchange, direct, [direct]));
      this.receivers.push(await this.transport.fanoutReceiver(topic, uuidHex()));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.pumps = this.receivers.map((r) =>
      pump(
        r,
        this.executor,
        (m) => this.onRequest(r, m),
        (err) => this.warn('consumer ended', err),
      ),
    );
  }

  /** Stops consuming; requests already running finish (see wait()). Queues stay, as oslo leaves them. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    const receivers = this.receivers;
    this.receivers = [];
    await Promise.all(receivers.map((r) => r.close().catch(() => undefined)));
  }

  /** Resolves when stopped and every running request has replied. */
  async wait(): Promise<void> {
    await Promise.all(this.pumps);
    await this.executor.drained();
  }

  // ---------------------------------------------------------------- requests

  private async onRequest(receiver: Receiver, m: Message): Promise<void> {
    // Acknowledged first, as oslo's RPCServer does: a request is at most once.
    await receiver.session.acknowledge(m, { sync: false });
    let msg: MessageDict;
    try {
      msg = fromAmqpMessage(m);
    } catch (err) {
      this.warn('dropped an unreadable request', err);
      return;
    }
    const uid = typeof msg[UNIQUE_ID] === 'string' ? (msg[UNIQUE_ID] as string) : undefined;
    delete msg[UNIQUE_ID];
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    const unpacked = unpackContext(msg);
    const { msgId, replyQ, timeout } = unpacked;
    // oslo's RpcContext keeps `client_timeout` among the context values endpoints see.
    const ctxt = { ...unpacked.ctxt, client_timeout: timeout ?? null };
    const heartbeat = msgId && replyQ ? this.startHeartbeat(msgId, replyQ, timeout) : undefined;
    let reply: { result?: unknown; failure?: string };
    try {
      reply = { result: await this.dispatcher.dispatch(ctxt, msg) };
    } catch (err) {
      reply = { failure: failureOf(err) };
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
    if (msgId && replyQ) await this.reply(msgId, replyQ, reply.result ?? null, reply.failure ?? null, true);
  }

  // [oslo] _watchdog: with a client `_timeout` of T ≥ 2 s, an `ending: false` reply every T/2 seconds.
  private startHeartbeat(msgId: string, replyQ: string, timeout: unknown): NodeJS.Timeout | undefined {
    const t = typeof timeout === 'number' ? Math.trunc(timeout) : Number.NaN;
    const interval = t / 2;
    if (!(interval >= 1)) return undefined;
    return setInterval(() => void this.reply(msgId, replyQ, null, null, false), interval * 1000);
  }

  // [oslo] AMQPIncomingMessage.reply: retried while the reply queue is missing, up to the retry timeout.
  private async reply(msgId: string, replyQ: string, result: unknown, failure: string | null, ending: boolean) {
    if (this.isObsolete(replyQ)) return;
    const msg: MessageDict = { result, failure, ending, _msg_id: msgId };
    addUniqueId(msg);
    const deadline = Date.now() + this.replyRetryMs;
    for (;;) {
      try {
        await this.transport.directSend(replyQ, toAmqpMessage(msg, { envelope: true }));
        return;
      } catch (err) {
        await this.transport.dropReplySender(replyQ);
        if (!ending || Date.now() + REPLY_RETRY_DELAY_MS >= deadline) {
          if (ending) this.markObsolete(replyQ);
          this.warn(`reply ${msgId} to ${replyQ} not sent`, err);
          return;
        }
        await new Promise((r) => setTimeout(r, REPLY_RETRY_DELAY_MS));
      }
    }
  }

  private isObsolete(queue: string): boolean {
    const at = this.obsolete.get(queue);
    if (at === undefined) return false;
    if (Date.now() - at < OBSOLETE_TTL_MS) return true;
    this.obsolete.delete(queue);
    return false;
  }

  private markObsolete(queue: string): void {
    this.obsolete.set(queue, Date.now());
    if (this.obsolete.size > OBSOLETE_SIZE) this.obsolete.delete(this.obsolete.keys().next().value as string);
  }

  private warn(message: string, error: unknown): void {
    this.emit('warning', message, error);
  }
}

// The dispatcher's own errors carry oslo's module name, so Python callers see what a Python server sends.
function failureOf(err: unknown): string {
  if (err instanceof NoSuchMethod || err instanceof UnsupportedVersion) return serializeFailure(err, DISPATCHER_MODULE);
  return serializeFailure(err);
}

export type { Context, Endpoint };
