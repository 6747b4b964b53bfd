/**
 * The binding mirror of a dynamic route (Qpid's `qpid-route dynamic add`, docs/qpid-reference.md
 * §6.6; docs/federation.md "Dynamic routes and loops"): the source's bridge queue is bound to the
 * source exchange with exactly the bindings the local (destination) exchange of the same name has,
 * so only messages some local queue wants cross the link. The local exchange is watched through
 * `Exchange.observeBindings` (no polling); each change is mirrored with queue.bind / queue.unbind on
 * the source over the link's channel, and a (re)connect resyncs the whole set.
 *
 * What is mirrored: one binding per distinct key (topic, direct), one for any binding at all
 * (fanout), one per distinct argument set (headers). Each carries `x-qpid.fed.tags`, the ids of the
 * brokers it came through (Qpid's bridge does the same with `qpid.fed.tags`); a binding that already
 * came through the source is not sent back to it. Without that, in a ring of dynamic routes each
 * broker's bridge binding would keep the next one's alive after the last real consumer unbound.
 */
import type { Channel } from 'amqplib';
import { toAmqplibTable } from '../../messaging/wire.js';
import type { FieldTable } from '../../protocol/index.js';
import type { Exchange } from '../exchange.js';
import { bindingIdentity } from '../exchanges/router.js';
import type { VHost } from '../vhost.js';
import { joinIds, splitIds } from './trace.js';

/** Binding argument of a mirrored binding: comma-separated federation ids of the brokers it came through. */
export const TAGS_ARG = 'x-qpid.fed.tags';

export interface MirroredBinding {
  readonly key: string;
  readonly args: FieldTable;
}

/** Where the mirror binds: the source broker's bridge queue and exchange, on the link's channel. */
export interface BridgeTarget {
  readonly channel: Channel;
  readonly queue: string;
  readonly exchange: string;
  /** The source broker's federation id (its `qpid.federation_id` server property), if it has one. */
  readonly sourceId: string | undefined;
}

export interface MirrorOptions {
  readonly vhost: VHost;
  /** The local exchange whose bindings are mirrored. */
  readonly exchange: string;
  /** This broker's federation id, added to each mirrored binding's tags. */
  readonly selfId: string;
  /** A failed bind or unbind (the link's last_error). */
  onError(message: string): void;
  /** Bindings an earlier run made (or may have made) on the source: undone at attach if not wanted. */
  readonly saved?: readonly MirroredBinding[];
  /** The bindings that may exist at the source (`known`) changed: a durable route saves them. */
  changed?(): void;
}

export class DynamicBindings {
  /** Bindings the source confirmed on its bridge queue (queue.bind-ok). */
  private readonly bound = new Map<string, MirroredBinding>();
  /**
   * Binds sent and not confirmed: one in flight when the link dropped may or may not have been made,
   * so the next resync redoes it if wanted and undoes it if not.
   */
  private readonly unsure = new Map<string, MirroredBinding>();
  private target: BridgeTarget | undefined;
  private exchange: Exchange | undefined;
  private unobserve: (() => void) | undefined;
  /** Passes run one after another on this chain (a pass reads the exchange when it starts). */
  private chain: Promise<void> = Promise.resolve();
  /** A pass is queued and not yet started: it will see any change made now. */
  private queued = false;

  constructor(private readonly options: MirrorOptions) {
    for (const b of options.saved ?? []) this.unsure.set(bindingIdentity(b.key, b.args), b);
  }

  /** Bindings on the source's bridge queue (`dynamic_bindings` in /api/shovels). */
  get size(): number {
    return this.bound.size;
  }

  /** Every binding that exists, or may exist, on the source's bridge queue. */
  get known(): MirroredBinding[] {
    return [...new Map([...this.unsure, ...this.bound]).values()];
  }

  /** The link is (re)connected: watch the local exchange and bring the source to its full set. */
  async attach(target: BridgeTarget): Promise<void> {
    this.target = undefined;
    this.watch();
    this.target = target;
    const pass = this.chain.then(() => this.apply(target, true));
    this.chain = pass.catch(() => undefined);
    await pass;
  }

  /** The link's channel is gone: changes wait for the next attach, which resyncs. */
  detach(): void {
    this.target = undefined;
  }

