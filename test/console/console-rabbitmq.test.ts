// The web console against RabbitMQ 3.10's own management API: the built
// console is served by a small same-origin proxy that forwards /api/* to the
// private RabbitMQ node (as the console does with any broker's API), and the
// same pages must work there: every page without console errors, a queue made
// by the test shown, a message published and got through the page.
import { createServer, request, type Server } from 'node:http';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConsoleAssets } from '../../src/broker/management/console-assets.js';
import { type Browser, chromiumPath, launchBrowser } from '../helpers/browser.js';
import { describeRabbitmq, rabbitmqMgmtUrl, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

const describeBoth = chromiumPath ? describeRabbitmq : describeRabbitmq.skip;

let proxy: Server;
let base: string;
let browser: Browser;
let conn: ChannelModel;
const queue = uniqueName('console-rmq');

/** Serves the console's files and forwards /api/* (method, headers, body) to RabbitMQ's management listener. */
function startProxy(): Promise<Server> {
  const assets = new ConsoleAssets();
  const target = new URL(rabbitmqMgmtUrl as string);
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/api/')) {
      if (!assets.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname)) res.writeHead(404).end();
      return;
    }
    const { host: _host, ...headers } = req.headers;
    const up = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  if (!rabbitmqUrl || !chromiumPath) return;
  proxy = await startProxy();
  base = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  conn = await amqp.connect(rabbitmqUrl);
  const ch = await conn.createChannel();
  await ch.assertQueue(queue, { durable: false, arguments: { 'x-max-length': 50 } });
  await ch.close();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (conn) {
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue).catch(() => {});
    await conn.close().catch(() => {});
  }
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
});

describeBoth('web console against RabbitMQ 3.10', { timeout: 90_000 }, () => {
  test('logs in, opens every page without console errors, shows the queue, publishes and gets through it', async () => {
    const { page } = browser;
    const user = decodeURIComponent(new URL(rabbitmqUrl as string).username || 'guest');
    const password = decodeURIComponent(new URL(rabbitmqUrl as string).password || 'guest');
    await page.goto(`${base}/?refresh=1000`);
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('RabbitMQ');

    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [link, text] of [
      ['Connections', 'Connections'],
      ['Channels', 'Channels'],
      ['Exchanges', 'amq.topic'],
      ['Admin', 'Permissions'],
      ['Queues', queue],
    ] as const) {
      await nav.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
      await page.getByText(text).first().waitFor();
      await page.waitForTimeout(1200);
      expect(browser.takeErrors(), link).toEqual([]);
    }
    // RabbitMQ has the access-control API: Admin lists its users.
    await nav.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('table', { name: 'Users' }).getByText(user, { exact: true }).waitFor();

    await nav.getByRole('link', { name: 'Queues', exact: true }).click();
    await page.getByLabel('Filter (regex)').fill(`^${queue}$`);
    await page.getByRole('link', { name: queue, exact: true }).click();
    await page.getByRole('heading', { name: `Queue ${queue}` }).waitFor();
    const publish = page.getByRole('form', { name: 'Publish message' });
    await publish.getByLabel('Payload').fill('hello RabbitMQ');
    await publish.getByRole('button', { name: 'Publish message' }).click();
    await page.getByText('Message published.').waitFor();
    const get = page.getByRole('form', { name: 'Get messages' });
    await get.getByRole('button', { name: 'Get messages' }).click();
    expect(await page.getByRole('article', { name: 'Message 1' }).locator('.payload').textContent()).toBe(
      'hello RabbitMQ',
    );
    await page.getByRole('button', { name: 'Purge messages' }).click();
    await page.getByText(`Queue ${queue} purged.`).waitFor();
    expect(browser.takeErrors()).toEqual([]);
  });
});
