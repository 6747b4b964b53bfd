/**
 * The one error type of the protocol layer: a value carrying the AMQP reply
 * code the broker should close with, and the class/method it concerns (the
 * `class-id`/`method-id` fields of connection.close and channel.close).
 */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly code: number,
    message: string,
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    super(message);
  }
}

/*
 * The codes the codec itself raises. They live here rather than being read from
 * the generated `ReplyCode` because the generated file imports this module; a
 * test pins them to the generated constants.
 */

/**
 * 501: RabbitMQ answers every frame it cannot parse with frame_error —
 * rabbit_reader's frame_error/5 for bad frame types, end markers and sizes, and
 * rabbit_misc:frame_error/2 ("cannot decode ...") when a method's arguments do
 * not match its layout.
 */
export const FRAME_ERROR = 501;

/** 505: a well-formed frame arriving where another kind was required. */
export const UNEXPECTED_FRAME = 505;

/**
 * 540: a method id this broker does not know (see decodeMethod in the
 * generated spec for what RabbitMQ itself does).
 */
export const NOT_IMPLEMENTED = 540;

/**
 * 406: RabbitMQ's answer to a message too large to accept
 * (rabbit_channel's check_msg_size, a channel-level precondition_failed).
 */
export const PRECONDITION_FAILED = 406;

/**
 * 541: a value this process itself asked us to encode does not fit its wire
 * type. RabbitMQ's generator exits (e.g. method_field_shortstr_overflow) and
 * the crash is reported as internal_error; it is our bug, not the peer's.
 */
export const INTERNAL_ERROR = 541;

/** A peer sent bytes we cannot parse. */
export function frameError(message: string, classId = 0, methodId = 0): ProtocolError {
  return new ProtocolError(FRAME_ERROR, message, classId, methodId);
}

/** We were asked to encode a value its wire type cannot hold. */
export function encodeError(message: string, classId = 0, methodId = 0): ProtocolError {
  return new ProtocolError(INTERNAL_ERROR, message, classId, methodId);
}
