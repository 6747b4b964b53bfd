/**
 * RpcClient (oslo_messaging/rpc/client.py + amqpdriver.py `_send`): `call` waits for the reply on the
 * transport's `reply_<hex>` queue, `cast` only publishes. The request dict is oslo's:
 * `{method, args, namespace?, version?, _msg_id?, _reply_q?, _timeout?, _unique_id, _context_*}`.
 */
import type { Connection } from '../messaging/index.js';
import {
  addUniqueId,
  type Context,
  type MessageDict,
  packContext,
  parseFailure,
  toAmqpMessage,
  uuidHex,
} from './envelope.js';
import {
  ClientSendError,
  InvalidTarget,
  MessagingTimeout,
  RemoteError,
  RpcError,
  RpcVersionCapError,
} from './errors.js';
import { replyWaiterFor } from './reply-waiter.js';
import { Target, type TargetInit, versionIsCompatible } from './target.js';
import { type RpcTransport, type TransportOptions, transportFor } from './transport.js';

export interface RpcClientOptions extends TransportOptions {
  /** Seconds a call waits for its reply (default 60, oslo `rpc_response_timeout`). */
  timeout?: number;
  /**
   * Re-sends after a failed publish: undefined or -1 = as long as the call's time allows, 0 = none, N =
   * at most N. Reconnecting itself is the Connection's (its reconnect options).
   */
  retry?: number;
  /** Highest version this client may send ([oslo] `version_cap`). */
  versionCap?: string;
  /** Seconds without a call-monitor heartbeat after which a call fails ([oslo] `call_monitor_timeout`). */
  callMonitorTimeout?: number;
}

export interface PrepareOptions extends Partial<TargetInit> {
  timeout?: number;
  retry?: number;
  versionCap?: string;
  callMonitorTimeout?: number;
}

export const DEFAULT_RPC_TIMEOUT = 60;
const RETRY_DELAY_MS = 250;

export class RpcClient {
  readonly target: Target;
  readonly timeout: number;
  readonly retry: number | undefined;
  readonly versionCap: string | undefined;
  readonly callMonitorTimeout: number | undefined;
  private readonly transport: RpcTransport;

  constructor(
    readonly connection: Connection,
    target: Target | TargetInit,
    private readonly options: RpcClientOptions = {},
  ) {
    this.target = target instanceof Target ? target : new Target(target);
    this.timeout = options.timeout ?? DEFAULT_RPC_TIMEOUT;
    this.retry = options.retry;
    this.versionCap = options.versionCap;
    this.callMonitorTimeout = options.callMonitorTimeout;
    this.transport = transportFor(connection, options);
  }

  /** A client for a changed target or call options ([oslo] `prepare`). */
  prepare(changes: PrepareOptions): RpcClient {
    const { timeout, retry, versionCap, callMonitorTimeout, ...target } = changes;
    return new RpcClient(this.connection, this.target.with(target), {
      ...this.options,
      timeout: timeout ?? this.timeout,
      retry: retry ?? this.retry,
      versionCap: versionCap ?? this.versionCap,
      callMonitorTimeout: callMonitorTimeout ?? this.callMonitorTimeout,
    });
  }

  /** Whether `version` (default: the target's) is within the version cap. */
  canSendVersion(version: string | undefined = this.target.version): boolean {
    return versionIsCompatible(this.versionCap, version);
  }

  /** Invokes `method` and returns at once ([oslo] `cast`); resolves once the broker took the message. */
  async cast(ctxt: Context, method: string, args: Record<string, unknown> = {}): Promise<void> {
    const msg = this.makeMessage(method, args);
    addUniqueId(msg);
    packContext(msg, ctxt);
    await this.sendWithRetry(msg, undefined, Number.POSITIVE_INFINITY);
  }

  /**
   * Invokes `method` and waits for its result ([oslo] `call`). Throws RemoteError when the server
   * raised, MessagingTimeout when no reply came within `timeout` seconds.
   */
  async call(ctxt: Context, method: string, args: Record<string, unknown> = {}): Promise<unknown> {
    const msg = this.makeMessage(method, args);
    const waiter = replyWaiterFor(this.transport);
    const deadline = Date.now() + this.timeout * 1000;
    const msgId = uuidHex();
    msg['_msg_id'] = msgId;
    msg['_reply_q'] = waiter.queue;
    msg['_timeout'] = this.callMonitorTimeout ?? null;
    addUniqueId(msg);
    packContext(msg, ctxt);
    const timedOut = () => new MessagingTimeout(`Timed out waiting for a reply to message ID ${msgId}`);
    await withDeadline(waiter.start(), deadline, timedOut);
    const reply = this.awaitReply(msgId, deadline, timedOut);
    try {
      await withDeadline(this.sendWithRetry(msg, this.timeout, deadline), deadline, timedOut);
      return await reply.result;
    } finally {
      reply.cancel();
    }
  }

