// The management statistics behind the console's charts (management/stats.ts):
// sampled rings, RabbitMQ's `samples` windows, channel and node message_stats
// from real amqplib traffic, statistics turned off, /api/nodes, and the
// console's assets served at `/` while the API keeps asking for credentials.
import { gunzipSync } from 'node:zlib';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { StatsSampler } from '../../src/broker/management/stats.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the API under test
type Api = any;

const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
let tb: TestBroker;

async function api(method: string, path: string, body?: unknown, auth: string | null = AUTH) {
  const headers: Record<string, string> = {};
  if (auth !== null) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${tb.broker.mgmtUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Api, headers: res.headers };
}

const publish = (queue: string, payload = 'x') =>
  api('POST', '/api/exchanges/%2F/amq.default/publish', {
    properties: {},
    routing_key: queue,
    payload,
    payload_encoding: 'string',
  });

beforeAll(async () => {
  // A long interval: these tests drive their own samplers with tick(now), or wait for real traffic counts.
  tb = await startTestBroker({ mgmtPort: 0, statsIntervalMs: 60_000 });
});
afterAll(async () => {
  await tb?.stop();
});

describe('sampled history', () => {
  test('samples are the counters at each tick, newest first, with avg and avg_rate (RabbitMQ format_range)', async () => {
    await api('PUT', '/api/queues/%2F/st-hist', {});
    const q = tb.broker.vhosts.get('/')?.queues.get('st-hist') as object;
    const s = new StatsSampler(tb.broker, 1000);
    s.tick(100_000);
    await publish('st-hist');
    s.tick(101_000);
    await publish('st-hist');
    await publish('st-hist');
    s.tick(102_000);
    const view = s.view(new URLSearchParams('lengths_age=2&lengths_incr=1&msg_rates_age=2&msg_rates_incr=1'));
    const r = view.rates(q);
    expect(r?.details('messages')).toEqual({
      rate: 2,
      samples: [
        { sample: 3, timestamp: 102_000 },
        { sample: 1, timestamp: 101_000 },
        { sample: 0, timestamp: 100_000 },
      ],
      avg: 4 / 3,
      avg_rate: 1.5,
    });
    expect(r?.details('publish')['samples']).toEqual([
      { sample: 3, timestamp: 102_000 },
      { sample: 1, timestamp: 101_000 },
      { sample: 0, timestamp: 100_000 },
    ]);
    // Without a window only the rate is given, as RabbitMQ does.
    expect(s.rates(q)?.details('messages')).toEqual({ rate: 2 });
    // Connection bytes follow data_rates_*, not msg_rates_*.
    expect(s.view(new URLSearchParams('msg_rates_age=2&msg_rates_incr=1')).rates(q)?.details('messages')).toEqual({
      rate: 2,
    });
    await api('DELETE', '/api/queues/%2F/st-hist');
  });

  test('the ring keeps a fixed number of samples; older windows read 0', async () => {
    await api('PUT', '/api/queues/%2F/st-ring', {});
    await publish('st-ring');
    const q = tb.broker.vhosts.get('/')?.queues.get('st-ring') as object;
    const s = new StatsSampler(tb.broker, 1000, 4);
    for (let i = 0; i < 10; i++) s.tick(200_000 + i * 1000);
    const samples = s.view(new URLSearchParams('lengths_age=6&lengths_incr=1')).rates(q)?.details('messages')[
      'samples'
    ] as { sample: number }[];
    expect(samples.map((x) => x.sample)).toEqual([1, 1, 1, 1, 0, 0, 0]);
    await api('DELETE', '/api/queues/%2F/st-ring');
  });

  test('an object without traffic has no ring: no rates, and zero samples when a window is asked for', async () => {
    await api('PUT', '/api/queues/%2F/st-idle', {});
    const q = tb.broker.vhosts.get('/')?.queues.get('st-idle') as object;
    const s = new StatsSampler(tb.broker, 1000);
    s.tick(300_000);
    s.tick(301_000);
    expect(s.rates(q)).toBeUndefined();
    const d = s.view(new URLSearchParams('lengths_age=1&lengths_incr=1')).rates(q)?.details('messages_ready');
    expect(d).toEqual({
      rate: 0,
      avg: 0,
      avg_rate: 0,
      samples: [
        { sample: 0, timestamp: 301_000 },
        { sample: 0, timestamp: 300_000 },
      ],
    });
    await api('DELETE', '/api/queues/%2F/st-idle');
  });

  test('a window larger than 1000 samples is cut to 1000', async () => {
    const res = await api('GET', '/api/overview?lengths_age=100000&lengths_incr=1');
    expect(res.json.queue_totals.messages_details.samples.length).toBeLessThanOrEqual(1000);
  });
});

