/**
 * Outgoing bytes of one connection, batched per event-loop turn. Frames are
 * written straight into large pooled chunks (no per-frame Buffer), and the
 * connection flushes them to the socket once per turn with cork/uncork, so a
 * burst of deliveries costs one writev, not one syscall per frame.
 */
const CHUNK_SIZE = 64 * 1024;
/** Buffers at least this large are queued as they are rather than copied. */
const ZERO_COPY_MIN = 16 * 1024;

/** No chunk yet: a connection that only opens and closes never needs one (its replies go out as they are). */
const NO_CHUNK = Buffer.alloc(0);

export class OutputBuffer {
  /** The chunk being written, allocated by the first `ensure`. */
  buf: Buffer = NO_CHUNK;
  /** Write position in `buf`. Callers that `ensure(n)` may write n bytes at `pos` and then advance it. */
  pos = 0;
  private start = 0;
  private readonly pending: Buffer[] = [];
  private pendingSize = 0;

  /** Bytes accepted but not yet handed to the socket. */
  get size(): number {
    return this.pendingSize + (this.pos - this.start);
  }

  /** Makes room for `n` contiguous bytes at `pos`. */
  ensure(n: number): void {
    if (this.buf.length - this.pos >= n) return;
    this.seal();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, n));
    this.pos = 0;
    this.start = 0;
  }

  append(b: Buffer): void {
    if (b.length >= ZERO_COPY_MIN) {
      this.seal();
      this.pending.push(b);
      this.pendingSize += b.length;
      return;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }

  private seal(): void {
    if (this.pos > this.start) {
      this.pending.push(this.buf.subarray(this.start, this.pos));
      this.pendingSize += this.pos - this.start;
      this.start = this.pos;
    }
  }

  /** Hands over everything written so far, in order. */
  take(): Buffer[] {
    this.seal();
    const out = this.pending.splice(0);
    this.pendingSize = 0;
    return out;
  }
}
