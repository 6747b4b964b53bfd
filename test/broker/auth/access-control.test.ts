// The access-control module on its own: RabbitMQ-compatible hashes, users, tags,
// permissions (regex semantics of rabbit_auth_backend_internal), limits, snapshots.
import { describe, expect, test } from 'vitest';
import { AccessAdminError, AccessControl, isLoginRefusal } from '../../../src/broker/auth/access-control.js';
import { hashPassword, isValidHash, verifyPassword } from '../../../src/broker/auth/password-hash.js';
import { ResourceGuard } from '../../../src/broker/auth/resource-guard.js';
import { ChannelException } from '../../../src/broker/errors.js';

describe('password hashes', () => {
  test('a hash made by RabbitMQ 3.10 verifies (guest/guest from a fresh node)', () => {
    const hash = '6PKYiZU/T+VPQD0rU4mxIp8Cet7vnx86D5mZVU1WcUsXoHSX';
    expect(verifyPassword('guest', hash, 'rabbit_password_hashing_sha256')).toBe(true);
    expect(verifyPassword('Guest', hash, 'rabbit_password_hashing_sha256')).toBe(false);
  });

  test('our hashes are base64(4-byte salt ++ sha256(salt ++ password)) and salted', () => {
    const a = hashPassword('s3cret');
    const b = hashPassword('s3cret');
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64').length).toBe(36);
    expect(isValidHash(a, 'rabbit_password_hashing_sha256')).toBe(true);
    expect(verifyPassword('s3cret', a, 'rabbit_password_hashing_sha256')).toBe(true);
    expect(verifyPassword('s3cre', a, 'rabbit_password_hashing_sha256')).toBe(false);
  });

  test('sha512 and md5 hashes (older RabbitMQ exports) verify too; an empty hash never does', () => {
    for (const alg of ['rabbit_password_hashing_sha512', 'rabbit_password_hashing_md5'] as const) {
      const h = hashPassword('pw', alg);
      expect(verifyPassword('pw', h, alg)).toBe(true);
      expect(verifyPassword('pw', h, 'rabbit_password_hashing_sha256')).toBe(false);
    }
    expect(verifyPassword('', '', 'rabbit_password_hashing_sha256')).toBe(false);
  });
});

