// A new user's first hour (issue 9, items 2, 5 and 6), against the bundled broker: the tools find the
// management API on any port, statistics are filled in, and errors say what to do.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { discoverManagement } from '../../src/admin/discover.js';
import { parseBrokerUrl } from '../../src/admin/index.js';
import { Broker } from '../../src/broker/index.js';
import { Connection } from '../../src/messaging/connection.js';
import { ConnectError } from '../../src/messaging/errors.js';
import { VERSION } from '../../src/version.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rabbitmqUrl } from '../helpers/rabbitmq.js';
import { closedPort, poll, run, start } from './admin-helpers.js';

let tb: TestBroker;
let b: string[];
beforeAll(async () => {
  tb = await startTestBroker({ mgmtPort: 0 });
  b = ['-b', `127.0.0.1:${tb.port}`];
});
afterAll(async () => {
  await tb?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON printed by the tools
type Row = any;

describe('finding the management API', () => {
  test('the bundled broker advertises qpid.management_url and the tools use it, with no --mgmt-url', async () => {
    const conn = await Connection.establish(tb.url);
    expect(conn.serverProperties['qpid.management_url']).toBe(tb.broker.mgmtUrl);
    await conn.close();
    const r = await run('qpid-config', [...b, 'add', 'queue', 'found-q']);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await run('qpid-stat', [...b, '-g'])).code).toBe(0);
    const target = await discoverManagement(parseBrokerUrl(`127.0.0.1:${tb.port}`), { env: {} });
    expect(target).toMatchObject({ url: tb.broker.mgmtUrl, source: 'broker' });
  });

  test('--mgmt-url wins over QPID_MGMT_URL, which wins over the advertisement; then port 15672', async () => {
    const addr = parseBrokerUrl(`127.0.0.1:${tb.port}`);
    const env = { QPID_MGMT_URL: 'http://127.0.0.1:1' };
    expect(await discoverManagement(addr, { explicit: 'http://127.0.0.1:2', env })).toMatchObject({
      url: 'http://127.0.0.1:2',
      source: '--mgmt-url',
    });
    expect(await discoverManagement(addr, { env })).toMatchObject({
      url: 'http://127.0.0.1:1',
      source: 'QPID_MGMT_URL',
    });
    const silent = await startTestBroker();
    try {
      const plain = parseBrokerUrl(`127.0.0.1:${silent.port}`);
      expect(await discoverManagement(plain, { env: {} })).toMatchObject({
        url: 'http://127.0.0.1:15672',
        source: 'default',
      });
    } finally {
      await silent.stop();
    }
    if (rabbitmqUrl) {
      // RabbitMQ advertises nothing: the default, as its own tools assume.
      const r = await discoverManagement(parseBrokerUrl(rabbitmqUrl), { env: {} });
      expect(r.source).toBe('default');
    }
  });

  test('an unreachable API names the URL, where it came from and how to set it', async () => {
    const port = await closedPort();
    process.env['QPID_MGMT_URL'] = `http://127.0.0.1:${port}`;
    const r = await run('qpid-config', [...b, 'queues']).finally(() => {
      delete process.env['QPID_MGMT_URL'];
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Failed: ConnectError: cannot reach the management API at http://127.0.0.1:${port} (ECONNREFUSED, from QPID_MGMT_URL); set its URL with --mgmt-url URL or the QPID_MGMT_URL environment variable\n`,
    );
  });
});

describe('statistics', () => {
  test('-g shows the uptime; a ring queue counts what it drops; -c counts messages and bytes', async () => {
    expect(
      (await run('qpid-config', [...b, 'add', 'queue', 'ring-q', '--max-queue-count', '2', '--limit-policy', 'ring']))
        .code,
    ).toBe(0);
    expect(
      (await run('qpid-config', [...b, 'add', 'queue', 'full-q', '--max-queue-count', '1', '--limit-policy', 'reject']))
        .code,
    ).toBe(0);
    const conn = await amqp.connect(tb.url);
    try {
      const ch = await conn.createChannel();
      for (let i = 0; i < 5; i++) ch.sendToQueue('ring-q', Buffer.from(`r${i}`));
      for (let i = 0; i < 3; i++) ch.sendToQueue('full-q', Buffer.from(`f${i}`));
      ch.sendToQueue('ttl-q', Buffer.from('x'));
      await ch.assertQueue('ttl-q', { arguments: { 'x-message-ttl': 1 } });
      ch.sendToQueue('ttl-q', Buffer.from('expires'));
      await new Promise((r) => setTimeout(r, 50));
      await ch.checkQueue('ttl-q'); // a round trip, and the expiry runs
      const g = JSON.parse((await run('qpid-stat', [...b, '-g', '--json'])).stdout);
      expect(g.brokerSummary[0].uptime).toBeGreaterThan(0);
      const agg = Object.fromEntries(g.aggregateBrokerStatistics.map((r: Row) => [r.statistic, r.messages]));
      expect(agg['discards-ring-overflow']).toBe(3);
      expect(agg['discards-limit-overflow']).toBe(2);
      expect(agg['discards-ttl-expired']).toBeGreaterThanOrEqual(1);
      const one = JSON.parse((await run('qpid-stat', [...b, '-q', 'ring-q', '--json'])).stdout);
      const stats = Object.fromEntries(one.statistics.map((r: Row) => [r.statistic, r.messages]));
      expect(stats['discards-ring-overflow']).toBe(3);
      expect(stats['queue-depth']).toBe(2);
      expect(one.optionalProperties[0]).toEqual({
        property: 'arguments',
        value: { 'x-max-length': 2, 'x-overflow': 'drop-head' },
      });
      const local = (conn as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;
      const c = JSON.parse((await run('qpid-stat', [...b, '-c', '--json'])).stdout).find(
        (r: Row) => r.connection === `127.0.0.1:${local}`,
      );
      expect(c).toMatchObject({ messagesIn: 10, messagesOut: 0 });
      expect(c.bytesIn).toBeGreaterThan(0);
      expect(c.bytesOut).toBeGreaterThan(0);
    } finally {
      await conn.close();
    }
  });

  test('a drain -f reader is a subscription in qpid-stat -u', async () => {
    const drain = start('drain', [...b, '-f', 'found-q']);
    try {
      const u = await poll(
        async () =>
          JSON.parse((await run('qpid-stat', [...b, '-u', '--json'])).stdout).find((r: Row) => r.queue === 'found-q'),
        10_000,
        'the drain subscription',
      );
      expect(u).toMatchObject({ acked: true, creditMode: 'WINDOW(1000)' });
    } finally {
      drain.child.kill('SIGINT');
      await drain.result;
    }
  });
});

describe('errors a person can act on', () => {
  test('a refused vhost reports the broker code and text', async () => {
    const err = await Connection.establish(`amqp://guest:guest@127.0.0.1:${tb.port}/dev`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).message).toContain('vhost dev not found (530 NOT_ALLOWED)');
    expect((err as ConnectError).code).toBe(530);
    const cli = await run('drain', ['-b', `amqp://guest:guest@127.0.0.1:${tb.port}/dev`, 'q']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('vhost dev not found (530 NOT_ALLOWED)');
  });

  test("the API's client properties name this package", async () => {
    const conn = await Connection.establish(tb.url);
    try {
      const c = [...tb.broker.connections].at(-1);
      expect(c?.clientProperties).toMatchObject({ product: 'qpid-messaging', version: VERSION });
      // amqplib picks the narrowest integer type: compare the value.
      expect(Number((c?.clientProperties['qpid.client_pid'] as { value?: unknown })?.value)).toBe(process.pid);
    } finally {
      await conn.close();
    }
  });

  test('an in-process broker writes nothing to stderr unless given a logger', async () => {
    const writes = vi.spyOn(process.stderr, 'write');
    const quiet = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'trace' });
    const seen: string[] = [];
    const loud = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'info', logger: (_l, m) => seen.push(m) });
    try {
      for (const broker of [quiet, loud]) {
        const c = await amqp.connect(`amqp://127.0.0.1:${broker.port}`);
        await c.close();
      }
    } finally {
      await quiet.stop();
      await loud.stop();
    }
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    expect(seen.some((m) => m.includes('accepting AMQP connection'))).toBe(true);
  });
});
