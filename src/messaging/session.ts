/**
 * Session (docs/qpid-reference.md §3): creates links, acknowledges what they fetched, runs transactions.
 *
 * Channels: in a non-transactional session every link has its own channel, so a channel error (a 404 on
 * publish, a bad ack) only hurts — and only recovers — that link. A transactional session needs one
 * channel (tx.select is per channel), shared by all its links.
 */
import { randomUUID } from 'node:crypto';
import type { Channel } from 'amqplib';
import { type Address, parseAddress, resolveTemporaryAddress } from './address/index.js';
import type { Connection } from './connection.js';
import {
  Empty,
  type MessagingError,
  NontransactionalSession,
  SessionClosed,
  TransactionAborted,
  TransactionUnknown,
} from './errors.js';
import { controlOf } from './link.js';
import type {
  ChannelHandle,
  LinkControl,
  LinkHost,
  Receipt,
  ReceiverControl,
  SessionControl,
  SessionHost,
} from './link-host.js';
import type { Message } from './message.js';
import { Receiver, type ReceiverOptions } from './receiver.js';
import { Sender, type SenderOptions } from './sender.js';
import { deadlineOf, Signal, sleep } from './signal.js';
import { toMessagingError } from './wire.js';

export interface SessionOptions {
  /** Sends and acknowledgements take effect on commit() (AMQP tx class). */
  transactional?: boolean;
}

/** What acknowledge() does with a message: accept (ack), reject (dead-letter/drop), release (requeue). */
export type Disposition = 'accept' | 'reject' | 'release';

export interface AcknowledgeOptions {
  disposition?: Disposition;
  /** Wait until the broker has processed the acknowledgements (default true, as in [py]). */
  sync?: boolean;
}

const receipts = new WeakMap<Message, Receipt>();
const RESTORE_ATTEMPTS = 10;
const RESTORE_BACKOFF_MS = 100;

export class Session {
  readonly transactional: boolean;
  private readonly senderSet = new Set<Sender>();
  private readonly receiverSet = new Set<Receiver>();
  private readonly unacked = new Set<Message>();
  private readonly pendingAcks = new Map<ChannelHandle, Receipt[]>();
  private ackFlushScheduled = false;
  private closed = false;
  private error: MessagingError | undefined;
  private txHandle: ChannelHandle | undefined;
  private txOpening: Promise<ChannelHandle> | undefined;
  /** Work since the last commit/rollback was lost with a channel. */
  private aborted = false;
  /** Notified whenever a receiver of this session buffers a message. */
  private readonly arrivals = new Signal();
  /** What the links of this session use of it (LinkHost, link-host.ts). */
  private readonly linkHost: LinkHost;

  /** @internal Use `connection.session()`. */
  constructor(
    readonly connection: Connection,
    private readonly host: SessionHost,
    readonly name: string,
    options: SessionOptions,
    adopt: (control: SessionControl) => void,
  ) {
    this.transactional = options.transactional === true;
    this.linkHost = {
      connection: host,
      transactional: this.transactional,
      sharedChannel: () => this.txChannel(),
      track: (m, r) => this.track(m, r),
      arrived: () => this.arrivals.notify(),
      remove: (link) => {
        this.senderSet.delete(link as Sender);
        this.receiverSet.delete(link as Receiver);
      },
    };
    adopt({
      open: () => this.open(),
      connectionLost: () => this.connectionLost(),
      restore: () => this.restore(),
      fail: (e) => this.fail(e),
    });
  }

  get senders(): readonly Sender[] {
    return [...this.senderSet];
  }

  get receivers(): readonly Receiver[] {
    return [...this.receiverSet];
  }

  /** Creates a sender for an address string; resolves (and creates, per policy) its node first. */
  async sender(address: string | Address, options: SenderOptions = {}): Promise<Sender> {
    this.checkOpen();
    const text = String(address);
    const parsed = typeof address === 'string' ? parseAddress(address, 'sender') : address;
    const sender = new Sender(this, this.linkHost, resolveTemporaryAddress(parsed, randomUUID()), text, options);
    await controlOf(sender).attach();
    this.senderSet.add(sender);
    return sender;
  }

  /** Creates a receiver for an address string; subscribes before returning. */
  async receiver(address: string | Address, options: ReceiverOptions = {}): Promise<Receiver> {
    this.checkOpen();
    const text = String(address);
    const parsed = typeof address === 'string' ? parseAddress(address, 'receiver') : address;
    const receiver = new Receiver(this, this.linkHost, resolveTemporaryAddress(parsed, randomUUID()), text, options);
    const control = controlOf<ReceiverControl>(receiver);
    try {
      await control.attach();
    } catch (err) {
      await control.discard();
      throw err;
    }
    this.receiverSet.add(receiver);
    return receiver;
  }

