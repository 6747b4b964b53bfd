// The web console end to end: the bundled broker in-process (AMQP and
// management on port 0), the built console opened in headless Chromium, real
// amqplib traffic, and assertions on what the page shows and what the broker
// then holds. Every page is checked for console errors.
import amqp, { type ChannelModel } from 'amqplib';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { type Browser, type ConsoleEntry, chromiumPath, launchBrowser } from '../helpers/browser.js';

const describeBrowser = chromiumPath ? describe : describe.skip;

let tb: TestBroker;
let browser: Browser;
let conn: ChannelModel;
let consoleUrl: string;

/**
 * Resource errors the Admin page may log on a broker without the access
 * control API: the page probes /api/users and /api/permissions and shows
 * "not available" on 404, and Chromium reports every 4xx fetch as a console error.
 */
function unexpected(errors: ConsoleEntry[]): ConsoleEntry[] {
  return errors.filter(
    (e) =>
      !(e.text.includes('status of 404') && /\/api\/(users|permissions)$/.test(new URL(e.url || 'http://x/').pathname)),
  );
}

async function logIn(page: Page, user = 'guest', password = 'guest'): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Opens a console page, logging in first when this tab has no session yet. */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`${consoleUrl}${hash}`);
  const login = page.getByRole('button', { name: 'Log in' });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await Promise.race([login.waitFor(), nav.waitFor()]);
  if (await login.isVisible()) {
    await page.getByLabel('Username').fill('guest');
    await page.getByLabel('Password').fill('guest');
    await login.click();
    await nav.waitFor();
  }
}

