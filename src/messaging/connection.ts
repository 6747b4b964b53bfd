/**
 * Connection (docs/qpid-reference.md §2): one amqplib connection at a time, plus reconnect and failover.
 *
 * As in qpid-python the Connection/Session/Sender/Receiver objects hold the *desired* state; when the
 * amqplib connection is lost the Connection opens a new one (host list + back-off, reconnect.ts) and asks
 * every session to replay its links on it (re-declare, re-bind, re-subscribe, re-send unconfirmed).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { PRODUCT, VERSION } from '../version.js';
import { sessionArguments } from './arguments.js';
import {
  AuthenticationFailure,
  ConnectError,
  ConnectionClosed,
  ConnectionError,
  type MessagingError,
} from './errors.js';
import { type HandshakeCloseError, keepHandshakeCloseReasons } from './handshake-close.js';
import { type LeaderPreference, leaderFirst } from './leader.js';
import type { ChannelHandle, SessionControl, SessionHost } from './link-host.js';
import { attempts, type ReconnectPolicy, type ReconnectSettings, reconnectPolicy } from './reconnect.js';
import type { Prober } from './resolve.js';
import { Session, type SessionOptions } from './session.js';
import { type BrokerUrl, formatUrl, parseUrl } from './url.js';
import { toMessagingError } from './wire.js';

/** TLS settings for `amqps` brokers (passed to `tls.connect`). */
export type TlsOptions = Pick<
  TlsConnectionOptions,
  'ca' | 'cert' | 'key' | 'passphrase' | 'pfx' | 'servername' | 'rejectUnauthorized' | 'checkServerIdentity'
>;

export interface ConnectionOptions extends ReconnectSettings {
  /** Overrides the URL's user (default `guest`, as amqplib). */
  username?: string;
  password?: string;
  /** Space-separated SASL mechanisms to allow, first usable wins: PLAIN, AMQPLAIN, EXTERNAL. */
  saslMechanisms?: string;
  /** Heartbeat interval in seconds (0 = off). */
  heartbeat?: number;
  /** Extra brokers to fail over to, tried after the URL's own. */
  reconnectUrls?: readonly string[];
  /**
   * Connect first to the node that leads this queue (management API `leader`/`node`), on every
   * (re)connect: for a receiver on a cluster. See leader.ts.
   */
  preferLeader?: LeaderPreference;
  /**
   * Disable Nagle's algorithm (default true). With Nagle on, every small request/response round trip
   * (basic.get, acks, declares) waits for the peer's delayed ACK: ~40 ms each, ~45 messages a second.
   */
  tcpNodelay?: boolean;
  /** Virtual host when the URL names none (default `/`). */
  virtualhost?: string;
  /** Socket connect timeout in seconds. */
  connectTimeout?: number;
  /** Use TLS even for URLs without `amqps` (Qpid `transport: ssl`). */
  transport?: 'tcp' | 'ssl' | 'tls';
  tls?: TlsOptions;
  /** Skip the certificate host name check (Qpid `ssl_skip_hostname_check`). */
  sslSkipHostnameCheck?: boolean;
  /** Sent in connection.start-ok, merged over ours. */
  clientProperties?: Record<string, string | number | boolean>;
}

export interface ConnectionEvents {
  /** The broker connection was lost; reconnecting follows when enabled. */
  disconnected: [error: MessagingError];
  /** A new broker connection is up and every link was replayed on it. */
  reconnected: [url: string];
  /** Reconnecting gave up (or was disabled): the connection is unusable. */
  failed: [error: MessagingError];
  /** The broker stopped reading from us (connection.blocked, e.g. memory alarm). */
  blocked: [reason: string];
  unblocked: [];
}

type State = 'new' | 'opening' | 'open' | 'reconnecting' | 'failed' | 'closed';

export class Connection extends EventEmitter<ConnectionEvents> {
  /** Brokers to try, in order: the URL's, then `reconnectUrls`. */
  readonly urls: readonly BrokerUrl[];
  readonly options: Readonly<ConnectionOptions>;
  /** Unique id, used to name sessions (`<id>:<n>`) as [py] does. */
  readonly id = randomUUID();
  private readonly policy: ReconnectPolicy;
  private state: State = 'new';
  private model: ChannelModel | undefined;
  private currentUrl: BrokerUrl | undefined;
  private error: MessagingError | undefined;
  private ready: Promise<void> | undefined;
  private readonly sessions = new Map<string, { session: Session; control: SessionControl }>();
  /** Channel closes under way: close() waits for them, since amqplib may write connection.close first. */
  private readonly closingChannels = new Set<Promise<unknown>>();
  private sessionCounter = 0;
  /** Bumped on every lost connection, so late events from the old one can be told apart. */
  private generation = 0;
  /** What sessions and links use of the connection (SessionHost, link-host.ts): none of it is public. */
  private readonly host: SessionHost = this.sessionHost();

