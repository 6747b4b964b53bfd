/**
 * One client socket: the AMQP handshake (protocol header, start/start-ok,
 * tune/tune-ok, open), heartbeats, the channel table, error → close mapping,
 * batched output with socket backpressure, and connection.blocked.
 * Mirrors rabbit_reader's responsibilities.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  checkProtocolHeader,
  decodeFieldTable,
  decodeMethod,
  encodeMethodFrame,
  type FieldTable,
  FRAME_MIN_SIZE,
  FrameReader,
  FrameType,
  HEARTBEAT_FRAME,
  isHardError,
  type Method,
  type MethodArgs,
  PROTOCOL_HEADER,
  ProtocolError,
  ReplyCode,
} from '../protocol/index.js';
import { ResourceGuard } from './auth/resource-guard.js';
import type { BrokerCore } from './broker-core.js';
import { Channel, type ChannelHost } from './channel.js';
import { writeContent, writeDelivery } from './delivery-writer.js';
import {
  type AnyAmqpError,
  ChannelException,
  ConnectionException,
  channelError,
  commandInvalid,
  internalError,
  notAllowed,
  truncateShortString,
  unexpectedFrame,
} from './errors.js';
import { OutputBuffer } from './output-buffer.js';
import type { StoredMessage } from './stored-message.js';
import type { VHost } from './vhost.js';

type State = 'header' | 'start' | 'tune' | 'open-wait' | 'open' | 'closing' | 'closed';

export interface ClientCapabilities {
  consumerCancelNotify: boolean;
  connectionBlocked: boolean;
  authenticationFailureClose: boolean;
}

/** Output beyond this, not yet taken by the socket, makes consumers on this connection wait. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/** Output beyond this stops reading from the client until the socket drains. */
const OUTPUT_HARD_LIMIT = 16 * 1024 * 1024;

let connectionCounter = 0;

export class ClientConnection implements ChannelHost {
  readonly id = ++connectionCounter;
  readonly name: string;
  readonly connectedAt = Date.now();
  readonly out = new OutputBuffer();
  readonly channels = new Map<number, Channel>();
  state: State = 'header';
  vhost!: VHost;
  user = '';
  /** The user's permissions on the opened vhost; channels check through it. */
  guard!: ResourceGuard;
  clientProperties: FieldTable = {};
  capabilities: ClientCapabilities = {
    consumerCancelNotify: false,
    connectionBlocked: false,
    authenticationFailureClose: false,
  };
  frameMax: number;
  channelMax: number;
  heartbeat: number;
  /** Set while the memory alarm has this publishing connection paused. */
  blockedByAlarm = false;
  private blockedNotified = false;
  private readonly reader: FrameReader;
  private headerBytes: Buffer = Buffer.alloc(0);
  private flushScheduled = false;
  private socketBlocked = false;
  private starved = false;
  private readonly beforeFlushHooks: (() => void)[] = [];
  private lastRecv = Date.now();
  private lastSent = Date.now();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private closeTimer: NodeJS.Timeout | undefined;
  private publishedThisRead = false;
  readonly stats = { recvOct: 0, sendOct: 0, recvCnt: 0, sendCnt: 0 };

  constructor(
    readonly broker: BrokerCore,
    readonly socket: Socket,
  ) {
    const o = broker.options;
    this.frameMax = o.frameMax;
    this.channelMax = o.channelMax;
    this.heartbeat = o.heartbeat;
    // Until tune-ok no frame may exceed the protocol's minimum frame size (AMQP 0-9-1 §4.2.3:
    // "the minimum frame size is 4096 octets" holds before tuning; RabbitMQ's initial_frame_max).
    this.reader = new FrameReader(FRAME_MIN_SIZE);
    this.name = `${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}:${socket.localPort}`;
    socket.setNoDelay(o.tcpNoDelay !== false);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => this.socket.destroy());
    socket.on('close', () => this.onSocketClosed());
    // A client that never completes the handshake is dropped (RabbitMQ handshake_timeout, 10 s).
    this.handshakeTimer = setTimeout(() => {
      if (this.state !== 'open') this.socket.destroy();
    }, o.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  /** connection.open-ok was sent: the connection counts against limits. */
  get opened(): boolean {
    return this.state === 'open';
  }

  get vhostName(): string | undefined {
    return this.vhost?.name;
  }

  /** Whether consumers may write more deliveries now: the socket takes data and the output is below the high water. */
  canWrite(): boolean {
    return !this.socketBlocked && this.out.size < OUTPUT_HIGH_WATER;
  }

  /**
   * A consumer was refused by canWrite(): the connection is starved, so the
   * socket's drain (or the next flush that frees space) wakes the consumers again.
   */
  markStarved(): void {
    this.starved = true;
  }

  // ---- input --------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    this.stats.recvOct += chunk.length;
    if (this.state === 'closed') return;
    if (this.state === 'header') {
      chunk = this.readProtocolHeader(chunk);
      if (this.state === 'header' || chunk.length === 0) return;
    }
    this.reader.push(chunk);
    try {
      for (;;) {
        const f = this.reader.next();
        if (f === undefined) break;
        this.stats.recvCnt++;
        this.handleFrame(f.type, f.channel, f.payload);
        if ((this.state as State) === 'closed') return;
      }
    } catch (e) {
      this.fail(e);
    }
    if (this.publishedThisRead) {
      this.publishedThisRead = false;
      if (this.broker.alarmActive && !this.blockedByAlarm) {
        // RabbitMQ blocks a connection that publishes while an alarm is in effect: stop reading its socket.
        this.blockedByAlarm = true;
        this.socket.pause();
      }
    }
  }

