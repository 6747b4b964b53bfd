// Takes the README's screenshots of the web console (docs/images/): starts the
// built broker, runs a publisher (with confirms) and a slower consumer for
// about 40 s so the charts have history, then photographs the Overview and
// the queue's page in headless Chromium. Run after `npm run build`:
//   node scripts/console-screenshots.mjs [out-dir]
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { chromium } from 'playwright-core';
import { Broker } from '../dist/broker/index.js';

const out = process.argv[2] ?? 'docs/images';
const seconds = Number(process.env.SCREENSHOT_TRAFFIC_SECONDS || 40);
mkdirSync(out, { recursive: true });

const broker = await Broker.start({
  port: 0,
  host: '127.0.0.1',
  logLevel: 'error',
  mgmtPort: 0,
  statsIntervalMs: 1000,
});
const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${broker.port}`, {
  clientProperties: { connection_name: 'orders-service' },
});
const pub = await conn.createConfirmChannel();
await pub.assertExchange('shop', 'topic', { durable: true });
await pub.assertQueue('orders', { durable: true, arguments: { 'x-max-length': 100000, 'x-message-ttl': 3600000 } });
await pub.bindQueue('orders', 'shop', 'order.#');
await pub.assertQueue('audit', { durable: false });
await pub.bindQueue('audit', 'shop', '#');
const sub = await conn.createChannel();
await sub.prefetch(20);
let acked = 0;
await sub.consume('orders', (m) => {
  if (m === null) return;
  // A consumer a little slower than the publisher, so a backlog builds up.
  setTimeout(() => {
    sub.ack(m);
    acked++;
  }, 8);
});

// Traffic runs on while the screenshots are taken, so the latest rates are not zero.
let running = true;
let sent = 0;
const traffic = (async () => {
  while (running) {
    const burst = 20 + Math.round(15 * Math.sin(sent / 400));
    for (let i = 0; i < burst; i++)
      pub.publish('shop', `order.${sent % 3 ? 'new' : 'paid'}`, Buffer.from(`{"id":${sent++}}`));
    await pub.waitForConfirms();
    await new Promise((r) => setTimeout(r, 100));
  }
})();
await new Promise((r) => setTimeout(r, seconds * 1000));

const profile = mkdtempSync(join(tmpdir(), 'qpid-console-shots-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${broker.mgmtUrl}/?refresh=1000`);
  await page.getByLabel('Username').fill('guest');
  await page.getByLabel('Password').fill('guest');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Totals' }).waitFor();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: join(out, 'console-overview.png'), fullPage: true });
  await page.goto(`${broker.mgmtUrl}/?refresh=1000#/queues/%2F/orders`);
  await page.getByRole('heading', { name: 'Queue orders' }).waitFor();
  await page.waitForTimeout(2500);
  await page.screenshot({ path: join(out, 'console-queue.png'), fullPage: true });
  console.log(`screenshots in ${out}`);
} finally {
  running = false;
  await traffic;
  console.log(`published ${sent}, acknowledged ${acked}`);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await conn.close();
  await broker.stop();
}
