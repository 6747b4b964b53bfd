/**
 * Content header frame payloads (AMQP 0-9-1 §4.2.6.1): class-id, weight,
 * body-size, then the class's property flags and properties.
 *
 * The broker keeps a publisher's header payload as raw bytes and re-sends it
 * verbatim, so it usually needs only the fixed prefix; decode the properties
 * when a property matters.
 */
import {
  encodeError,
  FRAME_ERROR,
  frameError,
  PRECONDITION_FAILED,
  ProtocolError,
  UNEXPECTED_FRAME,
} from './errors.js';
import type { BasicProperties } from './generated/spec.js';
import { ClassId, decodeBasicProperties, encodeBasicPropertiesAt } from './generated/spec.js';

export interface ContentHeaderPrefix {
  readonly classId: number;
  /** Must be 0; RabbitMQ's assembler treats a header with another weight as an unexpected frame (505). */
  readonly weight: number;
  readonly bodySize: number;
}

export interface ContentHeader extends ContentHeaderPrefix {
  readonly properties: BasicProperties;
}

/** class-id + weight + body-size. */
export const CONTENT_HEADER_PREFIX_SIZE = 12;

const TWO_32 = 0x1_0000_0000;

/**
 * Reads class-id, weight and body-size without touching the properties.
 * Fewer than 12 octets is 501: rabbit_command_assembler:analyze_frame does not
 * recognise such a header and rabbit_reader reports frame_error.
 */
export function decodeContentHeaderPrefix(payload: Buffer): ContentHeaderPrefix {
  if (payload.length < CONTENT_HEADER_PREFIX_SIZE) {
    throw new ProtocolError(FRAME_ERROR, `content header payload of ${payload.length} octets is too short`);
  }
  const classId = payload.readUInt16BE(0);
  const hi = payload.readUInt32BE(4);
  // body-size is a longlong; above 2^53 - 1 it cannot be counted exactly, and
  // no broker accepts such a message anyway: RabbitMQ refuses anything over
  // max_message_size with 406 PRECONDITION_FAILED.
  if (hi > 0x1f_ffff) {
    throw new ProtocolError(PRECONDITION_FAILED, 'message body size exceeds 2^53 - 1 octets', classId);
  }
  return { classId, weight: payload.readUInt16BE(2), bodySize: hi * TWO_32 + payload.readUInt32BE(8) };
}

/**
 * Decodes a whole content header payload. Only the basic class carries content
 * in 0-9-1, so another class id can never match the method it follows; RabbitMQ
 * reports that as 505 ("expected content header for class 60, got one for
 * class N instead").
 */
export function decodeContentHeader(payload: Buffer): ContentHeader {
  const prefix = decodeContentHeaderPrefix(payload);
  if (prefix.classId !== ClassId.basic) {
    throw new ProtocolError(
      UNEXPECTED_FRAME,
      `expected content header for class ${ClassId.basic}, got one for class ${prefix.classId} instead`,
      prefix.classId,
    );
  }
  if (payload.length < CONTENT_HEADER_PREFIX_SIZE + 2) throw frameError('content header has no property flags');
  const properties = decodeBasicProperties(payload, CONTENT_HEADER_PREFIX_SIZE, payload.length);
  return { classId: prefix.classId, weight: prefix.weight, bodySize: prefix.bodySize, properties };
}

/** Encodes a content header payload (weight 0) in one allocation. */
export function encodeContentHeaderPayload(classId: number, bodySize: number, properties: BasicProperties): Buffer {
  if (!Number.isSafeInteger(bodySize) || bodySize < 0) {
    throw encodeError(`body size ${bodySize} is not a non-negative safe integer`, classId);
  }
  const b = encodeBasicPropertiesAt(properties, CONTENT_HEADER_PREFIX_SIZE);
  b.writeUInt16BE(classId, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(Math.floor(bodySize / TWO_32), 4);
  b.writeUInt32BE(bodySize >>> 0, 8);
  return b;
}
