/**
 * The base of Sender and Receiver: what attaching a link to the wire and keeping it there has in common.
 *
 * - attach: resolve the address (declare per policy), apply the link's x-bindings, take a channel (its
 *   own, or the transactional session's shared one) — the subclass then subscribes or replays;
 * - channel recovery: a channel the broker closed (not a lost connection, which the session replays) is
 *   reopened and the link re-attached, at most MAX_LINK_RECOVERIES times in a row without progress;
 * - the LinkControl the session drives (attach/detach/fail), kept off the public classes.
 *
 * As in qpid-python the user's object is never replaced: only its wire state (channel, consumer tag) is
 * dropped and rebuilt, so references held by the application stay valid across reconnects.
 */
import type { Address } from './address/index.js';
import type { MessagingError } from './errors.js';
import type { ChannelHandle, LinkControl, LinkHost } from './link-host.js';
import { MAX_LINK_RECOVERIES } from './reconnect.js';
import { bindAll, type ResolvedNode, resolveNode } from './resolve.js';
import { Signal } from './signal.js';

const controls = new WeakMap<LinkBase, LinkControl>();

/** The control object the session drives a link through (not a member of the public classes). */
export function controlOf<C extends LinkControl = LinkControl>(link: LinkBase): C {
  return controls.get(link) as C;
}

export abstract class LinkBase {
  /** The channel in use; undefined while detached. */
  protected handle: ChannelHandle | undefined;
  protected closed = false;
  protected error: MessagingError | undefined;
  /** Notified on every attach and on close/fail, for callers waiting for a channel. */
  protected readonly attached = new Signal();
  /** Channel recoveries without progress since the last one that counted (see madeProgress). */
  private recoveries = 0;

  protected constructor(
    protected readonly host: LinkHost,
    readonly address: Address,
  ) {
    controls.set(this, { attach: () => this.attach(), detach: () => this.detach(), fail: (e) => this.fail(e) });
  }

  /** Adds controls of a kind of link (a receiver's) to the ones every link has. */
  protected extendControl(extra: object): void {
    controls.set(this, { ...(controls.get(this) as LinkControl), ...extra });
  }

  /** Re-establishes the link on the current connection. */
  protected abstract attach(): Promise<void>;
  /** Drops the wire state, keeping the desired state. */
  protected abstract detach(): void;
  /** The error a link gets when recovering its channel failed (`cause` undefined: too many in a row). */
  protected abstract recoveryError(h: ChannelHandle, cause: unknown): MessagingError;

  /** The link can never work again: remember why and wake every waiter. Subclasses add their own. */
  protected fail(error: MessagingError): void {
    if (this.closed) return;
    this.error = error;
    this.handle = undefined;
    this.attached.notify();
  }

  /** Resolves the address for `role` (declaring per its policy) and applies the link's x-bindings. */
  protected async resolve(role: 'sender' | 'receiver', queue?: (node: ResolvedNode) => Promise<string>) {
    const probe = this.host.connection.probe;
    const node = await resolveNode(probe, this.address, role);
    const name = node.kind === 'queue' ? node.name : queue ? await queue(node) : undefined;
    const bindings = this.address.options.link?.['x-bindings'];
    if (bindings) await bindAll(probe, bindings, node, name, this.address.subject);
    return { node, queue: name };
  }

  /**
   * The channel to attach on: the live one, the transactional session's shared one, or a new one whose
   * close by the broker starts a recovery. Undefined when the link was closed meanwhile.
   */
  protected async takeChannel(confirm: boolean): Promise<ChannelHandle | undefined> {
    const connection = this.host.connection;
    const gen = connection.generation;
    let h = this.handle;
    if (!h || h.closed) {
      h = this.host.transactional
        ? await this.host.sharedChannel()
        : await connection.openChannel(confirm, (closed) => this.channelClosed(closed, gen));
    }
    if (this.closed) {
      await this.releaseChannel(h);
      return undefined;
    }
    this.handle = h;
    return h;
  }

  /** Closes the link's own channel (a transactional session's shared one stays). */
  protected async releaseChannel(h: ChannelHandle | undefined = this.handle): Promise<void> {
    if (h === this.handle) this.handle = undefined;
    if (h && !this.host.transactional) await this.host.connection.closeChannel(h);
  }

  /** The link did what it is for (a confirm, a re-subscribe): recoveries count from zero again. */
  protected madeProgress(): void {
    this.recoveries = 0;
  }

  /** Re-attaches after the broker closed the channel or cancelled the consumer, or fails the link. */
  protected recover(h: ChannelHandle): void {
    if (++this.recoveries > MAX_LINK_RECOVERIES) {
      this.fail(this.recoveryError(h, undefined));
      return;
    }
    this.attach().then(
      () => this.recovered(),
      (err: unknown) => this.fail(this.recoveryError(h, err)),
    );
  }

  /** A recovery's attach succeeded (a receiver counts that as progress; a sender waits for a confirm). */
  protected recovered(): void {}

  // A channel error (not a lost connection: then the session replays every link) closed our channel.
  private channelClosed(h: ChannelHandle, gen: number): void {
    setImmediate(() => {
      if (this.closed || this.handle !== h || !this.host.connection.isCurrent(gen)) return;
      this.onChannelClosed(h);
    });
  }

  /** Our channel was closed by the broker: drop the wire state and recover. */
  protected onChannelClosed(h: ChannelHandle): void {
    this.detach();
    this.recover(h);
  }
}
