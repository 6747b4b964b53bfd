/**
 * One client socket: the AMQP handshake sequence (protocol header,
 * start/start-ok, tune/tune-ok, open; its checks in connection-handshake.ts),
 * frame dispatch (channel frames in channel-frames.ts), heartbeats
 * (heartbeat-monitor.ts), error → close mapping and closing, output
 * (connection-output.ts), and connection.blocked. Mirrors rabbit_reader.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  decodeMethod,
  encodeMethodFrame,
  type FieldTable,
  FRAME_MIN_SIZE,
  FrameReader,
  FrameType,
  HEARTBEAT_FRAME,
  type Method,
  type MethodArgs,
  PROTOCOL_HEADER,
  ReplyCode,
} from '../protocol/index.js';
import { ResourceGuard } from './auth/resource-guard.js';
import type { BrokerCore } from './broker-core.js';
import type { Channel } from './channel.js';
import { type ChannelMux, channelContent, channelMethod, closeChannel } from './channel-frames.js';
import type { HostedChannel } from './channel-host.js';
import {
  authenticate,
  type ClientCapabilities,
  capabilitiesOf,
  checkOpen,
  externalUserOf,
  loginRefused,
  negotiateTune,
  noCapabilities,
  offeredMechanisms,
  ProtocolHeaderReader,
  saslContext,
} from './connection-handshake.js';
import { ConnectionOutput } from './connection-output.js';
import { writeContent, writeDelivery } from './delivery-writer.js';
import {
  type AnyAmqpError,
  asConnectionException,
  ConnectionException,
  channelError,
  commandInvalid,
  internalError,
  truncateShortString,
  unexpectedFrame,
} from './errors.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { OutputBuffer } from './output-buffer.js';
import type { StoredMessage } from './stored-message.js';
import type { VHost } from './vhost.js';

type State = 'header' | 'start' | 'tune' | 'open-wait' | 'open' | 'closing' | 'closed';

/** Replies without arguments, encoded once (written as they are, never changed). */
const OPEN_OK = encodeMethodFrame(0, 'connection.open-ok', {});
const CLOSE_OK = encodeMethodFrame(0, 'connection.close-ok', {});

let connectionCounter = 0;

export class ClientConnection implements ChannelMux {
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
  capabilities: ClientCapabilities = noCapabilities();
  frameMax: number;
  channelMax: number;
  heartbeat: number;
  /** Set while the memory alarm has this publishing connection paused. */
  blockedByAlarm = false;
  private blockedNotified = false;
  private readonly reader: FrameReader;
  private readonly header = new ProtocolHeaderReader();
  private readonly heartbeats = new HeartbeatMonitor();
  /** Batched writes to the socket and its backpressure (connection-output.ts). */
  private readonly output: ConnectionOutput;
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
    this.output = new ConnectionOutput(this.out, socket, {
      stats: this.stats,
      heartbeats: this.heartbeats,
      kickConsumers: () => this.kickConsumers(),
    });
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

  /** Whether consumers may write more deliveries now (connection-output.ts); only reads state. */
  canWrite(): boolean {
    return this.output.canWrite();
  }

  /** A consumer was refused by canWrite(): the drain or a flush that frees space wakes the consumers. */
  markStarved(): void {
    this.output.markStarved();
  }

  // ---- input --------------------------------------------------------------

