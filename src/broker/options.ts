/** Settings of the bundled broker. Defaults are RabbitMQ 3.10's where RabbitMQ has one. */
export type LogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug' | 'trace';

export interface BrokerOptions {
  /** AMQP port; 0 picks a free one. Default 5672. */
  port: number;
  /** Interfaces to listen on. Default loopback only: 127.0.0.1 and ::1 (when the host has IPv6). */
  host: string | string[];
  /** Check credentials (PLAIN/AMQPLAIN). With false any user/password is accepted and ANONYMOUS is offered. */
  auth: boolean;
  /** Users and passwords. Default guest/guest, which (as in RabbitMQ) may connect only over loopback. */
  users: Record<string, string>;
  /** Virtual hosts created at start. Default ['/']. */
  vhosts: string[];
  /** frame_max offered in connection.tune. RabbitMQ default 131072. */
  frameMax: number;
  /** channel_max offered in connection.tune. RabbitMQ default 2047. */
  channelMax: number;
  /** Heartbeat (seconds) offered in connection.tune. RabbitMQ default 60. */
  heartbeat: number;
  /** Largest message body accepted; larger is refused before the body is read. RabbitMQ default 128 MiB. */
  maxMessageSize: number;
  /** A client that has not opened its connection by then is dropped. RabbitMQ default 10 s. */
  handshakeTimeoutMs: number;
  /**
   * Memory high-water mark for queued messages: a fraction (≤ 1) of total RAM,
   * or an absolute byte count (> 1). Above it publishers are blocked, as by
   * RabbitMQ's memory alarm (default 0.4 of RAM); they resume below 90% of it.
   */
  memoryHighWatermark: number;
  /** Minimum level logged (when there is a logger). Default 'notice'. */
  logLevel: LogLevel;
  /**
   * Where log lines go. Default: nowhere, so a broker embedded in a program or a test prints nothing
   * unless asked; `qpidd` passes stderrLogger. Pass `logger: stderrLogger` (or your own) to see them.
   */
  logger: ((level: LogLevel, message: string) => void) | undefined;
  /** Disable Nagle's algorithm on accepted sockets (default true; see docs/defaults.md). */
  tcpNoDelay: boolean;
  /** Data directory for durable state; undefined keeps everything in memory. */
  dataDir: string | undefined;
  /**
   * With a data directory: publishers are blocked while the free space of its
   * filesystem is below this many bytes (RabbitMQ disk_free_limit, default
   * 50 MB); 0 turns the check off.
   */
  diskFreeLimit: number;
  /**
   * With a data directory: bytes of persistent message bodies (on durable
   * queues) kept in RAM; beyond it bodies stay on disk only and are read back
   * on delivery, so a large backlog does not need its bodies in RAM. Default 256 MiB.
   */
  messageMemoryBudget: number;
  /**
   * Port of the management HTTP API (RabbitMQ-compatible subset, see
   * management/routes.ts), on the same interfaces as AMQP; 0 picks a free one.
   * Default undefined: no management listener.
   */
  mgmtPort: number | undefined;
  /**
   * Interval of the management statistics sampler in ms (RabbitMQ's
   * collect_statistics_interval, default 5000); 0 turns sampling off (rates read 0).
   */
  statsIntervalMs: number;
}

export const DEFAULT_OPTIONS: BrokerOptions = {
  port: 5672,
  host: ['127.0.0.1', '::1'],
  auth: true,
  users: { guest: 'guest' },
  vhosts: ['/'],
  frameMax: 131072,
  channelMax: 2047,
  heartbeat: 60,
  maxMessageSize: 128 * 1024 * 1024,
  handshakeTimeoutMs: 10_000,
  memoryHighWatermark: 0.4,
  logLevel: 'notice',
  logger: undefined,
  tcpNoDelay: true,
  dataDir: undefined,
  diskFreeLimit: 50_000_000,
  messageMemoryBudget: 256 * 1024 * 1024,
  mgmtPort: undefined,
  statsIntervalMs: 5000,
};

/** Timestamped lines on stderr, as qpidd logs. */
export function stderrLogger(level: LogLevel, message: string): void {
  process.stderr.write(`${new Date().toISOString()} [${level}] ${message}\n`);
}

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'notice', 'info', 'debug', 'trace'];