  /**
   * Acknowledges one message, or every message fetched on this session and not yet acknowledged.
   * Messages fetched over a connection or channel that has since been lost are dropped, never acked on
   * the new one (their delivery tags mean nothing there; the broker redelivers them).
   */
  async acknowledge(message?: Message, options: AcknowledgeOptions = {}): Promise<void> {
    this.checkOpen();
    const disposition = options.disposition ?? 'accept';
    const messages = message ? [message] : [...this.unacked];
    // A reject or release must not overtake accepts still waiting to be coalesced.
    if (disposition !== 'accept') this.flushAcks();
    const touched = new Set<ChannelHandle>();
    for (const m of messages) {
      this.unacked.delete(m);
      const r = receipts.get(m);
      if (!r) continue;
      receipts.delete(m);
      const h = r.handle;
      if (h && !h.closed && h.tagEpoch === r.tagEpoch) {
        touched.add(h);
        if (disposition === 'accept') {
          this.queueAck(h, r);
          continue;
        }
        if (disposition === 'reject') h.channel.reject(r.raw, false);
        else h.channel.nack(r.raw, false, true);
      }
      // After the ack is written: a closed receiver may now close its channel.
      r.settled();
    }
    if (options.sync !== false) {
      this.flushAcks();
      // 0-9-1 never confirms acks: a round trip on the same channel proves they were processed.
      // A passive declare of amq.direct changes nothing (basic.qos would reset the prefetch).
      // A channel closed meanwhile (its receiver was closed and this settled its last message) is proven
      // by its close-ok instead: amqplib may otherwise write a connection.close before the acks.
      for (const h of touched) {
        await (h.closing ?? h.channel.checkExchange('amq.direct')).catch(() => undefined);
      }
    }
  }

  /**
   * Accepts are written once per tick: consecutive deliveries of one channel
   * go out as a single basic.ack with multiple=true when no earlier delivery
   * of that channel is still unacknowledged, which saves a frame and a write
   * per message for receivers that acknowledge one by one.
   */
  private queueAck(h: ChannelHandle, r: Receipt): void {
    let list = this.pendingAcks.get(h);
    if (!list) this.pendingAcks.set(h, (list = []));
    list.push(r);
    if (!this.ackFlushScheduled) {
      this.ackFlushScheduled = true;
      process.nextTick(() => this.flushAcks());
    }
  }

  private flushAcks(): void {
    this.ackFlushScheduled = false;
    if (this.pendingAcks.size === 0) return;
    const batches = [...this.pendingAcks];
    this.pendingAcks.clear();
    for (const [h, list] of batches) {
      if (!h.closed) {
        let last = list[0] as Receipt;
        for (const r of list) if (r.raw.fields.deliveryTag > last.raw.fields.deliveryTag) last = r;
        // A transactional session shares one channel between its receivers: another receiver's
        // prefetched messages may sit below `last`, so only single acks are safe there.
        if (!this.transactional && !this.holdsEarlier(h, last.raw.fields.deliveryTag)) {
          h.channel.ack(last.raw, true);
        } else {
          for (const r of list) if (r.tagEpoch === h.tagEpoch) h.channel.ack(r.raw, false);
        }
      }
      for (const r of list) r.settled();
    }
  }

  /** Whether a message fetched on `h` with a delivery tag below `tag` is still unacknowledged. */
  private holdsEarlier(h: ChannelHandle, tag: number): boolean {
    for (const m of this.unacked) {
      const r = receipts.get(m);
      if (r?.handle === h && r.raw.fields.deliveryTag < tag) return true;
    }
    return false;
  }

  /** Waits until every sender's messages are confirmed and acknowledgements processed. */
  async sync(timeout?: number): Promise<void> {
    this.checkOpen();
    for (const s of this.senderSet) await s.sync(timeout);
  }

  /** The receiver holding the oldest prefetched message (receivers with capacity > 0); Empty on timeout. */
  async nextReceiver(timeout?: number): Promise<Receiver> {
    const deadline = deadlineOf(timeout);
    for (;;) {
      this.checkOpen();
      let best: Receiver | undefined;
      let bestSeq = Number.POSITIVE_INFINITY;
      for (const r of this.receiverSet) {
        const seq = controlOf<ReceiverControl>(r).headArrival();
        if (seq !== undefined && seq < bestSeq) {
          best = r;
          bestSeq = seq;
        }
      }
      if (best) return best;
      if (Date.now() >= deadline) throw new Empty('no message available');
      await this.arrivals.wait(deadline);
    }
  }

