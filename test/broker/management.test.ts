// The management HTTP API of the bundled broker: every endpoint and error path,
// over real HTTP, with real AMQP traffic from amqplib.
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { StatsSampler } from '../../src/broker/management/stats.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies from the API under test
type Api = any;

interface Res {
  status: number;
  json: Api;
  headers: Headers;
}

const GUEST = `Basic ${Buffer.from('guest:guest').toString('base64')}`;

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  auth: string | null = GUEST,
): Promise<Res> {
  const headers: Record<string, string> = {};
  if (auth !== null) headers['authorization'] = auth;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(base + path, { method, headers, body: payload, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

let tb: TestBroker;
let base: string;
let conn: ChannelModel;
const api = (method: string, path: string, body?: unknown, auth?: string | null) =>
  call(base, method, path, body, auth);
const V = '%2F';

beforeAll(async () => {
  tb = await startTestBroker({ mgmtPort: 0, users: { guest: 'guest', alice: 's3cret' } });
  base = tb.broker.mgmtUrl as string;
  conn = await amqp.connect(tb.url);
});

afterAll(async () => {
  await conn?.close().catch(() => {});
  await tb?.stop();
});

/** Waits (bounded) until `check` holds, for state that changes after an AMQP round trip. */
async function until<T>(fn: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 100 && !check(v); i++) {
    await new Promise((r) => setTimeout(r, 20));
    v = await fn();
  }
  return v;
}

describe('listener', () => {
  test('mgmtPort/mgmtUrl are set and the API answers on 127.0.0.1', async () => {
    expect(tb.broker.mgmtPort).toBeGreaterThan(0);
    expect(base).toBe(`http://127.0.0.1:${tb.broker.mgmtPort}`);
    expect((await api('GET', '/api/overview')).status).toBe(200);
  });

  test('without mgmtPort there is no management listener', async () => {
    const b = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'error' });
    try {
      expect(b.mgmtPort).toBeUndefined();
      expect(b.mgmtUrl).toBeUndefined();
    } finally {
      await b.stop();
    }
  });

  test('broker.stop() closes the management listener', async () => {
    const b = await startTestBroker({ mgmtPort: 0 });
    const url = b.broker.mgmtUrl as string;
    expect((await call(url, 'GET', '/api/whoami')).status).toBe(200);
    await b.stop();
    await expect(call(url, 'GET', '/api/whoami')).rejects.toThrow();
  });
});