  /** Creates and opens a connection (`Connection.establish` in [py]). */
  static async establish(url?: string, options: ConnectionOptions = {}): Promise<Connection> {
    const connection = new Connection(url, options);
    await connection.open();
    return connection;
  }

  constructor(url = 'localhost', options: ConnectionOptions = {}) {
    super();
    this.options = { ...options };
    this.policy = reconnectPolicy(options);
    const urls = [...parseUrl(url), ...(options.reconnectUrls ?? []).flatMap((u) => parseUrl(u))];
    const tls = options.transport === 'ssl' || options.transport === 'tls';
    this.urls = urls.map((u) => (tls ? { ...u, protocol: 'amqps' as const } : u));
  }

  /** Opens the broker connection; with `reconnect` it retries per the reconnect options. */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new ConnectionError('already open');
    this.state = 'opening';
    try {
      await this.connectLoop(this.policy.enabled ? this.policy : { ...this.policy, limit: 1 });
      this.state = 'open';
    } catch (err) {
      this.state = 'failed';
      this.error = err as MessagingError;
      throw err;
    }
  }

  /** True after open() and before close() (also while reconnecting). */
  opened(): boolean {
    return this.state === 'open' || this.state === 'reconnecting';
  }

  /** The broker currently connected to, as `amqp://user:***@host:port/vhost`. */
  get url(): string | undefined {
    return this.currentUrl && formatUrl(this.currentUrl);
  }

  /** connection.start server-properties of the current broker. */
  get serverProperties(): Readonly<Record<string, unknown>> {
    return (this.model?.connection.serverProperties ?? {}) as Record<string, unknown>;
  }

  /** Whether the broker browses natively (bundled broker capability `qpid.browse`). */
  get supportsBrowse(): boolean {
    const caps = this.serverProperties['capabilities'] as Record<string, unknown> | undefined;
    return caps?.['qpid.browse'] === true;
  }

  /**
   * Returns the session of that name, or creates it (`<connection-id>:<name>`).
   * Qpid's forms: `session()`, `session(name)`, `session({ transactional })`,
   * `session(name, { transactional })`; other argument types are a TypeError.
   */
  session(options?: SessionOptions): Promise<Session>;
  session(name?: string, options?: SessionOptions): Promise<Session>;
  async session(nameOrOptions?: string | SessionOptions, moreOptions?: SessionOptions): Promise<Session> {
    const { name, options } = sessionArguments(nameOrOptions, moreOptions);
    this.checkUsable();
    const full = `${this.id}:${name ?? this.sessionCounter++}`;
    const existing = this.sessions.get(full);
    if (existing) return existing.session;
    let control: SessionControl | undefined;
    const session = new Session(this, this.host, full, options, (c) => {
      control = c;
    });
    this.sessions.set(full, { session, control: control as SessionControl });
    await (control as SessionControl).open();
    return session;
  }

  /** Closes every session, then the broker connection. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    for (const { session } of [...this.sessions.values()]) await session.close().catch(() => undefined);
    await Promise.all(this.closingChannels);
    this.state = 'closed';
    const model = this.model;
    this.model = undefined;
    if (model) await model.close().catch(() => undefined);
  }

  // ---------------------------------------------------------------- for sessions and links

  private sessionHost(): SessionHost {
    const connection = this;
    return {
      get generation() {
        return connection.generation;
      },
      get supportsBrowse() {
        return connection.supportsBrowse;
      },
      usable: async () => {
        await this.liveModel();
      },
      openChannel: (confirm, onClose) => this.openChannel(confirm, onClose),
      closeChannel: (h) => this.closeChannel(h),
      // A wrapper: this runs in a field initializer, before `probe` itself is set.
      probe: (fn) => this.probe(fn),
      isCurrent: (gen) => this.isCurrent(gen),
      forget: (name) => {
        this.sessions.delete(name);
      },
    };
  }

  /** The live amqplib connection; waits while reconnecting, throws once failed or closed. */
  private async liveModel(): Promise<ChannelModel> {
    for (;;) {
      switch (this.state) {
        case 'open':
          if (this.model) return this.model;
          throw new ConnectionError('not connected');
        case 'reconnecting':
          await this.ready;
          continue;
        case 'failed':
          throw this.error ?? new ConnectionError('connection failed');
        case 'closed':
          throw new ConnectionClosed('connection closed');
        default:
          throw new ConnectionError('connection not open');
      }
    }
  }

  private async openChannel<C extends Channel>(
    confirm: boolean,
    onClose?: (handle: ChannelHandle<C>) => void,
  ): Promise<ChannelHandle<C>> {
    const model = await this.liveModel();
    let channel: Channel | ConfirmChannel;
    try {
      channel = confirm ? await model.createConfirmChannel() : await model.createChannel();
    } catch (err) {
      throw toMessagingError(err, 'session', ConnectionError);
    }
    const handle: ChannelHandle<C> = { channel: channel as C, closed: false, tagEpoch: 0 };
    // Without an 'error' listener amqplib's channel error would be thrown out of the emitter (#649).
    channel.on('error', (err: unknown) => {
      handle.error = toMessagingError(err, 'session');
    });
    channel.on('close', () => {
      if (handle.closed) return;
      handle.closed = true;
      onClose?.(handle);
    });
    return handle;
  }

  private async closeChannel(handle: ChannelHandle | undefined): Promise<void> {
    if (!handle || handle.closed) return;
    handle.closed = true;
    const closing = handle.channel.close().catch(() => undefined);
    handle.closing = closing;
    this.closingChannels.add(closing);
    await closing;
    this.closingChannels.delete(closing);
  }

  private readonly probe: Prober = async (fn) => {
    const handle = await this.openChannel(false);
    try {
      return await fn(handle.channel);
    } catch (err) {
      throw toMessagingError(err, 'link');
    } finally {
      await this.closeChannel(handle);
    }
  };

  private isCurrent(gen: number): boolean {
    return this.generation === gen && this.state === 'open';
  }

  // ---------------------------------------------------------------- connecting

  // A method, so narrowing of `state` across awaits does not fool the compiler.
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private checkUsable(): void {
    if (this.state === 'closed') throw new ConnectionClosed('connection closed');
    if (this.state === 'failed') throw this.error ?? new ConnectionError('connection failed');
    if (this.state === 'new' || this.state === 'opening') throw new ConnectionError('connection not open');
  }

  private async connectLoop(policy: ReconnectPolicy): Promise<void> {
    const deadline = policy.timeout === undefined ? Number.POSITIVE_INFINITY : Date.now() + policy.timeout * 1000;
    let last: MessagingError | undefined;
    const pref = this.options.preferLeader;
    const first = this.urls[0];
    const order = pref
      ? await leaderFirst(this.urls, pref, {
          username: this.options.username ?? first?.username ?? 'guest',
          password: this.options.password ?? first?.password ?? 'guest',
        })
      : this.urls;
    for (const attempt of attempts(order, policy)) {
      if (this.isClosed()) throw new ConnectionClosed('connection closed');
      if (attempt.delay > 0) {
        if (Date.now() + attempt.delay * 1000 > deadline) break;
        await sleep(attempt.delay * 1000);
        if (this.isClosed()) throw new ConnectionClosed('connection closed');
      }
      if (Date.now() > deadline) break;
      try {
        await this.connectTo(attempt.target, deadline);
        return;
      } catch (err) {
        last = err as MessagingError;
        // A refused login will not get better by retrying.
        if (last instanceof AuthenticationFailure) throw last;
      }
    }
    const why = policy.enabled
      ? policy.timeout !== undefined && Date.now() > deadline
        ? 'Failed to connect within reconnect timeout'
        : 'Failed to connect within reconnect limit'
      : 'Failed to connect (reconnect disabled)';
    // The broker's reply code and text (a refused vhost, ...) stay on the error the caller sees.
    throw new ConnectError(`${why}${last ? `: ${last.message}` : ''}`, {
      cause: last,
      ...(last?.code !== undefined ? { code: last.code, replyText: last.replyText } : {}),
    });
  }

  private async connectTo(url: BrokerUrl, deadline: number): Promise<void> {
    const o = this.options;
    const username = o.username ?? url.username ?? 'guest';
    const password = o.password ?? url.password ?? 'guest';
    const target = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port,
      username,
      password,
      vhost: url.vhost ?? o.virtualhost ?? '/',
      heartbeat: o.heartbeat ?? 0,
      credentials: credentialsFor(o.saslMechanisms, username, password),
    };
    const socketOptions: Record<string, unknown> = {
      ...(o.tls ?? {}),
      noDelay: o.tcpNodelay !== false,
      clientProperties: {
        product: PRODUCT,
        version: VERSION,
        platform: `Node.js ${process.version}`,
        information: 'qpid-messaging (Qpid messaging API over amqplib)',
        'qpid.client_process': process.title,
        'qpid.client_pid': process.pid,
        ...o.clientProperties,
      },
    };
    // One attempt never outlasts reconnectTimeout: a host that accepts and never answers the handshake
    // (a hung broker, a half-open proxy) would otherwise hold the loop past it, and every later host.
    const timeout = Math.min(
      o.connectTimeout === undefined ? Number.POSITIVE_INFINITY : o.connectTimeout * 1000,
      deadline - Date.now(),
    );
    if (Number.isFinite(timeout)) socketOptions['timeout'] = Math.max(1, timeout);
    if (o.sslSkipHostnameCheck) socketOptions['checkServerIdentity'] = () => undefined;
    let model: ChannelModel;
    keepHandshakeCloseReasons();
    try {
      model = await amqp.connect(target, socketOptions);
    } catch (err) {
      throw connectErrorOf(err, url);
    }
    this.model = model;
    this.currentUrl = url;
    model.on('error', () => undefined);
    model.on('close', (err?: unknown) => this.onModelClose(model, err));
    model.on('blocked', (reason: string) => this.emit('blocked', reason));
    model.on('unblocked', () => this.emit('unblocked'));
  }

  private onModelClose(model: ChannelModel, err: unknown): void {
    if (model !== this.model || this.state === 'closed' || this.state === 'failed') return;
    this.model = undefined;
    this.generation++;
    const error =
      err === undefined
        ? new ConnectionClosed('connection closed by broker')
        : toMessagingError(err, 'connection', ConnectionError);
    for (const { control } of this.sessions.values()) control.connectionLost();
    this.emit('disconnected', error);
    if (!this.policy.enabled) {
      this.fail(error);
      return;
    }
    this.state = 'reconnecting';
    this.ready = this.reconnect();
  }

  private async reconnect(): Promise<void> {
    try {
      // [py] tries the next host at once; the first pass starts right away.
      await this.connectLoop(this.policy);
    } catch (err) {
      this.fail(err as MessagingError);
      return;
    }
    if (this.state !== 'reconnecting') return;
    this.state = 'open';
    const gen = this.generation;
    for (const { control } of [...this.sessions.values()]) {
      if (!this.isCurrent(gen)) return;
      await control.restore();
    }
    if (this.isCurrent(gen)) this.emit('reconnected', this.url ?? '');
  }

  private fail(error: MessagingError): void {
    if (this.state === 'closed') return;
    this.state = 'failed';
    this.error = error;
    for (const { control } of this.sessions.values()) control.fail(error);
    this.emit('failed', error);
  }
}