describe('message_stats from real traffic', () => {
  test('channels count publish, confirm, deliver, ack and redeliver; the overview counts confirms', async () => {
    await api('PUT', '/api/queues/%2F/st-chan', {});
    const conn = await amqp.connect(tb.url, { clientProperties: { connection_name: 'st-chan-conn' } });
    try {
      const pub = await conn.createConfirmChannel();
      for (let i = 0; i < 5; i++) pub.sendToQueue('st-chan', Buffer.from(`m${i}`));
      await pub.waitForConfirms();
      const sub = await conn.createChannel();
      await sub.prefetch(10);
      let seen = 0;
      const all = new Promise<void>((resolve) => {
        void sub.consume('st-chan', (m) => {
          if (m === null) return;
          // The first delivery is rejected with requeue once, so one redelivery is counted.
          if (seen++ === 0 && !m.fields.redelivered) sub.nack(m, false, true);
          else sub.ack(m);
          if (seen === 6) resolve();
        });
      });
      await all;
      // Acks travel asynchronously: wait (bounded) until the broker has them all.
      let chans: Api[] = [];
      for (let i = 0; i < 100; i++) {
        chans = (await api('GET', '/api/channels')).json;
        if (chans.some((c) => c.message_stats?.ack === 5)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const pubStats = chans.find((c) => c.confirm)?.message_stats;
      const subStats = chans.find((c) => !c.confirm)?.message_stats;
      expect(pubStats).toMatchObject({ publish: 5, confirm: 5, publish_details: { rate: expect.any(Number) } });
      expect(subStats).toMatchObject({ deliver: 6, deliver_get: 6, ack: 5, redeliver: 1 });
      const overview = (await api('GET', '/api/overview')).json;
      expect(overview.message_stats.confirm).toBeGreaterThanOrEqual(5);
      const name = (await api('GET', '/api/connections')).json.find(
        (c: Api) => c.client_properties.connection_name === 'st-chan-conn',
      ).name;
      const perConn = (await api('GET', `/api/connections/${encodeURIComponent(name)}/channels`)).json;
      expect(perConn).toHaveLength(2);
    } finally {
      await conn.close();
      await api('DELETE', '/api/queues/%2F/st-chan');
    }
  });

  test('with statistics off (statsIntervalMs 0) counts still show but rates and samples stay empty', async () => {
    const off = await startTestBroker({ mgmtPort: 0, statsIntervalMs: 0 });
    try {
      const base = off.broker.mgmtUrl as string;
      const h = { authorization: AUTH, 'content-type': 'application/json' };
      await fetch(`${base}/api/queues/%2F/off-q`, { method: 'PUT', headers: h, body: '{}' });
      await fetch(`${base}/api/exchanges/%2F/amq.default/publish`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ properties: {}, routing_key: 'off-q', payload: 'x', payload_encoding: 'string' }),
      });
      const q = (await (
        await fetch(`${base}/api/queues/%2F/off-q?lengths_age=5&lengths_incr=1`, { headers: h })
      ).json()) as Api;
      expect(q.messages).toBe(1);
      expect(q.message_stats.publish).toBe(1);
      expect(q.messages_details).toEqual({ rate: 0, avg: 0, avg_rate: 0, samples: [] });
    } finally {
      await off.stop();
    }
  });
});

describe('/api/nodes', () => {
  test('lists the one node with its uptime; an unknown node is 404', async () => {
    const nodes = (await api('GET', '/api/nodes')).json;
    expect(nodes).toEqual([
      expect.objectContaining({ name: 'qpidd@localhost', running: true, uptime: expect.any(Number), type: 'disc' }),
    ]);
    expect((await api('GET', '/api/nodes/qpidd@localhost')).json.name).toBe('qpidd@localhost');
    expect((await api('GET', '/api/nodes/rabbit@elsewhere')).status).toBe(404);
    expect((await api('GET', '/api/nodes', undefined, null)).status).toBe(401);
  });
});

describe('the console assets', () => {
  test('/ serves the page and its bundle without credentials; the API still needs them', async () => {
    const res = await fetch(`${tb.broker.mgmtUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="app.js"></script>');
    const js = await fetch(`${tb.broker.mgmtUrl}/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const css = await fetch(`${tb.broker.mgmtUrl}/app-style.css`);
    expect(css.status).toBe(200);
    expect((await api('GET', '/api/overview', undefined, null)).status).toBe(401);
  });

  test('gzip when asked for; unknown files, other methods and path tricks are 404', async () => {
    const { request } = await import('node:http');
    const raw = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(`${tb.broker.mgmtUrl}/app.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(raw.enc).toBe('gzip');
    expect(gunzipSync(raw.body).toString('utf8')).toContain('Log in');
    for (const path of ['/nope.js', '/../package.json', '/%2e%2e/package.json', '/dist/index.js']) {
      expect((await fetch(`${tb.broker.mgmtUrl}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${tb.broker.mgmtUrl}/`, { method: 'POST' })).status).toBe(404);
  });
});
