/**
 * `qpid-route -s` (Qpid's --src-local, a "push" route) between two bundled brokers: the shovel is
 * defined on SRC's management API, reads SRC's bridge queue and publishes to DEST (a remote
 * `dest-uri`, src/broker/federation/remote-destination.ts); `route list` on SRC shows srcIsLocal.
 */
import amqp from 'amqplib';
import { describe, expect, test } from 'vitest';
import { testBrokers } from '../helpers/broker.js';
import { declareBound, drainSeqs, hp, publish, queueDepth } from '../helpers/federation.js';
import { poll, run } from './admin-helpers.js';

const bundled = testBrokers({ mgmtPort: 0 });

describe('qpid-route --src-local (push routes)', () => {
  test('a push route is defined on SRC and moves messages to DEST; route del -s removes it', async () => {
    const dest = await bundled();
    const src = await bundled();
    const onSrc = (...a: string[]) => run('qpid-route', ['--mgmt-url', src.broker.mgmtUrl as string, ...a]);
    await declareBound(dest.url, 'pushed', 'amq.topic', '#');
    const add = await onSrc('-s', 'route', 'add', hp(dest.url), hp(src.url), 'amq.topic', 'news.#');
    expect(add).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const name = `qpid-route -s route 127.0.0.1:${dest.port} amq.topic news.#`;
    expect(src.broker.federation.get('/', name)?.parameter.value).toMatchObject({
      'src-queue': `qpid-route.127.0.0.1:${dest.port}.amq.topic.news.#`,
      'dest-uri': `amqp://guest:guest@127.0.0.1:${dest.port}/%2F`,
      'dest-exchange': 'amq.topic',
    });
    expect(dest.broker.federation.list()).toHaveLength(0);
    await publish(src.url, 'amq.topic', 'news.sport', 0, 4);
    await publish(src.url, 'amq.topic', 'weather.today', 100, 2);
    await poll(async () => ((await queueDepth(dest.url, 'pushed')) === 4 ? true : undefined));
    expect([...(await drainSeqs(dest.url, 'pushed'))].sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);

    expect((await onSrc('route', 'list', hp(src.url))).stdout).toBe(
      `127.0.0.1:${src.port} 127.0.0.1:${dest.port} amq.topic news.# True\n`,
    );
    const links = await onSrc('link', 'list', hp(src.url));
    expect(links.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1\\s+${dest.port}\\s+tcp\\s+N\\s+Operational`));
    const dup = await onSrc('-s', 'route', 'add', hp(dest.url), hp(src.url), 'amq.topic', 'news.#');
    expect(dup).toMatchObject({ code: 0, stderr: 'Duplicate Route - ignoring: amq.topic(news.#)\n' });

    expect((await onSrc('-s', 'route', 'del', hp(dest.url), hp(src.url), 'amq.topic', 'news.#')).code).toBe(0);
    expect(src.broker.federation.list()).toHaveLength(0);
    expect(src.broker.vhosts.get('/')?.queues.has(`qpid-route.127.0.0.1:${dest.port}.amq.topic.news.#`)).toBe(false);
    expect((await onSrc('route', 'list', hp(src.url))).stdout).toBe('');
  });

  test('a push queue route moves an existing SRC queue into DEST', async () => {
    const dest = await bundled();
    const src = await bundled();
    await declareBound(dest.url, 'orders-in', 'amq.direct', 'orders');
    await declareBound(src.url, 'orders-out', 'amq.direct', 'orders');
    await publish(src.url, 'amq.direct', 'orders', 0, 3);
    const add = await run('qpid-route', [
      '--mgmt-url',
      src.broker.mgmtUrl as string,
      '--src-local',
      'queue',
      'add',
      hp(dest.url),
      hp(src.url),
      'amq.direct',
      'orders-out',
    ]);
    expect(add.code).toBe(0);
    await poll(async () => ((await queueDepth(dest.url, 'orders-in')) === 3 ? true : undefined));
    expect(await queueDepth(src.url, 'orders-out')).toBe(0);
  });

  test.skipIf(!process.env['RABBITMQ_URL'])(
    'a push route from the bundled broker into RabbitMQ (no shovel plugin needed there)',
    async () => {
      const src = await bundled();
      const rabbitUrl = process.env['RABBITMQ_URL'] as string;
      const rabbit = new URL(rabbitUrl);
      const q = `push-parity-${process.pid}-${Date.now()}`;
      const conn = await amqp.connect(rabbitUrl);
      try {
        const ch = await conn.createChannel();
        await ch.assertQueue(q, { durable: false, autoDelete: false });
        await ch.bindQueue(q, 'amq.direct', q);
        const dest = `guest/guest@${rabbit.hostname}:${rabbit.port}`;
        const onSrc = (...a: string[]) => run('qpid-route', ['--mgmt-url', src.broker.mgmtUrl as string, ...a]);
        expect((await onSrc('-s', 'route', 'add', dest, hp(src.url), 'amq.direct', q)).code).toBe(0);
        await publish(src.url, 'amq.direct', q, 0, 3);
        await poll(async () => ((await ch.checkQueue(q)).messageCount === 3 ? true : undefined));
        const m = await ch.get(q, { noAck: true });
        // The trace holds the source's id only: RabbitMQ advertises none.
        if (m === false) throw new Error('nothing arrived');
        expect(m.properties.headers?.['x-qpid.trace']).toBe(src.broker.federation.id);
        expect((await onSrc('-s', 'route', 'del', dest, hp(src.url), 'amq.direct', q)).code).toBe(0);
        expect(src.broker.federation.list()).toHaveLength(0);
        await ch.deleteQueue(q);
      } finally {
        await conn.close();
      }
    },
  );

  test('not allowed with dynamic routes: a usage error, exit 2', async () => {
    expect(await run('qpid-route', ['-s', 'dynamic', 'add', 'localhost:1', 'localhost:2', 'amq.topic'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "qpid-route: --src-local is not permitted on dynamic routes\nTry 'qpid-route --help' for more information.\n",
    });
  });
});