  private onData(chunk: Buffer): void {
    this.heartbeats.lastRecv = Date.now();
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
    const rest = this.header.push(chunk);
    if (rest === 'incomplete') return Buffer.alloc(0);
    if (rest === 'bad') {
      // AMQP 0-9-1 §4.2.2: answer with the protocol header we support and close.
      this.state = 'closed';
      this.socket.end(PROTOCOL_HEADER);
      return Buffer.alloc(0);
    }
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
        else channelMethod(this, channel, m);
        return;
      }
      case FrameType.HEADER:
      case FrameType.BODY: {
        if (channel === 0) throw unexpectedFrame(`content frame on channel 0`);
        channelContent(this, type, channel, payload);
        return;
      }
      case FrameType.HEARTBEAT:
        if (channel !== 0) throw unexpectedFrame('heartbeat frame on non-zero channel');
        return;
      default:
        throw unexpectedFrame(`unknown frame type ${type}`);
    }
  }

  // ---- handshake ----------------------------------------------------------

  /** True for a connection accepted on the AMQPS listener. */
  get tls(): boolean {
    return this.socket instanceof TLSSocket;
  }

  private sendStart(): void {
    const external = externalUserOf(this.socket, this.broker.options) !== undefined;
    const mechanisms = offeredMechanisms(this.broker.options.auth, external);
    this.sendNow(this.broker.startFrame(this.socket.localAddress, mechanisms));
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
        this.sendNow(CLOSE_OK);
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
    this.capabilities = capabilitiesOf(a.clientProperties) ?? this.capabilities;
    const user = authenticate(saslContext(this.broker, this.socket), a.mechanism, a.response);
    if (user === undefined) {
      this.broker.log('warn', `authentication failed for ${this.name} using ${a.mechanism}`);
      if (this.capabilities.authenticationFailureClose) {
        this.sendMethod(0, 'connection.close', loginRefused(a.mechanism));
        this.flush();
      }
      this.state = 'closed';
      this.socket.end();
      return;
    }
    this.user = user;
    this.state = 'tune';
    const o = this.broker.options;
    this.sendNow(
      encodeMethodFrame(0, 'connection.tune', {
        channelMax: o.channelMax,
        frameMax: o.frameMax,
        heartbeat: o.heartbeat,
      }),
    );
  }

  private tuneOk(a: MethodArgs['connection.tune-ok']): void {
    const t = negotiateTune(this.broker.options, a);
    this.frameMax = t.frameMax;
    this.channelMax = t.channelMax;
    this.heartbeat = t.heartbeat;
    this.reader.maxFrameSize = this.frameMax;
    this.state = 'open-wait';
    this.heartbeats.start(this.heartbeat, {
      dead: () => {
        this.broker.log('warn', `missed heartbeats from client ${this.name}, timeout: ${this.heartbeat}s`);
        this.socket.destroy();
      },
      beat: () => {
        this.out.append(HEARTBEAT_FRAME);
        this.output.scheduleFlush();
      },
    });
  }

  /** connection.open: the limits and vhost access (connection-handshake.ts checkOpen), then open-ok. */
  private open(a: MethodArgs['connection.open']): void {
    const name = a.virtualHost;
    const vhost = checkOpen(this.broker, this.user, name);
    this.guard = new ResourceGuard(this.broker.options.auth ? this.broker.access : undefined, this.user, name);
    this.vhost = vhost;
    this.state = 'open';
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.sendNow(OPEN_OK);
    if (this.broker.alarmActive) this.notifyBlocked(true);
  }

  // ---- errors and closing -------------------------------------------------

  private fail(e: unknown): void {
    let err: AnyAmqpError | undefined = asConnectionException(e);
    if (err === undefined) {
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

  closeChannelWith(ch: HostedChannel, err: AnyAmqpError): void {
    closeChannel(this, ch, err);
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
    this.heartbeats.stop();
    for (const t of [this.handshakeTimer, this.closeTimer]) if (t) clearTimeout(t);
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

  /** A handshake or close-ok reply the client waits for: out at once (connection-output.ts sendNow). */
  private sendNow(frame: Buffer): void {
    if (this.state === 'closed') return;
    this.output.sendNow(frame);
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
    this.output.wrote();
  }

  /** Runs `fn` just before the next flush (confirm coalescing). */
  beforeFlush(fn: () => void): void {
    this.output.beforeFlush(fn);
  }

  flush(): void {
    this.output.flush();
  }

  private onDrain(): void {
    this.output.drained();
    if (!this.blockedByAlarm && this.state !== 'closed') this.socket.resume();
    this.output.wakeIfStarved();
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
      if (!this.output.socketBlocked) this.socket.resume();
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