  /** Commits sends and acknowledgements made since the last commit (transactional sessions). */
  async commit(): Promise<void> {
    this.flushAcks();
    const h = await this.txChannel();
    if (this.aborted) {
      this.aborted = false;
      throw new TransactionAborted('transaction aborted: the channel was lost since the last commit');
    }
    try {
      await txRpc(h.channel, TX_COMMIT, TX_COMMIT_OK);
    } catch (err) {
      throw new TransactionUnknown(`commit outcome unknown: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Discards sends, and returns fetched-but-unacknowledged messages to their queues (redelivered). */
  async rollback(): Promise<void> {
    this.flushAcks();
    const h = await this.txChannel();
    this.aborted = false;
    await txRpc(h.channel, TX_ROLLBACK, TX_ROLLBACK_OK).catch((err: unknown) => {
      throw toMessagingError(err, 'session');
    });
    // basic.recover is not transactional; it requeues every unacked delivery of the channel. Tags of the
    // old deliveries die with it, so drop them (and prefetched copies) before asking.
    h.tagEpoch++;
    for (const m of [...this.unacked]) {
      if (receipts.get(m)?.handle === h) {
        this.unacked.delete(m);
        receipts.delete(m);
      }
    }
    for (const r of this.receiverSet) controlOf<ReceiverControl>(r).dropBuffered(h);
    await h.channel.recover().catch((err: unknown) => {
      throw toMessagingError(err, 'session');
    });
  }

  /** Closes every link; unacknowledged messages go back to their queues. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flushAcks();
    for (const r of [...this.receiverSet]) await r.close().catch(() => undefined);
    for (const s of [...this.senderSet]) await s.close().catch(() => undefined);
    this.closed = true;
    this.unacked.clear();
    await this.host.closeChannel(this.txHandle);
    this.txHandle = undefined;
    this.arrivals.notify();
    this.host.forget(this.name);
  }

  // ---------------------------------------------------------------- SessionControl (for the connection)

  private async open(): Promise<void> {
    if (this.transactional) await this.txChannel();
  }

  /** A fetched message that needs (or needed) acknowledging. */
  private track(message: Message, receipt: Receipt): void {
    receipts.set(message, receipt);
    if (receipt.handle) this.unacked.add(message);
  }

  private connectionLost(): void {
    if (this.transactional && this.txHandle) this.aborted = true;
    this.txHandle = undefined;
    this.txOpening = undefined;
    for (const l of this.links()) l.detach();
  }

  private async restore(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.transactional) await this.txChannel();
    } catch {
      return; // the connection went again; the next restore retries
    }
    const gen = this.host.generation;
    for (const l of this.links()) {
      if (!this.host.isCurrent(gen)) return; // lost again: the next restore takes over
      await this.reattach(l, gen);
    }
  }

  private async reattach(l: LinkControl, gen: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await l.attach();
        return;
      } catch (err) {
        const e = toMessagingError(err, 'link');
        // RabbitMQ may not yet have noticed the old connection died and still holds its exclusive
        // queues (405 RESOURCE_LOCKED on re-declare): back off and retry, as the Java client does.
        if (e.code === 405 && attempt < RESTORE_ATTEMPTS) {
          await sleep(RESTORE_BACKOFF_MS * attempt);
          if (!this.host.isCurrent(gen)) return;
          continue;
        }
        if (this.host.isCurrent(gen)) l.fail(e);
        return;
      }
    }
  }

  private fail(error: MessagingError): void {
    this.error = error;
    for (const l of this.links()) l.fail(error);
    this.arrivals.notify();
  }

  private links(): LinkControl[] {
    return [...this.senderSet, ...this.receiverSet].map((l) => controlOf(l));
  }

  private checkOpen(): void {
    if (this.closed) throw new SessionClosed('session closed');
    if (this.error) throw this.error;
  }

  private async txChannel(): Promise<ChannelHandle> {
    if (!this.transactional) throw new NontransactionalSession('session is not transactional');
    this.checkOpen();
    if (this.txHandle && !this.txHandle.closed) return this.txHandle;
    if (!this.txOpening) {
      this.txOpening = (async () => {
        const h = await this.host.openChannel(false, (closed) => this.onTxChannelClosed(closed));
        await txRpc(h.channel, TX_SELECT, TX_SELECT_OK);
        this.txHandle = h;
        return h;
      })();
      this.txOpening.finally(() => (this.txOpening = undefined)).catch(() => undefined);
    }
    return this.txOpening;
  }

  // A channel error (not a lost connection) closed the tx channel: abort, reopen, replay the links.
  private onTxChannelClosed(h: ChannelHandle): void {
    const gen = this.host.generation;
    setImmediate(() => {
      if (this.closed || this.txHandle !== h || !this.host.isCurrent(gen)) return;
      this.aborted = true;
      this.txHandle = undefined;
      for (const l of this.links()) l.detach();
      void this.restore();
    });
  }
}

// tx class method ids (class 90): amqplib has no tx API, but its channel rpc takes any method id.
const TX_SELECT = (90 << 16) | 10;
const TX_SELECT_OK = (90 << 16) | 11;
const TX_COMMIT = (90 << 16) | 20;
const TX_COMMIT_OK = (90 << 16) | 21;
const TX_ROLLBACK = (90 << 16) | 30;
const TX_ROLLBACK_OK = (90 << 16) | 31;

interface RpcChannel {
  rpc(method: number, fields: Record<string, never>, expect: number): Promise<unknown>;
}

function txRpc(ch: Channel, method: number, expect: number): Promise<unknown> {
  return (ch as unknown as RpcChannel).rpc(method, {}, expect);
}
