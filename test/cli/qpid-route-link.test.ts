/**
 * `qpid-route link add|del` and `-e/--del-empty-link` between bundled brokers: a link without routes
 * is a `qpid.link` shovel on DEST (connected to SRC, state and last error in `link list` and
 * /api/shovels, durable with --durable); `link del` removes it with every route on it; RabbitMQ,
 * whose shovels carry their own connections, has no such links.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { hp } from '../helpers/federation.js';
import { poll, run } from './admin-helpers.js';

const brokers: TestBroker[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const b of brokers) await b.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function bundled(options: { dataDir?: string } = {}): Promise<TestBroker> {
  const b = await startTestBroker({ mgmtPort: 0, ...options });
  brokers.push(b);
  return b;
}

const on = (b: TestBroker, ...a: string[]) => run('qpid-route', ['--mgmt-url', b.broker.mgmtUrl as string, ...a]);
const row = (port: number, durable: 'Y' | 'N', state: string) =>
  new RegExp(`127\\.0\\.0\\.1\\s+${port}\\s+tcp\\s+${durable}\\s+${state}`);

describe('qpid-route link add / link del / -e', () => {
  test('link add makes a link without routes: listed, connected, in /api/shovels; Waiting once SRC goes', async () => {
    const dest = await bundled();
    const src = await bundled();
    expect(await on(dest, 'link', 'add', hp(dest.url), hp(src.url))).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const name = `qpid-route link 127.0.0.1:${src.port}`;
    await poll(async () => (dest.broker.federation.get('/', name)?.link.state === 'running' ? true : undefined));
    expect((await on(dest, 'link', 'list', hp(dest.url))).stdout).toMatch(row(src.port, 'N', 'Operational'));
    expect((await on(dest, 'route', 'list', hp(dest.url))).stdout).toBe('');
    const status = (await (
      await fetch(`${dest.broker.mgmtUrl}/api/shovels`, { headers: { authorization: `Basic ${btoa('guest:guest')}` } })
    ).json()) as Record<string, unknown>[];
    expect(status).toMatchObject([{ name, state: 'running', qpid_link: true, received: 0 }]);
    await src.stop();
    brokers.splice(brokers.indexOf(src), 1);
    const waiting = await poll(async () => {
      const out = (await on(dest, 'link', 'list', hp(dest.url))).stdout;
      return row(src.port, 'N', 'Waiting').test(out) ? out : undefined;
    });
    expect(waiting).toMatch(/Waiting\s+\S/); // the last error is shown
  });

  test('--durable link add is restored when DEST restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qpid-route-link-'));
    dirs.push(dir);
    let dest = await bundled({ dataDir: dir });
    const src = await bundled();
    expect((await on(dest, '--durable', 'link', 'add', hp(dest.url), hp(src.url))).code).toBe(0);
    await dest.stop();
    brokers.splice(brokers.indexOf(dest), 1);
    dest = await bundled({ dataDir: dir });
    const d = dest;
    await poll(async () => {
      const out = (await on(d, 'link', 'list', hp(d.url))).stdout;
      return row(src.port, 'Y', 'Operational').test(out) ? true : undefined;
    });
  });

  test('link del removes the link and every route on it; a second one: Link not found', async () => {
    const dest = await bundled();
    const src = await bundled();
    expect((await on(dest, 'link', 'add', hp(dest.url), hp(src.url))).code).toBe(0);
    expect((await on(dest, 'route', 'add', hp(dest.url), hp(src.url), 'amq.topic', 'a.#')).code).toBe(0);
    expect((await on(dest, 'queue', 'add', hp(dest.url), hp(src.url), 'amq.direct', 'q')).code).toBe(0);
    expect(dest.broker.federation.list()).toHaveLength(3);
    expect(await on(dest, 'link', 'del', hp(dest.url), hp(src.url))).toMatchObject({ code: 0, stderr: '' });
    expect(dest.broker.federation.list()).toHaveLength(0);
    expect(src.broker.vhosts.get('/')?.queues.has(`qpid-route.127.0.0.1:${dest.port}.amq.topic.a.#`)).toBe(false);
    expect(await on(dest, 'link', 'del', hp(dest.url), hp(src.url))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Failed: Error: Link not found\n',
    });
  });

  test('-e deletes the link with its last route; without -e the link stays', async () => {
    const dest = await bundled();
    const src = await bundled();
    const [group, d, s, x] = ['route', hp(dest.url), hp(src.url), 'amq.topic'] as const;
    expect((await on(dest, 'link', 'add', d, s)).code).toBe(0);
    expect((await on(dest, group, 'add', d, s, x, 'k1')).code).toBe(0);
    expect((await on(dest, group, 'add', d, s, x, 'k2')).code).toBe(0);
    expect((await on(dest, group, 'del', d, s, x, 'k1')).code).toBe(0);
    expect((await on(dest, '-e', group, 'del', d, s, x, 'k2')).code).toBe(0);
    expect(dest.broker.federation.list()).toHaveLength(0);
    expect((await on(dest, 'link', 'list', d)).stdout).toBe('No Links Found\n');
    expect((await on(dest, 'link', 'add', d, s)).code).toBe(0);
    expect((await on(dest, group, 'add', d, s, x, 'k3')).code).toBe(0);
    expect((await on(dest, group, 'del', d, s, x, 'k3')).code).toBe(0);
    expect((await on(dest, 'link', 'list', d)).stdout).toMatch(row(src.port, 'N', '\\w+'));
    // route flush keeps the links without routes; with -e they go too.
    expect((await on(dest, group, 'add', d, s, x, 'k4')).code).toBe(0);
    expect((await on(dest, 'route', 'flush', d)).code).toBe(0);
    expect(dest.broker.federation.list().map((e) => e.parameter.name)).toEqual([
      `qpid-route link 127.0.0.1:${src.port}`,
    ]);
    expect((await on(dest, '-e', 'route', 'flush', d)).code).toBe(0);
    expect(dest.broker.federation.list()).toHaveLength(0);
  });

  test('a user who is neither policymaker nor administrator cannot add a link', async () => {
    const dest = await bundled();
    const src = await bundled();
    dest.broker.access.putUser('mgmt', { password: 'pw', tags: ['management'] });
    dest.broker.access.setPermissions('mgmt', '/', { configure: '.*', write: '.*', read: '.*' });
    const r = await on(dest, 'link', 'add', `mgmt/pw@127.0.0.1:${dest.port}`, hp(src.url));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Failed: \w+: .*\n$/);
    expect(dest.broker.federation.list()).toHaveLength(0);
  });

  test.skipIf(!process.env['RABBITMQ_MGMT_URL'])('RabbitMQ has no links without routes: one line, exit 1', async () => {
    const src = await bundled();
    const rabbit = new URL(process.env['RABBITMQ_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672');
    const r = await run('qpid-route', [
      '--mgmt-url',
      process.env['RABBITMQ_MGMT_URL'] as string,
      'link',
      'add',
      `guest/guest@${rabbit.hostname}:${rabbit.port || 5672}`,
      hp(src.url),
    ]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Failed: Error: RabbitMQ has no links without routes (each shovel carries its own connection): add a route\n',
    });
  });
});
