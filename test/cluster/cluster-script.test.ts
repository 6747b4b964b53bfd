// Smoke test for scripts/rabbitmq-cluster.sh: three running members that see
// each other, each with management and the shovel plugins, and a node that
// comes back into the cluster after kill -9 + restart.
import amqp from 'amqplib';
import { expect, test } from 'vitest';
import {
  clusterApi,
  clusterNodes,
  clusterUrls,
  describeCluster,
  killNode,
  restartNode,
  withClusterLock,
} from '../helpers/cluster.js';

interface NodeInfo {
  name: string;
  running: boolean;
}

async function runningNodes(via: number): Promise<string[]> {
  const nodes = await clusterApi<NodeInfo[]>(via, '/api/nodes?columns=name,running');
  return nodes
    .filter((n) => n.running)
    .map((n) => n.name)
    .sort();
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeCluster('scripts/rabbitmq-cluster.sh', () => {
  test('forms one cluster of three nodes, each with management and shovels', { timeout: 900_000 }, () =>
    withClusterLock(async () => {
      for (let i = 0; i < 3; i++) {
        expect(await runningNodes(i)).toEqual([...clusterNodes].sort());
        const overview = await clusterApi<{ node: string; cluster_name: string }>(i, '/api/overview');
        expect(overview.node).toBe(clusterNodes[i]);
        // The shovel plugin answers its own endpoint only when it is enabled.
        expect(await clusterApi<unknown[]>(i, '/api/shovels')).toBeInstanceOf(Array);
      }
    }),
  );

  test('a killed node leaves the cluster and rejoins after restart', { timeout: 900_000 }, async () => {
    await withClusterLock(async () => {
      await killNode(2);
      await until('node c down', async () => ((await runningNodes(0)).length === 2 ? true : undefined));
      await expect(amqp.connect(clusterUrls[2]!)).rejects.toThrow();
      await restartNode(2);
      await until('node c back', async () => ((await runningNodes(0)).length === 3 ? true : undefined));
      const conn = await amqp.connect(clusterUrls[2]!);
      await conn.close();
    });
  });
});
