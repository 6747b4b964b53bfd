/**
 * The files of the message store (LavinMQ's layout): append-only message
 * segments `NNNNNNNN.msg`, each with a side file `NNNNNNNN.ack` recording
 * which queues still reference its messages (ack, delivered, ref records).
 * A segment is deleted, side file and all, once no queue references any of
 * its messages, so disk use follows what is queued.
 *
 * Writing is two-phase so that positions are known synchronously: `reserve`
 * and `appendSide` queue buffers and advance the file sizes; `writePending`
 * writes everything queued with one writev per file and one fdatasync per
 * message file touched (group commit: one sync serves every publisher in the
 * batch).
 */
import { closeSync, fdatasync, ftruncateSync, openSync, unlinkSync, writev } from 'node:fs';
import { join } from 'node:path';
import { ACK_MAGIC, MAGIC_SIZE, SEGMENT_MAGIC } from './record-codec.js';

/** Message positions are `segment id * 2^32 + offset` (a safe integer for ids below 2^21). */
export const SEGMENT_SPAN = 0x1_0000_0000;

export class Segment {
  msgFd: number | undefined;
  ackFd: number | undefined;
  /** Live (queue, message) references to messages in this segment. */
  live = 0;
  deleted = false;
  /** Buffers queued for the message file, to be written at `msgStart`. */
  msgBufs: Buffer[] = [];
  msgStart = 0;
  /**
   * Small records are written in place into this chunk; the part from
   * `chunkFrom` to `chunkUsed` follows `msgBufs` and joins them as one view.
   */
  chunk: Buffer | undefined;
  chunkFrom = 0;
  chunkUsed = 0;
  ackBufs: Buffer[] = [];
  ackStart = 0;
  /** No more appends to the message file (a write failed, or it was recovered from a previous run). */
  sealed = false;

  constructor(
    readonly id: number,
    readonly msgPath: string,
    readonly ackPath: string,
    public msgSize: number,
    public ackSize: number,
  ) {}

  /** Message-file bytes are queued and not yet handed to a write. */
  get msgPending(): boolean {
    return this.msgBufs.length > 0 || this.chunkUsed > this.chunkFrom;
  }

  /** Moves what was written into the chunk since the last call to the end of `msgBufs`. */
  sealChunk(): void {
    if (this.chunk === undefined || this.chunkUsed === this.chunkFrom) return;
    this.msgBufs.push(this.chunk.subarray(this.chunkFrom, this.chunkUsed));
    this.chunkFrom = this.chunkUsed;
  }
}

/** Records up to this size are written into a shared chunk (one buffer per CHUNK_SIZE bytes written). */
export const SMALL_RECORD = 16 * 1024;
const CHUNK_SIZE = 256 * 1024;

/** Writes a record of a known size into `buf` at `at`. */
export type RecordWriter = (buf: Buffer, at: number) => void;

export function segmentFileName(id: number, ext: 'msg' | 'ack'): string {
  return `${String(id).padStart(8, '0')}.${ext}`;
}

