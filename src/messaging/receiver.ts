/**
 * Receiver (docs/qpid-reference.md §1.8, §4.2, §4.3).
 *
 * - capacity 0 (the [py] default): each fetch() polls `basic.get` until its deadline, so nothing is ever
 *   prefetched and stranded — Qpid's "credit for one message per fetch".
 * - capacity N > 0: `basic.qos(N)` + `basic.consume`; deliveries are buffered and fetch() pops them.
 *   CAVEAT: RabbitMQ's prefetch counts unacknowledged messages, Qpid's capacity unfetched ones, so an
 *   application that fetches without acknowledging stalls after N messages.
 * - A topic (exchange) source gets a private subscription queue bound with the subject.
 * - `mode: browse`: see browse.ts.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, Message as RawMessage } from 'amqplib';
import type { Address, AddressMap } from './address/index.js';
import { checkCapacity, describeValue } from './arguments.js';
import { snapshotQueue } from './browse.js';
import { Empty, LinkClosed, type MessagingError, ReceiverError } from './errors.js';
import { LinkBase } from './link.js';
import type { ChannelHandle, LinkHost, ReceiverControl } from './link-host.js';
import type { Message } from './message.js';
import { applies, bindAll, deleteNode, type ResolvedNode } from './resolve.js';
import type { Session } from './session.js';
import { deadlineOf, Signal } from './signal.js';
import { isStreamSubscription, STREAM_DEFAULT_PREFETCH, streamArguments } from './stream-offset.js';
import { declareSubscription } from './subscription.js';
import { fromDelivery, toMessagingError } from './wire.js';

export interface ReceiverOptions {
  /**
   * Messages to prefetch. 0 (the default for fetch()): none, one `basic.get` per fetch — Qpid's "one at
   * a time". Left unset, iterating the receiver (`for await`) subscribes with AUTO_CAPACITY; an explicit
   * 0 keeps one-at-a-time there too.
   */
  capacity?: number;
}

/** Prefetch a `for await` loop subscribes with when no capacity was given (docs/defaults.md). */
export const AUTO_CAPACITY = 100;

interface Buffered {
  readonly message: Message;
  readonly raw: RawMessage;
  /** The channel it arrived on; undefined for browsed copies (nothing to acknowledge). */
  readonly handle: ChannelHandle | undefined;
  readonly tagEpoch: number;
  readonly arrival: number;
}

let arrivals = 0;
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 100;

export class Receiver extends LinkBase implements AsyncIterable<Message> {
  /** The address as given. */
  readonly source: string;
  private cap: number;
  /** No capacity given: iterating subscribes with AUTO_CAPACITY, and never stalls on unacked messages. */
  private auto: boolean;
  private readonly noAck: boolean;
  private readonly browse: boolean;
  private browseMode: 'native' | 'emulated' | 'stream' | undefined;
  /** Subscribes to a RabbitMQ stream (x-stream-offset given): see stream-offset.ts. */
  private readonly stream: boolean;
  private node: ResolvedNode | undefined;
  private queue: string | undefined;
  private subscriptionName: string | undefined;
  private privateQueue = false;
  private consumerTag: string | undefined;
  private buffer: Buffered[] = [];
  private readonly arrived = new Signal();
  private snapshotDone = false;
  private unsettledCount = 0;
  /** The `capacity =` changes in flight, chained; never rejects (failures go to capacityError). */
  private capacityJob: Promise<void> = Promise.resolve();
  private capacityError: unknown;

  /** @internal Use `session.receiver()`. */
  constructor(
    readonly session: Session,
    host: LinkHost,
    address: Address,
    text: string,
    options: ReceiverOptions,
  ) {
    super(host, address);
    const extra: Omit<ReceiverControl, keyof LinkBase | 'attach' | 'detach' | 'fail'> = {
      headArrival: () => this.buffer[0]?.arrival,
      dropBuffered: (h) => {
        this.buffer = this.buffer.filter((b) => b.handle !== h);
      },
      discard: () => this.discard(),
    };
    this.extendControl(extra);
    this.source = text;
    if (options.capacity !== undefined) checkCapacity(options.capacity, 'receiver option capacity');
    this.cap = options.capacity ?? 0;
    this.auto = options.capacity === undefined;
    const reliability = address.options.link?.reliability;
    this.noAck = reliability === 'unreliable' || reliability === 'at-most-once';
    this.browse = address.options.mode === 'browse';
    const subscribeArgs = address.options.link?.['x-subscribe']?.['arguments'];
    this.stream =
      typeof subscribeArgs === 'object' &&
      subscribeArgs !== null &&
      !Array.isArray(subscribeArgs) &&
      isStreamSubscription(subscribeArgs as AddressMap);
  }

