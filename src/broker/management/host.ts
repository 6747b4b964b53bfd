/**
 * What the management API needs from the broker it serves (broker.ts
 * implements it). Management sits above the broker's domain and below
 * broker.ts, which starts it: it imports this interface, never broker.ts.
 */
import type { BrokerCore } from '../broker-core.js';
import type { ClientConnection } from '../client-connection.js';
import type { Federation } from '../federation/federation.js';
import type { VHost } from '../vhost.js';

export interface ManagementHost
  extends Pick<BrokerCore, 'options' | 'vhosts' | 'stats' | 'alarmActive' | 'checkCredentials' | 'log' | 'access'> {
  readonly connections: ReadonlySet<ClientConnection>;
  /** Creates a vhost (or returns the existing one). */
  addVhost(name: string): VHost;
  /** Deletes a vhost with its queues; false when there is none. */
  deleteVhost(name: string): boolean;
  /** False when a loopback-only user (guest) calls from elsewhere. */
  loopbackAllowed(user: string, remoteAddress: string | undefined): boolean;
  /** Address and port of the first AMQP listener. */
  readonly host: string;
  readonly port: number;
  /** Epoch ms the broker started (/api/nodes uptime). */
  readonly startedAt: number;
  /** The memory and disk alarms, each on its own (/api/nodes mem_alarm, disk_free_alarm). */
  readonly memoryAlarm: boolean;
  readonly diskAlarmActive: boolean;
  /** Built-in shovels behind /api/parameters/shovel and /api/shovels. */
  readonly federation: Federation;
}
