// The handshake's decisions without a socket (connection-handshake.ts): the protocol header however
// it is split, capabilities, the mechanisms offered, SASL PLAIN/AMQPLAIN parsing, tune-ok limits
// and the connection.open checks with a real AccessControl and vhost.
import { describe, expect, test } from 'vitest';
import { AccessControl } from '../../../src/broker/auth/access-control.js';
import type { TrackedConnection } from '../../../src/broker/broker-core.js';
import {
  authenticate,
  capabilitiesOf,
  checkOpen,
  negotiateTune,
  offeredMechanisms,
  ProtocolHeaderReader,
  type SaslContext,
} from '../../../src/broker/connection-handshake.js';
import { ConnectionException } from '../../../src/broker/errors.js';
import { DEFAULT_OPTIONS } from '../../../src/broker/options.js';
import type { VHost } from '../../../src/broker/vhost.js';
import { encodeFieldTable, PROTOCOL_HEADER } from '../../../src/protocol/index.js';
import { newVhost } from './helpers.js';

/** Credentials `guest`/`secret` pass; every check asked for is recorded. */
function sasl(auth: boolean, externalUser?: string): SaslContext & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    auth,
    asked,
    externalUser: () => externalUser,
    checkCredentials: (user, pass, mechanism) => {
      asked.push([user, pass, mechanism]);
      return user === 'guest' && pass === 'secret';
    },
    checkExternal: (cn) => cn === 'client-cn',
  };
}

function thrown(fn: () => unknown): ConnectionException {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConnectionException) return e;
    throw e;
  }
  throw new Error('expected a ConnectionException');
}

describe('protocol header', () => {
  test('is judged only once all 8 octets are in; the octets after it are handed on', () => {
    const r = new ProtocolHeaderReader();
    expect(r.push(PROTOCOL_HEADER.subarray(0, 3))).toBe('incomplete');
    const rest = r.push(Buffer.concat([PROTOCOL_HEADER.subarray(3), Buffer.from([1, 2])]));
    expect(rest).toEqual(Buffer.from([1, 2]));
    expect(new ProtocolHeaderReader().push(Buffer.from('HTTP/1.1'))).toBe('bad');
  });
});

describe('start and start-ok', () => {
  test('mechanisms: ANONYMOUS only without authentication, EXTERNAL first when a certificate allows it', () => {
    expect(offeredMechanisms(true, false)).toBe('PLAIN AMQPLAIN');
    expect(offeredMechanisms(false, false)).toBe('PLAIN AMQPLAIN ANONYMOUS');
    expect(offeredMechanisms(true, true)).toBe('EXTERNAL PLAIN AMQPLAIN');
  });

  test('capabilities come from the client-properties table; without one there are none', () => {
    expect(capabilitiesOf({ capabilities: { consumer_cancel_notify: true, 'connection.blocked': true } })).toEqual({
      consumerCancelNotify: true,
      connectionBlocked: true,
      authenticationFailureClose: false,
    });
    expect(capabilitiesOf({ product: 'x' })).toBeUndefined();
  });

  test('PLAIN and AMQPLAIN responses are parsed and checked; malformed ones are refused unchecked', () => {
    const ctx = sasl(true);
    expect(authenticate(ctx, 'PLAIN', Buffer.from('\0guest\0secret'))).toBe('guest');
    expect(authenticate(ctx, 'PLAIN', Buffer.from('\0guest\0wrong'))).toBeUndefined();
    expect(authenticate(ctx, 'PLAIN', Buffer.from('guest\0secret'))).toBeUndefined();
    const amqplain = encodeFieldTable({ LOGIN: 'guest', PASSWORD: 'secret' }).subarray(4);
    expect(authenticate(ctx, 'AMQPLAIN', amqplain)).toBe('guest');
    expect(authenticate(ctx, 'AMQPLAIN', Buffer.from([0xff]))).toBeUndefined();
    expect(ctx.asked).toEqual([
      ['guest', 'secret', 'PLAIN'],
      ['guest', 'wrong', 'PLAIN'],
      ['guest', 'secret', 'AMQPLAIN'],
    ]);
  });

  test('ANONYMOUS only without authentication, EXTERNAL only with a certificate; unknown is 503 on start-ok', () => {
    expect(authenticate(sasl(false), 'ANONYMOUS', Buffer.alloc(0))).toBe('anonymous');
    const unknown = thrown(() => authenticate(sasl(true), 'ANONYMOUS', Buffer.alloc(0)));
    expect([unknown.code, unknown.classId, unknown.methodId]).toEqual([503, 10, 11]);
    expect(authenticate(sasl(true, 'client-cn'), 'EXTERNAL', Buffer.alloc(0))).toBe('client-cn');
    expect(authenticate(sasl(true, 'other-cn'), 'EXTERNAL', Buffer.alloc(0))).toBeUndefined();
    expect(thrown(() => authenticate(sasl(true), 'EXTERNAL', Buffer.alloc(0))).code).toBe(503);
  });
});

