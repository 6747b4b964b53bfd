/**
 * [oslo] ReplyWaiter (amqpdriver.py): one `reply_<hex>` queue per transport, consumed for the life of
 * the transport; replies are matched to calls by `_msg_id`, duplicates dropped by `_unique_id`.
 *
 * A reply with `ending: false` and no result is a call-monitor heartbeat (the server is still working);
 * the call ends at the reply with `ending: true`.
 */
import type { Message, Receiver } from '../messaging/index.js';
import { fromAmqpMessage, type MessageDict, UNIQUE_ID, uuidHex } from './envelope.js';
import { DuplicateCache } from './executor.js';
import { pump } from './pump.js';
import type { RpcTransport } from './transport.js';

/** Gets each reply to its call, or the error that ended the reply queue for good. */
type Listener = (reply: MessageDict | undefined, error?: unknown) => void;

export class ReplyWaiter {
  readonly queue = `reply_${uuidHex()}`;
  private receiver: Receiver | undefined;
  private started: Promise<void> | undefined;
  private readonly waiters = new Map<string, Listener>();
  private readonly seen = new DuplicateCache();
  private failure: unknown;

  constructor(private readonly transport: RpcTransport) {}

  /** Declares and consumes the reply queue (once). */
  start(): Promise<void> {
    this.started ??= this.open();
    return this.started;
  }

  /** Registers a call before its request is sent, so an early reply is not missed. */
  listen(msgId: string, onReply: Listener): void {
    if (this.failure !== undefined) throw this.failure;
    this.waiters.set(msgId, onReply);
  }

  unlisten(msgId: string): void {
    this.waiters.delete(msgId);
  }

  get pending(): number {
    return this.waiters.size;
  }

  async close(): Promise<void> {
    const r = this.receiver;
    this.receiver = undefined;
    this.started = undefined;
    if (r) await r.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    try {
      this.receiver = await this.transport.directReceiver(this.queue);
    } catch (err) {
      this.started = undefined;
      throw err;
    }
    const receiver = this.receiver;
    void pump(
      receiver,
      undefined,
      (m) => this.onMessage(receiver, m),
      (err) => this.onEnd(err),
    );
  }

  private async onMessage(receiver: Receiver, m: Message): Promise<void> {
    await receiver.session.acknowledge(m, { sync: false });
    let data: MessageDict;
    try {
      data = fromAmqpMessage(m);
    } catch {
      return; // not a reply we can read: oslo logs and drops it too
    }
    const uid = typeof data[UNIQUE_ID] === 'string' ? (data[UNIQUE_ID] as string) : undefined;
    delete data[UNIQUE_ID];
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    const msgId = data['_msg_id'];
    delete data['_msg_id'];
    if (typeof msgId === 'string') this.waiters.get(msgId)?.(data);
  }

  // The reply queue's link failed for good (the connection gave up): every waiting call learns it now.
  private onEnd(err: unknown): void {
    this.failure = err;
    this.started = undefined;
    for (const w of [...this.waiters.values()]) w(undefined, err);
    this.waiters.clear();
  }
}

const waiters = new WeakMap<RpcTransport, ReplyWaiter>();

/** The transport's reply waiter (created on the first call). */
export function replyWaiterFor(transport: RpcTransport): ReplyWaiter {
  let w = waiters.get(transport);
  if (!w) {
    w = new ReplyWaiter(transport);
    waiters.set(transport, w);
  }
  return w;
}
