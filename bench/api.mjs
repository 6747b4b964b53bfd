// The messaging API's overhead over raw amqplib, on the same broker in one run:
// async send (capacity 1000 vs a confirm window of 1000), sync send (one
// confirm per message), and fetch + acknowledge (capacity 1000 vs prefetch
// 1000 with a consumer). Run: `npm run bench:api` (builds first).
//   BENCH_API_COUNT=50000   messages for the async and fetch scenarios (sync uses 1/10)
//   RABBITMQ_URL=...        also run against this RabbitMQ

import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { startBundled } from './brokers.mjs';

const root = join(import.meta.dirname, '..');
const { Connection, Message } = await import(join(root, 'dist', 'index.js'));
const N = Number(process.env.BENCH_API_COUNT || 50_000);
const SYNC_N = Math.max(100, Math.floor(N / 10));
const BODY = Buffer.alloc(16, 'x');
const log = (s) => process.stderr.write(`[bench:api] ${s}\n`);
let seq = 0;
const qname = (p) => `bench-api-${process.pid}-${p}-${++seq}`;

async function declare(url, q) {
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  await ch.assertQueue(q, { durable: false });
  await c.close();
}

async function drop(url, q) {
  const c = await amqp.connect(url);
  const ch = await c.createChannel();
  await ch.deleteQueue(q);
  await c.close();
}

async function timed(fn, n) {
  const t0 = performance.now();
  await fn();
  return n / ((performance.now() - t0) / 1000);
}

const raw = {
  async asyncSend(url, q, n) {
    const c = await amqp.connect(url);
    const ch = await c.createConfirmChannel();
    let outstanding = 0;
    let wake;
    const rate = await timed(async () => {
      for (let i = 0; i < n; i++) {
        while (outstanding >= 1000) await new Promise((r) => (wake = r));
        outstanding++;
        ch.sendToQueue(q, BODY, {}, () => {
          outstanding--;
          wake?.();
        });
      }
      await ch.waitForConfirms();
    }, n);
    await c.close();
    return rate;
  },
  async syncSend(url, q, n) {
    const c = await amqp.connect(url);
    const ch = await c.createConfirmChannel();
    const rate = await timed(async () => {
      for (let i = 0; i < n; i++) {
        await new Promise((resolve, reject) => ch.sendToQueue(q, BODY, {}, (err) => (err ? reject(err) : resolve())));
      }
    }, n);
    await c.close();
    return rate;
  },
  async fetch(url, q, n) {
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    await ch.prefetch(1000);
    let got = 0;
    const rate = await timed(
      () =>
        new Promise((resolve) => {
          ch.consume(q, (m) => {
            ch.ack(m);
            if (++got === n) resolve();
          });
        }),
      n,
    );
    await c.close();
    return rate;
  },
};

const api = {
  async asyncSend(url, q, n) {
    const c = await Connection.establish(url);
    const s = await c.session();
    const sender = await s.sender(q, { capacity: 1000 });
    const rate = await timed(async () => {
      for (let i = 0; i < n; i++) await sender.send(new Message({ content: BODY }), { sync: false });
      await sender.sync();
    }, n);
    await c.close();
    return rate;
  },
  async syncSend(url, q, n) {
    const c = await Connection.establish(url);
    const s = await c.session();
    const sender = await s.sender(q, { capacity: 1000 });
    const rate = await timed(async () => {
      for (let i = 0; i < n; i++) await sender.send(new Message({ content: BODY }), { sync: true });
    }, n);
    await c.close();
    return rate;
  },
  async fetch(url, q, n) {
    const c = await Connection.establish(url);
    const s = await c.session();
    const r = await s.receiver(q, { capacity: 1000 });
    const rate = await timed(async () => {
      for (let i = 0; i < n; i++) {
        const m = await r.fetch(10);
        await s.acknowledge(m, { sync: false });
      }
    }, n);
    await c.close();
    return rate;
  },
};

async function fill(url, q, n) {
  const c = await amqp.connect(url);
  const ch = await c.createConfirmChannel();
  for (let i = 0; i < n; i++) if (!ch.sendToQueue(q, BODY)) await new Promise((r) => ch.once('drain', r));
  await ch.waitForConfirms();
  await c.close();
}

async function measure(url) {
  const rows = [];
  for (const [name, n] of [
    ['async send', N],
    ['sync send', SYNC_N],
    ['fetch + acknowledge', N],
  ]) {
    const key = name === 'async send' ? 'asyncSend' : name === 'sync send' ? 'syncSend' : 'fetch';
    const results = {};
    // Alternate raw and API three times and keep each side's best, to damp noise on a shared machine.
    for (let round = 0; round < 3; round++) {
      for (const [side, impl] of [
        ['raw', raw],
        ['api', api],
      ]) {
        const q = qname(key);
        await declare(url, q);
        if (key === 'fetch') await fill(url, q, n);
        const rate = await impl[key](url, q, n);
        await drop(url, q);
        results[side] = Math.max(results[side] ?? 0, rate);
      }
    }
    rows.push({ name, n, raw: results.raw, api: results.api, overhead: 1 - results.api / results.raw });
  }
  return rows;
}

const targets = [];
const bundled = await startBundled(root, log);
targets.push(['bundled', bundled.url]);
if (process.env.RABBITMQ_URL) targets.push(['rabbitmq', process.env.RABBITMQ_URL]);
try {
  for (const [kind, url] of targets) {
    log(`measuring on ${kind} ...`);
    const rows = await measure(url);
    console.log(`\n${kind}: messaging API vs raw amqplib (msg/s, best of 3)`);
    console.log('scenario             | messages | raw amqplib | messaging API | overhead');
    console.log('---------------------|----------|-------------|---------------|---------');
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(20)} | ${String(r.n).padStart(8)} | ${Math.round(r.raw).toLocaleString('en-US').padStart(11)} | ${Math.round(r.api).toLocaleString('en-US').padStart(13)} | ${(r.overhead * 100).toFixed(1).padStart(6)} %`,
      );
    }
  }
} finally {
  await bundled.stop();
}
