/**
 * The narrow interfaces between the layers of the client: Connection → Session → Sender/Receiver.
 *
 * The public classes hold what the user asked for (addresses, capacity, unsettled messages); the layer
 * below drives them through these interfaces only. Each host is a private object of the class that
 * implements it, and each control object is handed down once at construction, so none of this shows
 * on the public classes (autocomplete, .d.ts). This is how qpid-python keeps the user's objects alive
 * across a reconnect: the driver replays their desired state on the new wire (docs/ARCHITECTURE.md).
 */
import type { Channel, Message as RawMessage } from 'amqplib';
import type { MessagingError } from './errors.js';
import type { Message } from './message.js';
import type { Prober } from './resolve.js';

/** A channel we opened, with the bookkeeping links need to know whether it is still theirs. */
export interface ChannelHandle<C extends Channel = Channel> {
  readonly channel: C;
  /** Set once the channel is closed, by anyone. */
  closed: boolean;
  /** Bumped when delivery tags stop being valid without the channel closing (basic.recover). */
  tagEpoch: number;
  /** The error the broker closed it with, if any. */
  error?: MessagingError;
  /** Set by closeChannel: resolves once the broker answered close-ok. */
  closing?: Promise<unknown>;
}

/** What a session and its links need from the connection (implemented by Connection). */
export interface SessionHost {
  /** Bumped on every lost connection, so late events from the old one can be told apart. */
  readonly generation: number;
  /** Whether the broker browses natively (bundled broker capability `qpid.browse`). */
  readonly supportsBrowse: boolean;
  /** Resolves while connected, waits while reconnecting, throws once failed or closed. */
  usable(): Promise<void>;
  /** Opens a channel; `onClose` runs when it closes for any reason but our own closeChannel(). */
  openChannel<C extends Channel>(confirm: boolean, onClose?: (h: ChannelHandle<C>) => void): Promise<ChannelHandle<C>>;
  /** Closes a channel we opened, without triggering its onClose. */
  closeChannel(handle: ChannelHandle | undefined): Promise<void>;
  /** Runs broker calls on a throw-away channel so their errors cannot hurt anyone else. */
  readonly probe: Prober;
  /** True while the connection of generation `gen` is the one in use. */
  isCurrent(gen: number): boolean;
  /** The session closed: forget it. */
  forget(sessionName: string): void;
}

/** What the connection drives on a session (handed to it by the Session's constructor). */
export interface SessionControl {
  open(): Promise<void>;
  /** The connection dropped: every link loses its wire state. */
  connectionLost(): void;
  /** A new connection is up: replay every link. */
  restore(): Promise<void>;
  fail(error: MessagingError): void;
}

/** What the session drives on a link (the link base, link.ts, hands it over). */
export interface LinkControl {
  /** (Re)establishes the link on the current connection: resolve, declare, subscribe, replay. */
  attach(): Promise<void>;
  /** The wire state is gone (connection or channel lost); desired state is kept. */
  detach(): void;
  /** The link can never work again. */
  fail(error: MessagingError): void;
}

/** A receiver's extra controls, for acknowledgements, rollback and nextReceiver(). */
export interface ReceiverControl extends LinkControl {
  /** Arrival number of the oldest buffered message. */
  headArrival(): number | undefined;
  /** Forget prefetched messages of a channel that was recovered (they will be redelivered). */
  dropBuffered(h: ChannelHandle): void;
  /** session.receiver() failed half way: drop whatever was opened. */
  discard(): Promise<void>;
}

/** Where a fetched message came from, to acknowledge it on the right channel. */
export interface Receipt {
  /** Undefined when nothing needs acknowledging (unreliable or browse links). */
  readonly handle: ChannelHandle | undefined;
  readonly tagEpoch: number;
  readonly raw: RawMessage;
  /** Tells the receiver one of its messages was acknowledged (or dropped). */
  readonly settled: () => void;
}

/** What a sender or receiver needs from its session (implemented by Session). */
export interface LinkHost {
  readonly connection: SessionHost;
  readonly transactional: boolean;
  /** The shared channel of a transactional session (opened and tx.select'ed on demand). */
  sharedChannel(): Promise<ChannelHandle>;
  /** A fetched message that needs (or needed) acknowledging. */
  track(message: Message, receipt: Receipt): void;
  /** A receiver buffered a message (wakes nextReceiver()). */
  arrived(): void;
  /** The link (the Sender or Receiver itself) closed: the session stops driving it. */
  remove(link: object): void;
}
