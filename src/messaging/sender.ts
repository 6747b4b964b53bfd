/**
 * Sender (docs/qpid-reference.md §1.7, §4.1): publishes to the node its address resolved to, with publisher
 * confirms. `capacity` bounds the messages sent but not yet confirmed: send() waits for room instead of
 * buffering without limit. Unconfirmed messages are kept until confirmed, and re-sent after a reconnect
 * or channel recovery (at-least-once: the broker may have taken the first copy), or rejected with the
 * error that ended the link — never silently dropped.
 */
import type { Channel, ConfirmChannel, Options, Message as RawMessage } from 'amqplib';
import type { Address, Reliability } from './address/index.js';
import { checkCapacity } from './arguments.js';
import type { MessageContent } from './content-codec.js';
import {
  Detached,
  InsufficientCapacity,
  LinkClosed,
  MessageRejected,
  type MessagingError,
  NoRoute,
  SendError,
} from './errors.js';
import { LinkBase } from './link.js';
import type { ChannelHandle, LinkHost } from './link-host.js';
import { Message } from './message.js';
import { applies, deleteNode, type ResolvedNode } from './resolve.js';
import type { Session } from './session.js';
import { deadlineOf, Signal } from './signal.js';
import { SUBJECT_HEADER, toMessagingError, toPublish } from './wire.js';

export interface SenderOptions {
  /** Most messages sent but not yet confirmed (default 50, as [cpp]). 0 makes every send fail. */
  capacity?: number;
  /** Default for `message.durable` when a message leaves it unset. */
  durable?: boolean;
  /**
   * Also write the subject as the `qpid.subject` header (default true, as Qpid does). Turn it off to
   * publish exactly what a non-Qpid peer sends: the subject then only chooses the routing key.
   */
  subjectHeader?: boolean;
}

export interface SendOptions {
  /** Wait for the broker's confirm (default true, as [py]). */
  sync?: boolean;
  /** Seconds to wait for capacity (and, with sync, for the confirm). */
  timeout?: number;
}

interface Pending {
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer;
  readonly options: Options.Publish;
  resolve: () => void;
  reject: (err: MessagingError) => void;
  /** The channel it was last published on; undefined while waiting to be (re)published. */
  handle: ChannelHandle | undefined;
  returned: MessagingError | undefined;
}

export const DEFAULT_SENDER_CAPACITY = 50;

export class Sender extends LinkBase {
  /** The address as given. */
  readonly target: string;
  /** Default for `message.durable`. */
  durable: boolean;
  private readonly subjectHeader: boolean;
  private cap: number;
  private readonly reliable: boolean;
  private node: ResolvedNode | undefined;
  private readonly pending = new Set<Pending>();
  private readonly room = new Signal();
  /** An async send failed after send() returned: reported by the next call, as [py] check_error. */
  private asyncError: MessagingError | undefined;

  /** @internal Use `session.sender()`. */
  constructor(
    readonly session: Session,
    host: LinkHost,
    address: Address,
    text: string,
    options: SenderOptions,
  ) {
    super(host, address);
    this.target = text;
    if (options.capacity !== undefined) checkCapacity(options.capacity, 'sender option capacity');
    this.cap = options.capacity ?? DEFAULT_SENDER_CAPACITY;
    this.durable = options.durable ?? false;
    this.subjectHeader = options.subjectHeader ?? true;
    const reliability: Reliability | undefined = address.options.link?.reliability;
    this.reliable = !session.transactional && reliability !== 'unreliable' && reliability !== 'at-most-once';
  }

  get capacity(): number {
    return this.cap;
  }

  set capacity(n: number) {
    checkCapacity(n, 'sender.capacity');
    this.cap = n;
    this.room.notify();
  }

  /** Sent but not yet confirmed by the broker. */
  unsettled(): number {
    return this.pending.size;
  }

  /** How many more messages may be sent before send() waits. */
  available(): number {
    return Math.max(0, this.cap - this.pending.size);
  }

