/** What connections and channels need from the broker that owns them. */
import type { AccessControl } from './auth/access-control.js';
import type { DirectReplyRegistry } from './direct-reply-to.js';
import type { BrokerOptions, LogLevel } from './options.js';
import type { VHost } from './vhost.js';

export interface BrokerStats {
  publish: number;
  /** Publisher confirms (positive) decided, for the overview's confirm rate. */
  confirm: number;
}

/** What the limits count of a connection (client-connection.ts ClientConnection has these). */
export interface TrackedConnection {
  readonly opened: boolean;
  readonly user: string;
  readonly vhostName: string | undefined;
  readonly channels: ReadonlyMap<number, unknown>;
}

export interface BrokerCore {
  readonly options: BrokerOptions;
  readonly vhosts: ReadonlyMap<string, VHost>;
  readonly stats: BrokerStats;
  /** Which channel each direct reply-to address names (direct-reply-to.ts). */
  readonly directReply: DirectReplyRegistry;
  /** True while the memory alarm blocks publishers. */
  readonly alarmActive: boolean;
  /**
   * The encoded connection.start for a client that reached `localAddress`, offering `mechanisms`
   * (connection-start.ts). Shared between connections: write it, never change it.
   */
  startFrame(localAddress: string | undefined, mechanisms: string): Buffer;
  readonly access: AccessControl;
  checkCredentials(user: string, password: string, remoteAddress: string | undefined, mechanism?: string): boolean;
  checkExternal(user: string, remoteAddress: string | undefined): boolean;
  /** Opened connections matching `pred`, for the connection and channel limits. */
  countConnections(pred: (c: TrackedConnection) => boolean): number;
  /** `c` is the closed connection (client-connection.ts ClientConnection; typed loosely so this module stays below it). */
  connectionClosed(c: object): void;
  log(level: LogLevel, message: string): void;
}