describe('authentication', () => {
  test('missing credentials → 401 with the Basic challenge and no body, as RabbitMQ (cowboy) answers', async () => {
    const r = await api('GET', '/api/overview', undefined, null);
    expect(r.status).toBe(401);
    expect(r.json).toBeUndefined();
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  test('wrong password → 401', async () => {
    const r = await api('GET', '/api/overview', undefined, `Basic ${Buffer.from('guest:nope').toString('base64')}`);
    expect(r.status).toBe(401);
    expect(r.json.error).toBe('not_authorized');
  });

  test('another configured user logs in; whoami names it', async () => {
    const r = await api('GET', '/api/whoami', undefined, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ name: 'alice', tags: ['administrator'] });
  });

  test('with auth off anyone is accepted', async () => {
    const b = await startTestBroker({ mgmtPort: 0, auth: false });
    try {
      const url = b.broker.mgmtUrl as string;
      expect((await call(url, 'GET', '/api/whoami', undefined, null)).status).toBe(200);
      const r = await call(url, 'GET', '/api/whoami', undefined, `Basic ${Buffer.from('x:y').toString('base64')}`);
      expect(r.json.name).toBe('x');
    } finally {
      await b.stop();
    }
  });
});

describe('routing errors', () => {
  test('unknown path → 404 Object Not Found', async () => {
    for (const p of ['/api/nothing', '/nothing', '/api/queues/%2F/q/what/ever']) {
      const r = await api('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.json).toEqual({ error: 'Object Not Found', reason: 'Not Found' });
    }
  });

  test('known path, wrong method → 405', async () => {
    const r = await api('POST', '/api/overview', {});
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET');
  });

  test('missing vhost, queue or exchange → 404', async () => {
    for (const p of [
      '/api/queues/nov',
      '/api/queues/nov/q',
      `/api/queues/${V}/nope`,
      `/api/exchanges/${V}/nope`,
      '/api/vhosts/nov',
    ]) {
      const r = await api('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.json).toEqual({ error: 'Object Not Found', reason: 'Not Found' });
    }
    const put = await api('PUT', '/api/queues/nov/q', {});
    expect(put.status).toBe(404);
    expect(put.json).toEqual({ error: 'not_found', reason: 'vhost_not_found' });
  });

  test('request bodies over 1 MiB → 413, and the broker keeps serving', async () => {
    const big = JSON.stringify({ durable: false, pad: 'x'.repeat(1024 * 1024 + 10) });
    const r = await api('PUT', `/api/queues/${V}/too-big`, big);
    expect(r.status).toBe(413);
    expect(r.json.error).toBe('bad_request');
    expect((await api('GET', `/api/queues/${V}/too-big`)).status).toBe(404);
    expect((await api('GET', '/api/overview')).status).toBe(200);
  });
});

describe('overview, vhosts, whoami', () => {
  test('overview has RabbitMQ fields and object totals that follow AMQP activity', async () => {
    const before = (await api('GET', '/api/overview')).json;
    expect(before).toMatchObject({
      management_version: '0.1.0',
      product_name: 'qpid-messaging',
      product_version: '0.1.0',
      rabbitmq_version: expect.any(String),
      cluster_name: expect.any(String),
      node: expect.any(String),
    });
    expect(Object.keys(before.object_totals).sort()).toEqual([
      'channels',
      'connections',
      'consumers',
      'exchanges',
      'queues',
    ]);
    expect(Object.keys(before.queue_totals)).toEqual(
      expect.arrayContaining(['messages', 'messages_ready', 'messages_unacknowledged']),
    );
    expect(before.listeners).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ protocol: 'amqp', port: tb.port }),
        expect.objectContaining({ protocol: 'http', port: tb.broker.mgmtPort }),
      ]),
    );
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('ov-q', { exclusive: true });
    await ch.consume(q.queue, () => {}, { noAck: true });
    const after = (await api('GET', '/api/overview')).json;
    expect(after.object_totals.channels).toBe(before.object_totals.channels + 1);
    expect(after.object_totals.queues).toBe(before.object_totals.queues + 1);
    expect(after.object_totals.consumers).toBe(before.object_totals.consumers + 1);
    expect(after.object_totals.connections).toBe(before.object_totals.connections);
    ch.sendToQueue(q.queue, Buffer.from('x'));
    const later = await until(
      () => api('GET', '/api/overview').then((r) => r.json),
      (o) => o.message_stats.deliver_no_ack > (before.message_stats.deliver_no_ack ?? 0),
    );
    expect(later.message_stats.publish).toBeGreaterThan(before.message_stats.publish);
    expect(later.message_stats.publish_details).toEqual({ rate: expect.any(Number) });
    await ch.close();
  });

  test('vhosts lists "/" with RabbitMQ fields', async () => {
    const r = await api('GET', '/api/vhosts');
    expect(r.status).toBe(200);
    expect(r.json.map((v: { name: string }) => v.name)).toEqual(['/']);
    expect(r.json[0]).toMatchObject({ name: '/', tracing: false, messages: expect.any(Number), tags: [] });
    expect((await api('GET', `/api/vhosts/${V}`)).json.name).toBe('/');
  });

  test('?columns= keeps only the named fields', async () => {
    const r = await api('GET', `/api/exchanges/${V}?columns=name,type`);
    expect(r.json).toContainEqual({ name: 'amq.fanout', type: 'fanout' });
    for (const x of r.json) expect(Object.keys(x).sort()).toEqual(['name', 'type']);
  });
});