describe('tune-ok', () => {
  test('0 takes the server limits; a frame-max below 4096 or any value above the offer is 530 on tune-ok', () => {
    const o = { frameMax: 131072, channelMax: 2047 };
    expect(negotiateTune(o, { frameMax: 0, channelMax: 0, heartbeat: 30 })).toEqual({
      frameMax: 131072,
      channelMax: 2047,
      heartbeat: 30,
    });
    expect(negotiateTune(o, { frameMax: 4096, channelMax: 10, heartbeat: 0 })).toEqual({
      frameMax: 4096,
      channelMax: 10,
      heartbeat: 0,
    });
    const small = thrown(() => negotiateTune(o, { frameMax: 4095, channelMax: 0, heartbeat: 0 }));
    expect([small.code, small.classId, small.methodId, small.replyText]).toEqual([
      530,
      10,
      31,
      'NOT_ALLOWED - frame_max=4095 < 4096 min size',
    ]);
    expect(thrown(() => negotiateTune(o, { frameMax: 131073, channelMax: 0, heartbeat: 0 })).code).toBe(530);
    expect(thrown(() => negotiateTune(o, { frameMax: 0, channelMax: 2048, heartbeat: 0 })).code).toBe(530);
  });
});

describe('connection.open', () => {
  function broker(maxConnections: number, connections: TrackedConnection[]) {
    const access = new AccessControl();
    access.putUser('guest', { password: 'secret' });
    access.setPermissions('guest', '/', { configure: '.*', write: '.*', read: '.*' });
    const vhosts = new Map<string, VHost>([['/', newVhost()]]);
    return {
      access,
      vhosts,
      options: { ...DEFAULT_OPTIONS, maxConnections },
      countConnections: (pred: (c: TrackedConnection) => boolean) => connections.filter(pred).length,
    };
  }
  const other: TrackedConnection = { opened: true, user: 'guest', vhostName: '/', channels: new Map() };

  test('opens a vhost the user may access', () => {
    const b = broker(0, []);
    expect(checkOpen(b, 'guest', '/')).toBe(b.vhosts.get('/'));
  });

  test('refuses, in rabbit_reader order: node limit, missing vhost, vhost limit, vhost access — all 530 on open', () => {
    const full = thrown(() => checkOpen(broker(1, [other]), 'guest', 'nowhere'));
    expect([full.code, full.classId, full.methodId]).toEqual([530, 10, 40]);
    expect(full.replyText).toContain('node connection limit (1)');
    expect(thrown(() => checkOpen(broker(0, []), 'guest', 'nowhere')).replyText).toBe(
      'NOT_ALLOWED - vhost nowhere not found',
    );
    const limited = broker(0, [other]);
    limited.access.setVhostLimits('/', { 'max-connections': 1 });
    expect(thrown(() => checkOpen(limited, 'guest', '/')).replyText).toContain('connection limit (1) is reached');
    const b = broker(0, []);
    b.access.putUser('bob', { password: 'x' });
    expect(thrown(() => checkOpen(b, 'bob', '/')).replyText).toBe(
      "NOT_ALLOWED - access to vhost '/' refused for user 'bob'",
    );
  });
});