/** The chart's latest values, e.g. {Ready: 3, Unacked: 0}, from its caption. */
async function latest(page: Page, chartId: string): Promise<Record<string, number>> {
  const text = (await page.locator(`#${chartId} figcaption`).getAttribute('data-latest')) ?? '';
  const out: Record<string, number> = {};
  for (const part of text.split(' · ')) {
    const m = /^(.+) (-?[\d.]+)/.exec(part);
    if (m) out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/** Polls `fn` (bounded: `tries` × 250 ms) until `ok`; returns the last value. */
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 80): Promise<T> {
  let v = await fn();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

beforeAll(async () => {
  // Sampling every 500 ms and a 1 s page refresh keep the live charts quick to move.
  tb = await startTestBroker({ mgmtPort: 0, statsIntervalMs: 500 });
  consoleUrl = `${tb.broker.mgmtUrl}/?refresh=1000`;
  conn = await amqp.connect(tb.url, { clientProperties: { connection_name: 'console-test' } });
  if (chromiumPath) browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await conn?.close().catch(() => {});
  await tb?.stop();
});

describeBrowser('web console in Chromium', { timeout: 90_000 }, () => {
  test('a wrong password shows the API error on the login form', async () => {
    const { page } = browser;
    await logIn(page, 'guest', 'wrong');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Login failed (HTTP 401)');
    expect(await page.getByRole('link', { name: 'Overview' }).count()).toBe(0);
    // The 401 itself is a resource error in the console; nothing else may be.
    expect(browser.takeErrors().filter((e) => !e.text.includes('status of 401'))).toEqual([]);
  });

  test('logs in with the keyboard alone, keeps credentials in sessionStorage only, and logs out', async () => {
    const { page } = browser;
    await page.goto(consoleUrl);
    await page.getByLabel('Username').focus();
    await page.keyboard.type('guest');
    await page.keyboard.press('Tab');
    await page.keyboard.type('guest');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Overview' }).waitFor();
    const stored = await page.evaluate(
      '({ session: Object.keys(sessionStorage), local: Object.keys(localStorage), cookies: document.cookie })',
    );
    expect(stored).toEqual({ session: ['qpid-console-credentials'], local: [], cookies: '' });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(browser.takeErrors()).toEqual([]);
  });

  test('every page opens from the navigation without console errors', async () => {
    const { page } = browser;
    await logIn(page);
    const pages: [string, string][] = [
      ['Overview', 'Queued messages'],
      ['Connections', 'console-test'],
      ['Channels', 'Channels'],
      ['Exchanges', 'amq.topic'],
      ['Queues', 'Add a new queue'],
      ['Admin', 'Virtual hosts'],
    ];
    for (const [link, text] of pages) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { level: 1, name: link }).waitFor();
      await page.getByText(text).first().waitFor();
      // Let a refresh or two pass, so errors from polling would show too.
      await page.waitForTimeout(1200);
      expect(unexpected(browser.takeErrors()), link).toEqual([]);
    }
    // Admin says what is missing instead of failing, when the broker has no such endpoint.
    const admin = await page.locator('main').textContent();
    expect(admin).toMatch(/Users are not available on this broker|Add a user/);
  });

  test('the overview shows totals and live charts that move while messages are published', async () => {
    const { page } = browser;
    const ch = await conn.createChannel();
    await ch.assertQueue('console-overview-q', { durable: false });
    await open(page, '#/overview');
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    const before = (await latest(page, 'chart-queued'))['Ready'] ?? 0;
    // Publish (bounded: 60 rounds of 5) until the queued-messages chart shows the backlog growing
    // and the rate chart shows publishes.
    let sent = 0;
    let seen = before;
    let rates: Record<string, number> = {};
    for (let round = 0; round < 60 && (seen < before + 20 || !((rates['Publish'] ?? 0) > 0)); round++) {
      for (let i = 0; i < 5; i++) ch.sendToQueue('console-overview-q', Buffer.from(`m${sent++}`));
      await new Promise((r) => setTimeout(r, 250));
      seen = (await latest(page, 'chart-queued'))['Ready'] ?? 0;
      rates = await latest(page, 'chart-rates');
    }
    expect(seen).toBeGreaterThanOrEqual(before + 20);
    expect(Number(await page.locator('#chart-queued figcaption').getAttribute('data-points'))).toBeGreaterThan(1);
    expect(rates['Publish']).toBeGreaterThan(0);
    const totals = await page.locator('.totals').textContent();
    expect(totals).toContain('Queues');
    await ch.deleteQueue('console-overview-q');
    await ch.close();
    expect(unexpected(browser.takeErrors())).toEqual([]);
  });

  test('a queue made by the test is listed, filtered by regex, and its page charts, publishes, gets, purges and deletes', async () => {
    const { page } = browser;
    const ch = await conn.createChannel();
    await ch.assertQueue('console-q', { durable: true, arguments: { 'x-message-ttl': 600000 } });
    await ch.assertQueue('console-other', { durable: false });
    await open(page, '#/queues');
    await page.getByLabel('Filter (regex)').fill('^console-q$');
    const rows = page.getByRole('table', { name: 'Queues' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('TTL=600000');
    await page.getByRole('link', { name: 'console-q', exact: true }).click();
    await page.getByRole('heading', { name: 'Queue console-q' }).waitFor();

    // The queue's chart follows the backlog while the test publishes.
    for (let i = 0; i < 30; i++) ch.sendToQueue('console-q', Buffer.from(`backlog ${i}`));
    const moved = await until(
      () => latest(page, 'chart-queue-queued'),
      (v) => (v['Ready'] ?? 0) === 30,
    );
    expect(moved['Ready']).toBe(30);

    // Purge through the UI.
    await page.getByRole('button', { name: 'Purge messages' }).click();
    await page.getByText('Queue console-q purged.').waitFor();
    expect((await ch.checkQueue('console-q')).messageCount).toBe(0);

    // Publish through the UI (default exchange, routing key = the queue), with a header and a property.
    const publish = page.getByRole('form', { name: 'Publish message' });
    await publish.getByLabel('Payload').fill('hello from the browser');
    await publish.getByLabel('Headers (JSON object)').fill('{"x-origin": "console"}');
    await publish.getByLabel('content_type').fill('text/plain');
    await publish.getByRole('button', { name: 'Publish message' }).click();
    await page.getByText('Message published.').waitFor();
    expect((await ch.checkQueue('console-q')).messageCount).toBe(1);

    // Get it back, requeued: the payload and properties are shown and the message stays.
    const get = page.getByRole('form', { name: 'Get messages' });
    await get.getByRole('button', { name: 'Get messages' }).click();
    const message = page.getByRole('article', { name: 'Message 1' });
    await message.waitFor();
    expect(await message.locator('.payload').textContent()).toBe('hello from the browser');
    expect(await message.locator('.props').textContent()).toContain('"x-origin": "console"');
    expect(await message.textContent()).toContain('text/plain');
    expect((await ch.checkQueue('console-q')).messageCount).toBe(1);

    // Then with automatic ack, which takes it.
    await get.getByLabel('Ack mode').selectOption('Automatic ack');
    await get.getByRole('button', { name: 'Get messages' }).click();
    await expect.poll(async () => (await ch.checkQueue('console-q')).messageCount).toBe(0);

    // Delete through the UI: back to the list, and the broker no longer has it.
    await page.getByRole('button', { name: 'Delete queue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Queues' }).waitFor();
    await page.waitForURL(/#\/queues$/);
    expect(tb.broker.vhosts.get('/')?.queues.has('console-q')).toBe(false);
    await ch.deleteQueue('console-other');
    await ch.close();
    expect(unexpected(browser.takeErrors())).toEqual([]);
  });

  test('Add a new queue and exchange, bind them and publish through the exchange page', async () => {
    const { page } = browser;
    await open(page, '#/queues');
    const addQ = page.getByRole('form', { name: 'Add a new queue' });
    await addQ.getByLabel('Name').fill('console-made');
    await addQ.getByLabel('Max length', { exact: true }).fill('5');
    await addQ.getByRole('button', { name: 'Add queue' }).click();
    await page.getByText('Queue console-made added.').waitFor();
    const q = tb.broker.vhosts.get('/')?.queues.get('console-made');
    expect(q?.args).toEqual({ 'x-max-length': 5 });
    expect(q?.durable).toBe(true);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Exchanges' }).click();
    const addX = page.getByRole('form', { name: 'Add a new exchange' });
    await addX.getByLabel('Name').fill('console-x');
    await addX.getByLabel('Type').selectOption('topic');
    await addX.getByRole('button', { name: 'Add exchange' }).click();
    await page.getByText('Exchange console-x added.').waitFor();
    await page.getByRole('link', { name: 'console-x', exact: true }).click();
    await page.getByRole('heading', { name: 'Exchange console-x' }).waitFor();

    const bind = page.getByRole('form', { name: 'Add binding' });
    await bind.getByLabel('To').fill('console-made');
    await bind.getByLabel('Binding key').fill('news.#');
    await bind.getByRole('button', { name: 'Bind' }).click();
    await page.getByRole('button', { name: 'Unbind console-made from console-x with key news.#' }).waitFor();

    const publish = page.getByRole('form', { name: 'Publish message' });
    await publish.getByLabel('Routing key').fill('news.today');
    await publish.getByLabel('Payload').fill('via topic');
    await publish.getByRole('button', { name: 'Publish message' }).click();
    await page.getByText('Message published.').waitFor();
    expect(q?.messageCount).toBe(1);

    await page.getByRole('button', { name: 'Unbind console-made from console-x with key news.#' }).click();
    await expect.poll(() => page.getByText('No bindings.').count()).toBe(1);
    await page.getByRole('button', { name: 'Delete exchange' }).click();
    await page.waitForURL(/#\/exchanges$/);
    expect(tb.broker.vhosts.get('/')?.exchanges.has('console-x')).toBe(false);
    tb.broker.vhosts.get('/')?.deleteQueue('console-made', false, false, undefined);
    expect(unexpected(browser.takeErrors())).toEqual([]);
  });

  test('Connections closes a connection with the reason typed in', async () => {
    const { page } = browser;
    const victim = await amqp.connect(tb.url, { clientProperties: { connection_name: 'console-victim' } });
    const closed = new Promise<string>((resolve) => {
      victim.on('error', (e: Error) => resolve(e.message));
      victim.on('close', (e?: Error) => resolve(e?.message ?? 'closed without a reason'));
    });
    await open(page, '#/connections');
    const row = page.getByRole('table', { name: 'Connections' }).locator('tr', { hasText: 'console-victim' });
    await row.getByRole('button').click();
    await page.getByLabel('Reason').fill('closed from the console test');
    await page.getByRole('button', { name: 'Close connection' }).click();
    await page.getByText(/^Closed /).waitFor();
    expect(await closed).toContain('CONNECTION_FORCED - closed from the console test');
    expect(unexpected(browser.takeErrors())).toEqual([]);
  });

  test('the dark theme follows the OS setting', async () => {
    const dark = await launchBrowser('dark');
    try {
      await dark.page.goto(consoleUrl);
      const bg = await dark.page.evaluate('getComputedStyle(document.body).backgroundColor');
      expect(bg).toBe('rgb(21, 23, 27)');
      expect(dark.takeErrors()).toEqual([]);
    } finally {
      await dark.close();
    }
    const light = await browser.page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(light).toBe('rgb(247, 247, 248)');
  });
});
