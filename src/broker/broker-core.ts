/** What connections and channels need from the broker that owns them. */
import type { FieldTable } from '../protocol/index.js';
import type { DirectReplyRegistry } from './direct-reply-to.js';
import type { BrokerOptions, LogLevel } from './options.js';
import type { VHost } from './vhost.js';

export interface BrokerStats {
  publish: number;
  /** Publisher confirms (positive) decided, for the overview's confirm rate. */
  confirm: number;
}

export interface BrokerCore {
  readonly options: BrokerOptions;
  readonly vhosts: ReadonlyMap<string, VHost>;
  readonly stats: BrokerStats;
  /** Which channel each direct reply-to address names (direct-reply-to.ts). */
  readonly directReply: DirectReplyRegistry;
  /** True while the memory alarm blocks publishers. */
  readonly alarmActive: boolean;
  serverProperties(localAddress?: string): FieldTable;
  checkCredentials(user: string, password: string, remoteAddress: string | undefined): boolean;
  /** `c` is the closed connection (connection.ts Connection; typed loosely so this module stays below it). */
  connectionClosed(c: object): void;
  log(level: LogLevel, message: string): void;
}
