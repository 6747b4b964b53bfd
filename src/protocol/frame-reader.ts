/**
 * Incremental AMQP 0-9-1 frame parser (§4.2.3: type octet, channel short,
 * size long, payload, 0xCE) and the protocol-header check that precedes it.
 *
 * Chunks are kept as they arrive; a frame's payload is a zero-copy slice when it
 * lies within one chunk and is copied together only when it spans several.
 */
import { frameError, type ProtocolError } from './errors.js';
import { FRAME_END, FrameType } from './generated/spec.js';

export interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

/** 'AMQP' 0 0 9 1: what clients send, and what we send back when refusing a header. */
export const PROTOCOL_HEADER: Buffer = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]);

export type ProtocolHeaderCheck = 'ok' | 'incomplete' | 'bad';

/** type + channel + size */
export const FRAME_HEADER_SIZE = 7;
/** header + frame-end octet */
export const FRAME_OVERHEAD = 8;

/**
 * Judges the 8 octets a client opens with, as RabbitMQ 3.10's rabbit_reader does:
 * - it waits for all 8 octets before deciding anything ('incomplete');
 * - 'AMQP' 0 0 9 1 is 0-9-1, and 'AMQP' 1 1 0 9 (0-9) is accepted and treated as
 *   0-9-1 ("which we can safely treat as though it were 0-9-1");
 * - anything else is refused by sending PROTOCOL_HEADER and closing ('bad').
 *   RabbitMQ 3.x would also start AMQP 0-8 for 'AMQP' 1 1 8 0 / 1 1 9 1, and
 *   AMQP 1.0 with its plugin; this broker speaks neither, so it refuses them
 *   exactly as RabbitMQ refuses an unsupported version.
 */
export function checkProtocolHeader(buf: Buffer): ProtocolHeaderCheck {
  if (buf.length < 8) return 'incomplete';
  if (buf[0] !== 0x41 || buf[1] !== 0x4d || buf[2] !== 0x51 || buf[3] !== 0x50) return 'bad';
  const a = buf[4];
  const b = buf[5];
  const c = buf[6];
  const d = buf[7];
  if (a === 0 && b === 0 && c === 9 && d === 1) return 'ok';
  if (a === 1 && b === 1 && c === 0 && d === 9) return 'ok';
  return 'bad';
}

const EMPTY = Buffer.alloc(0);

export class FrameReader {
  /**
   * Largest accepted payload; 0 means unlimited. RabbitMQ rejects a frame
   * whose size field exceeds frame_max - 8 + 8 ("we allow clients to exceed the
   * frame size a little bit since quite a few get it wrong"), i.e. it compares
   * the payload size with frame_max itself; so do we. Before connection.tune-ok
   * the broker should set FRAME_MIN_SIZE, as RabbitMQ does.
   */
  maxFrameSize: number;

  private chunks: Buffer[] = [];
  private head = 0;
  private offset = 0;
  private buffered = 0;
  /** Header of the frame being awaited; size is -1 when no header has been read. */
  private size = -1;
  private type = 0;
  private channel = 0;
  private failure: ProtocolError | undefined;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Octets held and not yet returned in a frame (excluding the 7-octet header of a frame still awaited). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame, or undefined until more bytes arrive. Throws
   * ProtocolError 501 (and keeps throwing it: the stream is out of sync, which
   * RabbitMQ treats as fatal) for an oversized frame, a bad frame-end octet, an
   * unknown frame type, or a heartbeat with a payload. The last two come from
   * rabbit_command_assembler:analyze_frame returning `error`, which
   * rabbit_reader reports as frame_error(unknown_frame).
   */
  next(): Frame | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.size < 0) {
      if (this.buffered < FRAME_HEADER_SIZE) return undefined;
      this.readHeader();
    }
    const size = this.size;
    if (this.buffered < size + 1) return undefined;
    const payload = this.take(size);
    const end = this.take(1)[0];
    this.size = -1;
    const { type, channel } = this;
    if (end !== FRAME_END) {
      return this.fail(`type ${type}, channel ${channel}: invalid frame end marker 0x${end?.toString(16)}`);
    }
    switch (type) {
      case FrameType.METHOD:
      case FrameType.HEADER:
      case FrameType.BODY:
        break;
      case FrameType.HEARTBEAT:
        if (size !== 0) return this.fail(`heartbeat frame with a ${size}-octet payload`);
        break;
      default:
        return this.fail(`type ${type}, channel ${channel}: unknown frame type`);
    }
    return { type, channel, payload };
  }

  private fail(message: string): never {
    this.failure = frameError(message);
    throw this.failure;
  }

  private readHeader(): void {
    const c = this.chunks[this.head]!;
    const h = c.length - this.offset >= FRAME_HEADER_SIZE ? c : this.take(FRAME_HEADER_SIZE);
    const at = h === c ? this.offset : 0;
    const type = h[at]!;
    const channel = h.readUInt16BE(at + 1);
    const size = h.readUInt32BE(at + 3);
    if (this.maxFrameSize !== 0 && size > this.maxFrameSize) {
      this.fail(`type ${type}, channel ${channel}: frame_too_large (${size} > ${this.maxFrameSize})`);
    }
    if (h === c) this.skip(FRAME_HEADER_SIZE);
    this.type = type;
    this.channel = channel;
    this.size = size;
  }

  /** Removes n buffered octets (n <= buffered): a slice of one chunk when possible. */
  private take(n: number): Buffer {
    const c = this.chunks[this.head]!;
    const start = this.offset;
    if (c.length - start >= n) {
      this.skip(n);
      return c.subarray(start, start + n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const cur = this.chunks[this.head]!;
      const k = Math.min(n - filled, cur.length - this.offset);
      cur.copy(out, filled, this.offset, this.offset + k);
      filled += k;
      this.skip(k);
    }
    return out;
  }

  /** Advances past n octets of the head chunk (n <= what it has left). */
  private skip(n: number): void {
    this.offset += n;
    this.buffered -= n;
    if (this.offset < this.chunks[this.head]!.length) return;
    this.chunks[this.head] = EMPTY;
    this.head += 1;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      // drop consumed slots now and then, so many tiny chunks stay O(1) each
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
