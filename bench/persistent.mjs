// Persistent-message throughput: 1 KiB persistent messages to a durable queue
// with a window of 1000 unconfirmed publishes (confirmed msg/s), then one
// consumer with prefetch 1000 acking every message (consumed msg/s).
//
//   npm run build && node bench/persistent.mjs
//
// Environment:
//   BENCH_COUNT     messages per run (default 100000)
//   BENCH_RECOVERY_COUNT  also measure a restart with this many 1 KiB persistent
//                   messages queued: recovery time (from the broker's log) and
//                   the broker's RSS after recovery and after draining (default
//                   100000; 0 skips it)
//   BENCH_BUDGET    --message-memory-budget for that run (bytes; default the broker's)
//   RABBITMQ_URL    also run against this broker (e.g. amqp://guest:guest@127.0.0.1:5674)
//
// The bundled broker is started as `node bin/qpidd.js --port 0 --data-dir <tmp>`
// and its data directory removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);
const WINDOW = 1000;
const RECOVERY_COUNT = Number(process.env.BENCH_RECOVERY_COUNT ?? 100_000);
const BODY = Buffer.alloc(1024, 0x61);

async function startBundled(dir = mkdtempSync(join(tmpdir(), 'qpid-bench-')), extra = []) {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'qpidd.js'), '--port', '0', '--interface', '127.0.0.1', '--data-dir', dir, ...extra],
    // stderr is piped (and echoed) so the recovery line can be read.
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    log += d;
    process.stderr.write(d);
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      const m = /qpidd listening on (amqp:\/\/\S+)/.exec(out);
      if (m) resolve(m[1].replace('amqp://', 'amqp://guest:guest@'));
    });
    child.once('exit', (code) => reject(new Error(`qpidd exited ${code}`)));
  });
  child.stdout.resume();
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    url,
    dir,
    pid: child.pid,
    log: () => log,
    stop: async (keep = false) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc). */
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function publishConfirmed(url, queue, count = COUNT) {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  await ch.purgeQueue(queue);
  const t0 = process.hrtime.bigint();
  let outstanding = 0;
  let confirmed = 0;
  let wake;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  ch.on('drain', poke);
  for (let i = 0; i < count; i++) {
    while (outstanding >= WINDOW) await new Promise((r) => (wake = r));
    outstanding++;
    const ok = ch.publish('', queue, BODY, { persistent: true }, (err) => {
      if (err) throw err;
      outstanding--;
      confirmed++;
      poke();
    });
    if (!ok) await new Promise((r) => (wake = r));
  }
  while (confirmed < count) await new Promise((r) => (wake = r));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await conn.close();
  return count / s;
}

async function consumeAll(url, queue, count = COUNT) {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(WINDOW);
  const t0 = process.hrtime.bigint();
  let n = 0;
  await new Promise((resolve) => {
    ch.consume(queue, (m) => {
      if (m === null) return;
      ch.ack(m);
      if (++n === count) resolve();
    });
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await ch.deleteQueue(queue);
  await conn.close();
  return count / s;
}

async function run(name, url) {
  const queue = `bench.persistent.${process.pid}`;
  const pub = await publishConfirmed(url, queue);
  const con = await consumeAll(url, queue);
  console.log(
    `${name.padEnd(9)} ${COUNT} x 1 KiB persistent, confirm window ${WINDOW}: ` +
      `confirmed ${Math.round(pub)} msg/s, consumed ${Math.round(con)} msg/s`,
  );
}

const bundled = await startBundled();
try {
  await run('bundled', bundled.url);
} finally {
  await bundled.stop();
}
if (process.env.RABBITMQ_URL) await run('rabbitmq', process.env.RABBITMQ_URL);

// A restart with a large backlog: how long recovery takes and how much RAM the broker holds.
if (RECOVERY_COUNT > 0) {
  const extra = process.env.BENCH_BUDGET ? ['--message-memory-budget', process.env.BENCH_BUDGET] : [];
  const queue = 'bench.recovery';
  const before = await startBundled(undefined, extra);
  await publishConfirmed(before.url, queue, RECOVERY_COUNT);
  const rssLoaded = rssMiB(before.pid);
  await before.stop(true);
  const after = await startBundled(before.dir, extra);
  try {
    const m = /in (\d+) ms/.exec(
      after
        .log()
        .split('\n')
        .find((l) => l.includes('recovered')) ?? '',
    );
    const rssRecovered = rssMiB(after.pid);
    const con = await consumeAll(after.url, queue, RECOVERY_COUNT);
    console.log(
      `recovery  ${RECOVERY_COUNT} x 1 KiB persistent${extra.length ? ` (budget ${process.env.BENCH_BUDGET} B)` : ''}: ` +
        `RSS ${rssLoaded.toFixed(0)} MiB after publishing, recovered in ${m ? m[1] : '?'} ms, ` +
        `RSS ${rssRecovered.toFixed(0)} MiB after recovery, ${rssMiB(after.pid).toFixed(0)} MiB after draining ` +
        `(consumed ${Math.round(con)} msg/s)`,
    );
  } finally {
    await after.stop();
  }
}
