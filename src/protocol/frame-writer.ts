/**
 * Frame encoding (AMQP 0-9-1 §4.2.3). Method frames come whole from the
 * generated encodeMethodFrame; this module wraps header and body payloads.
 */
import { encodeError } from './errors.js';
import { FRAME_HEADER_SIZE, FRAME_OVERHEAD } from './frame-reader.js';
import { FRAME_END, FrameType } from './generated/spec.js';

/** Writes type, channel and payload size at offset; returns the payload's offset. */
export function writeFrameHeader(buf: Buffer, offset: number, type: number, channel: number, size: number): number {
  buf[offset] = type;
  buf.writeUInt16BE(channel, offset + 1);
  buf.writeUInt32BE(size, offset + 3);
  return offset + FRAME_HEADER_SIZE;
}

/** One frame in one new buffer (the payload is copied). */
export function encodeFrame(type: number, channel: number, payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(payload.length + FRAME_OVERHEAD);
  const o = writeFrameHeader(b, 0, type, channel, payload.length);
  payload.copy(b, o);
  b[o + payload.length] = FRAME_END;
  return b;
}

/** A heartbeat: type 8, channel 0, empty payload. Shared; never write into it. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([FrameType.HEARTBEAT, 0, 0, 0, 0, 0, 0, FRAME_END]);

/** Wraps an already-encoded content header payload (kept raw from the publisher) for another channel. */
export function encodeHeaderFrame(channel: number, headerPayload: Buffer): Buffer {
  return encodeFrame(FrameType.HEADER, channel, headerPayload);
}

/** Shared frame-end octet for zero-copy body frames; never write into it. */
const FRAME_END_BUFFER = Buffer.from([FRAME_END]);

/**
 * Body slices up to this size are copied into one buffer with their header
 * and end octet: cheaper than three iovecs. Larger ones go out zero-copy
 * (header, slice of the body, shared end octet), so fanout never copies a body.
 */
const COPY_LIMIT = 2048;

/**
 * Appends the body frames for `body` to `out`, each at most frameMax octets
 * including its 8 octets of header and end (frameMax 0 means no limit). An
 * empty body has no body frames (§4.2.6.2: the header's body-size says 0).
 */
export function encodeBodyFrames(channel: number, body: Buffer, frameMax: number, out: Buffer[]): void {
  if (frameMax !== 0 && frameMax <= FRAME_OVERHEAD)
    throw encodeError(`frame-max ${frameMax} leaves no room for a body`);
  const max = frameMax === 0 ? body.length : frameMax - FRAME_OVERHEAD;
  for (let start = 0; start < body.length; start += max) {
    const n = Math.min(max, body.length - start);
    if (n <= COPY_LIMIT) {
      const b = Buffer.allocUnsafe(n + FRAME_OVERHEAD);
      const o = writeFrameHeader(b, 0, FrameType.BODY, channel, n);
      body.copy(b, o, start, start + n);
      b[o + n] = FRAME_END;
      out.push(b);
    } else {
      const h = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
      writeFrameHeader(h, 0, FrameType.BODY, channel, n);
      out.push(h, body.subarray(start, start + n), FRAME_END_BUFFER);
    }
  }
}
