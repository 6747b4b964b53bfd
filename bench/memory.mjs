// Memory benchmark (`npm run bench:memory`): broker RSS per queued message and
// per idle connection, the bundled broker and RabbitMQ in one run.
//
//   BENCH_MEMORY_MESSAGES=1000000   16 B messages queued per case (transient, persistent)
//   BENCH_MEMORY_CONNECTIONS=10000  idle connections held open at once
//   BENCH_MEMORY_RABBITMQ_CONNECTIONS=1000  idle connections for RabbitMQ (each costs it ~100 KB+)
//   BENCH_ONLY=bundled|rabbitmq
//   BENCH_MEMORY_TIME_MS=180000     time bound of each publishing phase
//
// RSS is VmRSS from /proc/PID/status, read after the broker settled (a bundled
// broker is started fresh for each case, so earlier garbage does not count).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { startBundled, startRabbitmq } from './brokers.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (m) => process.stderr.write(`[memory] ${m}\n`);
const N = Number(process.env.BENCH_MEMORY_MESSAGES || 1_000_000);
const CONNS = Number(process.env.BENCH_MEMORY_CONNECTIONS || 10_000);
const RMQ_CONNS = Number(process.env.BENCH_MEMORY_RABBITMQ_CONNECTIONS || 1000);
const TIME_MS = Number(process.env.BENCH_MEMORY_TIME_MS || 180_000);
const only = process.env.BENCH_ONLY;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** RSS once it stopped moving (within 1 % over 1 s, at most 10 s). */
async function settledRss(pid) {
  let last = rssBytes(pid);
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const now = rssBytes(pid);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

async function queueMessages(broker, persistent, n) {
  const conn = await amqp.connect(broker.url);
  conn.on('error', () => {});
  try {
    const ch = persistent ? await conn.createConfirmChannel() : await conn.createChannel();
    const q = `bench-mem-${process.pid}-${persistent ? 'p' : 't'}`;
    await ch.assertQueue(q, { durable: persistent, autoDelete: false });
    await ch.purgeQueue(q);
    const before = await settledRss(broker.pid);
    const body = Buffer.alloc(16, 0x6d);
    const t0 = performance.now();
    const deadline = t0 + TIME_MS;
    let sent = 0;
    while (sent < n && performance.now() < deadline) {
      const ok = ch.sendToQueue(q, body, { persistent });
      sent++;
      if (!ok) await new Promise((r) => ch.once('drain', r));
      if (persistent && sent % 50_000 === 0) await ch.waitForConfirms();
    }
    if (persistent) await ch.waitForConfirms();
    let count = 0;
    while (performance.now() < deadline + 30_000) {
      count = (await ch.checkQueue(q)).messageCount;
      if (count >= sent) break;
      await sleep(200);
    }
    const secs = (performance.now() - t0) / 1000;
    const after = await settledRss(broker.pid);
    await ch.deleteQueue(q).catch(() => {});
    return { queued: count, secs, before, after, perMessage: (after - before) / count };
  } finally {
    await conn.close().catch(() => {});
  }
}

async function idleConnections(broker, n) {
  const before = await settledRss(broker.pid);
  const conns = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const c = await amqp.connect(broker.url, { timeout: 10_000 });
      c.on('error', () => {});
      conns.push(c);
    }
    const secs = (performance.now() - t0) / 1000;
    const after = await settledRss(broker.pid);
    return { connections: conns.length, secs, before, after, perConnection: (after - before) / conns.length };
  } finally {
    for (const c of conns) await c.close().catch(() => {});
  }
}

const kib = (b) => (b / 1024).toFixed(2);
const mib = (b) => (b / 1048576).toFixed(0);

async function main() {
  log(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const results = [];
  const cases = [
    { name: `${N.toLocaleString('en-US')} × 16 B transient queued`, run: (b) => queueMessages(b, false, N) },
    {
      name: `${N.toLocaleString('en-US')} × 16 B persistent queued`,
      run: (b) => queueMessages(b, true, N),
      disk: true,
    },
  ];
  for (const c of cases) {
    for (const kind of ['bundled', 'rabbitmq']) {
      if (only && only !== kind) continue;
      let broker;
      let dir;
      if (kind === 'bundled') {
        // A fresh broker per case; the persistent one on a temporary data directory.
        dir = c.disk ? mkdtempSync(join(tmpdir(), 'qpid-bench-mem-')) : undefined;
        process.env.BENCH_QPIDD_ARGS = dir ? JSON.stringify(['--data-dir', dir]) : '';
        broker = await startBundled(repoRoot, log);
      } else {
        broker = await startRabbitmq(repoRoot, log);
      }
      try {
        log(`${c.name} on ${kind} ...`);
        const r = await c.run(broker);
        log(
          `${c.name} on ${kind}: ${r.queued} in ${r.secs.toFixed(1)} s, RSS ${mib(r.before)} → ${mib(r.after)} MiB, ${kib(r.perMessage)} KiB/msg`,
        );
        results.push({ case: c.name, broker: kind, ...r });
      } finally {
        await broker.stop();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  for (const kind of ['bundled', 'rabbitmq']) {
    if (only && only !== kind) continue;
    process.env.BENCH_QPIDD_ARGS = '';
    const broker = kind === 'bundled' ? await startBundled(repoRoot, log) : await startRabbitmq(repoRoot, log);
    try {
      const n = kind === 'bundled' ? CONNS : RMQ_CONNS;
      log(`${n} idle connections on ${kind} ...`);
      const r = await idleConnections(broker, n);
      log(
        `${n} idle connections on ${kind}: RSS ${mib(r.before)} → ${mib(r.after)} MiB, ${kib(r.perConnection)} KiB each`,
      );
      results.push({ case: 'idle connections', broker: kind, ...r });
    } finally {
      await broker.stop();
    }
  }
  console.log('\ncase | broker | count | RSS before MiB | RSS after MiB | per item KiB | seconds');
  console.log('---|---|---|---|---|---|---');
  for (const r of results) {
    const count = r.queued ?? r.connections;
    const per = r.perMessage ?? r.perConnection;
    console.log(
      `${r.case} | ${r.broker} | ${count} | ${mib(r.before)} | ${mib(r.after)} | ${kib(per)} | ${r.secs.toFixed(1)}`,
    );
  }
  console.log(
    `\nload average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`failed: ${e.stack ?? e}`);
    process.exit(1);
  },
);