describe('users and permissions', () => {
  const make = () => {
    const a = new AccessControl();
    a.putUser('bob', { password: 'pw', tags: ['management'] });
    a.setPermissions('bob', '/', { configure: '^app-.*', write: '.*', read: '' });
    return a;
  };

  test('login checks the password and reports why it refused', () => {
    const a = make();
    expect(isLoginRefusal(a.authenticate('bob', 'pw'))).toBe(false);
    expect(a.authenticate('bob', 'nope')).toEqual({ refused: "user 'bob' - invalid credentials" });
    expect(a.authenticate('nobody', 'pw')).toEqual({ refused: "user 'nobody' - invalid credentials" });
  });

  test('regexes match anywhere in the name; the default exchange is checked as amq.default', () => {
    const a = make();
    expect(a.permits('bob', '/', 'configure', 'queue', 'app-orders')).toBe(true);
    expect(a.permits('bob', '/', 'configure', 'queue', 'orders')).toBe(false);
    expect(a.permits('bob', '/', 'write', 'exchange', '')).toBe(true);
    expect(() => a.check('bob', '/', 'configure', 'exchange', '')).toThrow(
      "ACCESS_REFUSED - access to exchange 'amq.default' in vhost '/' refused for user 'bob'",
    );
  });

  test("an empty permission is '^$': it matches nothing but the empty name", () => {
    const a = make();
    expect(a.permits('bob', '/', 'read', 'queue', 'x')).toBe(false);
    expect(a.permits('bob', '/', 'read', 'queue', '')).toBe(true);
  });

  test('a denial is a 403 channel error naming the resource and the user', () => {
    const a = make();
    let err: unknown;
    try {
      a.check('bob', '/', 'read', 'queue', 'orders');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChannelException);
    expect((err as ChannelException).code).toBe(403);
    expect((err as ChannelException).message).toBe(
      "ACCESS_REFUSED - access to queue 'orders' in vhost '/' refused for user 'bob'",
    );
  });

  test('no permissions on a vhost: no access to it, and every check fails there', () => {
    const a = make();
    expect(a.hasVhostAccess('bob', '/')).toBe(true);
    expect(a.hasVhostAccess('bob', 'other')).toBe(false);
    expect(a.permits('bob', 'other', 'write', 'exchange', 'x')).toBe(false);
  });

  test('an invalid regex is refused and nothing changes', () => {
    const a = make();
    expect(() => a.setPermissions('bob', '/', { configure: '(', write: '.*', read: '.*' })).toThrow(AccessAdminError);
    expect(a.permission('bob', '/')).toEqual({ configure: '^app-.*', write: '.*', read: '' });
  });

  test('permissions for an unknown user are refused', () => {
    const a = make();
    expect(() => a.setPermissions('eve', '/', { configure: '.*', write: '.*', read: '.*' })).toThrow(
      "user 'eve' does not exist",
    );
  });

  test('deleting a user or a vhost drops its permissions', () => {
    const a = make();
    a.putUser('carol', { password: 'x' });
    a.setPermissions('carol', 'v', { configure: '.*', write: '.*', read: '.*' });
    a.deleteUser('bob');
    expect(a.listPermissions()).toEqual([{ user: 'carol', vhost: 'v', configure: '.*', write: '.*', read: '.*' }]);
    a.vhostDeleted('v');
    expect(a.listPermissions()).toEqual([]);
  });

  test('limits: negative means none; max-queues refusal has RabbitMQ text', () => {
    const a = make();
    a.setUserLimits('bob', { 'max-connections': 2, 'max-channels': -1 });
    expect(a.userLimit('bob', 'max-connections')).toBe(2);
    expect(a.userLimit('bob', 'max-channels')).toBeUndefined();
    a.setVhostLimits('/', { 'max-queues': 1 });
    expect(() => a.checkQueueLimit('/', 'q2', 1)).toThrow(
      "PRECONDITION_FAILED - cannot declare queue 'q2': queue limit in vhost '/' (1) is reached",
    );
  });

  test('snapshot and restore round-trip everything', () => {
    const a = make();
    a.setVhostLimits('/', { 'max-connections': 3 });
    a.setUserLimits('bob', { 'max-channels': 4 });
    const b = new AccessControl();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.snapshot()).toEqual(a.snapshot());
    expect(isLoginRefusal(b.authenticate('bob', 'pw'))).toBe(false);
    expect(b.permits('bob', '/', 'configure', 'queue', 'app-x')).toBe(true);
  });

  test('every change calls onChange (the broker persists on it)', () => {
    let n = 0;
    const a = new AccessControl(() => n++);
    a.putUser('u', { password: 'p' });
    a.setTags('u', ['monitoring']);
    a.setPermissions('u', '/', { configure: '', write: '', read: '' });
    a.clearPermissions('u', '/');
    a.changePassword('u', 'q');
    a.deleteUser('u');
    expect(n).toBe(6);
  });
});

describe('ResourceGuard', () => {
  test('caches positive checks but sees permission changes at once', () => {
    const a = new AccessControl();
    a.putUser('u', { password: 'p' });
    a.setPermissions('u', '/', { configure: '.*', write: '.*', read: '.*' });
    const g = new ResourceGuard(a, 'u', '/');
    g.write('exchange', 'x');
    g.write('exchange', 'x');
    a.setPermissions('u', '/', { configure: '.*', write: '^y$', read: '.*' });
    expect(() => g.write('exchange', 'x')).toThrow(/access to exchange 'x' in vhost '\/' refused for user 'u'/);
  });

  test('without access control (auth off) everything passes', () => {
    const g = new ResourceGuard(undefined, 'anyone', '/');
    expect(() => g.configure('queue', 'q')).not.toThrow();
  });
});
