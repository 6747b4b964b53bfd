// Persistent-message throughput: 1 KiB persistent messages to a durable queue
// with a window of 1000 unconfirmed publishes (confirmed msg/s), then one
// consumer with prefetch 1000 acking every message (consumed msg/s).
//
//   npm run build && node bench/persistent.mjs
//
// Environment:
//   BENCH_COUNT     messages per run (default 100000)
//   RABBITMQ_URL    also run against this broker (e.g. amqp://guest:guest@127.0.0.1:5674)
//
// The bundled broker is started as `node bin/qpidd.js --port 0 --data-dir <tmp>`
// and its data directory removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const COUNT = Number(process.env.BENCH_COUNT ?? 100_000);
const WINDOW = 1000;
const BODY = Buffer.alloc(1024, 0x61);

async function startBundled() {
  const dir = mkdtempSync(join(tmpdir(), 'qpid-bench-'));
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'qpidd.js'), '--port', '0', '--interface', '127.0.0.1', '--data-dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function publishConfirmed(url, queue) {
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
  for (let i = 0; i < COUNT; i++) {
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
  while (confirmed < COUNT) await new Promise((r) => (wake = r));
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await conn.close();
  return COUNT / s;
}

async function consumeAll(url, queue) {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.prefetch(WINDOW);
  const t0 = process.hrtime.bigint();
  let n = 0;
  await new Promise((resolve) => {
    ch.consume(queue, (m) => {
      if (m === null) return;
      ch.ack(m);
      if (++n === COUNT) resolve();
    });
  });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await ch.deleteQueue(queue);
  await conn.close();
  return COUNT / s;
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