  // ---------------------------------------------------------------- internal

  private makeMessage(method: string, args: Record<string, unknown>): MessageDict {
    if (!this.target.topic) throw new InvalidTarget(`A topic is required to send ${this.target}`);
    const msg: MessageDict = { method, args };
    if (this.target.namespace !== undefined) msg['namespace'] = this.target.namespace;
    if (this.target.version !== undefined) msg['version'] = this.target.version;
    if (this.versionCap !== undefined && !versionIsCompatible(this.versionCap, this.target.version)) {
      throw new RpcVersionCapError(this.target.version, this.versionCap);
    }
    return msg;
  }

  private async sendWithRetry(msg: MessageDict, ttl: number | undefined, deadline: number): Promise<void> {
    const limit = this.retry === undefined || this.retry < 0 ? Number.POSITIVE_INFINITY : this.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.sendOnce(msg, ttl, deadline);
        return;
      } catch (err) {
        if (err instanceof RpcError) throw err;
        // A closed or failed connection will not come back: retrying would only spin.
        if (attempt >= limit || !this.connection.opened() || Date.now() + RETRY_DELAY_MS >= deadline) {
          throw new ClientSendError(`Failed to send to target "${this.target}": ${(err as Error).message}`, {
            cause: err,
          });
        }
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
      }
    }
  }

  private async sendOnce(msg: MessageDict, ttl: number | undefined, deadline: number): Promise<void> {
    const t = this.target;
    const topic = t.topic as string;
    const left = Number.isFinite(deadline) ? Math.max(0, (deadline - Date.now()) / 1000) : undefined;
    if (t.fanout) {
      await this.transport.fanoutSend(topic, toAmqpMessage(msg, { envelope: true }), left);
      return;
    }
    const key = t.server ? `${topic}.${t.server}` : topic;
    const exchange = this.transport.exchangeOf(t);
    await this.transport.topicSend(exchange, key, toAmqpMessage(msg, { envelope: true, ttl }), left);
  }

  // [oslo] ReplyWaiter.wait: the last non-null result wins, `ending` finishes, heartbeats renew the monitor.
  private awaitReply(
    msgId: string,
    deadline: number,
    timedOut: () => MessagingTimeout,
  ): { result: Promise<unknown>; cancel: () => void } {
    const waiter = replyWaiterFor(this.transport);
    let timer: NodeJS.Timeout | undefined;
    let monitor: NodeJS.Timeout | undefined;
    const cancel = () => {
      clearTimeout(timer);
      clearTimeout(monitor);
      waiter.unlisten(msgId);
    };
    const result = new Promise<unknown>((resolve, reject) => {
      const fail = (err: unknown) => {
        cancel();
        reject(err);
      };
      timer = setTimeout(() => fail(timedOut()), Math.max(0, deadline - Date.now()));
      const cm = this.callMonitorTimeout;
      const restartMonitor = () => {
        if (cm === undefined) return;
        clearTimeout(monitor);
        monitor = setTimeout(() => fail(timedOut()), cm * 1000);
      };
      restartMonitor();
      let final: unknown = null;
      waiter.listen(msgId, (data, error) => {
        if (!data) return fail(error);
        const value = data['failure'] ? remoteErrorOf(data['failure']) : (data['result'] ?? null);
        if (value !== null) final = value;
        else if (data['ending'] !== true) restartMonitor();
        if (data['ending'] !== true) return;
        cancel();
        if (final instanceof RemoteError) reject(final);
        else resolve(final);
      });
    });
    // A send failure rejects the call before the reply can; keep that rejection from going unhandled.
    result.catch(() => undefined);
    return { result, cancel };
  }
}

/** [oslo] deserialize_remote_exception with no allowed modules: always a RemoteError. */
export function remoteErrorOf(failure: unknown): RemoteError {
  const f = parseFailure(failure);
  return new RemoteError(f.class, f.message, f.tb.join(''), f.module);
}

async function withDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}
