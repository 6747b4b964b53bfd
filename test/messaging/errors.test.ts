import { describe, expect, it } from 'vitest';
import {
  AddressError,
  AssertionFailed,
  AuthenticationFailure,
  ConnectError,
  ConnectionClosed,
  ConnectionError,
  ContentError,
  DecodeError,
  Detached,
  Empty,
  EncodeError,
  errorFromAmqpClose,
  FetchError,
  HeartbeatTimeout,
  InsufficientCapacity,
  InternalError,
  InvalidOption,
  LinkClosed,
  LinkError,
  MalformedAddress,
  MessageRejected,
  MessagingError,
  NontransactionalSession,
  NoRoute,
  NotFound,
  ReceiverError,
  ResolutionError,
  SendError,
  SenderError,
  ServerError,
  SessionClosed,
  SessionError,
  TargetCapacityExceeded,
  Timeout,
  TransactionAborted,
  TransactionError,
  TransactionUnknown,
  UnauthorizedAccess,
  VersionError,
} from '../../src/messaging/errors.js';

type AnyErrorClass = abstract new (...args: never[]) => Error;

// [child, parent] for every edge of docs/qpid-reference.md §2.4, plus NoRoute and MessageRejected.
const TREE: ReadonlyArray<readonly [AnyErrorClass, AnyErrorClass]> = [
  [InternalError, MessagingError],
  [ConnectionError, MessagingError],
  [ConnectError, ConnectionError],
  [VersionError, ConnectError],
  [AuthenticationFailure, ConnectError],
  [ConnectionClosed, ConnectionError],
  [HeartbeatTimeout, ConnectionError],
  [SessionError, MessagingError],
  [Detached, SessionError],
  [NontransactionalSession, SessionError],
  [TransactionError, SessionError],
  [TransactionAborted, TransactionError],
  [TransactionUnknown, TransactionError],
  [UnauthorizedAccess, SessionError],
  [ServerError, SessionError],
  [SessionClosed, SessionError],
  [LinkError, MessagingError],
  [InsufficientCapacity, LinkError],
  [AddressError, LinkError],
  [MalformedAddress, AddressError],
  [InvalidOption, AddressError],
  [ResolutionError, AddressError],
  [AssertionFailed, ResolutionError],
  [NotFound, ResolutionError],
  [LinkClosed, LinkError],
  [SenderError, LinkError],
  [SendError, SenderError],
  [TargetCapacityExceeded, SendError],
  [MessageRejected, SendError],
  [NoRoute, SendError],
  [ReceiverError, LinkError],
  [FetchError, ReceiverError],
  [Empty, FetchError],
  [ContentError, MessagingError],
  [EncodeError, ContentError],
  [DecodeError, ContentError],
];

describe('error tree (docs/qpid-reference.md §2.4)', () => {
  it.each(TREE.map(([child, parent]) => [child.name, parent.name, child, parent] as const))(
    '%s extends %s',
    (_child, _parent, Child, Parent) => {
      expect(Object.getPrototypeOf(Child)).toBe(Parent);
      const err = new (Child as unknown as new (message: string) => Error)('boom');
      expect(err).toBeInstanceOf(Parent);
      expect(err).toBeInstanceOf(MessagingError);
      expect(err).toBeInstanceOf(Error);
    },
  );

  it.each(TREE.map(([child]) => [child.name, child] as const))('%s sets its name, also in the stack', (name, Cls) => {
    const err = new (Cls as unknown as new (message: string) => Error)('boom');
    expect(err.name).toBe(name);
    expect(err.stack?.startsWith(`${name}: boom`)).toBe(true);
    expect(String(err)).toBe(`${name}: boom`);
  });

  it('keeps unrelated branches apart', () => {
    expect(new NotFound()).not.toBeInstanceOf(SessionError);
    expect(new Empty()).not.toBeInstanceOf(SenderError);
    expect(new UnauthorizedAccess()).not.toBeInstanceOf(LinkError);
    expect(new ConnectionClosed()).not.toBeInstanceOf(SessionError);
  });

  it('makes Timeout a plain Error, not a MessagingError, as in qpid-python', () => {
    const err = new Timeout('fetch timed out');
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(MessagingError);
    expect(err.name).toBe('Timeout');
  });

  it('carries the AMQP close fields and the cause', () => {
    const cause = new Error('socket hang up');
    const err = new NotFound("no such queue: 'x'", {
      code: 404,
      replyText: 'NOT_FOUND',
      classId: 50,
      methodId: 10,
      cause,
    });
    expect(err.message).toBe("no such queue: 'x'");
    expect([err.code, err.replyText, err.classId, err.methodId]).toEqual([404, 'NOT_FOUND', 50, 10]);
    expect(err.cause).toBe(cause);
  });

  it('leaves fields that were not given unset', () => {
    const err = new SessionError('x');
    expect(Object.keys(err)).toEqual([]);
    expect('cause' in err).toBe(false);
    expect(err.code).toBeUndefined();
  });

  it('builds a message from code and text when none is given, like qpid-python text(code)', () => {
    expect(new SessionError(undefined, { code: 530, replyText: 'not allowed' }).message).toBe('not allowed (530)');
    expect(new SessionError(undefined, { code: 530 }).message).toBe('reply code 530');
    expect(new SessionError().message).toBe('');
  });

  it('gives MalformedAddress its column and address, and InvalidOption its issues', () => {
    const malformed = new MalformedAddress('expected a name', { address: '', column: 1 });
    expect([malformed.address, malformed.column]).toEqual(['', 1]);
    const invalid = new InvalidOption('bad', { address: 'q', issues: [{ path: 'node.durable', problem: 'x' }] });
    expect(invalid.path).toBe('node.durable');
    expect(invalid.address).toBe('q');
    expect(new InvalidOption('bad').path).toBeUndefined();
  });
});

