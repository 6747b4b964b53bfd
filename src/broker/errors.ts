/**
 * AMQP errors raised inside the broker, named for the spec's "channel exception"
 * and "connection exception" (AMQP 0-9-1 §1.2) so they never read as the client's
 * `ConnectionError`. Handlers throw these; the connection
 * turns a `ChannelException` into channel.close and a `ConnectionException` into
 * connection.close, as RabbitMQ's rabbit_channel/rabbit_reader do with soft
 * and hard errors (AMQP 0-9-1 §1.2, reply-code classes).
 *
 * Reply texts follow RabbitMQ's shape, "NOT_FOUND - no queue 'q' in vhost '/'",
 * because clients and users grep for them.
 */
import { ProtocolError, ReplyCode, ReplyText } from '../protocol/index.js';

export type ReplyCodeValue = (typeof ReplyCode)[keyof typeof ReplyCode];

abstract class AmqpError extends Error {
  readonly replyText: string;
  constructor(
    readonly code: number,
    detail: string,
    readonly classId = 0,
    readonly methodId = 0,
  ) {
    const text = `${ReplyText[code as keyof typeof ReplyText] ?? 'ERROR'} - ${detail}`;
    super(text);
    // AMQP short strings hold at most 255 bytes; RabbitMQ truncates long texts too.
    this.replyText = truncateShortString(text);
  }
  /** The same error, attributed to the method that caused it. */
  abstract at(classId: number, methodId: number): AmqpError;
}

/** A soft error: closes only the channel (reply codes 3xx/4xx). */
export class ChannelException extends AmqpError {
  override name = 'ChannelException';
  at(classId: number, methodId: number): ChannelException {
    if (this.classId !== 0) return this;
    return new ChannelException(this.code, stripPrefix(this.message), classId, methodId);
  }
}

/** A hard error: closes the whole connection (reply codes 5xx, 320, 402). */
export class ConnectionException extends AmqpError {
  override name = 'ConnectionException';
  at(classId: number, methodId: number): ConnectionException {
    if (this.classId !== 0) return this;
    return new ConnectionException(this.code, stripPrefix(this.message), classId, methodId);
  }
}

export type AnyAmqpError = ChannelException | ConnectionException;

function stripPrefix(message: string): string {
  const i = message.indexOf(' - ');
  return i >= 0 ? message.slice(i + 3) : message;
}

export function truncateShortString(s: string): string {
  if (Buffer.byteLength(s) <= 255) return s;
  let out = s.slice(0, 255);
  while (Buffer.byteLength(out) > 255) out = out.slice(0, -1);
  return out;
}

// Constructors named for the reply code, like LavinMQ's send_not_found helpers.
export const notFound = (detail: string) => new ChannelException(ReplyCode.NOT_FOUND, detail);
export const accessRefused = (detail: string) => new ChannelException(ReplyCode.ACCESS_REFUSED, detail);
export const resourceLocked = (detail: string) => new ChannelException(ReplyCode.RESOURCE_LOCKED, detail);
export const preconditionFailed = (detail: string) => new ChannelException(ReplyCode.PRECONDITION_FAILED, detail);
export const frameError = (detail: string) => new ConnectionException(ReplyCode.FRAME_ERROR, detail);
export const syntaxError = (detail: string) => new ConnectionException(ReplyCode.SYNTAX_ERROR, detail);
export const commandInvalid = (detail: string) => new ConnectionException(ReplyCode.COMMAND_INVALID, detail);
export const channelError = (detail: string) => new ConnectionException(ReplyCode.CHANNEL_ERROR, detail);
export const unexpectedFrame = (detail: string) => new ConnectionException(ReplyCode.UNEXPECTED_FRAME, detail);
export const notAllowed = (detail: string) => new ConnectionException(ReplyCode.NOT_ALLOWED, detail);
export const notImplemented = (detail: string) => new ConnectionException(ReplyCode.NOT_IMPLEMENTED, detail);
export const internalError = (detail: string) => new ConnectionException(ReplyCode.INTERNAL_ERROR, detail);

/** RabbitMQ quotes resource names as `queue 'q' in vhost '/'`. */
export const describeQueue = (name: string, vhost: string) => `queue '${name}' in vhost '${vhost}'`;
export const describeExchange = (name: string, vhost: string) => `exchange '${name}' in vhost '${vhost}'`;

/**
 * What an error thrown while reading a connection's frames closes the
 * connection with: a codec error or an escaped channel error becomes a
 * connection exception with the same code; undefined means a bug (the caller
 * logs it and closes with 541 INTERNAL_ERROR).
 */
export function asConnectionException(e: unknown): ConnectionException | undefined {
  if (e instanceof ConnectionException) return e;
  if (e instanceof ProtocolError || e instanceof ChannelException) {
    return new ConnectionException(e.code, stripName(e.message), e.classId, e.methodId);
  }
  return undefined;
}

function stripName(message: string): string {
  const i = message.indexOf(' - ');
  return i >= 0 && /^[A-Z_]+$/.test(message.slice(0, i)) ? message.slice(i + 3) : message;
}
