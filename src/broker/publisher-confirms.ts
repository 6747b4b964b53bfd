/**
 * Publisher confirms of one channel (RabbitMQ's confirm.select extension).
 * Consecutive acks are coalesced into one basic.ack with multiple=true per
 * event-loop turn, as RabbitMQ batches them; a nack, or any confirm while a
 * store write is outstanding, goes out on its own so that a multiple ack never
 * covers a message not yet safe.
 */
export interface ConfirmSink {
  /** basic.ack / basic.nack to the publisher. */
  send(ok: boolean, tag: number, multiple: boolean): void;
  /** Runs `fn` just before the connection's next flush. */
  beforeFlush(fn: () => void): void;
  /** True once the channel is closing: late confirms are dropped. */
  isClosing(): boolean;
}

export class PublisherConfirms {
  enabled = false;
  private seq = 0;
  private pendingAck = 0;
  private outstanding = 0;
  private flushScheduled = false;

  constructor(private readonly sink: ConfirmSink) {}

  /** The next publish sequence number, or 0 when confirms are off. */
  next(): number {
    return this.enabled ? ++this.seq : 0;
  }

  /** The publish `seq` was routed; `ok` false nacks it. `pending` store writes delay the confirm. */
  decide(seq: number, ok: boolean, pending: Promise<void>[] | undefined): void {
    if (pending !== undefined && pending.length > 0) {
      this.outstanding++;
      // The store hands every message of one write batch the same promise, so this is almost
      // always one promise (once per durable queue): waiting on it directly spares a
      // Promise.all (~400 B per persistent publish, kept until the batch's fsync).
      const first = pending[0] as Promise<void>;
      const all = pending.every((p) => p === first) ? first : Promise.all(pending);
      all.then(
        () => this.later(seq, ok),
        () => this.later(seq, false),
      );
      return;
    }
    if (ok && this.outstanding === 0) {
      this.pendingAck = seq;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.sink.beforeFlush(() => this.flush());
      }
      return;
    }
    this.flush();
    this.sink.send(ok, seq, false);
  }

  private later(seq: number, ok: boolean): void {
    this.outstanding--;
    if (this.sink.isClosing()) return;
    this.flush();
    this.sink.send(ok, seq, false);
  }

  /** Sends the coalesced ack now (before a return, a nack or a tx reply that must come after it). */
  flush(): void {
    this.flushScheduled = false;
    if (this.pendingAck === 0 || this.sink.isClosing()) return;
    const tag = this.pendingAck;
    this.pendingAck = 0;
    this.sink.send(true, tag, true);
  }
}