describe('queues', () => {
  test('PUT creates (201), redeclares (204), refuses an inequivalent redeclare (400)', async () => {
    expect(
      (await api('PUT', `/api/queues/${V}/mq1`, { durable: true, arguments: { 'x-max-length': 10 } })).status,
    ).toBe(201);
    expect(
      (await api('PUT', `/api/queues/${V}/mq1`, { durable: true, arguments: { 'x-max-length': 10 } })).status,
    ).toBe(204);
    const r = await api('PUT', `/api/queues/${V}/mq1`, { durable: false });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error: 'bad_request',
      reason: "inequivalent arg 'durable' for queue 'mq1' in vhost '/': received 'false' but current is 'true'",
    });
    const q = (await api('GET', `/api/queues/${V}/mq1`)).json;
    expect(q).toMatchObject({
      name: 'mq1',
      vhost: '/',
      durable: true,
      auto_delete: false,
      exclusive: false,
      arguments: { 'x-max-length': 10 },
      messages: 0,
      consumers: 0,
      state: 'running',
      consumer_details: [],
    });
    // A queue declared over AMQP sees the same queue.
    const ch = await conn.createChannel();
    expect((await ch.checkQueue('mq1')).messageCount).toBe(0);
    await ch.close();
  });

  test('body errors: not_json, not_boolean, bad arguments, invalid queue argument, amq.* name', async () => {
    let r = await api('PUT', `/api/queues/${V}/mq-bad`, '{bad');
    expect(r).toMatchObject({ status: 400, json: { error: 'bad_request', reason: 'not_json' } });
    r = await api('PUT', `/api/queues/${V}/mq-bad`, '[]');
    expect(r).toMatchObject({ status: 400, json: { reason: 'not_json' } });
    r = await api('PUT', `/api/queues/${V}/mq-bad`, { durable: 'yes' });
    expect(r).toMatchObject({ status: 400, json: { error: 'bad_request', reason: ['not_boolean', 'yes'] } });
    r = await api('PUT', `/api/queues/${V}/mq-bad`, { arguments: 5 });
    expect(r.status).toBe(400);
    r = await api('PUT', `/api/queues/${V}/mq-bad`, { arguments: { 'x-max-length': 'abc' } });
    expect(r.status).toBe(400);
    expect(r.json.reason).toMatch(/^invalid arg 'x-max-length' for queue 'mq-bad'/);
    r = await api('PUT', `/api/queues/${V}/amq.nope`, {});
    expect(r).toMatchObject({ status: 401, json: { error: 'not_authorised', reason: 'Access refused.' } });
    expect((await api('GET', `/api/queues/${V}/mq-bad`)).status).toBe(404);
  });

  test('counts and message_stats follow AMQP publish, consume and ack', async () => {
    await api('PUT', `/api/queues/${V}/mq-stats`, {});
    const fresh = (await api('GET', `/api/queues/${V}/mq-stats`)).json;
    expect(fresh.message_stats).toBeUndefined();
    const ch = await conn.createChannel();
    for (let i = 0; i < 5; i++) ch.sendToQueue('mq-stats', Buffer.from(`m${i}`));
    const q1 = await until(
      () => api('GET', `/api/queues/${V}/mq-stats`).then((r) => r.json),
      (q) => q.messages === 5,
    );
    expect(q1).toMatchObject({ messages: 5, messages_ready: 5, messages_unacknowledged: 0, message_bytes: 10 });
    expect(q1.message_stats).toMatchObject({ publish: 5, deliver_get: 0, ack: 0 });
    await ch.prefetch(3);
    const got: amqp.ConsumeMessage[] = [];
    await ch.consume('mq-stats', (m) => m && got.push(m), { consumerTag: 'ctag-1' });
    const q2 = await until(
      () => api('GET', `/api/queues/${V}/mq-stats`).then((r) => r.json),
      (q) => q.messages_unacknowledged === 3,
    );
    expect(q2).toMatchObject({ messages: 5, messages_ready: 2, messages_unacknowledged: 3, consumers: 1 });
    expect(q2.consumer_details).toEqual([
      expect.objectContaining({ consumer_tag: 'ctag-1', ack_required: true, prefetch_count: 3, exclusive: false }),
    ]);
    for (const m of got.splice(0)) ch.ack(m);
    await until(
      async () => got.length,
      (n) => n === 2,
    );
    for (const m of got.splice(0)) ch.ack(m);
    const q3 = await until(
      () => api('GET', `/api/queues/${V}/mq-stats`).then((r) => r.json),
      (q) => q.message_stats.ack === 5,
    );
    expect(q3.messages).toBe(0);
    expect(q3.message_stats).toMatchObject({ publish: 5, deliver: 5, deliver_get: 5, ack: 5, redeliver: 0 });
    for (const k of ['publish', 'deliver_get', 'ack', 'deliver', 'deliver_no_ack', 'get', 'get_no_ack', 'redeliver']) {
      expect(q3.message_stats[`${k}_details`], k).toEqual({ rate: expect.any(Number) });
    }
    await ch.close();
  });

  test('list all / by vhost; missing vhost → 404', async () => {
    const all = (await api('GET', '/api/queues')).json.map((q: { name: string }) => q.name);
    const byV = (await api('GET', `/api/queues/${V}`)).json.map((q: { name: string }) => q.name);
    expect(all).toContain('mq1');
    expect(byV).toEqual(all);
  });

  test('DELETE honours if-empty and if-unused; purge empties; missing → 404', async () => {
    await api('PUT', `/api/queues/${V}/mq-del`, {});
    const ch = await conn.createChannel();
    ch.sendToQueue('mq-del', Buffer.from('a'));
    await until(
      () => api('GET', `/api/queues/${V}/mq-del`).then((r) => r.json),
      (q) => q.messages === 1,
    );
    let r = await api('DELETE', `/api/queues/${V}/mq-del?if-empty=true`);
    expect(r).toMatchObject({
      status: 400,
      json: { error: 'bad_request', reason: "queue 'mq-del' in vhost '/' not empty" },
    });
    const { consumerTag } = await ch.consume('mq-del', () => {}, { noAck: true });
    r = await api('DELETE', `/api/queues/${V}/mq-del?if-unused=true`);
    expect(r).toMatchObject({ status: 400, json: { reason: "queue 'mq-del' in vhost '/' in use" } });
    await ch.cancel(consumerTag);
    ch.sendToQueue('mq-del', Buffer.from('b'));
    await until(
      () => api('GET', `/api/queues/${V}/mq-del`).then((r) => r.json),
      (q) => q.messages === 1,
    );
    expect((await api('DELETE', `/api/queues/${V}/mq-del/contents`)).status).toBe(204);
    expect((await api('GET', `/api/queues/${V}/mq-del`)).json.messages).toBe(0);
    expect((await api('DELETE', `/api/queues/${V}/mq-del?if-empty=true&if-unused=true`)).status).toBe(204);
    expect((await api('DELETE', `/api/queues/${V}/mq-del`)).status).toBe(404);
    expect((await api('DELETE', `/api/queues/${V}/mq-del/contents`)).status).toBe(404);
    await ch.close();
  });
});

