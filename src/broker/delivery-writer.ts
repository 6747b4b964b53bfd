/**
 * The broker's hot write path: basic.deliver / basic.get-ok / basic.return
 * followed by the publisher's own content header bytes and the body, written
 * directly into the connection's output buffer. The generic generated encoder
 * would allocate a Buffer per frame; this writes in place.
 */
import { FRAME_END, FrameType } from '../protocol/index.js';
import type { OutputBuffer } from './output-buffer.js';
import type { StoredMessage } from './stored-message.js';

const BASIC = 60;
const DELIVER = 60;

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
  out.ensure(payloadSize + 8);
  const b = out.buf;
  b[out.pos] = FrameType.METHOD;
  b.writeUInt16BE(channel, out.pos + 1);
  b.writeUInt32BE(payloadSize, out.pos + 3);
  b.writeUInt16BE(BASIC, out.pos + 7);
  b.writeUInt16BE(DELIVER, out.pos + 9);
  out.pos += 11;
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
  out.ensure(hp.length + 8);
  let b = out.buf;
  b[out.pos] = FrameType.HEADER;
  b.writeUInt16BE(channel, out.pos + 1);
  b.writeUInt32BE(hp.length, out.pos + 3);
  out.pos += 7;
  hp.copy(b, out.pos);
  out.pos += hp.length;
  b[out.pos++] = FRAME_END;

  // Read back from the store when paged out (DiskStore body budget).
  const body = message.loadBody();
  const max = frameMax - 8;
  for (let off = 0; off < body.length; off += max) {
    const n = Math.min(max, body.length - off);
    if (n >= 16 * 1024) {
      // Large slices go out without copying.
      out.ensure(7);
      b = out.buf;
      b[out.pos] = FrameType.BODY;
      b.writeUInt16BE(channel, out.pos + 1);
      b.writeUInt32BE(n, out.pos + 3);
      out.pos += 7;
      out.append(body.subarray(off, off + n));
      out.ensure(1);
      out.buf[out.pos++] = FRAME_END;
    } else {
      out.ensure(n + 8);
      b = out.buf;
      b[out.pos] = FrameType.BODY;
      b.writeUInt16BE(channel, out.pos + 1);
      b.writeUInt32BE(n, out.pos + 3);
      out.pos += 7;
      body.copy(b, out.pos, off, off + n);
      out.pos += n;
      b[out.pos++] = FRAME_END;
    }
  }
}

function writeUInt64(b: Buffer, pos: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / 0x100000000), pos);
  b.writeUInt32BE(n >>> 0, pos + 4);
}