function writevAt(fd: number, bufs: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => writev(fd, bufs, position, (err) => (err ? reject(err) : resolve())));
}

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class SegmentLog {
  readonly segments = new Map<number, Segment>();
  current: Segment;
  /** A file was created since the last write: the directory entry needs a sync too. */
  dirDirty = false;
  /** fdatasyncs of side files (acks, refs, delivered marks) so far. */
  sideSyncs = 0;

  constructor(
    readonly dir: string,
    readonly maxSegmentSize: number,
    firstId: number,
  ) {
    this.current = this.create(firstId);
  }

  /** Registers a segment recovered from disk (never appended to again, only its side file). */
  adopt(id: number, msgSize: number, ackSize: number, live: number): Segment {
    const s = new Segment(
      id,
      join(this.dir, segmentFileName(id, 'msg')),
      join(this.dir, segmentFileName(id, 'ack')),
      msgSize,
      ackSize,
    );
    s.live = live;
    s.sealed = true;
    this.segments.set(id, s);
    return s;
  }

  private create(id: number): Segment {
    const s = new Segment(
      id,
      join(this.dir, segmentFileName(id, 'msg')),
      join(this.dir, segmentFileName(id, 'ack')),
      0,
      0,
    );
    // Read as well as write: paged-out bodies are read back from it (DiskStore body budget).
    s.msgFd = openSync(s.msgPath, 'wx+', 0o644);
    s.msgBufs.push(SEGMENT_MAGIC);
    s.msgSize = MAGIC_SIZE;
    this.segments.set(id, s);
    this.dirDirty = true;
    return s;
  }

  /** Starts a new segment; the old one keeps its queued writes and is synced with the batch. */
  roll(): Segment {
    this.current.sealed = true;
    this.current = this.create(this.current.id + 1);
    return this.current;
  }

  /** Queues a message record given as parts (not copied); returns its segment and offset. */
  reserve(parts: readonly Buffer[], size: number): { segment: Segment; offset: number } {
    const s = this.segmentFor(size);
    s.sealChunk();
    const offset = s.msgSize;
    for (const p of parts) s.msgBufs.push(p);
    s.msgSize += size;
    return { segment: s, offset };
  }

  /**
   * Queues a small record (at most SMALL_RECORD bytes) that `write` puts in
   * place into the segment's chunk, so a batch of small records costs one
   * buffer per chunk instead of several per record; returns its segment and offset.
   */
  reserveWrite(size: number, write: RecordWriter): { segment: Segment; offset: number } {
    const s = this.segmentFor(size);
    if (s.chunk === undefined || s.chunkUsed + size > s.chunk.length) {
      s.sealChunk();
      s.chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE);
      s.chunkFrom = 0;
      s.chunkUsed = 0;
    }
    write(s.chunk, s.chunkUsed);
    s.chunkUsed += size;
    const offset = s.msgSize;
    s.msgSize += size;
    return { segment: s, offset };
  }

  /** The segment the next record of `size` bytes goes to (rolling when full), its batch start noted. */
  private segmentFor(size: number): Segment {
    let s = this.current;
    if (s.sealed || (s.msgSize + size > this.maxSegmentSize && s.msgSize > MAGIC_SIZE)) s = this.roll();
    if (!s.msgPending) s.msgStart = s.msgSize;
    return s;
  }

  /** Queues a side record for segment `s`. */
  appendSide(s: Segment, record: Buffer): void {
    if (s.ackFd === undefined) {
      s.ackFd = openSync(s.ackPath, 'a+', 0o644);
      if (s.ackSize === 0) {
        s.ackStart = 0;
        s.ackBufs.push(ACK_MAGIC);
        s.ackSize = MAGIC_SIZE;
        this.dirDirty = true;
      }
    }
    if (s.ackBufs.length === 0) s.ackStart = s.ackSize;
    s.ackBufs.push(record);
    s.ackSize += record.length;
  }

  /** True when some segment has queued writes. */
  get hasPending(): boolean {
    for (const s of this.segments.values()) if (s.msgPending || s.ackBufs.length > 0) return true;
    return false;
  }

  /**
   * Writes everything queued and syncs the message files and side files. A failed write seals the segment and truncates away what
   * the batch may have half-written; the error is rethrown for the batch.
   */
  async writePending(): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const s of this.segments.values()) {
      s.sealChunk();
      // A segment no longer appended to lets its chunk go once these writes are done.
      if (s.sealed || s !== this.current) s.chunk = undefined;
      if (s.msgBufs.length > 0) {
        const bufs = s.msgBufs;
        const start = s.msgStart;
        s.msgBufs = [];
        jobs.push(
          (async () => {
            try {
              await writevAt(s.msgFd as number, bufs, start);
              await datasync(s.msgFd as number);
            } catch (e) {
              s.sealed = true;
              try {
                ftruncateSync(s.msgFd as number, start);
              } catch {
                // Nothing more to do: recovery will report the tail.
              }
              throw e;
            }
          })(),
        );
      }
      if (s.ackBufs.length > 0) {
        const bufs = s.ackBufs;
        const start = s.ackStart;
        s.ackBufs = [];
        jobs.push(
          (async () => {
            try {
              // Side files are opened for append; the explicit position only documents the layout.
              await writevAt(s.ackFd as number, bufs, start);
              // Acks, rejects and delivered marks are synced in the same group commit as the
              // messages, so an acknowledged message never comes back after a power loss once
              // the batch holding its ack has finished (at most one event-loop turn plus one sync).
              await datasync(s.ackFd as number);
              this.sideSyncs++;
            } catch (e) {
              try {
                ftruncateSync(s.ackFd as number, start);
                s.ackSize = start;
              } catch {
                // Recovery will report the tail.
              }
              throw e;
            }
          })(),
        );
      }
    }
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /** Removes a segment that no queue references; never the one being appended to. */
  delete(s: Segment): void {
    if (s.deleted || s === this.current) return;
    s.deleted = true;
    this.segments.delete(s.id);
    this.closeFds(s);
    for (const p of [s.msgPath, s.ackPath]) {
      try {
        unlinkSync(p);
      } catch {
        // The side file may never have been created.
      }
    }
  }

  private closeFds(s: Segment): void {
    if (s.msgFd !== undefined) closeSync(s.msgFd);
    if (s.ackFd !== undefined) closeSync(s.ackFd);
    s.msgFd = undefined;
    s.ackFd = undefined;
  }

  close(): void {
    for (const s of this.segments.values()) this.closeFds(s);
  }
}