  /**
   * Sends a Message, or any content (wrapped in one). With `sync` (the default) resolves once the broker
   * confirmed it; rejects with NoRoute when a queue target no longer exists, MessageRejected on a nack.
   */
  send(message: Message<unknown> | MessageContent, options: SendOptions = {}): Promise<void> {
    try {
      // The steady state of an async send (attached, room left) completes without an await or a promise of
      // its own; everything else takes the general path.
      const h = this.handle;
      if (
        options.sync === false &&
        this.reliable &&
        h &&
        !h.closed &&
        this.pending.size < this.cap &&
        this.waitingForRoom === 0
      ) {
        this.check();
        const entry = this.entryFor(message, noop, this.recordAsyncError);
        this.pending.add(entry);
        return (
          writeWithBackpressure(h.channel, () => this.publish(entry, h as ChannelHandle<ConfirmChannel>)) ?? RESOLVED
        );
      }
    } catch (err) {
      return Promise.reject(err);
    }
    return this.sendSlowly(message, options);
  }

  private waitingForRoom = 0;

  private readonly recordAsyncError = (err: MessagingError): void => {
    this.asyncError ??= err;
  };

  private entryFor(
    message: Message<unknown> | MessageContent,
    resolve: () => void,
    reject: (err: MessagingError) => void,
  ): Pending {
    const m = message instanceof Message ? message : new Message({ content: message as MessageContent });
    const { exchange, routingKey, subject } = this.route(m);
    const out = toPublish(m, this.subjectHeader ? subject : undefined, this.durable);
    out.options.mandatory = this.isQueueTarget() && this.reliable;
    return {
      exchange,
      routingKey,
      body: out.body,
      options: out.options,
      resolve,
      reject,
      handle: undefined,
      returned: undefined,
    };
  }

  private async sendSlowly(message: Message<unknown> | MessageContent, options: SendOptions): Promise<void> {
    this.check();
    const entry = this.entryFor(message, noop, this.recordAsyncError);
    if (this.cap <= 0) throw new InsufficientCapacity(`capacity = ${this.cap}`);
    // Inline, not a helper: the entry must be added in the same continuation that saw room, or several
    // waiters woken together would all take the same free slot.
    const deadline = deadlineOf(options.timeout);
    // Counted so the fast path in send() never overtakes a send already waiting for room.
    this.waitingForRoom++;
    try {
      while (this.pending.size >= this.cap) {
        if (!(await this.room.wait(deadline)) && this.pending.size >= this.cap) {
          throw new InsufficientCapacity(`capacity = ${this.cap}`);
        }
        this.check();
      }
    } finally {
      this.waitingForRoom--;
    }
    if (!this.reliable) {
      const h = this.handle && !this.handle.closed ? this.handle : await this.ready();
      const wait = writeWithBackpressure(h.channel, () =>
        h.channel.publish(entry.exchange, entry.routingKey, entry.body, entry.options),
      );
      if (wait) await wait;
      return;
    }
    // An async send reports a failure through the next call ([py] check_error); only a sync send needs a promise.
    const done =
      options.sync === false
        ? undefined
        : new Promise<void>((resolve, reject) => {
            entry.resolve = resolve;
            entry.reject = reject;
          });
    this.pending.add(entry);
    const current = this.handle;
    const h =
      current && !current.closed
        ? current
        : await this.ready().catch((err: unknown) => {
            this.pending.delete(entry);
            this.room.notify();
            throw err;
          });
    if (!entry.handle && this.pending.has(entry)) {
      const wait = writeWithBackpressure(h.channel, () => this.publish(entry, h as ChannelHandle<ConfirmChannel>));
      if (wait) await wait;
    }
    if (done) await done;
  }

  /** Waits until every message sent so far is confirmed (or failed); throws the first failure. */
  async sync(timeout?: number): Promise<void> {
    const deadline = deadlineOf(timeout);
    while (this.pending.size > 0) {
      if (!(await this.room.wait(deadline)) && this.pending.size > 0) break;
    }
    const err = this.asyncError;
    this.asyncError = undefined;
    if (err) throw err;
  }

