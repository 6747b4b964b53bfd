/**
 * The AMQP 0-9-1 wire format: generated method table and codecs, field
 * tables, content headers, frame reader and writer. No I/O.
 */
export type { ContentHeader, ContentHeaderPrefix } from './content-header.js';
export {
  CONTENT_HEADER_PREFIX_SIZE,
  decodeContentHeader,
  decodeContentHeaderPrefix,
  encodeContentHeaderPayload,
} from './content-header.js';
export {
  encodeError,
  FRAME_ERROR,
  frameError,
  INTERNAL_ERROR,
  NOT_IMPLEMENTED,
  PRECONDITION_FAILED,
  ProtocolError,
  UNEXPECTED_FRAME,
} from './errors.js';
export {
  decodeFieldArray,
  decodeFieldTable,
  encodeFieldArray,
  encodeFieldTable,
  fieldArraySize,
  fieldTableSize,
  MAX_DEPTH,
  writeFieldArray,
  writeFieldTable,
} from './field-table.js';
export type { Decimal, FieldTable, FieldTag, FieldValue, TypedKind } from './field-types.js';
export { inferFieldTag, Typed } from './field-types.js';
export type { Frame, ProtocolHeaderCheck } from './frame-reader.js';
export {
  checkProtocolHeader,
  FRAME_HEADER_SIZE,
  FRAME_OVERHEAD,
  FrameReader,
  PROTOCOL_HEADER,
} from './frame-reader.js';
export {
  encodeBodyFrames,
  encodeFrame,
  encodeHeaderFrame,
  HEARTBEAT_FRAME,
  writeFrameHeader,
} from './frame-writer.js';
export type * from './generated/spec.js';
export {
  ClassId,
  decodeBasicProperties,
  decodeMethod,
  encodeBasicProperties,
  encodeBasicPropertiesAt,
  encodeMethodFrame,
  FRAME_END,
  FRAME_MIN_SIZE,
  FrameType,
  isHardError,
  METHODS,
  methodInfo,
  ReplyCode,
  ReplyText,
} from './generated/spec.js';
export { MANAGEMENT_URL_PROPERTY } from './server-properties.js';