describe('get messages', () => {
  test('ackmodes, encodings, truncate, message_count and redelivered', async () => {
    await api('PUT', `/api/queues/${V}/mq-get`, {});
    const ch = await conn.createChannel();
    ch.sendToQueue('mq-get', Buffer.from('hello'), { headers: { a: 1 }, persistent: true, contentType: 'text/plain' });
    ch.sendToQueue('mq-get', Buffer.from([0, 0xff, 1]));
    await until(
      () => api('GET', `/api/queues/${V}/mq-get`).then((r) => r.json),
      (q) => q.messages === 2,
    );
    let r = await api('POST', `/api/queues/${V}/mq-get/get`, {
      count: 5,
      ackmode: 'ack_requeue_true',
      encoding: 'auto',
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      {
        payload_bytes: 5,
        redelivered: false,
        exchange: '',
        routing_key: 'mq-get',
        message_count: 1,
        properties: { content_type: 'text/plain', headers: { a: 1 }, delivery_mode: 2 },
        payload: 'hello',
        payload_encoding: 'string',
      },
      {
        payload_bytes: 3,
        redelivered: false,
        exchange: '',
        routing_key: 'mq-get',
        message_count: 0,
        // amqplib always sends a headers table.
        properties: { headers: {} },
        payload: 'AP8B',
        payload_encoding: 'base64',
      },
    ]);
    expect((await api('GET', `/api/queues/${V}/mq-get`)).json.messages).toBe(2);
    r = await api('POST', `/api/queues/${V}/mq-get/get`, {
      count: 1,
      ackmode: 'reject_requeue_true',
      encoding: 'base64',
      truncate: 2,
    });
    expect(r.json).toEqual([
      expect.objectContaining({ payload: 'aGU=', payload_encoding: 'base64', redelivered: true, payload_bytes: 5 }),
    ]);
    r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
    expect(r.json).toEqual([expect.objectContaining({ payload: 'hello', redelivered: true, message_count: 1 })]);
    const q = (await api('GET', `/api/queues/${V}/mq-get`)).json;
    expect(q.messages).toBe(1);
    expect(q.message_stats).toMatchObject({ get: 3, get_no_ack: 1, deliver_get: 4, redeliver: 2 });
    r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 5, ackmode: 'ack_requeue_false', encoding: 'auto' });
    expect(r.json).toHaveLength(1);
    r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 5, ackmode: 'ack_requeue_false', encoding: 'auto' });
    expect(r.json).toEqual([]);
    await ch.close();
  });

  test('errors: missing keys, bad ackmode, bad encoding, missing queue', async () => {
    let r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 1, encoding: 'auto' });
    expect(r).toMatchObject({ status: 400, json: { error: 'bad_request', reason: '[{key_missing,ackmode}]' } });
    r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 1, ackmode: 'bogus', encoding: 'auto' });
    expect(r.status).toBe(400);
    r = await api('POST', `/api/queues/${V}/mq-get/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'x' });
    expect(r.json).toEqual({ error: 'bad_request', reason: 'Unsupported encoding. Please use auto or base64.' });
    r = await api('POST', `/api/queues/${V}/nope/get`, { count: 1, ackmode: 'ack_requeue_false', encoding: 'auto' });
    expect(r.status).toBe(404);
  });
});

describe('exchanges', () => {
  test('lists the built-in exchanges; amq.default names the default exchange', async () => {
    const names = (await api('GET', `/api/exchanges/${V}`)).json.map((x: { name: string }) => x.name);
    expect(names).toEqual(
      expect.arrayContaining(['', 'amq.direct', 'amq.fanout', 'amq.topic', 'amq.headers', 'amq.match']),
    );
    expect((await api('GET', '/api/exchanges')).json.length).toBe(names.length);
    const d = (await api('GET', `/api/exchanges/${V}/amq.default`)).json;
    expect(d).toMatchObject({ name: '', type: 'direct', durable: true, internal: false });
  });

  test('PUT/DELETE with RabbitMQ statuses and errors', async () => {
    expect((await api('PUT', `/api/exchanges/${V}/mx1`, { type: 'topic', durable: true })).status).toBe(201);
    expect((await api('PUT', `/api/exchanges/${V}/mx1`, { type: 'topic', durable: true })).status).toBe(204);
    let r = await api('PUT', `/api/exchanges/${V}/mx1`, { type: 'fanout', durable: true });
    expect(r).toMatchObject({
      status: 400,
      json: {
        reason: "inequivalent arg 'type' for exchange 'mx1' in vhost '/': received 'fanout' but current is 'topic'",
      },
    });
    r = await api('PUT', `/api/exchanges/${V}/mx-bad`, { type: 'nope' });
    expect(r).toMatchObject({ status: 400, json: { reason: "unknown exchange type 'nope'" } });
    expect((await api('PUT', `/api/exchanges/${V}/mx-default`, {})).status).toBe(201);
    expect((await api('GET', `/api/exchanges/${V}/mx-default`)).json).toMatchObject({ type: 'direct', durable: false });
    expect((await api('PUT', `/api/exchanges/${V}/amq.nope`, { type: 'direct' })).status).toBe(401);
    expect((await api('DELETE', `/api/exchanges/${V}/amq.direct`)).status).toBe(401);
    expect((await api('DELETE', `/api/exchanges/${V}/mx-default`)).status).toBe(204);
    expect((await api('DELETE', `/api/exchanges/${V}/mx-default`)).status).toBe(404);
    const x = (await api('GET', `/api/exchanges/${V}/mx1`)).json;
    expect(x).toMatchObject({
      name: 'mx1',
      vhost: '/',
      type: 'topic',
      durable: true,
      auto_delete: false,
      internal: false,
      arguments: {},
    });
  });

  test('publish through the API routes (or not) and AMQP consumers see the properties', async () => {
    await api('PUT', `/api/queues/${V}/mq-pub`, {});
    await api('PUT', `/api/exchanges/${V}/mx-pub`, { type: 'direct' });
    expect((await api('POST', `/api/bindings/${V}/e/mx-pub/q/mq-pub`, { routing_key: 'k' })).status).toBe(201);
    let r = await api('POST', `/api/exchanges/${V}/mx-pub/publish`, {
      properties: { headers: { h: 'v' }, delivery_mode: 2, message_id: 'id-1' },
      routing_key: 'k',
      payload: 'aGk=',
      payload_encoding: 'base64',
    });
    expect(r).toEqual(expect.objectContaining({ status: 200, json: { routed: true } }));
    r = await api('POST', `/api/exchanges/${V}/mx-pub/publish`, {
      properties: {},
      routing_key: 'zz',
      payload: 'x',
      payload_encoding: 'string',
    });
    expect(r.json).toEqual({ routed: false });
    r = await api('POST', `/api/exchanges/${V}/amq.default/publish`, {
      properties: {},
      routing_key: 'mq-pub',
      payload: 'second',
      payload_encoding: 'string',
    });
    expect(r.json).toEqual({ routed: true });
    const ch = await conn.createChannel();
    const m1 = await ch.get('mq-pub', { noAck: true });
    const m2 = await ch.get('mq-pub', { noAck: true });
    if (m1 === false || m2 === false) throw new Error('expected two messages in mq-pub');
    expect(m1.content.toString()).toBe('hi');
    expect(m1.properties).toMatchObject({ headers: { h: 'v' }, deliveryMode: 2, messageId: 'id-1' });
    expect(m1.fields).toMatchObject({ exchange: 'mx-pub', routingKey: 'k' });
    expect(m2.content.toString()).toBe('second');
    await ch.close();
    const x = (await api('GET', `/api/exchanges/${V}/mx-pub`)).json;
    expect(x.message_stats).toMatchObject({
      publish_in: 2,
      publish_out: 1,
      publish_in_details: { rate: expect.any(Number) },
    });
  });

  test('publish errors: missing keys, missing and internal exchanges, bad expiration', async () => {
    let r = await api('POST', `/api/exchanges/${V}/mx-pub/publish`, { properties: {}, routing_key: '' });
    expect(r.json).toEqual({ error: 'bad_request', reason: '[{key_missing,payload},{key_missing,payload_encoding}]' });
    r = await api('POST', `/api/exchanges/${V}/nope/publish`, {
      properties: {},
      routing_key: '',
      payload: 'x',
      payload_encoding: 'string',
    });
    expect(r).toMatchObject({ status: 400, json: { reason: "404 NOT_FOUND - no exchange 'nope' in vhost '/'" } });
    r = await api('POST', `/api/exchanges/${V}/amq.rabbitmq.trace/publish`, {
      properties: {},
      routing_key: '',
      payload: 'x',
      payload_encoding: 'string',
    });
    expect(r.json.reason).toBe(
      "403 ACCESS_REFUSED - cannot publish to internal exchange 'amq.rabbitmq.trace' in vhost '/'",
    );
    r = await api('POST', `/api/exchanges/${V}/mx-pub/publish`, {
      properties: { expiration: 'soon' },
      routing_key: 'k',
      payload: 'x',
      payload_encoding: 'string',
    });
    expect(r).toMatchObject({
      status: 400,
      json: { reason: expect.stringMatching(/^406 PRECONDITION_FAILED - invalid expiration/) },
    });
    r = await api('POST', `/api/exchanges/${V}/mx-pub/publish`, {
      properties: { bogus: 1 },
      routing_key: 'k',
      payload: 'x',
      payload_encoding: 'string',
    });
    expect(r.status).toBe(400);
  });
});

describe('bindings', () => {
  test('create, list (vhost, queue, source, destination, between), delete by properties_key', async () => {
    await api('PUT', `/api/queues/${V}/mq-b`, {});
    await api('PUT', `/api/exchanges/${V}/mx-b`, { type: 'topic' });
    await api('PUT', `/api/exchanges/${V}/mx-b2`, { type: 'fanout' });
    let r = await api('POST', `/api/bindings/${V}/e/mx-b/q/mq-b`, { routing_key: 'a.#', arguments: {} });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('mq-b/a.%23');
    r = await api('POST', `/api/bindings/${V}/e/mx-b/q/mq-b`, { routing_key: 'a.#', arguments: { foo: 1 } });
    const withArgsKey = r.headers.get('location')?.split('/')[1] as string;
    expect(withArgsKey).toMatch(/^a\.%23~[A-Za-z0-9_-]+$/);
    expect((await api('POST', `/api/bindings/${V}/e/mx-b/e/mx-b2`, {})).status).toBe(201);
    const qb = (await api('GET', `/api/queues/${V}/mq-b/bindings`)).json;
    expect(qb).toEqual([
      {
        source: '',
        vhost: '/',
        destination: 'mq-b',
        destination_type: 'queue',
        routing_key: 'mq-b',
        arguments: {},
        properties_key: 'mq-b',
      },
      {
        source: 'mx-b',
        vhost: '/',
        destination: 'mq-b',
        destination_type: 'queue',
        routing_key: 'a.#',
        arguments: {},
        properties_key: 'a.%23',
      },
      {
        source: 'mx-b',
        vhost: '/',
        destination: 'mq-b',
        destination_type: 'queue',
        routing_key: 'a.#',
        arguments: { foo: 1 },
        properties_key: withArgsKey,
      },
    ]);
    const src = (await api('GET', `/api/exchanges/${V}/mx-b/bindings/source`)).json;
    expect(src.map((b: { destination: string }) => b.destination)).toEqual(['mq-b', 'mq-b', 'mx-b2']);
    const dst = (await api('GET', `/api/exchanges/${V}/mx-b2/bindings/destination`)).json;
    expect(dst).toEqual([
      expect.objectContaining({ source: 'mx-b', destination_type: 'exchange', properties_key: '~' }),
    ]);
    const all = (await api('GET', `/api/bindings/${V}`)).json;
    expect(all).toEqual(expect.arrayContaining([...qb, ...dst]));
    expect((await api('GET', '/api/bindings')).json.length).toBe(all.length);
    expect((await api('GET', `/api/bindings/${V}/e/mx-b/q/mq-b`)).json).toHaveLength(2);
    // AMQP routing sees the API's bindings.
    const ch = await conn.createChannel();
    ch.publish('mx-b', 'a.b', Buffer.from('routed'));
    expect(
      (
        await until(
          () => api('GET', `/api/queues/${V}/mq-b`).then((x) => x.json),
          (q) => q.messages === 1,
        )
      ).messages,
    ).toBe(1);
    // Delete: the properties_key path segment is URL-encoded once more by clients.
    expect((await api('DELETE', `/api/bindings/${V}/e/mx-b/q/mq-b/${encodeURIComponent(withArgsKey)}`)).status).toBe(
      204,
    );
    expect((await api('DELETE', `/api/bindings/${V}/e/mx-b/q/mq-b/${encodeURIComponent('a.%23')}`)).status).toBe(204);
    expect((await api('DELETE', `/api/bindings/${V}/e/mx-b/q/mq-b/a.%2523`)).status).toBe(404);
    expect((await api('DELETE', `/api/bindings/${V}/e/mx-b/e/mx-b2/~`)).status).toBe(204);
    expect((await api('GET', `/api/exchanges/${V}/mx-b/bindings/source`)).json).toEqual([]);
    await ch.close();
  });

  test('binding to a missing queue or exchange → 404 with the broker reason', async () => {
    let r = await api('POST', `/api/bindings/${V}/e/mx-b/q/nope`, {});
    expect(r).toMatchObject({ status: 404, json: { error: 'not_found', reason: "no queue 'nope' in vhost '/'" } });
    r = await api('POST', `/api/bindings/${V}/e/nope/q/mq-b`, {});
    expect(r).toMatchObject({ status: 404, json: { error: 'not_found', reason: "no exchange 'nope' in vhost '/'" } });
    r = await api('POST', `/api/bindings/${V}/e/mx-b/q/mq-b`, { routing_key: 5 });
    expect(r.status).toBe(400);
    expect((await api('DELETE', `/api/exchanges/${V}/mx-b?if-unused=true`)).status).toBe(204);
  });

  test('DELETE exchange if-unused refuses an exchange with bindings', async () => {
    await api('PUT', `/api/exchanges/${V}/mx-used`, { type: 'fanout' });
    await api('POST', `/api/bindings/${V}/e/mx-used/q/mq-b`, {});
    const r = await api('DELETE', `/api/exchanges/${V}/mx-used?if-unused=true`);
    expect(r).toMatchObject({ status: 400, json: { reason: "exchange 'mx-used' in vhost '/' in use" } });
    expect((await api('DELETE', `/api/exchanges/${V}/mx-used`)).status).toBe(204);
  });
});

describe('connections, channels, consumers', () => {
  let c2: ChannelModel;
  let ch: Channel;
  beforeAll(async () => {
    c2 = await amqp.connect(tb.url, { clientProperties: { connection_name: 'mgmt-test' } });
    ch = await c2.createConfirmChannel();
    await ch.prefetch(4);
    await ch.assertQueue('mq-cons', { exclusive: true });
    await ch.consume('mq-cons', () => {}, { consumerTag: 'cons-tag', arguments: { 'x-priority': 2 } });
  });
  afterAll(async () => {
    await c2?.close().catch(() => {});
  });

  test('connections show peer, user, vhost, client properties and byte counters', async () => {
    const list = (await api('GET', '/api/connections')).json;
    const mine = list.find((c: Api) => c.client_properties.connection_name === 'mgmt-test');
    expect(mine).toMatchObject({
      user: 'guest',
      vhost: '/',
      host: '127.0.0.1',
      port: tb.port,
      peer_host: '127.0.0.1',
      peer_port: expect.any(Number),
      channels: 1,
      state: 'running',
      protocol: 'AMQP 0-9-1',
      frame_max: 131072,
      timeout: expect.any(Number),
      connected_at: expect.any(Number),
    });
    expect(mine.name).toBe(`127.0.0.1:${mine.peer_port} -> 127.0.0.1:${tb.port}`);
    expect(mine.recv_oct).toBeGreaterThan(0);
    expect(mine.send_oct).toBeGreaterThan(0);
    expect(mine.recv_cnt).toBeGreaterThan(0);
    expect(mine.send_cnt).toBeGreaterThan(0);
  });

  test('channels show prefetch, confirm mode and consumer count', async () => {
    const list = (await api('GET', '/api/channels')).json;
    const mine = list.find((c: Api) => c.consumer_count === 1 && c.confirm === true);
    expect(mine).toMatchObject({
      number: 1,
      prefetch_count: 4,
      transactional: false,
      messages_unacknowledged: 0,
      user: 'guest',
      vhost: '/',
    });
    expect(mine.name).toBe(`${mine.connection_details.name} (1)`);
  });

  test('consumers show tag, queue, channel and arguments', async () => {
    const list = (await api('GET', '/api/consumers')).json;
    const mine = list.find((c: Api) => c.consumer_tag === 'cons-tag');
    expect(mine).toMatchObject({
      queue: { name: 'mq-cons', vhost: '/' },
      ack_required: true,
      exclusive: false,
      prefetch_count: 4,
      arguments: { 'x-priority': 2 },
      channel_details: { number: 1, user: 'guest', peer_host: '127.0.0.1' },
    });
    expect((await api('GET', `/api/consumers/${V}`)).json).toContainEqual(mine);
    expect((await api('GET', `/api/queues/${V}/mq-cons`)).json).toMatchObject({ exclusive: true, consumers: 1 });
  });
});

describe('rates', () => {
  test('rates are the change between the last two samples, per second', async () => {
    await api('PUT', `/api/queues/${V}/mq-rate`, {});
    const sampler = new StatsSampler(tb.broker);
    const q = tb.broker.vhosts.get('/')?.queues.get('mq-rate');
    expect(q).toBeDefined();
    sampler.tick(1_000_000);
    for (let i = 0; i < 10; i++) {
      await api('POST', `/api/exchanges/${V}/amq.default/publish`, {
        properties: {},
        routing_key: 'mq-rate',
        payload: 'x',
        payload_encoding: 'string',
      });
    }
    sampler.tick(1_005_000);
    const r = (key: string) => sampler.rates(q as object)?.rate(key);
    expect([r('publish'), r('messages'), r('messages_ready'), r('ack')]).toEqual([2, 2, 2, 0]);
    sampler.tick(1_010_000);
    expect([r('publish'), r('messages')]).toEqual([0, 0]);
    const totals = sampler.totals();
    expect(totals['publish']).toBe(tb.broker.stats.publish);
  });
});

describe('request bodies, nodes and connections by name', () => {
  test('unknown fields are ignored as RabbitMQ ignores them; missing required ones are a key_missing 400', async () => {
    const typo = await api('PUT', `/api/queues/${V}/typo-q`, { durable: false, durabel: true, name: 'typo-q' });
    expect(typo.status).toBe(201);
    const q = (await api('GET', `/api/queues/${V}/typo-q`)).json;
    expect(q.durable).toBe(false);
    const bind = await api('POST', `/api/bindings/${V}/e/amq.direct/q/typo-q`, { routing_key: 'k', colour: 'red' });
    expect(bind.status).toBe(201);
    const pub = await api('POST', `/api/exchanges/${V}/amq.direct/publish`, { routing_key: 'k', payload: 'x' });
    expect(pub.status).toBe(400);
    expect(pub.json).toEqual({
      error: 'bad_request',
      reason: '[{key_missing,properties},{key_missing,payload_encoding}]',
    });
    const get = await api('POST', `/api/queues/${V}/typo-q/get`, { count: '2', ackmode: 'ack_requeue_true' });
    expect(get.json).toEqual({ error: 'bad_request', reason: '[{key_missing,encoding}]' });
    expect((await api('DELETE', `/api/queues/${V}/typo-q`)).status).toBe(204);
  });

  test('/api/nodes lists the one node with RabbitMQ field types', async () => {
    const nodes = (await api('GET', '/api/nodes')).json;
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      name: 'qpidd@localhost',
      type: 'disc',
      running: true,
      mem_alarm: false,
      disk_free_alarm: false,
      partitions: [],
    });
    expect(nodes[0].mem_used).toBeGreaterThan(0);
    expect(nodes[0].uptime).toBeGreaterThanOrEqual(0);
    expect((await api('GET', '/api/nodes/qpidd@localhost')).json.name).toBe('qpidd@localhost');
    expect((await api('GET', '/api/nodes/other@host')).status).toBe(404);
  });

  test('a connection is shown and closed by name with 320 and the X-Reason', async () => {
    const conn = await amqp.connect(tb.url);
    const closed = new Promise<string>((resolve) => conn.on('close', (e?: Error) => resolve(String(e?.message))));
    conn.on('error', () => undefined);
    await conn.createChannel();
    const localPort = (conn.connection as unknown as { stream: { localPort: number } }).stream.localPort;
    const list = (await api('GET', '/api/connections')).json as Api[];
    const name = list.find((c) => c.peer_port === localPort)?.name as string;
    const one = await api('GET', `/api/connections/${encodeURIComponent(name)}`);
    expect(one.json).toMatchObject({ name, channels: 1 });
    expect((await api('GET', `/api/connections/${encodeURIComponent(name)}/channels`)).json).toHaveLength(1);
    const res = await fetch(`${base}/api/connections/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      headers: { authorization: GUEST, 'x-reason': 'maintenance' },
    });
    expect(res.status).toBe(204);
    expect(await closed).toContain('CONNECTION_FORCED - maintenance');
    expect((await api('DELETE', '/api/connections/nobody')).status).toBe(404);
  });
});
