/**
 * The exception tree of qpid.messaging (docs/qpid-reference.md §2.4), as typed classes.
 *
 * Names and parentage mirror qpid-python's `qpid/messaging/exceptions.py`, so code written against the
 * Python API (`except NotFound`, `except ReceiverError`) ports to `instanceof` checks one for one. A few
 * C++ client classes are added where a 0-9-1 client needs them (`MessageRejected`, `NoRoute`).
 */

/** What a broker told us when it closed a channel or connection (AMQP 0-9-1 `close` method fields). */
export interface MessagingErrorOptions {
  /** AMQP reply code that caused the error (e.g. 404). */
  readonly code?: number;
  /** The broker's reply text, verbatim. */
  readonly replyText?: string;
  /** Class id of the method that failed, from the close frame. */
  readonly classId?: number;
  /** Method id of the method that failed, from the close frame. */
  readonly methodId?: number;
  /** The underlying error (ES2022 error cause). */
  readonly cause?: unknown;
}

/** Which endpoint a broker close was reported on; see {@link errorFromAmqpClose}. */
export type CloseContext = 'connection' | 'session' | 'link';

/** One problem found while validating address options (docs/qpid-reference.md §1.5). */
export interface OptionIssue {
  /** Dotted key path, e.g. `node.durable` or `node.x-bindings[0].exchange`. */
  readonly path: string;
  /** What is wrong, e.g. `[] is not a bool` or `illegal key`. */
  readonly problem: string;
  /** The accepted values or keys, when there is a closed set. */
  readonly allowed?: readonly string[];
}

/** Root of every error raised by the messaging API ([py] `MessagingError`). */
export class MessagingError extends Error {
  static {
    MessagingError.prototype.name = 'MessagingError';
  }
  declare readonly code?: number;
  declare readonly replyText?: string;
  declare readonly classId?: number;
  declare readonly methodId?: number;

  constructor(message?: string, options: MessagingErrorOptions = {}) {
    super(message ?? defaultMessage(options), 'cause' in options ? { cause: options.cause } : undefined);
    // Only set what was given, so inspected errors do not show a row of `undefined` fields.
    const self = this as { -readonly [K in keyof MessagingErrorOptions]: MessagingErrorOptions[K] };
    if (options.code !== undefined) self.code = options.code;
    if (options.replyText !== undefined) self.replyText = options.replyText;
    if (options.classId !== undefined) self.classId = options.classId;
    if (options.methodId !== undefined) self.methodId = options.methodId;
  }
}

// [py] str(MessagingError(code, text)) is `text(code)`; we keep that shape with a space.
function defaultMessage(options: MessagingErrorOptions): string {
  const text = options.replyText ?? '';
  if (options.code === undefined) return text;
  return text === '' ? `reply code ${options.code}` : `${text} (${options.code})`;
}

/**
 * A blocking call ran out of time. Deliberately NOT a MessagingError, exactly as in [py]
 * (`Timeout(Exception)`): a timeout says nothing about the health of the connection.
 */
export class Timeout extends Error {
  static {
    Timeout.prototype.name = 'Timeout';
  }
}

export class InternalError extends MessagingError {
  static {
    InternalError.prototype.name = 'InternalError';
  }
}

// ---------------------------------------------------------------- connection errors

export class ConnectionError extends MessagingError {
  static {
    ConnectionError.prototype.name = 'ConnectionError';
  }
}

/** Could not establish the connection (socket failure, refused handshake). */
export class ConnectError extends ConnectionError {
  static {
    ConnectError.prototype.name = 'ConnectError';
  }
}

export class VersionError extends ConnectError {
  static {
    VersionError.prototype.name = 'VersionError';
  }
}

export class AuthenticationFailure extends ConnectError {
  static {
    AuthenticationFailure.prototype.name = 'AuthenticationFailure';
  }
}

export class ConnectionClosed extends ConnectionError {
  static {
    ConnectionClosed.prototype.name = 'ConnectionClosed';
  }
}

export class HeartbeatTimeout extends ConnectionError {
  static {
    HeartbeatTimeout.prototype.name = 'HeartbeatTimeout';
  }
}

// ---------------------------------------------------------------- session errors

export class SessionError extends MessagingError {
  static {
    SessionError.prototype.name = 'SessionError';
  }
}

/** An operation that needs an attached session was tried while detached ([py] `send()` while closing). */
export class Detached extends SessionError {
  static {
    Detached.prototype.name = 'Detached';
  }
}

