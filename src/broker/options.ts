/** Settings of the bundled broker. Defaults are RabbitMQ 3.10's where RabbitMQ has one. */
export type LogLevel = 'error' | 'warn' | 'notice' | 'info' | 'debug' | 'trace';

/** An AMQP-over-TLS listener (RabbitMQ listeners.ssl + ssl_options). PEM contents, not file names. */
export interface TlsListenerOptions {
  /** Port; 0 picks a free one. RabbitMQ's default is 5671. */
  port: number;
  cert: string | Buffer;
  key: string | Buffer;
  /** CAs that client certificates must chain to. */
  ca?: string | Buffer | undefined;
  /** 'peer' asks clients for a certificate and refuses an invalid one (ssl_options.verify). Default 'none'. */
  verify: 'peer' | 'none';
  /** With verify 'peer': refuse clients without a certificate (ssl_options.fail_if_no_peer_cert). */
  failIfNoPeerCert: boolean;
  /** Offer SASL EXTERNAL: the client certificate's CN names the user (rabbitmq_auth_mechanism_ssl). */
  external: boolean;
}

/** HTTPS for the management API (RabbitMQ management.ssl). */
export interface MgmtTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer | undefined;
}

export interface BrokerOptions {
  /** AMQP port; 0 picks a free one. Default 5672. */
  port: number;
  /** Interfaces to listen on. Default loopback only: 127.0.0.1 and ::1 (when the host has IPv6). */
  host: string | string[];
  /** Check credentials (PLAIN/AMQPLAIN). With false any user/password is accepted and ANONYMOUS is offered. */
  auth: boolean;
  /**
   * Users created on first start (no data directory yet, or --no-data-dir), each
   * tagged administrator with full permissions on the initial vhosts, as
   * RabbitMQ creates its default user. Default: `{ [defaultUser]: defaultPass }`.
   */
  users: Record<string, string> | undefined;
  /** The first user when `users` is not given (RabbitMQ default_user). Default 'guest'. */
  defaultUser: string;
  /** Its password (RabbitMQ default_pass). Default 'guest'. */
  defaultPass: string;
  /** Users who may connect only from loopback addresses (RabbitMQ loopback_users). Default ['guest']. */
  loopbackUsers: string[];
  /** Open connections allowed on the whole broker; 0: no limit (RabbitMQ connection_max). */
  maxConnections: number;
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
   * This broker's id in federation traces (qpid-route's loop prevention, docs/federation.md).
   * Default: the one kept in `<data-dir>/federation-id`, else random for the process.
   */
  federationId: string | undefined;
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
  /** AMQPS listener beside the plain one; undefined: none. */
  tls: TlsListenerOptions | undefined;
  /** Serve the management API over HTTPS instead of HTTP. */
  mgmtTls: MgmtTlsOptions | undefined;
}

export const DEFAULT_OPTIONS: BrokerOptions = {
  port: 5672,
  host: ['127.0.0.1', '::1'],
  auth: true,
  users: undefined,
  defaultUser: 'guest',
  defaultPass: 'guest',
  loopbackUsers: ['guest'],
  maxConnections: 0,
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
  federationId: undefined,
  diskFreeLimit: 50_000_000,
  messageMemoryBudget: 256 * 1024 * 1024,
  mgmtPort: undefined,
  statsIntervalMs: 5000,
  tls: undefined,
  mgmtTls: undefined,
};

/** Timestamped lines on stderr, as qpidd logs. */
export function stderrLogger(level: LogLevel, message: string): void {
  process.stderr.write(`${new Date().toISOString()} [${level}] ${message}\n`);
}

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'notice', 'info', 'debug', 'trace'];
