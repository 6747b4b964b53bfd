/**
 * `qpid-route` end to end between two bundled brokers (the built-in shovel, src/broker/federation):
 * routes, dynamic routes (bindings propagated), listings, counters, bad input, and a durable route
 * across a destination restart mid-flow with every confirmed message counted at the end. Bundled ⇄ RabbitMQ (both directions, either side
 * restarted or killed mid-flow) is test/cluster/federation.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { declareBound, drainSeqs, hp, publish, queueDepth } from '../helpers/federation.js';
import { closedPort, poll, run } from './admin-helpers.js';

const brokers: TestBroker[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const b of brokers) await b.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function bundled(options: { dataDir?: string; port?: number } = {}): Promise<TestBroker> {
  const b = await startTestBroker({ mgmtPort: 0, ...options });
  brokers.push(b);
  return b;
}

describe('qpid-route (no broker needed)', () => {
  const usage = (message: string) => `qpid-route: ${message}\nTry 'qpid-route --help' for more information.\n`;

  test('--help starts with the usage; usage errors are one line and the hint, exit 2', async () => {
    const help = await run('qpid-route', ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(
      /^Usage: {2}qpid-route \[OPTIONS\] dynamic add <dest-broker> <src-broker> <exchange>\n/,
    );
    expect(help.stdout).toMatch(/-v, --verbose +print stack traces on errors/);
    for (const [argv, message] of [
      [[], 'missing command'],
      [['route', 'frob'], "unknown command 'route frob'"],
      [['route', 'add', 'a', 'b'], "missing arguments for 'route add'"],
      [['link', 'list', 'a', 'b'], "unexpected argument 'b'"],
      [['--ack', '0', 'route', 'list'], 'option --ack: expected an integer ≥ 1'],
      [['-t', '-1', 'route', 'list'], 'option --timeout: expected seconds ≥ 0'],
      [['route', 'list', 'amqp://[bad'], "invalid broker URL amqp://[bad: unclosed '['"],
    ] as const) {
      expect(await run('qpid-route', [...argv])).toEqual({ code: 2, stdout: '', stderr: usage(message) });
    }
  });

  test('an unreachable management API is one Failed: line, exit 1', async () => {
    const port = await closedPort();
    const r = await run('qpid-route', ['--mgmt-url', `http://127.0.0.1:${port}`, 'route', 'list']);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `Failed: ConnectError: cannot reach the management API at http://127.0.0.1:${port} (ECONNREFUSED)\n`,
    });
  });
});

describe('qpid-route between two bundled brokers', () => {
  test('route add moves matching messages; route list and link list show it; route del stops it', async () => {
    const dest = await bundled();
    const src = await bundled();
    const route = (...a: string[]) => run('qpid-route', ['--mgmt-url', dest.broker.mgmtUrl as string, ...a]);
    await declareBound(dest.url, 'news-in', 'amq.topic', '#');
    const add = await route('route', 'add', hp(dest.url), hp(src.url), 'amq.topic', 'news.#');
    expect(add).toMatchObject({ code: 0, stderr: '' });
    await publish(src.url, 'amq.topic', 'news.sport', 0, 5);
    await publish(src.url, 'amq.topic', 'weather.today', 100, 3);
    await poll(async () => ((await queueDepth(dest.url, 'news-in')) === 5 ? true : undefined));
    expect([...(await drainSeqs(dest.url, 'news-in'))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);

    const list = await route('route', 'list', hp(dest.url));
    expect(list.stdout).toBe(`127.0.0.1:${dest.port} 127.0.0.1:${src.port} amq.topic news.# False\n`);
    const links = await route('link', 'list', hp(dest.url));
    expect(links.stdout).toContain('Host            Port    Transport Durable  State             Last Error');
    expect(links.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1\\s+${src.port}\\s+tcp\\s+N\\s+Operational`));
    const dup = await route('route', 'add', hp(dest.url), hp(src.url), 'amq.topic', 'news.#');
    expect(dup).toMatchObject({ code: 0, stderr: 'Duplicate Route - ignoring: amq.topic(news.#)\n' });
    // Counters in the management API (what qpid-stat and monitoring read).
    const status = (await (
      await fetch(`${dest.broker.mgmtUrl}/api/shovels`, { headers: { authorization: `Basic ${btoa('guest:guest')}` } })
    ).json()) as { forwarded: number; acked: number; state: string }[];
    expect(status[0]).toMatchObject({ state: 'running', forwarded: 5, acked: 5 });
    const stat = await run('qpid-stat', ['-l', '--mgmt-url', dest.broker.mgmtUrl as string]);
    expect(stat.code).toBe(0);
    expect(stat.stdout).toContain('Federation Links');
    expect(stat.stdout).toMatch(
      /qpid-route route 127\.0\.0\.1:\d+ amq\.topic news\.#\s+amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+\/%2F\s+running\s+5\s+5\s+5\s+0/,
    );

    expect((await route('route', 'del', hp(dest.url), hp(src.url), 'amq.topic', 'news.#')).code).toBe(0);
    expect((await route('route', 'list', hp(dest.url))).stdout).toBe('');
    expect((await route('link', 'list', hp(dest.url))).stdout).toBe('No Links Found\n');
  });

  test('dynamic add propagates DEST bindings to SRC: only what DEST binds crosses; dynamic del undoes it', async () => {
    const dest = await bundled();
    const src = await bundled();
    const mgmt = dest.broker.mgmtUrl as string;
    const route = (...a: string[]) => run('qpid-route', ['--mgmt-url', mgmt, ...a]);
    const shovels = async () =>
      (await (
        await fetch(`${mgmt}/api/shovels`, { headers: { authorization: `Basic ${btoa('guest:guest')}` } })
      ).json()) as { name: string; received: number; looped: number; dynamic_bindings: number }[];
    await declareBound(dest.url, 'dyn-in', 'amq.topic', 'a.*');
    const add = await route('dynamic', 'add', hp(dest.url), hp(src.url), 'amq.topic');
    expect(add).toMatchObject({ code: 0, stderr: '' });
    const name = `qpid-route dynamic 127.0.0.1:${src.port} amq.topic #`;
    expect(dest.broker.federation.get('/', name)?.parameter.value).toMatchObject({ 'qpid.dynamic': true });
    await poll(async () => ((await shovels())[0]?.dynamic_bindings === 1 ? true : undefined));
    await publish(src.url, 'amq.topic', 'b.1', 0, 3);
    await publish(src.url, 'amq.topic', 'a.1', 10, 2);
    await poll(async () => ((await queueDepth(dest.url, 'dyn-in')) === 2 ? true : undefined));
    expect([...(await drainSeqs(dest.url, 'dyn-in'))].sort((a, b) => a - b)).toEqual([10, 11]);
    expect((await shovels())[0]).toMatchObject({ name, received: 2, looped: 0, dynamic_bindings: 1 });
    expect((await route('route', 'list', hp(dest.url))).stdout).toBe(
      `127.0.0.1:${dest.port} 127.0.0.1:${src.port} amq.topic <dynamic> False\n`,
    );

    expect((await route('dynamic', 'del', hp(dest.url), hp(src.url), 'amq.topic')).code).toBe(0);
    expect((await route('route', 'list', hp(dest.url))).stdout).toBe('');
    expect(src.broker.vhosts.get('/')?.queues.has(`qpid-route.127.0.0.1:${dest.port}.amq.topic.#`)).toBe(false);
  });

  test('bad input: linking a broker to itself, unknown verbs, a missing source exchange', async () => {
    const dest = await bundled();
    const src = await bundled();
    const route = (...a: string[]) => run('qpid-route', ['--mgmt-url', dest.broker.mgmtUrl as string, ...a]);
    const self = await route('route', 'add', hp(dest.url), hp(dest.url), 'amq.topic', 'k');
    expect(self).toMatchObject({ code: 1, stderr: 'Failed: Error: Linking broker to itself is not permitted\n' });
    expect((await route('route', 'frob')).code).toBe(2);
    const noEx = await route('route', 'add', hp(dest.url), hp(src.url), 'no-such-exchange', 'k');
    expect(noEx.code).toBe(1);
    expect(noEx.stderr).toContain("no exchange 'no-such-exchange' on source broker");
  });

  test('a durable route survives a restart of the destination mid-flow with nothing lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qpid-route-'));
    dirs.push(dir);
    let dest = await bundled({ dataDir: dir });
    const src = await bundled();
    await declareBound(dest.url, 'orders-in', 'amq.direct', 'orders');
    const add = await run('qpid-route', [
      '--mgmt-url',
      dest.broker.mgmtUrl as string,
      '--durable',
      '--ack',
      '10',
      'route',
      'add',
      hp(dest.url),
      hp(src.url),
      'amq.direct',
      'orders',
    ]);
    expect(add.code).toBe(0);
    const total = 3000;
    const flowing = publish(src.url, 'amq.direct', 'orders', 0, total);
    await poll(async () => ((await queueDepth(dest.url, 'orders-in')) > 50 ? true : undefined));
    await dest.stop();
    brokers.splice(brokers.indexOf(dest), 1);
    await flowing;
    dest = await bundled({ dataDir: dir });
    await poll(async () => ((await queueDepth(dest.url, 'orders-in')) >= total ? true : undefined), 30_000);
    const seqs = await drainSeqs(dest.url, 'orders-in');
    expect(Array.from({ length: total }, (_, i) => i).filter((i) => !seqs.has(i))).toEqual([]);
  });
});