/** commit/rollback on a session that was not opened transactional. */
export class NontransactionalSession extends SessionError {
  static {
    NontransactionalSession.prototype.name = 'NontransactionalSession';
  }
}

export class TransactionError extends SessionError {
  static {
    TransactionError.prototype.name = 'TransactionError';
  }
}

export class TransactionAborted extends TransactionError {
  static {
    TransactionAborted.prototype.name = 'TransactionAborted';
  }
}

/** The outcome of a commit is not known (the connection failed while committing). */
export class TransactionUnknown extends TransactionError {
  static {
    TransactionUnknown.prototype.name = 'TransactionUnknown';
  }
}

export class UnauthorizedAccess extends SessionError {
  static {
    UnauthorizedAccess.prototype.name = 'UnauthorizedAccess';
  }
}

export class ServerError extends SessionError {
  static {
    ServerError.prototype.name = 'ServerError';
  }
}

export class SessionClosed extends SessionError {
  static {
    SessionClosed.prototype.name = 'SessionClosed';
  }
}

// ---------------------------------------------------------------- link errors

export class LinkError extends MessagingError {
  static {
    LinkError.prototype.name = 'LinkError';
  }
}

/** Sender capacity is zero, or waiting for capacity timed out ([py] text `capacity = N`). */
export class InsufficientCapacity extends LinkError {
  static {
    InsufficientCapacity.prototype.name = 'InsufficientCapacity';
  }
}

export class AddressError extends LinkError {
  static {
    AddressError.prototype.name = 'AddressError';
  }
}

/** Where a malformed address went wrong. */
export interface MalformedAddressOptions extends MessagingErrorOptions {
  /** The address text as given. */
  readonly address?: string;
  /** 1-based column (UTF-16 code unit offset + 1) of the offending token. */
  readonly column?: number;
}

/** The address string does not follow the grammar (docs/qpid-reference.md §1.2–1.3). */
export class MalformedAddress extends AddressError {
  static {
    MalformedAddress.prototype.name = 'MalformedAddress';
  }
  declare readonly address?: string;
  declare readonly column?: number;

  constructor(message?: string, options: MalformedAddressOptions = {}) {
    super(message, options);
    const self = this as { -readonly [K in 'address' | 'column']?: MalformedAddressOptions[K] };
    if (options.address !== undefined) self.address = options.address;
    if (options.column !== undefined) self.column = options.column;
  }
}

/** Details of an invalid option. */
export interface InvalidOptionOptions extends MessagingErrorOptions {
  /** The address text the options came from. */
  readonly address?: string;
  /** Every problem found; [py] reports them all, joined with `, `. */
  readonly issues?: readonly OptionIssue[];
}

/** An address option is unknown or has a value of the wrong kind (docs/qpid-reference.md §1.5). */
export class InvalidOption extends AddressError {
  static {
    InvalidOption.prototype.name = 'InvalidOption';
  }
  declare readonly address?: string;
  readonly issues: readonly OptionIssue[];

  constructor(message?: string, options: InvalidOptionOptions = {}) {
    super(message, options);
    if (options.address !== undefined) (this as { address?: string }).address = options.address;
    this.issues = options.issues ?? [];
  }

  /** Key path of the first problem, e.g. `node.durable`. */
  get path(): string | undefined {
    return this.issues[0]?.path;
  }
}

export class ResolutionError extends AddressError {
  static {
    ResolutionError.prototype.name = 'ResolutionError';
  }
}

export class AssertionFailed extends ResolutionError {
  static {
    AssertionFailed.prototype.name = 'AssertionFailed';
  }
}

export class NotFound extends ResolutionError {
  static {
    NotFound.prototype.name = 'NotFound';
  }
}

export class LinkClosed extends LinkError {
  static {
    LinkClosed.prototype.name = 'LinkClosed';
  }
}

export class SenderError extends LinkError {
  static {
    SenderError.prototype.name = 'SenderError';
  }
}

export class SendError extends SenderError {
  static {
    SendError.prototype.name = 'SendError';
  }
}

export class TargetCapacityExceeded extends SendError {
  static {
    TargetCapacityExceeded.prototype.name = 'TargetCapacityExceeded';
  }
}

/** The broker refused a message (publisher-confirm `basic.nack`); [cpp] `MessageRejected`. */
export class MessageRejected extends SendError {
  static {
    MessageRejected.prototype.name = 'MessageRejected';
  }
}

