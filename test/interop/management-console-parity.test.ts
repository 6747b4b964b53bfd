// The management API the web console relies on, against RabbitMQ 3.10's:
// closing a connection with a reason, paginated listings (filter, sort,
// errors) and the `samples` windows. Each scenario runs on both brokers and
// the observations must be equal.
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runParity } from '../helpers/parity.js';
import { rabbitmqMgmtUrl, rabbitmqUrl } from '../helpers/rabbitmq.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the API under test
type Api = any;

let tb: TestBroker;
beforeAll(async () => {
  // The bundled broker samples every 5 s like RabbitMQ, so both answer the same windows.
  tb = await startTestBroker({ mgmtPort: 0 });
});
afterAll(async () => {
  await tb?.stop();
});

function mgmtBase(url: string): string {
  return url === rabbitmqUrl ? (rabbitmqMgmtUrl as string) : (tb.broker.mgmtUrl as string);
}

const AUTH = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

function client(base: string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { authorization: AUTH, ...headers };
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Api };
  };
}

/** Polls (at most 40 × 250 ms) until `ok`: RabbitMQ lists a new connection after its next statistics emission. */
async function settle<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 40 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

/** Runs a scenario on RabbitMQ (when configured) and on this file's bundled broker. */
function parity<T>(scenario: (url: string, name: (p: string) => string) => Promise<T>) {
  return runParity((url, ctx) => scenario(url, ctx.name), { bundledUrl: tb.url, runTimeoutMs: 25_000 });
}

describe('management API parity for the console', () => {
  test('DELETE /api/connections/{name} with X-Reason closes it with 320 CONNECTION_FORCED - reason', {
    timeout: 60_000,
  }, async () => {
    const { bundled, rabbitmq } = await parity(async (url, name) => {
      const api = client(mgmtBase(url));
      const tag = name('console-close');
      const conn = await amqp.connect(url, { clientProperties: { connection_name: tag } });
      const closed = new Promise<string>((resolve) => {
        conn.on('error', (e: Error) => resolve(e.message));
        conn.on('close', (e?: Error) => resolve(e?.message ?? 'closed without error'));
      });
      const list = await settle(
        () => api('GET', '/api/connections'),
        (r) => (r.json as Api[]).some((c) => c.client_properties?.connection_name === tag),
      );
      const c = (list.json as Api[]).find((x) => x.client_properties?.connection_name === tag);
      const one = await api('GET', `/api/connections/${encodeURIComponent(c.name)}`);
      const del = await api('DELETE', `/api/connections/${encodeURIComponent(c.name)}`, undefined, {
        'X-Reason': 'maintenance window',
      });
      const message = await closed;
      const missing = await api('DELETE', '/api/connections/no-such-connection');
      return {
        get: one.status,
        sameName: one.json?.name === c.name,
        delete: del.status,
        message,
        missing: missing.status,
        missingBody: missing.json,
      };
    });
    expect(bundled).toMatchObject({
      get: 200,
      sameName: true,
      delete: 204,
      message: expect.stringContaining('320 (CONNECTION-FORCED) with message "CONNECTION_FORCED - maintenance window"'),
      missing: 404,
    });
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  });

  test('?page= filters by name (substring or regex), sorts, paginates and refuses bad parameters', {
    timeout: 60_000,
  }, async () => {
    const { bundled, rabbitmq } = await parity(async (url, name) => {
      const api = client(mgmtBase(url));
      const prefix = name('pg');
      const names = ['a', 'b', 'c', 'd', 'e'].map((s) => `${prefix}-${s}`);
      for (const [i, n] of names.entries()) {
        await api('PUT', `/api/queues/%2F/${n}`, { durable: false, arguments: { 'x-max-length': 10 + i } });
      }
      const q = (s: string) => api('GET', `/api/queues/%2F?${s}`);
      const mine = (r: { json: Api }) => ({ ...r.json, total_count: undefined });
      const out = {
        page2: mine(await q(`page=2&page_size=2&name=${prefix}&columns=name`)),
        regex: mine(await q(`page=1&name=${encodeURIComponent(`^${prefix}-[bd]$`)}&use_regex=true&columns=name`)),
        caseless: mine(await q(`page=1&name=${prefix.toUpperCase()}-C&columns=name`)),
        reversed: mine(
          await q(`page=1&page_size=3&name=${prefix}&sort=arguments.x-max-length&sort_reverse=true&columns=name`),
        ),
        outOfRange: await q(`page=9&page_size=2&name=${prefix}`),
        tooBig: await q('page=1&page_size=501'),
        zero: await q('page=0'),
        notANumber: await q('page=1&page_size=abc'),
        badRegex: await q('page=1&name=(&use_regex=true'),
      };
      for (const n of names) await api('DELETE', `/api/queues/%2F/${n}`);
      return out;
    });
    expect(bundled.page2).toMatchObject({ filtered_count: 5, item_count: 2, page: 2, page_count: 3, page_size: 2 });
    expect(bundled.reversed.items.map((i: Api) => i.name.slice(-1))).toEqual(['e', 'd', 'c']);
    expect(bundled.outOfRange.status).toBe(400);
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  });

  test('lengths_age/lengths_incr and msg_rates_age/msg_rates_incr add samples, avg and avg_rate', {
    timeout: 60_000,
  }, async () => {
    const { bundled, rabbitmq } = await parity(async (url, name) => {
      const api = client(mgmtBase(url));
      const qn = name('samples');
      await api('PUT', `/api/queues/%2F/${qn}`, { durable: false });
      await api('POST', '/api/exchanges/%2F/amq.default/publish', {
        properties: {},
        routing_key: qn,
        payload: 'x',
        payload_encoding: 'string',
      });
      const r = await settle(
        () => api('GET', `/api/queues/%2F/${qn}?lengths_age=60&lengths_incr=5&msg_rates_age=60&msg_rates_incr=5`),
        (x) => Array.isArray(x.json?.messages_details?.samples) && x.json.messages_details.samples[0]?.sample === 1,
      );
      const d = r.json.messages_details;
      const ts: number[] = d.samples.map((s: Api) => s.timestamp);
      await api('DELETE', `/api/queues/%2F/${qn}`);
      return {
        keys: Object.keys(d).sort(),
        count: d.samples.length,
        newestFirst: ts.every((t, i) => i === 0 || t < (ts[i - 1] as number)),
        aligned: ts.every((t) => t % 5000 === 0),
        spacing: ts.slice(1).every((t, i) => (ts[i] as number) - t === 5000),
        newest: d.samples[0].sample,
        readyKeys: Object.keys(r.json.messages_ready_details).sort(),
      };
    });
    expect(bundled).toEqual({
      keys: ['avg', 'avg_rate', 'rate', 'samples'],
      count: 13,
      newestFirst: true,
      aligned: true,
      spacing: true,
      newest: 1,
      readyKeys: ['avg', 'avg_rate', 'rate', 'samples'],
    });
    if (rabbitmq.ran) expect(bundled).toEqual(rabbitmq.result);
  });
});