  get capacity(): number {
    return this.cap;
  }

  /**
   * Qpid's `receiver.capacity = n`: takes effect at once for what fetch()
   * does, and the broker side (basic.qos, re-subscribe) follows
   * asynchronously; an error doing that is thrown by the next fetch()/get().
   */
  set capacity(n: number) {
    checkCapacity(n, 'receiver.capacity');
    this.check();
    this.cap = n;
    const job = this.capacityJob.then(() => this.applyCapacity());
    this.capacityJob = job.then(
      () => undefined,
      (e: unknown) => {
        this.capacityError ??= e;
      },
    );
  }

  /** The queue messages are taken from (the private subscription queue for a topic). */
  get queueName(): string | undefined {
    return this.queue;
  }

  /** Changes the prefetch window: re-issues basic.qos and re-subscribes (buffered messages stay). */
  async setCapacity(n: number): Promise<void> {
    checkCapacity(n, 'setCapacity(n)');
    this.check();
    this.auto = false;
    this.cap = n;
    const job = this.capacityJob.then(() => this.applyCapacity());
    this.capacityJob = job.catch(() => undefined);
    await job;
  }

  /** Brings the subscription in line with `cap` (changes run one after another). */
  private async applyCapacity(): Promise<void> {
    this.check();
    const n = this.cap;
    const h = this.handle;
    if ((this.browse && !this.stream) || !h || h.closed) return;
    try {
      if (this.consumerTag) {
        const tag = this.consumerTag;
        this.consumerTag = undefined;
        await h.channel.cancel(tag);
      }
      if (n > 0) await this.consume(h);
    } catch (err) {
      throw toMessagingError(err, 'link', ReceiverError);
    }
  }

  /** Prefetched messages not yet fetched. */
  available(): number {
    return this.buffer.length;
  }

  /** Fetched messages not yet acknowledged. */
  unsettled(): number {
    return this.unsettledCount;
  }

  /** The next message; waits up to `timeout` seconds (undefined = forever, 0 = no wait) or throws Empty. */
  async fetch(timeout?: number): Promise<Message> {
    const m = await this.get(timeout);
    if (!m) throw new Empty('no message available');
    return m;
  }