describe('errorFromAmqpClose', () => {
  it.each<[number, 'connection' | 'session' | 'link', AnyErrorClass]>([
    [200, 'connection', ConnectionClosed],
    [200, 'session', SessionClosed],
    [200, 'link', LinkClosed],
    [320, 'connection', ConnectionError],
    [320, 'session', ConnectionError],
    [403, 'connection', AuthenticationFailure],
    [403, 'session', UnauthorizedAccess],
    [403, 'link', UnauthorizedAccess],
    [404, 'session', NotFound],
    [404, 'link', NotFound],
    [405, 'session', ReceiverError],
    [405, 'link', ReceiverError],
    [406, 'link', AssertionFailed],
    [406, 'session', SessionError],
    [311, 'session', SendError],
    [312, 'link', NoRoute],
    [313, 'link', SendError],
    [501, 'connection', ConnectionError],
    [502, 'session', ConnectionError],
    [503, 'link', ConnectionError],
    [504, 'connection', ConnectionError],
    [505, 'connection', ConnectionError],
    [506, 'session', ConnectionError],
    [530, 'connection', ConnectionError],
    [530, 'session', ConnectionError],
    [540, 'link', ConnectionError],
    [541, 'session', ConnectionError],
    [402, 'link', ConnectionError],
    [499, 'session', SessionError],
    [499, 'link', LinkError],
    [999, 'connection', ConnectionError],
  ])('%i on %s → %O', (code, context, Expected) => {
    const err = errorFromAmqpClose(code, 'TEXT', context);
    expect(err.constructor).toBe(Expected);
    expect(err.code).toBe(code);
    expect(err.replyText).toBe('TEXT');
    expect(err.message).toBe(`TEXT (${code})`);
  });

  it('maps a refused handshake (failing class 10) to ConnectError and keeps the failing method', () => {
    const err = errorFromAmqpClose(530, "NOT_ALLOWED - access to vhost 'v' refused", 'connection', {
      classId: 10,
      methodId: 40,
    });
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).not.toBeInstanceOf(AuthenticationFailure);
    expect([err.classId, err.methodId]).toEqual([10, 40]);
    expect(errorFromAmqpClose(530, 'x', 'connection', { classId: 50, methodId: 10 }).constructor).toBe(ConnectionError);
  });

  it('maps a missing queue on a channel to NotFound with the broker text', () => {
    const err = errorFromAmqpClose(404, "NOT_FOUND - no queue 'x' in vhost '/'", 'link', { classId: 50, methodId: 10 });
    expect(err).toBeInstanceOf(NotFound);
    expect(err).toBeInstanceOf(LinkError);
    expect(err.message).toBe("NOT_FOUND - no queue 'x' in vhost '/' (404)");
  });
});
