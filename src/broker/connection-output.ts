/**
 * A connection's way to the socket: frames collect in the output buffer and
 * go out once per event-loop turn (cork/uncork), with socket backpressure.
 * Consumers stop taking messages while the socket refuses data or the output
 * is above the high water; they are woken when it drains.
 */
import type { Socket } from 'node:net';
import type { OutputBuffer } from './output-buffer.js';

/** Output beyond this, not yet taken by the socket, makes consumers on this connection wait. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/** Output beyond this stops reading from the client until the socket drains. */
const OUTPUT_HARD_LIMIT = 16 * 1024 * 1024;

/** What the output updates on its connection. */
export interface OutputHost {
  readonly stats: { sendOct: number; sendCnt: number };
  /** The heartbeat clock: when something was last sent. */
  readonly heartbeats: { lastSent: number };
  /** Space came back after a consumer was refused (markStarved): let the consumers take again. */
  kickConsumers(): void;
}

export class ConnectionOutput {
  private flushScheduled = false;
  private blocked = false;
  private starved = false;
  private readonly beforeFlushHooks: (() => void)[] = [];

  constructor(
    private readonly out: OutputBuffer,
    private readonly socket: Socket,
    private readonly host: OutputHost,
  ) {}

  /** The socket refused the last write and has not drained yet. */
  get socketBlocked(): boolean {
    return this.blocked;
  }

  /** Whether consumers may write more deliveries now: the socket takes data and the output is below the high water. */
  canWrite(): boolean {
    return !this.blocked && this.out.size < OUTPUT_HIGH_WATER;
  }

  /**
   * A consumer was refused by canWrite(): the connection is starved, so the
   * socket's drain (or the next flush that frees space) wakes the consumers again.
   */
  markStarved(): void {
    this.starved = true;
  }

  /** Called after anything is written into `out`. */
  wrote(): void {
    this.host.stats.sendCnt++;
    this.scheduleFlush();
  }

  /** Runs `fn` just before the next flush (confirm coalescing). */
  beforeFlush(fn: () => void): void {
    this.beforeFlushHooks.push(fn);
    this.scheduleFlush();
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  /**
   * A reply the peer is waiting for before it sends anything else (connection.start, tune, open-ok,
   * close-ok): written now, as rabbit_reader sends them straight to the socket, and without a copy into
   * the output chunk when nothing is queued before it (it goes after what is, hooks included).
   */
  sendNow(frame: Buffer): void {
    this.host.stats.sendCnt++;
    if (this.out.size === 0 && this.beforeFlushHooks.length === 0) this.write([frame]);
    else {
      this.out.append(frame);
      this.flush();
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.beforeFlushHooks.length > 0) {
      const hooks = this.beforeFlushHooks.splice(0);
      for (const h of hooks) h();
    }
    this.write(this.out.take());
  }

  private write(chunks: Buffer[]): void {
    if (chunks.length === 0 || this.socket.destroyed) return;
    this.host.heartbeats.lastSent = Date.now();
    let ok = true;
    if (chunks.length === 1) ok = this.socket.write(chunks[0] as Buffer);
    else {
      this.socket.cork();
      for (const c of chunks) ok = this.socket.write(c);
      this.socket.uncork();
    }
    for (const c of chunks) this.host.stats.sendOct += c.length;
    if (!ok) {
      this.blocked = true;
      if (this.socket.writableLength > OUTPUT_HARD_LIMIT) this.socket.pause();
    } else if (this.starved) {
      this.starved = false;
      setImmediate(() => this.host.kickConsumers());
    }
  }

  /** The socket's drain event: it takes data again. */
  drained(): void {
    this.blocked = false;
  }

  /** After a drain: wakes the consumers if one was refused meanwhile. */
  wakeIfStarved(): void {
    if (this.starved) {
      this.starved = false;
      this.host.kickConsumers();
    }
  }
}