  /** The link stopped for good. */
  close(): void {
    this.detach();
    this.unobserve?.();
    this.unobserve = undefined;
    this.exchange = undefined;
  }

  /**
   * Follows the local exchange of that name. A deleted and redeclared exchange is a new object, found
   * at the next attach or forwarded message (link.ts calls this for each).
   */
  watch(): void {
    const x = this.options.vhost.exchanges.get(this.options.exchange);
    if (x === this.exchange) return;
    this.unobserve?.();
    this.exchange = x;
    this.unobserve = x?.observeBindings(() => this.schedule());
    if (this.target !== undefined) this.schedule();
  }

  /**
   * Queues one pass for the changes made so far. A failure is the link's last_error; the link's
   * channel closing is what makes it reconnect, and the next attach resyncs.
   */
  private schedule(): void {
    if (this.target === undefined || this.queued) return;
    this.queued = true;
    this.chain = this.chain
      .then(() => {
        this.queued = false;
        const target = this.target;
        return target === undefined ? undefined : this.apply(target, false);
      })
      .catch((err: unknown) => this.options.onError(err instanceof Error ? err.message : String(err)));
  }

  /**
   * Binds what is wanted and not bound (all of it when `full`: bind is idempotent), then unbinds what
   * is bound and no longer wanted: new bindings first, so a changed binding never leaves a gap. The
   * binds are recorded (and saved) as unsure before they are sent, so a crash cannot leak one.
   */
  private async apply(target: BridgeTarget, full: boolean): Promise<void> {
    const wanted = this.wanted(target.sourceId);
    const { channel, queue, exchange } = target;
    const toBind = [...wanted].filter(([id]) => full || !this.bound.has(id));
    for (const [id, b] of toBind) this.unsure.set(id, b);
    if (toBind.length > 0) this.options.changed?.();
    let unbound = 0;
    try {
      for (const [id, b] of toBind) {
        if (this.target !== target) return;
        await channel.bindQueue(queue, exchange, b.key, toAmqplibTable(b.args));
        this.unsure.delete(id);
        this.bound.set(id, b);
      }
      for (const [id, b] of [...this.unsure, ...this.bound]) {
        if (this.target !== target) return;
        if (wanted.has(id)) continue;
        await channel.unbindQueue(queue, exchange, b.key, toAmqplibTable(b.args));
        this.unsure.delete(id);
        this.bound.delete(id);
        unbound++;
      }
    } finally {
      if (unbound > 0) this.options.changed?.();
    }
  }

  /** The bindings the source's bridge queue should have now, by binding identity. */
  private wanted(sourceId: string | undefined): Map<string, MirroredBinding> {
    const x = this.exchange;
    const groups = new Map<string, { key: string; args: FieldTable; tags: Set<string> }>();
    if (x === undefined) return new Map();
    for (const e of x.router.entries()) {
      const tags = tagsOf(e.args);
      if (sourceId !== undefined && tags.includes(sourceId)) continue;
      const key = x.type === 'fanout' || x.type === 'headers' ? '' : e.bindingKey;
      const args = x.type === 'headers' ? withoutTags(e.args) : {};
      const id = bindingIdentity(key, args);
      const g = groups.get(id);
      // Tags shared by every binding of the group: a broker is left out only if all came through it.
      if (g === undefined) groups.set(id, { key, args, tags: new Set(tags) });
      else for (const t of g.tags) if (!tags.includes(t)) g.tags.delete(t);
    }
    const out = new Map<string, MirroredBinding>();
    for (const g of groups.values()) {
      const tags = joinIds([...new Set([...g.tags, this.options.selfId])].sort());
      // A headers binding matching on x- headers too (x-match *-with-x) would test the tags argument.
      const args = matchesXHeaders(g.args) ? g.args : { ...g.args, [TAGS_ARG]: tags };
      out.set(bindingIdentity(g.key, args), { key: g.key, args });
    }
    return out;
  }
}

function tagsOf(args: FieldTable): string[] {
  const v = args[TAGS_ARG];
  return typeof v === 'string' ? splitIds(v) : [];
}

function withoutTags(args: FieldTable): FieldTable {
  const { [TAGS_ARG]: _tags, ...rest } = args;
  return rest;
}

function matchesXHeaders(args: FieldTable): boolean {
  const m = args['x-match'];
  return typeof m === 'string' && m.endsWith('-with-x');
}
