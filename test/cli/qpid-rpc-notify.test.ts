/**
 * qpid-rpc and qpid-notify, spawned as built commands, on both brokers (rabbit:// URLs as oslo writes
 * them): serve ↔ call/cast, a call against a real RpcServer, notifications sent and listened to, and
 * the one-line errors with their exit codes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import { Notifier, RpcServer } from '../../src/rpc/index.js';
import { messagingTargets } from '../helpers/messaging.js';
import { rpcScope } from '../helpers/rpc.js';

const scope = rpcScope('rpccli');
afterAll(() => scope.cleanup());

import { killAll, lines, run, start } from './run-cli.js';

const rabbitUrl = (amqpUrl: string) => {
  const u = new URL(amqpUrl);
  return `rabbit://${u.username || 'guest'}:${u.password || 'guest'}@${u.hostname}:${u.port}/`;
};

describe.each(messagingTargets())('qpid-rpc / qpid-notify on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  let conn: Connection;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
    conn = await Connection.establish(url);
  });
  afterEach(() => killAll());
  afterAll(async () => {
    await conn.close();
    await stop();
  });

  test('serve answers ping and echo; call prints the result as JSON; cast returns at once', async () => {
    const topic = scope.name('cli');
    const b = ['-b', rabbitUrl(url)];
    const server = start('qpid-rpc', [...b, 'serve', `${topic}/s1`, '--count', '3', '--json']);
    await server.waitForStderr('serving');
    const ping = await run('qpid-rpc', [...b, 'call', topic, 'ping']);
    expect([ping.code, ping.stdout, ping.stderr]).toEqual([0, '"pong"\n', '']);
    const echo = await run('qpid-rpc', [
      ...b,
      '--context',
      '{"user": "cli"}',
      'call',
      `${topic}/s1`,
      'echo',
      '{"a": [1, "é"]}',
    ]);
    expect([echo.code, JSON.parse(echo.stdout)]).toEqual([0, { a: [1, 'é'] }]);
    const cast = await run('qpid-rpc', [...b, '--fanout', 'cast', topic, 'ping', '{"n": 3}']);
    expect([cast.code, cast.stdout]).toEqual([0, '']);
    const done = await server.done;
    expect(done.code).toBe(0);
    expect(lines(done.stdout).map((l) => JSON.parse(l))).toEqual([
      { method: 'ping', ctxt: { client_timeout: null }, args: {} },
      { method: 'echo', ctxt: { user: 'cli', client_timeout: null }, args: { a: [1, 'é'] } },
      { method: 'ping', ctxt: { client_timeout: null }, args: { n: 3 } },
    ]);
  }, 30_000);

  test('a remote exception and a timeout are one line and exit 1', async () => {
    const topic = scope.name('cli-err');
    const server = new RpcServer(conn, { topic, server: 's' }, [
      {
        fail: () => {
          throw new RangeError('out of range');
        },
      },
    ]);
    await server.start();
    try {
      const fail = await run('qpid-rpc', ['-b', url, 'call', topic, 'fail']);
      expect([fail.code, fail.stdout, fail.stderr]).toEqual([1, '', 'Failed: RemoteError: RangeError: out of range\n']);
      const nosuch = await run('qpid-rpc', ['-b', url, 'call', topic, 'nope']);
      expect(nosuch.stderr).toBe('Failed: RemoteError: NoSuchMethod: Endpoint does not support RPC method nope\n');
    } finally {
      await server.stop();
    }
    const timeout = await run('qpid-rpc', ['-b', url, '-t', '0.3', 'call', scope.name('nobody'), 'ping']);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(
      /^Failed: MessagingTimeout: Timed out waiting for a reply to message ID [0-9a-f]{32}\n$/,
    );
  }, 30_000);

  test('qpid-notify listen prints what qpid-notify send and a Notifier emit', async () => {
    const topic = scope.name('cli-notif');
    const b = ['-b', rabbitUrl(url)];
    const listener = start('qpid-notify', [...b, 'listen', topic, '--count', '2']);
    await listener.waitForStderr('listening');
    const sent = await run('qpid-notify', [
      ...b,
      '--publisher-id',
      'cli.host',
      'send',
      topic,
      'error',
      'disk.full',
      '{"pct": 99}',
    ]);
    expect([sent.code, sent.stderr]).toEqual([0, '']);
    await new Notifier(conn, { publisherId: 'node.host', topics: [topic] }).info({}, 'compute.create', { id: 1 });
    const done = await listener.done;
    expect(done.code).toBe(0);
    expect(lines(done.stdout).sort()).toEqual([
      'ERROR cli.host disk.full {"pct":99}',
      'INFO node.host compute.create {"id":1}',
    ]);
    const json = start('qpid-notify', [...b, '--json', '--priority', 'warn', 'listen', topic, '-c', '1']);
    await json.waitForStderr('listening');
    await new Notifier(conn, { publisherId: 'p', topics: [topic] }).warn({ user_id: 'u' }, 'e', { k: 'v' });
    const line = JSON.parse((await json.done).stdout);
    expect(line).toMatchObject({ priority: 'warn', publisher_id: 'p', event_type: 'e', payload: { k: 'v' } });
    expect(line.ctxt).toEqual({ user_id: 'u', client_timeout: null });
    expect(Object.keys(line)).toEqual(expect.arrayContaining(['message_id', 'timestamp']));
  }, 30_000);
});

describe('qpid-rpc / qpid-notify usage and connection errors', () => {
  test.each([
    [['call'], 'qpid-rpc: call needs a TOPIC[/SERVER]'],
    [['serve', 'topic'], 'qpid-rpc: serve needs TOPIC/SERVER'],
    [['call', 't', 'm', '[1]'], 'qpid-rpc: ARGS must be a JSON object, got [1]'],
    [['frobnicate'], 'qpid-rpc: unknown command frobnicate'],
  ])('qpid-rpc %j', async (args, first) => {
    const r = await run('qpid-rpc', args);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(first);
  });

  test('qpid-notify usage errors', async () => {
    const r = await run('qpid-notify', ['send', 't', 'loud', 'e']);
    expect([r.code, lines(r.stderr)[0]]).toEqual([
      2,
      'qpid-notify: unknown priority loud (audit, debug, info, warn, error, critical, sample)',
    ]);
  });

  test('an unreachable broker is one line, exit 1', async () => {
    for (const cmd of ['qpid-rpc', 'qpid-notify'] as const) {
      const args = cmd === 'qpid-rpc' ? ['call', 't', 'ping'] : ['listen'];
      const r = await run(cmd, ['-b', 'rabbit://guest:guest@127.0.0.1:1/', ...args]);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        1,
        '',
        'Failed: ConnectError: cannot connect to 127.0.0.1:1 (ECONNREFUSED)\n',
      ]);
    }
  });
});
