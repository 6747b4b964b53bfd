/** What a channel needs from its connection: the ChannelHost that channel.ts works against. */
import type { MethodArgs } from '../protocol/index.js';
import type { ResourceGuard } from './auth/resource-guard.js';
import type { BrokerCore } from './broker-core.js';
import type { AnyAmqpError } from './errors.js';
import type { StoredMessage } from './stored-message.js';
import type { VHost } from './vhost.js';

/** The channel as its host sees it when closing it (channel.ts Channel). */
export interface HostedChannel {
  readonly id: number;
  readonly closing: boolean;
  /** Releases consumers and requeues unacknowledged deliveries. */
  cleanup(): void;
}

/**
 * What a channel needs from the connection that carries it (client-connection.ts
 * implements it). The channel never touches the connection's output buffer:
 * methods, deliveries and content go out through these calls.
 */
export interface ChannelHost {
  readonly name: string;
  readonly vhost: VHost;
  /** The user's permissions on the vhost (auth/resource-guard.ts). */
  readonly guard: ResourceGuard;
  readonly broker: Pick<BrokerCore, 'options' | 'stats' | 'directReply' | 'access'>;
  readonly capabilities: { readonly consumerCancelNotify: boolean };
  /** Whether consumers may write more deliveries now. Only reads state. */
  canWrite(): boolean;
  /** A consumer was refused by canWrite(): the socket's drain (or a flush that frees space) wakes the consumers. */
  markStarved(): void;
  sendMethod<N extends keyof MethodArgs>(channel: number, name: N, args: Partial<MethodArgs[N]>): void;
  /**
   * basic.deliver and the message's content frames; `headerPayload` replaces
   * the publisher's content header (a quorum queue adds x-delivery-count).
   */
  sendDelivery(
    channel: number,
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    message: StoredMessage,
    headerPayload?: Buffer,
  ): void;
  /** The message's content frames, after a basic.get-ok or basic.return sent with sendMethod. */
  sendContent(channel: number, message: StoredMessage, headerPayload?: Buffer): void;
  /** Runs `fn` just before the next flush (confirm coalescing). */
  beforeFlush(fn: () => void): void;
  /** A basic.publish arrived (the memory alarm stops reading publishing connections). */
  published(): void;
  /** channel.close with a soft error's code (a hard one closes the connection). */
  closeChannelWith(ch: HostedChannel, err: AnyAmqpError): void;
}
