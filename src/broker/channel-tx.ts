/**
 * A channel's transaction (tx.select / tx.commit / tx.rollback, AMQP 0-9-1
 * §1.9): publishes and acknowledgements are held until commit. As in
 * RabbitMQ, a tx publish is routed when it arrives and enqueued on those
 * queues at commit; an ack frees its prefetch credit only at commit.
 */
import { ReplyCode } from '../protocol/index.js';
import { preconditionFailed } from './errors.js';
import type { Exchange } from './exchange.js';
import { unroutable } from './publish.js';
import type { Queue } from './queue.js';
import type { StoredMessage } from './stored-message.js';
import { type Settlement, settleDeliveries, type Unacked, type UnackedDeliveries } from './unacked-deliveries.js';
import type { VHost } from './vhost.js';

/** A message held back by an open transaction until tx.commit. */
export interface TxPublish {
  readonly message: StoredMessage;
  readonly mandatory: boolean;
  /** The exchange it was published to (undefined when gone before its content arrived). */
  readonly exchange: Exchange | undefined;
  /** Queues chosen when it was published: RabbitMQ routes a tx publish at once and only delivers at commit. */
  readonly routes: Set<Queue>;
}

type TxAck = { kind: Settlement; items: Unacked[] };

/** What a transaction needs from its channel (channel.ts implements it). */
export interface TxChannel {
  readonly vhost: VHost;
  readonly closing: boolean;
  sendCommitOk(): void;
  /** basic.return of an unroutable mandatory message. */
  returnMessage(message: StoredMessage, replyCode: number, replyText: string): void;
  kickConsumers(): void;
  /** A persistent message of the commit could not be stored. */
  storeFailed(): void;
}

export class ChannelTransaction {
  /** tx.select was done: the channel is transactional for good. */
  active = false;
  private publishes: TxPublish[] = [];
  private acks: TxAck[] = [];

  constructor(
    private readonly ch: TxChannel,
    private readonly deliveries: UnackedDeliveries,
  ) {}

  holdPublish(p: TxPublish): void {
    this.publishes.push(p);
  }

  holdSettlement(kind: Settlement, items: Unacked[]): void {
    this.acks.push({ kind, items });
  }

  commit(): void {
    if (!this.active) throw preconditionFailed('channel is not transactional');
    const publishes = this.publishes;
    const acks = this.acks;
    this.publishes = [];
    this.acks = [];
    for (const a of acks) {
      this.deliveries.releaseCredit(a.items);
      settleDeliveries(a.items, a.kind);
    }
    const ch = this.ch;
    const pending: Promise<void>[] = [];
    for (const p of publishes) {
      // Bindings changed since the publish do not matter (RabbitMQ keeps the routes it found then).
      const x = p.exchange;
      const outcome = x === undefined ? 0 : ch.vhost.publish(x, p.message, undefined, pending, { routes: p.routes });
      if (p.mandatory && unroutable(outcome)) ch.returnMessage(p.message, ReplyCode.NO_ROUTE, 'NO_ROUTE');
    }
    ch.kickConsumers();
    // commit-ok only once persistent messages are safely stored.
    if (pending.length === 0) ch.sendCommitOk();
    else
      Promise.all(pending).then(
        () => {
          if (!ch.closing) ch.sendCommitOk();
        },
        () => ch.storeFailed(),
      );
  }

  /** Drops the held publishes; acks taken inside the transaction go back to the unacknowledged set under their own tags. */
  rollback(): void {
    if (!this.active) throw preconditionFailed('channel is not transactional');
    this.publishes = [];
    const back = this.acks.flatMap((a) => a.items);
    this.acks = [];
    this.deliveries.restore(back);
  }

  /** The deliveries settled inside the open transaction, taken away (the channel closes and requeues them). */
  takeSettled(): Unacked[] {
    const items = this.acks.flatMap((a) => a.items);
    this.acks = [];
    return items;
  }
}
