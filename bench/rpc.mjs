// RPC over qpid-messaging/rpc on both brokers in one run: sequential call latency (p50/p99) and
// throughput with 64 calls in flight, a Node RpcClient calling a Node RpcServer (concurrency 64) on
// the same connection pair. Run: `npm run bench:rpc` (builds first).
//   BENCH_RPC_COUNT=5000   calls for the concurrent scenario (the sequential one makes a tenth)
//   RABBITMQ_URL=...       also run against this RabbitMQ

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBundled } from './brokers.mjs';

const root = join(import.meta.dirname, '..');
const { Connection } = await import(join(root, 'dist', 'index.js'));
const { RpcClient, RpcServer } = await import(join(root, 'dist', 'rpc', 'index.js'));
const N = Number(process.env.BENCH_RPC_COUNT || 5000);
const SEQ = Math.max(100, Math.floor(N / 10));
const IN_FLIGHT = 64;
const log = (s) => process.stderr.write(`[bench:rpc] ${s}\n`);

async function measure(kind, url) {
  const topic = `bench-rpc-${process.pid}-${kind}`;
  const serverConn = await Connection.establish(url);
  const clientConn = await Connection.establish(url);
  const server = new RpcServer(serverConn, { topic, server: 's' }, [{ echo: (_c, a) => a }], { concurrency: 64 });
  await server.start();
  const client = new RpcClient(clientConn, { topic }, { timeout: 30 });
  for (let i = 0; i < 50; i++) await client.call({}, 'echo', { i }); // warm-up (and the reply queue)
  const lat = [];
  for (let i = 0; i < SEQ; i++) {
    const t0 = performance.now();
    await client.call({}, 'echo', { i });
    lat.push(performance.now() - t0);
  }
  lat.sort((a, b) => a - b);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < N) {
        const i = next++;
        await client.call({}, 'echo', { i });
      }
    }),
  );
  const rate = N / ((performance.now() - t0) / 1000);
  await server.stop();
  await server.wait();
  await clientConn.close();
  await serverConn.close();
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(2);
  return { kind, p50: pct(0.5), p99: pct(0.99), callsPerSec: Math.round(rate) };
}

const results = [];
const bundled = await startBundled(root, log);
try {
  results.push(await measure('bundled', bundled.url));
} finally {
  await bundled.stop();
}
if (process.env.RABBITMQ_URL) results.push(await measure('rabbitmq', process.env.RABBITMQ_URL));
console.log('| broker | sequential call p50 ms | p99 ms | calls/s, 64 in flight |');
console.log('|---|---|---|---|');
for (const r of results) console.log(`| ${r.kind} | ${r.p50} | ${r.p99} | ${r.callsPerSec} |`);
if (results.length === 2) {
  console.log(`ratio bundled/RabbitMQ calls/s: ${(results[0].callsPerSec / results[1].callsPerSec).toFixed(2)}`);
}