  /** Like fetch(), but resolves undefined instead of throwing Empty. */
  async get(timeout?: number): Promise<Message | undefined> {
    if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
      throw new TypeError(`fetch(timeout): timeout must be a number of seconds, got ${describeValue(timeout)}`);
    }
    const deadline = deadlineOf(timeout);
    let poll = POLL_MIN_MS;
    await this.capacitySettled();
    for (;;) {
      this.check();
      const b = this.buffer.shift();
      if (b) return this.take(b);
      if (this.browseMode === 'emulated' && !this.snapshotDone) {
        const h = await this.ready(deadline);
        if (!h) return undefined;
        await this.snapshot(h);
        continue;
      }
      if (this.usesGet() || this.autoWindowFull()) {
        const h = await this.ready(deadline);
        if (!h) return undefined;
        const raw = await this.basicGet(h);
        if (raw) return this.take({ message: fromDelivery(raw), raw, handle: h, tagEpoch: h.tagEpoch, arrival: 0 });
        if (Date.now() >= deadline) return undefined;
        await this.arrived.wait(Math.min(deadline, Date.now() + poll));
        poll = Math.min(poll * 2, POLL_MAX_MS);
        continue;
      }
      if (Date.now() >= deadline) return this.flush();
      await this.arrived.wait(deadline);
    }
  }

  /**
   * At the deadline of a subscribed fetch with nothing buffered: one basic.get on the consumer's channel.
   * Deliveries the broker sent before its get-ok/get-empty arrive first, so an empty buffer after
   * get-empty means the queue had nothing for us — as Qpid's fetch flushes its credit — and `fetch(0)`
   * right after subscribing does not miss messages still on the wire.
   */
  private async flush(): Promise<Message | undefined> {
    const h = this.handle;
    if (this.browse || !h || h.closed || !this.consumerTag) return undefined;
    const raw = await this.basicGet(h);
    // Anything buffered meanwhile is older than what basic.get took: it goes first.
    if (raw)
      this.buffer.push({ message: fromDelivery(raw), raw, handle: h, tagEpoch: h.tagEpoch, arrival: ++arrivals });
    const b = this.buffer.shift();
    return b ? this.take(b) : undefined;
  }

  /** Auto-subscribed and every prefetch slot holds an unacknowledged message: take more with basic.get. */
  private autoWindowFull(): boolean {
    return this.auto && this.cap > 0 && this.unsettledCount >= this.cap;
  }

  /** `for await (const m of receiver)`: fetches until the receiver is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    // A loop waits for many messages: subscribe rather than poll, unless one-at-a-time was asked for.
    if (this.auto && this.cap === 0 && !this.browse && !this.closed) {
      this.cap = AUTO_CAPACITY;
      const h = this.handle;
      if (h && !h.closed && !this.consumerTag) await this.consume(h);
    }
    for (;;) {
      let m: Message | undefined;
      try {
        m = await this.get();
      } catch (err) {
        if (this.closed && err instanceof LinkClosed) return;
        throw err;
      }
      if (m) yield m;
    }
  }

  /** Cancels the subscription, releases prefetched messages, applies delete policies. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const h = this.handle;
    if (h && !h.closed) {
      if (this.consumerTag) await h.channel.cancel(this.consumerTag).catch(() => undefined);
      // Prefetched but never fetched: back to the queue ([py] releases them too).
      for (const b of this.buffer) if (b.handle === h && !h.closed) h.channel.nack(b.raw, false, true);
    }
    this.consumerTag = undefined;
    this.buffer = [];
    this.arrived.notify();
    this.attached.notify();
    this.host.remove(this);
    const probe = this.host.connection.probe;
    if (!this.error) {
      const links = this.address.options.link?.['x-bindings'];
      if (links && this.node && !this.privateQueue) {
        await bindAll(probe, links, this.node, this.queue, this.address.subject, true).catch(() => undefined);
      }
      if (this.privateQueue && this.queue) {
        await deleteNode(probe, { kind: 'queue', name: this.queue, created: true }).catch(() => undefined);
      }
      if (this.node && applies(this.address.options.delete, 'receiver')) {
        await deleteNode(probe, this.node).catch(() => undefined);
      }
    }
    // Fetched-but-unacknowledged messages stay acquired until acknowledged: keep the channel until then.
    if (this.unsettledCount === 0) await this.releaseChannel();
  }

  // ---------------------------------------------------------------- LinkBase

  protected async attach(): Promise<void> {
    const { node, queue } = await this.resolve('receiver', (n) => this.subscribe(n));
    this.node = node;
    this.queue = queue;
    const h = await this.takeChannel(false);
    if (!h) return;
    // Unacked deliveries of a lost channel were requeued by the broker; only no-ack copies are still ours.
    this.buffer = this.buffer.filter((b) => b.handle === h || b.handle === undefined);
    if (this.browse) {
      this.browseMode = this.stream ? 'stream' : this.host.connection.supportsBrowse ? 'native' : 'emulated';
      this.snapshotDone = false;
      if (this.browseMode !== 'emulated') await this.consume(h);
    } else if (this.cap > 0 || this.stream) {
      await this.consume(h);
    }
    this.attached.notify();
    this.arrived.notify();
  }

  protected detach(): void {
    this.handle = undefined;
    this.consumerTag = undefined;
  }

  protected override fail(error: MessagingError): void {
    if (this.closed) return;
    super.fail(error);
    this.consumerTag = undefined;
    this.arrived.notify();
  }

  protected override recovered(): void {
    this.madeProgress();
  }

  protected recoveryError(h: ChannelHandle, err: unknown): MessagingError {
    if (err === undefined) return new LinkClosed(`receiver ${this.source} closed`, { cause: h.error });
    const cause = toMessagingError(err, 'link');
    return new LinkClosed(`receiver ${this.source} closed by the broker: ${cause.message}`, {
      cause,
      code: cause.code,
      replyText: cause.replyText,
    });
  }

  /** session.receiver() failed half way: drop whatever was opened. */
  private async discard(): Promise<void> {
    this.closed = true;
    if (this.privateQueue && this.queue) {
      await deleteNode(this.host.connection.probe, { kind: 'queue', name: this.queue, created: true }).catch(
        () => undefined,
      );
    }
    await this.releaseChannel();
  }

  /** A message of ours was acknowledged (or dropped). */
  private readonly settled = (): void => {
    if (this.unsettledCount > 0) this.unsettledCount--;
    if (this.closed && this.unsettledCount === 0) void this.releaseChannel();
  };

  // ---------------------------------------------------------------- internal

  /** Waits for a `capacity =` change in flight; throws (once) what it failed with. */
  private async capacitySettled(): Promise<void> {
    await this.capacityJob;
    const e = this.capacityError;
    if (e !== undefined) {
      this.capacityError = undefined;
      throw e;
    }
  }

  private check(): void {
    if (this.error) throw this.error;
    if (this.closed) throw new LinkClosed('receiver closed');
  }

  private usesGet(): boolean {
    return !this.browse && !this.stream && this.cap <= 0;
  }

  private take(b: Buffered): Message {
    // Browsing a stream: the ack only returns prefetch credit (nothing is removed from a stream).
    if (this.browseMode === 'stream' && b.handle && !b.handle.closed) b.handle.channel.ack(b.raw);
    const handle = this.noAck || this.browse ? undefined : b.handle;
    this.host.track(b.message, { handle, tagEpoch: b.tagEpoch, raw: b.raw, settled: this.settled });
    if (handle) this.unsettledCount++;
    return b.message;
  }

  private async ready(deadline: number): Promise<ChannelHandle | undefined> {
    for (;;) {
      this.check();
      if (this.handle && !this.handle.closed) return this.handle;
      if (Date.now() >= deadline) return undefined;
      await this.attached.wait(Math.min(deadline, Date.now() + 200));
    }
  }

  private async basicGet(h: ChannelHandle): Promise<RawMessage | false> {
    try {
      return await h.channel.get(this.queue as string, { noAck: this.noAck });
    } catch (err) {
      this.check();
      if (h.closed) return false; // recovery is under way; the loop waits for it
      throw toMessagingError(err, 'link', ReceiverError);
    }
  }

  private async snapshot(h: ChannelHandle): Promise<void> {
    const raws = await snapshotQueue(h.channel, this.queue as string);
    for (const raw of raws) {
      this.buffer.push({ message: fromDelivery(raw), raw, handle: undefined, tagEpoch: 0, arrival: ++arrivals });
    }
    this.snapshotDone = true;
  }

  private async consume(h: ChannelHandle): Promise<void> {
    const xSubscribe: AddressMap = this.address.options.link?.['x-subscribe'] ?? {};
    const args = streamArguments({ ...((xSubscribe['arguments'] as AddressMap | undefined) ?? {}) });
    const native = this.browseMode === 'native';
    if (native) args['x-browse'] = true;
    const prefetch = this.stream && this.cap <= 0 ? STREAM_DEFAULT_PREFETCH : this.cap;
    if (!native && prefetch > 0) await h.channel.prefetch(prefetch);
    const ok = await h.channel.consume(this.queue as string, (raw) => this.onDelivery(h, raw), {
      noAck: this.noAck || native,
      exclusive: xSubscribe['exclusive'] === true,
      arguments: args,
    });
    this.consumerTag = ok.consumerTag;
  }

  private onDelivery(h: ChannelHandle, raw: ConsumeMessage | null): void {
    if (raw === null) {
      this.onServerCancel(h);
      return;
    }
    if (h !== this.handle) return;
    const message = fromDelivery(raw);
    const handle = this.browseMode === 'native' ? undefined : h;
    this.buffer.push({ message, raw, handle, tagEpoch: h.tagEpoch, arrival: ++arrivals });
    this.arrived.notify();
    this.host.arrived();
  }

  // The broker cancelled our consumer (queue deleted, ...): resubscribe if the address still resolves
  // (e.g. it creates the queue), else the reader gets LinkClosed. Other links are not touched.
  private onServerCancel(h: ChannelHandle): void {
    if (this.closed || h !== this.handle) return;
    this.consumerTag = undefined;
    this.recover(h);
  }

  // Topic source: a private queue per receiver, bound with the subject (subscription.ts).
  private async subscribe(node: ResolvedNode): Promise<string> {
    const link = this.address.options.link ?? {};
    // [cpp] `<exchange>_<uuid>`; queue names may not start with `amq.` on RabbitMQ (403).
    this.subscriptionName ??= link.name ?? `${node.name.replace(/^amq\./, 'amq_')}_${randomUUID()}`;
    const s = await declareSubscription(this.host.connection.probe, this.address, node, this.subscriptionName);
    this.privateQueue = s.private;
    return s.queue;
  }
}
