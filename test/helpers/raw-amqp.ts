/**
 * A bare AMQP 0-9-1 peer over a raw socket, for tests that must send what no
 * well-behaved client library would: malformed frames, content out of order,
 * wrong headers. Works against the bundled broker and RabbitMQ alike.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeMethod,
  encodeFrame,
  encodeMethodFrame,
  type FieldTable,
  FrameReader,
  FrameType,
  type Method,
  type MethodInput,
  type MethodName,
  PROTOCOL_HEADER,
} from '../../src/protocol/index.js';

export interface ReceivedFrame {
  type: number;
  channel: number;
  payload: Buffer;
  method?: Method;
}

export interface CloseInfo {
  code: number;
  text: string;
  classId: number;
  methodId: number;
}

export interface HandshakeOptions {
  user?: string;
  password?: string;
  vhost?: string;
  frameMax?: number;
  channelMax?: number;
  heartbeat?: number;
  capabilities?: FieldTable;
}

export class RawAmqp {
  readonly frames: ReceivedFrame[] = [];
  /** Bytes received before the first frame (a protocol header reply). */
  raw = Buffer.alloc(0);
  ended = false;
  private readonly reader = new FrameReader(1 << 20);
  private waiters: (() => void)[] = [];
  private readonly ended$: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.ended$ = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      // Only the first octets can be a protocol-header reply: keep appending until there are 8, no
      // further (concatenating every chunk of a 50 MB stream is quadratic).
      if (this.raw.length < 8) this.raw = Buffer.concat([this.raw, chunk]);
      // A protocol-header reply is 8 bytes starting with "AMQP": keep it in `raw`, not frames.
      if (this.raw.subarray(0, 4).toString('latin1') === 'AMQP') return this.wake();
      this.reader.push(chunk);
      for (;;) {
        let f: ReturnType<FrameReader['next']>;
        try {
          f = this.reader.next();
        } catch {
          break;
        }
        if (!f) break;
        const rf: ReceivedFrame = { type: f.type, channel: f.channel, payload: Buffer.from(f.payload) };
        if (f.type === FrameType.METHOD) rf.method = decodeMethod(rf.payload);
        this.frames.push(rf);
      }
      this.wake();
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawAmqp> {
    const socket = connect({ port, host });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawAmqp(socket);
  }

  /** Connects and completes the handshake up to connection.open-ok. */
  static async open(port: number, o: HandshakeOptions = {}): Promise<RawAmqp> {
    const c = await RawAmqp.connect(port);
    await c.handshake(o);
    return c;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(b: Buffer): void {
    this.socket.write(b);
  }

  send<N extends MethodName>(channel: number, name: N, args: MethodInput<N>): void {
    this.socket.write(encodeMethodFrame(channel, name, args));
  }

  sendFrame(type: number, channel: number, payload: Buffer): void {
    this.socket.write(encodeFrame(type, channel, payload));
  }

  /** Waits for the first not-yet-consumed frame matching `pred`, consuming it. */
  async next(pred: (f: ReceivedFrame) => boolean = () => true, timeoutMs = 5000): Promise<ReceivedFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0] as ReceivedFrame;
      if (this.ended) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async method<N extends MethodName>(
    name: N,
    channel?: number,
    timeoutMs = 5000,
  ): Promise<Extract<Method, { name: N }>> {
    const f = await this.next(
      (f) => f.method?.name === name && (channel === undefined || f.channel === channel),
      timeoutMs,
    );
    return f.method as Extract<Method, { name: N }>;
  }

  async handshake(o: HandshakeOptions = {}): Promise<void> {
    this.write(PROTOCOL_HEADER);
    await this.method('connection.start', 0);
    const user = o.user ?? 'guest';
    const password = o.password ?? 'guest';
    this.send(0, 'connection.start-ok', {
      clientProperties: {
        product: 'raw-test',
        capabilities: o.capabilities ?? { consumer_cancel_notify: true, authentication_failure_close: true },
      },
      mechanism: 'PLAIN',
      response: Buffer.from(`\0${user}\0${password}`),
      locale: 'en_US',
    });
    const tune = await this.method('connection.tune', 0);
    this.send(0, 'connection.tune-ok', {
      channelMax: o.channelMax ?? tune.args.channelMax,
      frameMax: o.frameMax ?? tune.args.frameMax,
      heartbeat: o.heartbeat ?? 0,
    });
    this.send(0, 'connection.open', { virtualHost: o.vhost ?? '/' });
    await this.method('connection.open-ok', 0);
  }

  async openChannel(id = 1): Promise<void> {
    this.send(id, 'channel.open', {});
    await this.method('channel.open-ok', id);
  }

  /** Resolves with the server's connection.close (answering close-ok), or null if the socket just closed. */
  async connectionClose(timeoutMs = 5000): Promise<CloseInfo | null> {
    try {
      const m = await this.method('connection.close', 0, timeoutMs);
      if (!this.ended) this.send(0, 'connection.close-ok', {});
      return { code: m.args.replyCode, text: m.args.replyText, classId: m.args.classId, methodId: m.args.methodId };
    } catch (e) {
      if (this.ended) return null;
      throw e;
    }
  }

  async channelClose(channel: number, timeoutMs = 5000): Promise<CloseInfo> {
    const m = await this.method('channel.close', channel, timeoutMs);
    this.send(channel, 'channel.close-ok', {});
    return { code: m.args.replyCode, text: m.args.replyText, classId: m.args.classId, methodId: m.args.methodId };
  }

  async waitEnded(timeoutMs = 5000): Promise<boolean> {
    await Promise.race([this.ended$, new Promise((r) => setTimeout(r, timeoutMs))]);
    return this.ended;
  }

  close(): void {
    this.socket.destroy();
  }
}