  private readProtocolHeader(chunk: Buffer): Buffer {
    this.headerBytes = Buffer.concat([this.headerBytes, chunk]);
    const verdict = checkProtocolHeader(this.headerBytes);
    if (verdict === 'incomplete') return Buffer.alloc(0);
    if (verdict === 'bad') {
      // AMQP 0-9-1 §4.2.2: answer with the protocol header we support and close.
      this.state = 'closed';
      this.socket.end(PROTOCOL_HEADER);
      return Buffer.alloc(0);
    }
    const rest = this.headerBytes.subarray(8);
    this.headerBytes = Buffer.alloc(0);
    this.state = 'start';
    this.sendStart();
    return rest;
  }

  private handleFrame(type: number, channel: number, payload: Buffer): void {
    if (this.state === 'closing') {
      // After sending connection.close only close/close-ok matter (AMQP 0-9-1 §4.2.6).
      if (type === FrameType.METHOD && channel === 0) {
        const m = decodeMethod(payload);
        if (m.name === 'connection.close-ok' || m.name === 'connection.close') {
          if (m.name === 'connection.close') this.sendMethod(0, 'connection.close-ok', {});
          this.terminate();
        }
      }
      return;
    }
    switch (type) {
      case FrameType.METHOD: {
        const m = decodeMethod(payload);
        if (channel === 0) this.handleConnectionMethod(m);
        else this.handleChannelMethod(channel, m);
        return;
      }
      case FrameType.HEADER:
      case FrameType.BODY: {
        if (channel === 0) throw unexpectedFrame(`content frame on channel 0`);
        const ch = this.channels.get(channel);
        if (ch === undefined) throw channelError(`expected 'channel.open'`);
        if (ch.closing) return;
        try {
          if (type === FrameType.HEADER) ch.handleHeader(payload);
          else ch.handleBody(payload);
        } catch (e) {
          if (e instanceof ChannelException) this.closeChannelWith(ch, e.at(60, 40));
          else throw e;
        }
        return;
      }
      case FrameType.HEARTBEAT:
        if (channel !== 0) throw unexpectedFrame('heartbeat frame on non-zero channel');
        return;
      default:
        throw unexpectedFrame(`unknown frame type ${type}`);
    }
  }

