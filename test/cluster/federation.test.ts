// qpid-route between the bundled broker and the 3-node RabbitMQ cluster, both directions, with a
// restart of either side mid-flow: every confirmed message must arrive (duplicates are allowed:
// shovels are at-least-once).
// - RabbitMQ → bundled: the bundled broker's built-in shovel pulls from node c; the bundled broker is
//   restarted mid-flow, then node c is killed (kill -9) and restarted mid-flow.
// - bundled → RabbitMQ: qpid-route creates a RabbitMQ dynamic shovel on the cluster that pulls from the
//   bundled broker into a quorum queue; the bundled source is restarted mid-flow, then the node the
//   shovel runs on is killed and restarted mid-flow.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterAll, expect, test } from 'vitest';
import { poll, run } from '../cli/admin-helpers.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import {
  clusterApi,
  clusterMgmtUrls,
  clusterNodes,
  clusterUrls,
  describeCluster,
  killNode,
  restartNode,
  withClusterLock,
} from '../helpers/cluster.js';
import { declareBound, drainSeqs, hp, publish, queueDepth } from '../helpers/federation.js';
import { uniqueName } from '../helpers/rabbitmq.js';

const brokers: TestBroker[] = [];
const dirs: string[] = [];
const missing = (total: number, seqs: Set<number>) =>
  Array.from({ length: total }, (_, i) => i).filter((i) => !seqs.has(i));

async function bundled(dataDir: string, port?: number): Promise<TestBroker> {
  const b = await startTestBroker({ mgmtPort: 0, dataDir, ...(port ? { port } : {}) });
  brokers.push(b);
  return b;
}

async function restart(b: TestBroker, dataDir: string, samePort: boolean): Promise<TestBroker> {
  await b.stop();
  brokers.splice(brokers.indexOf(b), 1);
  return bundled(dataDir, samePort ? b.port : undefined);
}

describeCluster('qpid-route between the bundled broker and a RabbitMQ cluster', () => {
  const cleanup: string[] = [];
  afterAll(async () => {
    for (const b of brokers) await b.stop().catch(() => undefined);
    for (const d of dirs) await rm(d, { recursive: true, force: true });
    const conn = await amqp.connect(clusterUrls[0] as string);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    for (const q of cleanup) await ch.deleteQueue(q).catch(() => undefined);
    await conn.close().catch(() => undefined);
  });

  // Each test holds the cluster lock throughout: it kills a node, and no other suite may meanwhile.
  test(
    'RabbitMQ → bundled: none lost across a bundled restart and a kill -9 of the source node',
    {
      timeout: 900_000,
    },
    () =>
      withClusterLock(async () => {
        const dir = await mkdtemp(join(tmpdir(), 'qpid-route-'));
        dirs.push(dir);
        const src = clusterUrls[2] as string;
        let dest = await bundled(dir);
        const add = await run('qpid-route', [
          '--mgmt-url',
          dest.broker.mgmtUrl as string,
          '--durable',
          '--ack',
          '50',
          'route',
          'add',
          hp(dest.url),
          hp(src),
          'amq.direct',
          'fed-up',
        ]);
        expect(add).toMatchObject({ code: 0, stderr: '' });
        cleanup.push(`qpid-route.127.0.0.1:${dest.port}.amq.direct.fed-up`);
        await declareBound(dest.url, 'from-rabbit', 'amq.direct', 'fed-up');
        const total = 4000;
        await publish(src, 'amq.direct', 'fed-up', 0, total / 2);
        await poll(async () => ((await queueDepth(dest.url, 'from-rabbit')) > 20 ? true : undefined));
        dest = await restart(dest, dir, false);
        await publish(src, 'amq.direct', 'fed-up', total / 2, total / 2);
        await poll(async () => ((await queueDepth(dest.url, 'from-rabbit')) > total / 2 + 20 ? true : undefined));
        await killNode(2);
        await restartNode(2);
        await poll(async () => ((await queueDepth(dest.url, 'from-rabbit')) >= total ? true : undefined), 90_000);
        expect(missing(total, await drainSeqs(dest.url, 'from-rabbit'))).toEqual([]);
        // The link is back in running state (it may still be finishing a reconnect when the last message lands).
        const status = await poll(async () => {
          const res = await fetch(`${dest.broker.mgmtUrl}/api/shovels`, {
            headers: { authorization: `Basic ${btoa('guest:guest')}` },
          });
          const all = (await res.json()) as { reconnects: number; state: string }[];
          return all[0]?.state === 'running' ? all : undefined;
        }, 30_000);
        expect(status[0]?.reconnects).toBeGreaterThan(0);
      }),
  );

  test(
    'bundled → RabbitMQ: a dynamic shovel into a quorum queue; none lost across a source restart and a kill -9 of its node',
    {
      timeout: 900_000,
    },
    () =>
      withClusterLock(async () => {
        const dir = await mkdtemp(join(tmpdir(), 'qpid-route-'));
        dirs.push(dir);
        let src = await bundled(dir);
        const q = uniqueName('fed-down');
        cleanup.push(q);
        const destUrl = clusterUrls[1] as string;
        const conn = await amqp.connect(destUrl);
        const ch = await conn.createChannel();
        await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await ch.bindQueue(q, 'amq.direct', q);
        await conn.close();
        const route = (...a: string[]) => run('qpid-route', ['--mgmt-url', clusterMgmtUrls[1] as string, ...a]);
        expect(await route('--durable', 'route', 'add', hp(destUrl), hp(src.url), 'amq.direct', q)).toMatchObject({
          code: 0,
        });
        const total = 4000;
        const name = `qpid-route route 127.0.0.1:${src.port} amq.direct ${q}`;
        try {
          {
            await publish(src.url, 'amq.direct', q, 0, total / 2);
            await poll(async () => ((await queueDepth(destUrl, q)) > 20 ? true : undefined));
            src = await restart(src, dir, true);
            await publish(src.url, 'amq.direct', q, total / 2, total / 2);
            // Kill the node the shovel runs on (RabbitMQ restarts a dynamic shovel on a surviving node).
            const shovels = await clusterApi<{ name: string; node: string }[]>(0, '/api/shovels');
            const on = clusterNodes.indexOf(shovels.find((s) => s.name === name)?.node ?? (clusterNodes[1] as string));
            await poll(async () => ((await queueDepth(destUrl, q).catch(() => 0)) > total / 2 + 20 ? true : undefined));
            await killNode(on < 0 ? 1 : on);
            await restartNode(on < 0 ? 1 : on);
            await poll(async () => ((await queueDepth(destUrl, q).catch(() => 0)) >= total ? true : undefined), 90_000);
          }
          expect(missing(total, await drainSeqs(destUrl, q))).toEqual([]);
        } finally {
          await route('route', 'del', hp(destUrl), hp(src.url), 'amq.direct', q);
        }
      }),
  );
});
