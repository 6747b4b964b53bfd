/**
 * The broker's hot write path: basic.deliver / basic.get-ok / basic.return
 * followed by the publisher's own content header bytes and the body, written
 * directly into the connection's output buffer. The generic generated encoder
 * would allocate a Buffer per frame; this writes in place, with the frame
 * headers from protocol/frame-writer.ts (the one frame encoder).
 */
import {
  FRAME_END,
  FRAME_HEADER_SIZE,
  FRAME_OVERHEAD,
  FrameType,
  METHODS,
  writeFrameHeader,
} from '../protocol/index.js';
import type { OutputBuffer } from './output-buffer.js';
import type { StoredMessage } from './stored-message.js';

const { classId: BASIC, methodId: DELIVER } = METHODS['basic.deliver'];
/** Body slices at least this large go out without copying (output-buffer.ts queues them as they are). */
const ZERO_COPY_BODY = 16 * 1024;

/** A frame header at `out.pos` (room already ensured); `out.pos` moves to the payload. */
function frameHeader(out: OutputBuffer, type: number, channel: number, size: number): void {
  out.pos = writeFrameHeader(out.buf, out.pos, type, channel, size);
}

function shortStrLen(s: string): number {
  return Buffer.byteLength(s);
}

function writeShortStr(out: OutputBuffer, s: string, len: number): void {
  out.buf[out.pos++] = len;
  out.buf.write(s, out.pos, len, len === s.length ? 'latin1' : 'utf8');
  out.pos += len;
}

/** basic.deliver(consumer-tag, delivery-tag, redelivered, exchange, routing-key) + content. */
export function writeDelivery(
  out: OutputBuffer,
  channel: number,
  frameMax: number,
  consumerTag: string,
  deliveryTag: number,
  redelivered: boolean,
  message: StoredMessage,
  headerPayload: Buffer = message.headerPayload,
): void {
  const ctLen = shortStrLen(consumerTag);
  const exLen = shortStrLen(message.exchange);
  const rkLen = shortStrLen(message.routingKey);
  const payloadSize = 4 + 1 + ctLen + 8 + 1 + 1 + exLen + 1 + rkLen;
  out.ensure(payloadSize + FRAME_OVERHEAD);
  frameHeader(out, FrameType.METHOD, channel, payloadSize);
  out.buf.writeUInt16BE(BASIC, out.pos);
  out.buf.writeUInt16BE(DELIVER, out.pos + 2);
  out.pos += 4;
  writeShortStr(out, consumerTag, ctLen);
  writeUInt64(out.buf, out.pos, deliveryTag);
  out.pos += 8;
  out.buf[out.pos++] = redelivered ? 1 : 0;
  writeShortStr(out, message.exchange, exLen);
  writeShortStr(out, message.routingKey, rkLen);
  out.buf[out.pos++] = FRAME_END;
  writeContent(out, channel, frameMax, message, headerPayload);
}

/** The content header (verbatim from the publisher) and body frames of a message. */
export function writeContent(
  out: OutputBuffer,
  channel: number,
  frameMax: number,
  message: StoredMessage,
  hp: Buffer = message.headerPayload,
): void {
  out.ensure(hp.length + FRAME_OVERHEAD);
  frameHeader(out, FrameType.HEADER, channel, hp.length);
  hp.copy(out.buf, out.pos);
  out.pos += hp.length;
  out.buf[out.pos++] = FRAME_END;

  // Read back from the store when paged out (DiskStore body budget).
  const body = message.loadBody();
  const max = frameMax - FRAME_OVERHEAD;
  for (let off = 0; off < body.length; off += max) {
    const n = Math.min(max, body.length - off);
    if (n >= ZERO_COPY_BODY) {
      // Large slices go out without copying.
      out.ensure(FRAME_HEADER_SIZE);
      frameHeader(out, FrameType.BODY, channel, n);
      out.append(body.subarray(off, off + n));
      out.ensure(1);
    } else {
      out.ensure(n + FRAME_OVERHEAD);
      frameHeader(out, FrameType.BODY, channel, n);
      body.copy(out.buf, out.pos, off, off + n);
      out.pos += n;
    }
    out.buf[out.pos++] = FRAME_END;
  }
}

function writeUInt64(b: Buffer, pos: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 0x100000000), pos);
  b.writeUInt32BE(n >>> 0, pos + 4);
}