  private handleChannelMethod(id: number, m: Method): void {
    if (this.state !== 'open') throw channelError(`unexpected method ${m.name} before connection.open`);
    const ch = this.channels.get(id);
    if (ch === undefined) {
      if (m.name !== 'channel.open') throw channelError(`expected 'channel.open'`).at(m.classId, m.methodId);
      // RabbitMQ limits the number of open channels to channel_max, not the channel number.
      if (this.channelMax !== 0 && this.channels.size >= this.channelMax) {
        throw notAllowed(
          `number of channels opened (${this.channels.size}) has reached the negotiated channel_max (${this.channelMax})`,
        );
      }
      // connection.tune channel-max: "usable channel numbers are in the range 1..channel-max".
      // RabbitMQ 3.10 accepts any number (it counts channels only, above); we refuse as the spec says.
      if (this.channelMax !== 0 && id > this.channelMax) {
        throw channelError(`channel number ${id} is above the negotiated channel_max (${this.channelMax})`).at(20, 10);
      }
      this.checkUserChannelLimit();
      const c = new Channel(this, id);
      this.channels.set(id, c);
      this.sendMethod(id, 'channel.open-ok', {});
      return;
    }
    if (ch.closing) {
      // Discard everything on a closing channel until its close-ok (AMQP 0-9-1 §4.2.6).
      if (m.name === 'channel.close-ok') this.channels.delete(id);
      else if (m.name === 'channel.close') {
        this.sendMethod(id, 'channel.close-ok', {});
        this.channels.delete(id);
      }
      return;
    }
    if (m.name === 'channel.close') {
      ch.cleanup();
      this.channels.delete(id);
      this.sendMethod(id, 'channel.close-ok', {});
      return;
    }
    if (m.name === 'channel.close-ok') return;
    try {
      ch.handleMethod(m);
    } catch (e) {
      if (e instanceof ChannelException) this.closeChannelWith(ch, e.at(m.classId, m.methodId));
      else if (e instanceof ConnectionException) throw e.at(m.classId, m.methodId);
      else if (e instanceof ProtocolError) throw e;
      else throw internalFrom(e, m);
    }
  }

  /** rabbit_reader:create_channel's per-user limit (max-channels), counted over the user's connections. */
  private checkUserChannelLimit(): void {
    if (!this.broker.options.auth) return;
    const limit = this.broker.access.userLimit(this.user, 'max-channels');
    if (limit === undefined) return;
    let open = 0;
    this.broker.countConnections((c) => {
      if (c.user === this.user) open += c.channels.size;
      return false;
    });
    if (open >= limit) {
      throw notAllowed(
        `number of channels opened for user '${this.user}' has reached the maximum allowed user limit of (${limit})`,
      );
    }
  }

  // ---- handshake ----------------------------------------------------------

  /** The CN of a verified client certificate, when SASL EXTERNAL is on (rabbit_auth_mechanism_ssl). */
  private externalUser(): string | undefined {
    const s = this.socket;
    if (!(s instanceof TLSSocket) || !this.broker.options.tls?.external || !s.authorized) return undefined;
    const cn = s.getPeerCertificate()?.subject?.CN;
    return typeof cn === 'string' && cn !== '' ? cn : undefined;
  }

  /** True for a connection accepted on the AMQPS listener. */
  get tls(): boolean {
    return this.socket instanceof TLSSocket;
  }

  private sendStart(): void {
    const base = this.broker.options.auth ? 'PLAIN AMQPLAIN' : 'PLAIN AMQPLAIN ANONYMOUS';
    // RabbitMQ offers EXTERNAL only on TLS connections with a peer certificate (should_offer).
    const mechanisms = this.externalUser() !== undefined ? `EXTERNAL ${base}` : base;
    this.sendMethod(0, 'connection.start', {
      versionMajor: 0,
      versionMinor: 9,
      serverProperties: this.broker.serverProperties(this.socket.localAddress),
      mechanisms: Buffer.from(mechanisms),
      locales: Buffer.from('en_US'),
    });
  }

  private handleConnectionMethod(m: Method): void {
    switch (m.name) {
      case 'connection.start-ok':
        if (this.state !== 'start') break;
        return this.startOk(m.args);
      case 'connection.tune-ok':
        if (this.state !== 'tune') break;
        return this.tuneOk(m.args);
      case 'connection.open':
        if (this.state !== 'open-wait') break;
        return this.open(m.args);
      case 'connection.close':
        this.sendMethod(0, 'connection.close-ok', {});
        this.awaitClientHangup();
        return;
      case 'connection.close-ok':
        this.terminate();
        return;
      case 'connection.update-secret':
        if (this.state !== 'open') break;
        this.sendMethod(0, 'connection.update-secret-ok', {});
        return;
      default:
        if (this.state === 'open') {
          // rabbit_reader: a channel method on channel 0 once running is a channel error.
          throw channelError('unexpected method in connection state running').at(m.classId, m.methodId);
        }
        break;
    }
    throw commandInvalid(`unexpected method ${m.name} on channel 0 in state ${this.state}`).at(m.classId, m.methodId);
  }

