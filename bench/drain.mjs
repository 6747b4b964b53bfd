// The first-hour check of issue 9: `spout -c N` then `drain -c N` (no options) against a raw amqplib
// consumer (bench/raw-consumer.mjs: prefetch 1000, one ack per message) taking the same N messages, each
// a fresh process, on the bundled broker and RabbitMQ side by side. Prints the best of BENCH_ROUNDS and
// the drain/raw ratio; the goal is ≤ 3 (Nagle's algorithm meeting delayed ACKs made it ~100).
// Run: `npm run bench:drain` (builds first).
//   BENCH_DRAIN_COUNT=10000   messages per round
//   BENCH_ROUNDS=3            rounds (best is reported)
//   RABBITMQ_URL=...          also run against this RabbitMQ
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBundled } from './brokers.mjs';

const root = join(import.meta.dirname, '..');
const N = Number(process.env.BENCH_DRAIN_COUNT || 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const log = (s) => process.stderr.write(`[bench:drain] ${s}\n`);

/** Runs a node script to completion; resolves its wall time in ms and its stdout line count. */
function timedRun(script, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (d) => {
      for (const b of d) if (b === 10) lines++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} ${args.join(' ')} exited ${code}`));
      else resolve({ ms: performance.now() - t0, lines });
    });
  });
}

const spout = (url, q) =>
  timedRun(join(root, 'bin', 'spout.js'), ['-b', url, '-c', String(N), `${q}; {create: always}`]);
const drain = (url, q) => timedRun(join(root, 'bin', 'drain.js'), ['-b', url, '-c', String(N), q]);
const raw = (url, q) => timedRun(join(root, 'bench', 'raw-consumer.mjs'), [url, q, String(N)]);

/** Best-of-ROUNDS times for spout, drain and the raw consumer on one broker. */
export async function measure(url, rounds = ROUNDS) {
  const q = `bench-drain-${process.pid}-${Date.now().toString(36)}`;
  const best = { spout: Number.POSITIVE_INFINITY, drain: Number.POSITIVE_INFINITY, raw: Number.POSITIVE_INFINITY };
  for (let i = 0; i < rounds; i++) {
    best.spout = Math.min(best.spout, (await spout(url, q)).ms);
    const d = await drain(url, q);
    if (d.lines !== N) throw new Error(`drain printed ${d.lines} of ${N} messages`);
    best.drain = Math.min(best.drain, d.ms);
    await spout(url, q);
    best.raw = Math.min(best.raw, (await raw(url, q)).ms);
  }
  await timedRun(join(root, 'bin', 'drain.js'), ['-b', url, `${q}; {delete: always}`]);
  return { ...best, ratio: best.drain / best.raw };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const brokers = [];
  const bundled = await startBundled(root, log);
  brokers.push({ name: 'bundled', url: bundled.url, stop: bundled.stop });
  if (process.env.RABBITMQ_URL) brokers.push({ name: 'RabbitMQ', url: process.env.RABBITMQ_URL, stop: async () => {} });
  const rows = [];
  try {
    for (const b of brokers) {
      log(`${b.name}: ${ROUNDS} rounds of ${N} messages`);
      rows.push({ broker: b.name, ...(await measure(b.url)) });
    }
  } finally {
    for (const b of brokers) await b.stop();
  }
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s (${Math.round(N / (ms / 1000)).toLocaleString('en-US')} msg/s)`;
  console.log(`spout -c ${N} / drain -c ${N} / raw amqplib consumer, best of ${ROUNDS}, each a fresh process:`);
  console.log('| broker | spout | drain | raw amqplib | drain/raw |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.broker} | ${fmt(r.spout)} | ${fmt(r.drain)} | ${fmt(r.raw)} | ${r.ratio.toFixed(2)}${r.ratio <= 3 ? '' : ' (over 3)'} |`,
    );
  }
}