function credentialsFor(mechanisms: string | undefined, username: string, password: string) {
  const allowed = (mechanisms ?? 'PLAIN').toUpperCase().split(/[\s,]+/);
  for (const m of allowed) {
    if (m === 'PLAIN') return amqp.credentials.plain(username, password);
    if (m === 'AMQPLAIN') return amqp.credentials.amqplain(username, password);
    if (m === 'EXTERNAL') return amqp.credentials.external();
  }
  throw new ConnectError(`no supported SASL mechanism in "${mechanisms}" (supported: PLAIN AMQPLAIN EXTERNAL)`);
}

function connectErrorOf(err: unknown, url: BrokerUrl): MessagingError {
  const message = err instanceof Error ? err.message : String(err);
  const where = `${url.hostname}:${url.port}`;
  const closed = err as Partial<HandshakeCloseError>;
  if (typeof closed.code === 'number' && typeof closed.replyText === 'string') {
    // The broker closed the connection during open (handshake-close.ts): say what it said.
    // `NOT_ALLOWED - vhost dev not found` → `vhost dev not found (530 NOT_ALLOWED)`.
    const m = /^([A-Z_]+) - ([\s\S]*)$/.exec(closed.replyText);
    const text = m ? `${m[2]} (${closed.code} ${m[1]})` : `${closed.replyText} (${closed.code})`;
    const Cls = closed.code === 403 ? AuthenticationFailure : ConnectError;
    return new Cls(`${where}: ${text}`, {
      code: closed.code,
      replyText: closed.replyText,
      classId: closed.classId,
      methodId: closed.methodId,
      cause: err,
    });
  }
  // A socket error (ECONNREFUSED, ETIMEDOUT, ...) is never a refused login, whatever digits its text holds:
  // "connect ECONNREFUSED 127.0.0.1:40389" once matched a bare /403/ here, so a refused host in a failover list
  // stopped the reconnect loop as an AuthenticationFailure. Only amqplib's own handshake text counts.
  const syscall = typeof (err as { syscall?: unknown }).syscall === 'string';
  if (!syscall && /ACCESS[-_]REFUSED/.test(message)) {
    return new AuthenticationFailure(`${where}: ${message}`, { code: 403, replyText: message, cause: err });
  }
  return new ConnectError(`${where}: ${message}`, { cause: err });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