  private startOk(a: MethodArgs['connection.start-ok']): void {
    this.clientProperties = a.clientProperties;
    const caps = a.clientProperties['capabilities'];
    if (caps && typeof caps === 'object' && !Array.isArray(caps)) {
      const c = caps as FieldTable;
      this.capabilities = {
        consumerCancelNotify: c['consumer_cancel_notify'] === true,
        connectionBlocked: c['connection.blocked'] === true,
        authenticationFailureClose: c['authentication_failure_close'] === true,
      };
    }
    const user = this.authenticate(a.mechanism, a.response);
    if (user === undefined) {
      const text = `ACCESS_REFUSED - Login was refused using authentication mechanism ${a.mechanism}. For details see the broker logfile.`;
      this.broker.log('warn', `authentication failed for ${this.name} using ${a.mechanism}`);
      if (this.capabilities.authenticationFailureClose) {
        // RabbitMQ sends this close with class-id and method-id 0.
        this.sendMethod(0, 'connection.close', {
          replyCode: ReplyCode.ACCESS_REFUSED,
          replyText: text,
          classId: 0,
          methodId: 0,
        });
        this.flush();
      }
      this.state = 'closed';
      this.socket.end();
      return;
    }
    this.user = user;
    this.state = 'tune';
    this.sendMethod(0, 'connection.tune', {
      channelMax: this.broker.options.channelMax,
      frameMax: this.broker.options.frameMax,
      heartbeat: this.broker.options.heartbeat,
    });
  }

  private authenticate(mechanism: string, response: Buffer): string | undefined {
    let user: string | undefined;
    let pass: string | undefined;
    if (mechanism === 'PLAIN') {
      // RFC 4616: [authzid] NUL authcid NUL passwd
      const parts = response.toString('utf8').split('\0');
      if (parts.length !== 3) return undefined;
      user = parts[1];
      pass = parts[2];
    } else if (mechanism === 'AMQPLAIN') {
      // A field table without its length prefix, holding LOGIN and PASSWORD (RabbitMQ's AMQPLAIN).
      try {
        const prefixed = Buffer.alloc(4 + response.length);
        prefixed.writeUInt32BE(response.length, 0);
        response.copy(prefixed, 4);
        const t = decodeFieldTable(prefixed, 0).value;
        user = typeof t['LOGIN'] === 'string' ? t['LOGIN'] : undefined;
        pass = typeof t['PASSWORD'] === 'string' ? t['PASSWORD'] : undefined;
      } catch {
        return undefined;
      }
    } else if (mechanism === 'ANONYMOUS' && !this.broker.options.auth) {
      return 'anonymous';
    } else if (mechanism === 'EXTERNAL' && this.externalUser() !== undefined) {
      const cn = this.externalUser() as string;
      return this.broker.checkExternal(cn, this.socket.remoteAddress) ? cn : undefined;
    } else {
      throw commandInvalid(`unknown authentication mechanism '${mechanism}'`).at(10, 11);
    }
    if (user === undefined || pass === undefined) return undefined;
    return this.broker.checkCredentials(user, pass, this.socket.remoteAddress, mechanism) ? user : undefined;
  }

  private tuneOk(a: MethodArgs['connection.tune-ok']): void {
    const o = this.broker.options;
    // rabbit_reader validates the client's tune-ok the same way.
    if (a.frameMax !== 0 && a.frameMax < 4096) {
      throw notAllowed(`frame_max=${a.frameMax} < 4096 min size`).at(10, 31);
    }
    if (a.frameMax > o.frameMax) throw notAllowed(`frame_max=${a.frameMax} > ${o.frameMax} max size`).at(10, 31);
    if (a.channelMax > o.channelMax) {
      throw notAllowed(`channel_max=${a.channelMax} > ${o.channelMax} max size`).at(10, 31);
    }
    this.frameMax = a.frameMax === 0 ? o.frameMax : a.frameMax;
    this.channelMax = a.channelMax === 0 ? o.channelMax : a.channelMax;
    this.heartbeat = a.heartbeat;
    this.reader.maxFrameSize = this.frameMax;
    this.state = 'open-wait';
    this.startHeartbeats();
  }