  /** Waits for outstanding confirms, then closes; applies the address's delete policy. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.error) await this.sync().catch(() => undefined);
    this.closed = true;
    const err = new LinkClosed('sender closed');
    for (const p of this.pending) p.reject(err);
    this.pending.clear();
    this.room.notify();
    this.attached.notify();
    await this.releaseChannel();
    this.host.remove(this);
    if (this.node && applies(this.address.options.delete, 'sender') && !this.error) {
      await deleteNode(this.host.connection.probe, this.node).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- LinkBase

  // Channel recoveries count from the last confirm: a message the broker keeps refusing must not loop.
  protected async attach(): Promise<void> {
    this.node = (await this.resolve('sender')).node;
    const before = this.handle;
    const h = await this.takeChannel(this.reliable);
    if (!h) return;
    if (h !== before && !this.host.transactional) h.channel.on('return', (raw: RawMessage) => this.onReturn(raw));
    // Replay: whatever was not confirmed on the old channel goes out again, in order.
    for (const p of this.pending) {
      if (!p.handle) await writeWithBackpressure(h.channel, () => this.publish(p, h as ChannelHandle<ConfirmChannel>));
    }
    this.attached.notify();
  }

  protected detach(): void {
    this.handle = undefined;
    for (const p of this.pending) p.handle = undefined;
  }

  protected override fail(error: MessagingError): void {
    if (this.closed) return;
    super.fail(error);
    for (const p of this.pending) p.reject(error);
    this.pending.clear();
    this.room.notify();
  }

  protected recoveryError(h: ChannelHandle, cause: unknown): MessagingError {
    if (h.error) return h.error;
    return cause === undefined ? new SendError('sender channel closed') : toMessagingError(cause, 'link', SendError);
  }

  // ---------------------------------------------------------------- internal

  private check(): void {
    if (this.closed) throw new LinkClosed('sender closed');
    if (this.error) throw this.error;
    const err = this.asyncError;
    if (err) {
      this.asyncError = undefined;
      throw err;
    }
  }

  private isQueueTarget(): boolean {
    return this.node?.kind === 'queue';
  }

  // §1.7: queue → default exchange by queue name; topic → the exchange, subject as routing key.
  private route(m: Message<unknown>): { exchange: string; routingKey: string; subject: string | undefined } {
    const node = this.node;
    if (!node) throw new Detached('sender not attached');
    const subject = m.subject ?? this.address.subject ?? stringHeader(m.properties[SUBJECT_HEADER]);
    if (node.kind === 'queue') return { exchange: '', routingKey: node.name, subject };
    return { exchange: node.name, routingKey: subject ?? '', subject };
  }

  private publish(p: Pending, h: ChannelHandle<ConfirmChannel>): boolean {
    p.handle = h;
    p.returned = undefined;
    return h.channel.publish(p.exchange, p.routingKey, p.body, p.options, (err: unknown) => {
      if (!this.pending.has(p) || p.handle !== h) return;
      if (err && (h.closed || String((err as Error).message ?? err).includes('closed'))) {
        // Outcome unknown: the channel went away. Kept for replay, or rejected if the link fails.
        p.handle = undefined;
        return;
      }
      this.pending.delete(p);
      this.madeProgress();
      this.room.notify();
      if (err) p.reject(new MessageRejected('message rejected by the broker (basic.nack)', { cause: err }));
      else if (p.returned) p.reject(p.returned);
      else p.resolve();
    });
  }

  // basic.return comes before the confirm of the same message; match it to the oldest identical send.
  private onReturn(raw: RawMessage): void {
    for (const p of this.pending) {
      if (!p.returned && p.routingKey === raw.fields.routingKey && p.body.equals(raw.content)) {
        const fields = raw.fields as { replyText?: string; replyCode?: number };
        const text = String(fields.replyText ?? 'NO_ROUTE');
        p.returned = new NoRoute(`${text}: no queue ${raw.fields.routingKey}`, {
          code: Number(fields.replyCode ?? 312),
          replyText: text,
        });
        return;
      }
    }
  }

  private async ready(): Promise<ChannelHandle> {
    for (;;) {
      this.check();
      if (this.handle && !this.handle.closed) return this.handle;
      // Fails fast once the connection has failed or closed; otherwise waits for the replay.
      await this.host.connection.usable();
      if (this.handle && !this.handle.closed) return this.handle;
      await this.attached.wait(Date.now() + 1000);
    }
  }
}

function stringHeader(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

// amqplib buffers when the socket is full and returns false: wait for 'drain' before the next write.
/** Writes; when amqplib's buffer is full, the returned promise resolves on 'drain'. Undefined (no await) otherwise. */
function writeWithBackpressure(ch: Channel, write: () => boolean): Promise<void> | undefined {
  if (write()) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      ch.off('drain', done);
      ch.off('close', done);
      resolve();
    };
    ch.once('drain', done);
    ch.once('close', done);
  });
}

function noop(): void {}

const RESOLVED: Promise<void> = Promise.resolve();