/** A mandatory message could not be routed (`basic.return` 312 NO_ROUTE, docs/qpid-reference.md §7.1). */
export class NoRoute extends SendError {
  static {
    NoRoute.prototype.name = 'NoRoute';
  }
}

export class ReceiverError extends LinkError {
  static {
    ReceiverError.prototype.name = 'ReceiverError';
  }
}

export class FetchError extends ReceiverError {
  static {
    FetchError.prototype.name = 'FetchError';
  }
}

/** No message arrived before the fetch timeout ([cpp] `NoMessageAvailable`). */
export class Empty extends FetchError {
  static {
    Empty.prototype.name = 'Empty';
  }
}

// ---------------------------------------------------------------- content errors

/** A message body could not be encoded or decoded; reported once, the connection stays usable. */
export class ContentError extends MessagingError {
  static {
    ContentError.prototype.name = 'ContentError';
  }
}

export class EncodeError extends ContentError {
  static {
    EncodeError.prototype.name = 'EncodeError';
  }
}

export class DecodeError extends ContentError {
  static {
    DecodeError.prototype.name = 'DecodeError';
  }
}

// ---------------------------------------------------------------- broker close → error class

/** The failing method named in a `channel.close` / `connection.close` frame. */
export interface FailingMethod {
  readonly classId: number;
  readonly methodId: number;
}

// 0-9-1 hard-error codes (docs/qpid-reference.md §7.1): the spec closes the whole connection for these, so
// whatever endpoint saw them, the user must treat the connection as failed.
const HARD_ERROR_CODES: ReadonlySet<number> = new Set([320, 402, 501, 502, 503, 504, 505, 506, 530, 540, 541]);
const REPLY_SUCCESS = 200;
const CONNECTION_CLASS_ID = 10;

type ErrorClass = new (message?: string, options?: MessagingErrorOptions) => MessagingError;

/**
 * Maps a broker close (reply code + text) to the qpid.messaging error a user expects.
 *
 * `context` says what was closed: `'connection'` for `connection.close`; `'link'` for a `channel.close`
 * while a sender/receiver was being set up (declare, bind, subscribe); `'session'` for any other
 * `channel.close`. Choices (docs/qpid-reference.md §2.4 and §7.2):
 * - connection: 200 → ConnectionClosed; 403 → AuthenticationFailure; a failure of the handshake itself
 *   (failing class 10, e.g. 530 vhost refused, 402 invalid path) → ConnectError; else ConnectionError.
 * - 320 and the other hard codes (402, 501–506, 530, 540, 541) → ConnectionError in every context:
 *   0-9-1 makes them connection-fatal, so a SessionError (the [py] 0-10 mapping) would mislead.
 * - 403 → UnauthorizedAccess; 404 → NotFound; 405 (resource-locked) → ReceiverError as in [py];
 *   312 → NoRoute; 311/313 → SendError.
 * - 406 → AssertionFailed during link setup (the only 406 a declare/bind can cause is RabbitMQ's
 *   "inequivalent arg": the node exists with other properties than `node` asks for), else SessionError
 *   (e.g. unknown delivery tag, user-id mismatch on publish).
 * - 200 → SessionClosed / LinkClosed; anything else → SessionError / LinkError.
 */
export function errorFromAmqpClose(
  code: number,
  text: string,
  context: CloseContext,
  failing?: FailingMethod,
): MessagingError {
  const Cls = closeErrorClass(code, context, failing);
  return new Cls(undefined, { code, replyText: text, classId: failing?.classId, methodId: failing?.methodId });
}

function closeErrorClass(code: number, context: CloseContext, failing: FailingMethod | undefined): ErrorClass {
  if (context === 'connection') {
    if (code === REPLY_SUCCESS) return ConnectionClosed;
    if (code === 403) return AuthenticationFailure;
    if (failing?.classId === CONNECTION_CLASS_ID) return ConnectError;
    return ConnectionError;
  }
  if (HARD_ERROR_CODES.has(code)) return ConnectionError;
  switch (code) {
    case REPLY_SUCCESS:
      return context === 'link' ? LinkClosed : SessionClosed;
    case 311:
    case 313:
      return SendError;
    case 312:
      return NoRoute;
    case 403:
      return UnauthorizedAccess;
    case 404:
      return NotFound;
    case 405:
      return ReceiverError;
    case 406:
      return context === 'link' ? AssertionFailed : SessionError;
    default:
      return context === 'link' ? LinkError : SessionError;
  }
}