  /**
   * rabbit_reader's connection.open checks, in its order: the node, vhost and
   * user connection limits (the vhost one reports a missing vhost), then
   * check_vhost_access — all 530 NOT_ALLOWED.
   */
  private open(a: MethodArgs['connection.open']): void {
    const name = a.virtualHost;
    const b = this.broker;
    const vhost = b.vhosts.get(name);
    const auth = b.options.auth;
    const maxConn = b.options.maxConnections;
    if (maxConn > 0 && b.countConnections(() => true) >= maxConn) {
      throw notAllowed(`connection refused: node connection limit (${maxConn}) is reached`).at(10, 40);
    }
    if (vhost === undefined) throw notAllowed(`vhost ${name} not found`).at(10, 40);
    const vLimit = b.access.vhostLimit(name, 'max-connections');
    if (vLimit !== undefined && b.countConnections((c) => c.vhostName === name) >= vLimit) {
      throw notAllowed(
        `access to vhost '${name}' refused for user '${this.user}': connection limit (${vLimit}) is reached`,
      ).at(10, 40);
    }
    const uLimit = auth ? b.access.userLimit(this.user, 'max-connections') : undefined;
    if (uLimit !== undefined && b.countConnections((c) => c.user === this.user) >= uLimit) {
      throw notAllowed(`connection refused for user '${this.user}': user connection limit (${uLimit}) is reached`).at(
        10,
        40,
      );
    }
    if (auth && !b.access.hasVhostAccess(this.user, name)) {
      throw notAllowed(`access to vhost '${name}' refused for user '${this.user}'`).at(10, 40);
    }
    this.guard = new ResourceGuard(auth ? b.access : undefined, this.user, name);
    this.vhost = vhost;
    this.state = 'open';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.sendMethod(0, 'connection.open-ok', {});
    if (this.broker.alarmActive) this.notifyBlocked(true);
  }

  private startHeartbeats(): void {
    if (this.heartbeat === 0) return;
    const intervalMs = this.heartbeat * 1000;
    this.heartbeatTimer = setInterval(
      () => {
        const now = Date.now();
        // A peer silent for two intervals is dead (AMQP 0-9-1 §4.2.7); RabbitMQ drops the socket.
        if (now - this.lastRecv >= 2 * intervalMs) {
          this.broker.log('warn', `missed heartbeats from client ${this.name}, timeout: ${this.heartbeat}s`);
          this.socket.destroy();
          return;
        }
        if (now - this.lastSent >= intervalMs / 2) {
          this.out.append(HEARTBEAT_FRAME);
          this.scheduleFlush();
        }
      },
      Math.max(250, intervalMs / 2),
    );
    this.heartbeatTimer.unref();
  }

  // ---- errors and closing -------------------------------------------------

  private fail(e: unknown): void {
    let err: AnyAmqpError;
    if (e instanceof ConnectionException) err = e;
    else if (e instanceof ProtocolError) {
      err = new ConnectionException(e.code, stripName(e.message), e.classId, e.methodId);
    } else if (e instanceof ChannelException) {
      err = new ConnectionException(e.code, stripName(e.message), e.classId, e.methodId);
    } else {
      this.broker.log('error', `internal error on ${this.name}: ${(e as Error)?.stack ?? e}`);
      err = internalError(String((e as Error)?.message ?? e));
    }
    this.closeWith(err);
  }

