// The admin API client against the bundled broker's management API (real HTTP, real AMQP).
import { createServer } from 'node:net';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConnectError, ManagementClient, ManagementError } from '../../src/admin/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let tb: TestBroker;
let client: ManagementClient;

beforeAll(async () => {
  tb = await startTestBroker({ mgmtPort: 0 });
  client = new ManagementClient({ url: tb.broker.mgmtUrl as string, username: 'guest', password: 'guest' });
});
afterAll(async () => {
  await tb?.stop();
});

describe('ManagementClient', () => {
  test('overview, whoami, vhosts', async () => {
    expect((await client.overview()).product_name).toBe('qpid-messaging');
    expect(await client.whoami()).toEqual({ name: 'guest', tags: ['administrator'] });
    expect((await client.vhosts()).map((v) => v.name)).toEqual(['/']);
  });

  test('declare, list, bind, publish, get, unbind, purge, delete', async () => {
    expect(await client.declareQueue('/', 'cq', { durable: true })).toBe(true);
    expect(await client.declareQueue('/', 'cq', { durable: true })).toBe(false);
    expect(await client.declareExchange('/', 'cx', { type: 'topic' })).toBe(true);
    await client.bind('/', 'cx', 'cq', { routing_key: 'a.*' });
    await client.bind('/', 'cx', 'cq', { routing_key: 'a.*', arguments: { k: 'v' } });
    expect((await client.queue('/', 'cq')).durable).toBe(true);
    expect((await client.queues('/')).map((q) => q.name)).toContain('cq');
    expect((await client.queues()).map((q) => q.name)).toContain('cq');
    expect((await client.exchange('/', 'cx')).type).toBe('topic');
    expect((await client.exchange('/', '')).name).toBe('');
    expect((await client.exchanges('/')).map((x) => x.name)).toContain('cx');
    expect(await client.queueBindings('/', 'cq')).toHaveLength(3);
    expect((await client.exchangeBindingsSource('/', 'cx')).map((b) => b.routing_key)).toEqual(['a.*', 'a.*']);
    expect((await client.bindings('/')).length).toBeGreaterThanOrEqual(3);
    expect(await client.publish('/', 'cx', { routing_key: 'a.b', payload: 'one' })).toBe(true);
    expect(await client.publish('/', 'cx', { routing_key: 'x', payload: 'two' })).toBe(false);
    expect(await client.publish('/', '', { routing_key: 'cq', payload: 'dHdv', payload_encoding: 'base64' })).toBe(
      true,
    );
    const got = await client.get('/', 'cq', { count: 10, ackmode: 'ack_requeue_true', encoding: 'auto' });
    expect(got.map((m) => m.payload)).toEqual(['one', 'two']);
    await client.unbind('/', 'cx', 'cq', { routing_key: 'a.*', arguments: { k: 'v' } });
    await client.unbind('/', 'cx', 'cq', { routing_key: 'a.*' });
    expect(await client.exchangeBindingsSource('/', 'cx')).toEqual([]);
    await expect(client.unbind('/', 'cx', 'cq', { routing_key: 'a.*' })).rejects.toMatchObject({ status: 404 });
    await expect(client.deleteQueue('/', 'cq', { ifEmpty: true })).rejects.toMatchObject({
      status: 400,
      error: 'bad_request',
      reason: "queue 'cq' in vhost '/' not empty",
    });
    await client.purge('/', 'cq');
    expect((await client.queue('/', 'cq')).messages).toBe(0);
    await client.deleteQueue('/', 'cq', { ifEmpty: true, ifUnused: true });
    await client.deleteExchange('/', 'cx', { ifUnused: true });
    await expect(client.queue('/', 'cq')).rejects.toBeInstanceOf(ManagementError);
  });

  test('exchange-to-exchange bindings', async () => {
    await client.declareExchange('/', 'cx1', { type: 'fanout' });
    await client.declareExchange('/', 'cx2', { type: 'fanout' });
    await client.bind('/', 'cx1', 'cx2', {}, 'exchange');
    expect((await client.exchangeBindingsSource('/', 'cx1'))[0]).toMatchObject({
      destination: 'cx2',
      destination_type: 'exchange',
    });
    await client.unbind('/', 'cx1', 'cx2', {}, 'exchange');
    expect(await client.exchangeBindingsSource('/', 'cx1')).toEqual([]);
    await client.deleteExchange('/', 'cx1');
    await client.deleteExchange('/', 'cx2');
  });

  test('connections, channels, consumers', async () => {
    const conn = await amqp.connect(tb.url);
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('cq-c', { exclusive: true });
      await ch.consume('cq-c', () => {}, { consumerTag: 'c-tag' });
      expect((await client.connections()).length).toBe(1);
      expect((await client.channels())[0]?.consumer_count).toBe(1);
      expect((await client.consumers()).map((c) => c.consumer_tag)).toEqual(['c-tag']);
    } finally {
      await conn.close();
    }
  });

  test('errors carry status, error and reason', async () => {
    const e = await client.declareExchange('/', 'cx-bad', { type: 'nope' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ManagementError);
    expect(e).toMatchObject({ status: 400, error: 'bad_request', reason: "unknown exchange type 'nope'" });
    const bad = new ManagementClient({ url: tb.broker.mgmtUrl as string, username: 'guest', password: 'wrong' });
    await expect(bad.overview()).rejects.toMatchObject({
      status: 401,
      error: 'not_authorized',
      reason: 'Login failed',
    });
  });

  test('credentials may come from the URL', async () => {
    const url = (tb.broker.mgmtUrl as string).replace('http://', 'http://guest:guest@');
    expect((await new ManagementClient({ url }).whoami()).name).toBe('guest');
  });

  test('an unreachable API gives a one-line ConnectError', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const c = new ManagementClient({ url: `http://127.0.0.1:${port}`, username: 'guest', password: 'guest' });
    const e = await c.overview().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as Error).message).toBe(`cannot reach the management API at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  test('a custom fetch is used', async () => {
    const seen: string[] = [];
    const c = new ManagementClient({
      url: tb.broker.mgmtUrl as string,
      username: 'guest',
      password: 'guest',
      fetch: (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      },
    });
    await c.queues('/');
    expect(seen).toEqual([`GET ${tb.broker.mgmtUrl}/api/queues/%2F`]);
  });
});
