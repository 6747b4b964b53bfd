// Leader-aware connect (ConnectionOptions.preferLeader, src/messaging/leader.ts) on the 3-node
// cluster: a Connection whose URL list starts elsewhere connects to the node that leads a quorum
// queue (management `leader`) or holds a classic queue (`node`); an unknown queue keeps the order.
import amqp from 'amqplib';
import { afterAll, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import { clusterMgmtUrls, clusterUrls, describeCluster, withClusterLock } from '../helpers/cluster.js';
import { uniqueName } from '../helpers/rabbitmq.js';

const portOf = (url: string | undefined) => (url ? new URL(url).port : '');
const opened: Connection[] = [];
const queues: string[] = [];

/** Declares on node `i` (a quorum queue's leader and a classic queue's home start there: client-local). */
async function declareOn(i: number, name: string, args: Record<string, unknown>): Promise<void> {
  const conn = await amqp.connect(clusterUrls[i] as string);
  await (await conn.createChannel()).assertQueue(name, { durable: true, arguments: args });
  await conn.close();
  queues.push(name);
}

async function connectPreferring(queue: string, first: number): Promise<Connection> {
  const order = [0, 1, 2].map((k) => clusterUrls[(first + k) % 3] as string);
  const c = await Connection.establish(order[0], {
    reconnectUrls: order.slice(1),
    preferLeader: { queue, managementUrls: clusterMgmtUrls },
  });
  opened.push(c);
  return c;
}

describeCluster('leader-aware connect', () => {
  afterAll(async () => {
    for (const c of opened) await c.close().catch(() => undefined);
    const conn = await amqp.connect(clusterUrls[0] as string);
    const ch = await conn.createChannel();
    for (const q of queues) await ch.deleteQueue(q).catch(() => undefined);
    await conn.close();
  });

  // Under the cluster lock: no other suite kills a node while these connect.
  test('connects to the leader of a quorum queue and the home node of a classic one', { timeout: 700_000 }, () =>
    withClusterLock(async () => {
      const qq = uniqueName('leader-qq');
      await declareOn(1, qq, { 'x-queue-type': 'quorum' });
      const c1 = await connectPreferring(qq, 2);
      expect(portOf(c1.url)).toBe(portOf(clusterUrls[1]));
      // It is a normal connection: a receiver on it works.
      const rcv = await (await c1.session()).receiver(qq);
      expect(await rcv.get(0)).toBeUndefined();

      const cq = uniqueName('leader-cq');
      await declareOn(2, cq, {});
      const c2 = await connectPreferring(cq, 0);
      expect(portOf(c2.url)).toBe(portOf(clusterUrls[2]));
    }),
  );

  test('an unknown queue or an unreachable management API keeps the given order', { timeout: 700_000 }, () =>
    withClusterLock(async () => {
      const c1 = await connectPreferring(uniqueName('no-such-queue'), 2);
      expect(portOf(c1.url)).toBe(portOf(clusterUrls[2]));
      const c2 = await Connection.establish(clusterUrls[1] as string, {
        preferLeader: { queue: 'whatever', managementUrls: ['http://127.0.0.1:1'], timeoutMs: 500 },
      });
      opened.push(c2);
      expect(portOf(c2.url)).toBe(portOf(clusterUrls[1]));
    }),
  );
});