  /** connection.close with the error's code; frames are discarded until close-ok. */
  closeWith(err: { code: number; replyText: string; classId: number; methodId: number }): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.sendMethod(0, 'connection.close', {
      replyCode: err.code,
      replyText: truncateShortString(err.replyText),
      classId: err.classId,
      methodId: err.methodId,
    });
    this.state = 'closing';
    this.releaseChannels();
    this.closeTimer = setTimeout(() => this.terminate(), 3000);
    this.closeTimer.unref();
  }

  closeChannelWith(ch: Channel, err: AnyAmqpError): void {
    if (isHardError(err.code)) {
      this.closeWith(err);
      return;
    }
    if (ch.closing) return;
    ch.cleanup();
    this.sendMethod(ch.id, 'channel.close', {
      replyCode: err.code,
      replyText: err.replyText,
      classId: err.classId,
      methodId: err.methodId,
    });
  }

  private releaseChannels(): void {
    for (const ch of this.channels.values()) ch.cleanup();
  }

  /** Flushes what is queued and closes the socket. */
  private terminate(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flush();
    this.socket.end();
    this.cleanup();
  }

  /**
   * After close-ok to a client's close, RabbitMQ leaves the TCP close to the
   * client; we do the same, and drop the socket only if the client lingers.
   */
  private awaitClientHangup(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.flush();
    this.cleanup();
    const t = setTimeout(() => this.socket.destroy(), 10_000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  private onSocketClosed(): void {
    this.state = 'closed';
    this.cleanup();
  }

  private cleaned = false;
  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const t of [this.heartbeatTimer, this.handshakeTimer, this.closeTimer]) if (t) clearTimeout(t);
    this.releaseChannels();
    this.channels.clear();
    // Exclusive queues die with their connection (AMQP 0-9-1 queue.declare exclusive).
    if (this.vhost) this.vhost.dropExclusive(this);
    this.broker.connectionClosed(this);
  }

  // ---- output -------------------------------------------------------------

  sendMethod<N extends keyof MethodArgs>(channel: number, name: N, args: Partial<MethodArgs[N]>): void {
    if (this.state === 'closed') return;
    // Generated encoders fill spec defaults for omitted arguments.
    this.out.append(encodeMethodFrame(channel, name, args as never));
    this.wrote();
  }

  sendDelivery(
    channel: number,
    consumerTag: string,
    deliveryTag: number,
    redelivered: boolean,
    message: StoredMessage,
    headerPayload?: Buffer,
  ): void {
    writeDelivery(this.out, channel, this.frameMax, consumerTag, deliveryTag, redelivered, message, headerPayload);
    this.wrote();
  }

  sendContent(channel: number, message: StoredMessage, headerPayload?: Buffer): void {
    writeContent(this.out, channel, this.frameMax, message, headerPayload);
    this.wrote();
  }

  /** Called after anything is written into `out`. */
  wrote(): void {
    this.stats.sendCnt++;
    this.scheduleFlush();
  }

  /** Runs `fn` just before the next flush (confirm coalescing). */
  beforeFlush(fn: () => void): void {
    this.beforeFlushHooks.push(fn);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.beforeFlushHooks.length > 0) {
      const hooks = this.beforeFlushHooks.splice(0);
      for (const h of hooks) h();
    }
    const chunks = this.out.take();
    if (chunks.length === 0 || this.socket.destroyed) return;
    this.lastSent = Date.now();
    let ok = true;
    if (chunks.length === 1) ok = this.socket.write(chunks[0] as Buffer);
    else {
      this.socket.cork();
      for (const c of chunks) ok = this.socket.write(c);
      this.socket.uncork();
    }
    for (const c of chunks) this.stats.sendOct += c.length;
    if (!ok) {
      this.socketBlocked = true;
      if (this.socket.writableLength > OUTPUT_HARD_LIMIT) this.socket.pause();
    } else if (this.starved) {
      this.starved = false;
      setImmediate(() => this.kickConsumers());
    }
  }

  private onDrain(): void {
    this.socketBlocked = false;
    if (!this.blockedByAlarm && this.state !== 'closed') this.socket.resume();
    if (this.starved) {
      this.starved = false;
      this.kickConsumers();
    }
  }

  private kickConsumers(): void {
    if (this.state !== 'open') return;
    for (const ch of this.channels.values()) if (!ch.closing) ch.kickConsumers();
  }

  /** A basic.publish arrived; under a memory alarm the connection stops being read. */
  published(): void {
    this.publishedThisRead = true;
  }

  /** Memory or disk alarm set or cleared (connection.blocked / unblocked to clients that support them). */
  notifyBlocked(blocked: boolean, reason = 'low on memory'): void {
    if (blocked) {
      if (this.capabilities.connectionBlocked && !this.blockedNotified && this.state === 'open') {
        this.blockedNotified = true;
        this.sendMethod(0, 'connection.blocked', { reason });
      }
      return;
    }
    if (this.blockedNotified) {
      this.blockedNotified = false;
      this.sendMethod(0, 'connection.unblocked', {});
    }
    if (this.blockedByAlarm) {
      this.blockedByAlarm = false;
      if (!this.socketBlocked) this.socket.resume();
    }
  }

  /** Closes the connection as the broker shuts down (320 CONNECTION_FORCED). */
  forceClose(reason: string): void {
    if (this.state === 'open' || this.state === 'open-wait' || this.state === 'tune' || this.state === 'start') {
      this.closeWith(new ConnectionException(ReplyCode.CONNECTION_FORCED, reason));
      this.flush();
    }
    this.state = 'closed';
    this.socket.end();
    this.cleanup();
  }
}

function stripName(message: string): string {
  const i = message.indexOf(' - ');
  return i >= 0 && /^[A-Z_]+$/.test(message.slice(0, i)) ? message.slice(i + 3) : message;
}

function internalFrom(e: unknown, m: Method): ConnectionException {
  return internalError(`${(e as Error)?.message ?? String(e)}`).at(m.classId, m.methodId);
}
