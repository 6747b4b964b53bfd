// Login over AMQP against the bundled broker: the default user, the loopback
// rule for guest, --default-user and its environment variables, and users that
// survive a restart only with a data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, describe, expect, test } from 'vitest';
import { Broker } from '../../../src/broker/index.js';
import { main } from '../../../src/cli/qpidd.js';
import { RawAmqp } from '../../helpers/raw-amqp.js';

const brokers: Broker[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(o: Parameters<typeof Broker.start>[0] = {}): Promise<Broker> {
  const b = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'error', ...o });
  brokers.push(b);
  return b;
}

async function refusal(port: number, user: string, password: string, host = '127.0.0.1') {
  const c = await RawAmqp.connect(port, host);
  try {
    await c.handshake({ user, password });
    return 'opened';
  } catch {
    return await c.connectionClose(2000);
  } finally {
    c.close();
  }
}

const REFUSED = {
  code: 403,
  text: 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.',
  classId: 0,
  methodId: 0,
};

describe('default user', () => {
  test('guest/guest is created on first start, administrator with full permissions on /', async () => {
    const b = await start();
    expect(b.access.user('guest')?.tags).toEqual(['administrator']);
    expect(b.access.permission('guest', '/')).toEqual({ configure: '.*', write: '.*', read: '.*' });
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${b.port}`);
    await conn.close();
  });

  test('a wrong password gets 403 with RabbitMQ text; the reason is only logged', async () => {
    const logs: string[] = [];
    const b = await start({ logLevel: 'warn', logger: (_l, m) => logs.push(m) });
    expect(await refusal(b.port, 'guest', 'wrong')).toEqual(REFUSED);
    expect(logs).toContain("PLAIN login refused: user 'guest' - invalid credentials");
  });

  test('--default-user/--default-pass replace guest', async () => {
    const b = await start({ defaultUser: 'admin', defaultPass: 's3cret' });
    expect(b.access.user('guest')).toBeUndefined();
    expect(await refusal(b.port, 'guest', 'guest')).toEqual(REFUSED);
    expect(await refusal(b.port, 'admin', 's3cret')).toBe('opened');
  });

  test('qpidd reads QPIDD_DEFAULT_USER and QPIDD_DEFAULT_PASS; flags win over them', async () => {
    const io = { stdout: () => {}, stderr: () => {} };
    const env = { QPIDD_DEFAULT_USER: 'envuser', QPIDD_DEFAULT_PASS: 'envpass' };
    const b1 = await main(['--port', '0', '--no-data-dir', '--mgmt-port', '0', '--log-enable', 'error'], io, env);
    if (typeof b1 === 'number') throw new Error(`qpidd exited ${b1}`);
    brokers.push(b1);
    expect(b1.access.listUsers().map((u) => u.name)).toEqual(['envuser']);
    const args = [
      '--port',
      '0',
      '--no-data-dir',
      '--mgmt-port',
      '0',
      '--default-user',
      'flag',
      '--log-enable',
      'error',
    ];
    const b2 = await main(args, io, env);
    if (typeof b2 === 'number') throw new Error(`qpidd exited ${b2}`);
    brokers.push(b2);
    expect(b2.access.listUsers().map((u) => u.name)).toEqual(['flag']);
    expect(await refusal(b2.port, 'flag', 'envpass')).toBe('opened');
  });
});

describe('guest is loopback-only', () => {
  test('the rule, with simulated peer addresses', async () => {
    const b = await start();
    expect(b.checkCredentials('guest', 'guest', '127.0.0.1')).toBe(true);
    expect(b.checkCredentials('guest', 'guest', '::1')).toBe(true);
    expect(b.checkCredentials('guest', 'guest', '::ffff:127.0.0.2')).toBe(true);
    expect(b.checkCredentials('guest', 'guest', '10.1.2.3')).toBe(false);
    expect(b.checkCredentials('guest', 'guest', '::ffff:192.0.2.9')).toBe(false);
    b.access.putUser('bob', { password: 'pw' });
    expect(b.checkCredentials('bob', 'pw', '10.1.2.3')).toBe(true);
    const open = await start({ loopbackUsers: [] });
    expect(open.checkCredentials('guest', 'guest', '10.1.2.3')).toBe(true);
  });

  // The refusal over a real socket from a non-loopback peer is not exercised here: tests only ever
  // connect to loopback addresses, so the peer address is simulated above (checkCredentials takes it).
});

describe('persistence', () => {
  test('users, tags, permissions and limits survive a restart with a data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-auth-'));
    dirs.push(dir);
    const b = await start({ dataDir: dir });
    b.addVhost('app');
    b.access.putUser('bob', { password: 'pw', tags: ['monitoring'] });
    b.access.setPermissions('bob', 'app', { configure: '^app-', write: '.*', read: '.*' });
    b.access.setUserLimits('bob', { 'max-channels': 5 });
    b.access.setVhostLimits('app', { 'max-queues': 10 });
    b.access.changePassword('guest', 'changed');
    const before = b.access.snapshot();
    await b.stop();
    brokers.splice(0);
    const again = await start({ dataDir: dir, defaultUser: 'ignored' });
    // The default user is made only on first start: a restored broker keeps what it had.
    expect(again.access.snapshot()).toEqual(before);
    expect(again.vhosts.has('app')).toBe(true);
    expect(await refusal(again.port, 'guest', 'guest')).toEqual(REFUSED);
    expect(await refusal(again.port, 'guest', 'changed')).toBe('opened');
  });

  test('with no data directory users live in memory only', async () => {
    const b = await start();
    b.access.putUser('bob', { password: 'pw' });
    await b.stop();
    brokers.splice(0);
    const again = await start();
    expect(again.access.user('bob')).toBeUndefined();
    expect(again.access.user('guest')).toBeDefined();
  });
});
