// Scaling benchmark: how msg/s and p99 latency change as the work grows, on
// both brokers in one run (`npm run bench -- --plot`).
//
// Two axes:
//  - clients: N producers and N consumers (N = 1, 10, 100, 1000), producer i
//    publishing to queue i, consumer i consuming it. Producers and consumers
//    are channels, spread over at most 50 connections per side (2000 sockets
//    would measure the kernel and the client more than the broker).
//  - queues: Q queues (1, 100, 10,000) fed round-robin by 10 producers and
//    drained by 10 consumer channels holding Q/10 consumers each.
// Every point publishes a bounded count (BENCH_SCALING_COUNT, default 20,000
// × BENCH_SCALE) within a time bound, with at most WINDOW messages in flight
// overall (closed loop), 16 B bodies carrying the send time for the latency.
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { cpuMicros } from './brokers.mjs';

const WINDOW = 2000;
const MAX_CONNS = 50;
let seq = 0;
const uniq = (p) => `bench-${process.pid}-${p}-${++seq}`;

export const CLIENT_STEPS = [1, 10, 100, 1000];
export const QUEUE_STEPS = [1, 100, 10_000];

async function connectMany(url, n) {
  const conns = [];
  for (let i = 0; i < n; i++) {
    const c = await amqp.connect(url, { timeout: 10_000 });
    c.on('error', () => {});
    conns.push(c);
  }
  return conns;
}

/** One point: `producers` channels publish round-robin to `queues`; `consumerChannels` consume them all. */
async function point(broker, { producers, consumerChannels, queueCount, count, timeMs }) {
  const pubConns = await connectMany(broker.url, Math.min(producers, MAX_CONNS));
  const subConns = await connectMany(broker.url, Math.min(consumerChannels, MAX_CONNS));
  try {
    const setup = await subConns[0].createChannel();
    const queues = [];
    for (let i = 0; i < queueCount; i++) {
      const q = uniq('scale');
      await setup.assertQueue(q, { durable: false, autoDelete: false, arguments: { 'x-expires': 120_000 } });
      queues.push(q);
    }
    let received = 0;
    const lat = new Float64Array(count);
    let wake = () => {};
    const consumerChs = [];
    for (let c = 0; c < consumerChannels; c++) {
      const ch = await subConns[c % subConns.length].createChannel();
      await ch.prefetch(1000);
      consumerChs.push(ch);
    }
    await Promise.all(
      queues.map((q, i) =>
        consumerChs[i % consumerChs.length].consume(
          q,
          (m) => {
            if (!m) return;
            if (received < count) lat[received] = performance.now() - m.content.readDoubleLE(0);
            received++;
            wake();
          },
          { noAck: true },
        ),
      ),
    );
    const pubChs = [];
    for (let p = 0; p < producers; p++) pubChs.push(await pubConns[p % pubConns.length].createChannel());
    const body = Buffer.alloc(16);
    const cpu0 = cpuMicros(broker.pid);
    const start = performance.now();
    const deadline = start + timeMs;
    let sent = 0;
    while (sent < count && performance.now() < deadline) {
      while (sent - received >= WINDOW && performance.now() < deadline) {
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      // A burst from each producer in turn, up to the window.
      const burst = Math.min(count - sent, WINDOW - (sent - received));
      for (let k = 0; k < burst; k++) {
        const i = sent++;
        body.writeDoubleLE(performance.now(), 0);
        pubChs[i % producers].sendToQueue(queues[i % queueCount], Buffer.from(body));
      }
      await new Promise((r) => setImmediate(r));
    }
    while (received < sent && performance.now() < deadline + 10_000) {
      await new Promise((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    const elapsedMs = performance.now() - start;
    const cpu1 = cpuMicros(broker.pid);
    const sorted = lat.subarray(0, Math.min(received, count)).sort();
    const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] : Number.NaN;
    for (const q of queues) await setup.deleteQueue(q).catch(() => {});
    return {
      msgPerS: (received / elapsedMs) * 1000,
      p99Ms: p99,
      cpuUsPerMsg: cpu0 !== undefined && cpu1 !== undefined && received > 0 ? (cpu1 - cpu0) / received : undefined,
      sent,
      received,
      complete: received === sent && sent === count,
    };
  } finally {
    for (const c of [...pubConns, ...subConns]) await c.close().catch(() => {});
  }
}

/** Runs every point on every broker (interleaved per point, so load changes hit both alike). */
export async function runScaling(brokers, log, scale = 1) {
  const count = Math.max(1000, Math.round(Number(process.env.BENCH_SCALING_COUNT || 20_000) * scale));
  const timeMs = Number(process.env.BENCH_SCALING_TIME_MS || 20_000);
  const points = [
    ...CLIENT_STEPS.map((n) => ({
      axis: 'clients',
      x: n,
      params: { producers: n, consumerChannels: n, queueCount: n, count, timeMs },
    })),
    ...QUEUE_STEPS.map((q) => ({
      axis: 'queues',
      x: q,
      params: { producers: 10, consumerChannels: 10, queueCount: q, count, timeMs },
    })),
  ];
  // An unmeasured pass first, so neither broker (nor the client) pays for JIT warm-up in the first point.
  for (const b of brokers) {
    await point(b, { producers: 10, consumerChannels: 10, queueCount: 10, count, timeMs }).catch(() => undefined);
  }
  const rows = [];
  for (const p of points) {
    for (const b of brokers) {
      log(`scaling ${p.axis}=${p.x} on ${b.kind} ...`);
      try {
        const r = await point(b, p.params);
        log(
          `scaling ${p.axis}=${p.x} on ${b.kind}: ${Math.round(r.msgPerS)} msg/s, p99 ${r.p99Ms.toFixed(2)} ms` +
            `${r.complete ? '' : ` (incomplete: ${r.received}/${r.sent})`}`,
        );
        rows.push({ axis: p.axis, x: p.x, broker: b.kind, ...r });
      } catch (err) {
        log(`scaling ${p.axis}=${p.x} on ${b.kind}: ERROR ${err.message}`);
        rows.push({ axis: p.axis, x: p.x, broker: b.kind, error: err.message });
      }
    }
  }
  return rows;
}
