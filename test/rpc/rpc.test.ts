/**
 * RpcClient ↔ RpcServer and Notifier ↔ NotificationListener on the bundled broker and RabbitMQ, plus
 * what goes over the wire (read back with amqplib: exchanges, routing keys, properties, the envelope).
 */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import {
  InvalidTarget,
  MessagingTimeout,
  NotificationListener,
  NotificationResult,
  Notifier,
  RemoteError,
  RpcClient,
  RpcServer,
  RpcVersionCapError,
  Target,
} from '../../src/rpc/index.js';
import { messagingTargets } from '../helpers/messaging.js';
import { rpcScope } from '../helpers/rpc.js';

const scope = rpcScope('rpct');
afterAll(() => scope.cleanup());

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(messagingTargets())('rpc on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  let conn: Connection;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
    conn = await Connection.establish(url);
  });
  afterAll(async () => {
    await conn.close();
    await stop();
  });

  test('call, cast, prepare(server), namespaces and versions, errors back to the caller', async () => {
    const topic = scope.name('rpc');
    const casts: unknown[] = [];
    const endpoints = [
      {
        target: { namespace: 'math', version: '1.3' },
        add: (_c: unknown, a: { x: number; y: number }) => a.x + a.y,
        fail: () => {
          throw new TypeError('bad operand');
        },
      },
      { echo: (ctxt: unknown, args: unknown) => ({ ctxt, args }), note: (_c: unknown, a: unknown) => casts.push(a) },
    ];
    const server = new RpcServer(conn, { topic, server: 's1' }, endpoints);
    await server.start();
    try {
      const client = new RpcClient(conn, new Target({ topic }), { timeout: 5 });
      expect(await client.call({ user: 'u' }, 'echo', { a: [1, 'é'] })).toEqual({
        ctxt: { user: 'u', client_timeout: null },
        args: { a: [1, 'é'] },
      });
      const math = client.prepare({ namespace: 'math', version: '1.2', server: 's1' });
      expect(await math.call({}, 'add', { x: 2, y: 3 })).toBe(5);
      await client.cast({}, 'note', { n: 1 });
      await until(() => casts.length === 1);
      expect(casts).toEqual([{ n: 1 }]);

      const remote = await math.call({}, 'fail').catch((e: unknown) => e);
      expect(remote).toBeInstanceOf(RemoteError);
      expect(remote).toMatchObject({ excType: 'TypeError', value: 'bad operand', module: 'node' });
      expect((remote as RemoteError).traceback).toMatch(/^TypeError: bad operand\n/);
      await expect(client.call({}, 'nosuch')).rejects.toMatchObject({
        excType: 'NoSuchMethod',
        value: 'Endpoint does not support RPC method nosuch',
      });
      await expect(client.prepare({ namespace: 'math', version: '1.4' }).call({}, 'add')).rejects.toMatchObject({
        excType: 'UnsupportedVersion',
        value: 'Endpoint does not support RPC version 1.4. Attempted method: add',
      });
      await expect(client.prepare({ namespace: 'math', version: '2.0' }).call({}, 'add')).rejects.toMatchObject({
        excType: 'UnsupportedVersion',
      });
      // The server survived every failure.
      expect(await math.call({}, 'add', { x: 1, y: 1 })).toBe(2);
      await expect(client.prepare({ version: '1.5', versionCap: '1.4' }).cast({}, 'x')).rejects.toThrow(
        RpcVersionCapError,
      );
      await expect(new RpcClient(conn, {}).cast({}, 'x')).rejects.toThrow(InvalidTarget);
    } finally {
      await server.stop();
      await server.wait();
    }
  });

  test('after the connection is closed, call, cast and notify fail at once instead of retrying', async () => {
    const c = await Connection.establish(url);
    const client = new RpcClient(c, { topic: scope.name('closed') }, { timeout: 30 });
    const notifier = new Notifier(c, { topics: [scope.name('closed-n')] });
    await c.close();
    const started = Date.now();
    await expect(client.cast({}, 'x')).rejects.toThrow();
    await expect(client.call({}, 'x')).rejects.toThrow();
    await expect(notifier.info({}, 'e', {})).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a call nobody answers throws MessagingTimeout after the timeout', async () => {
    const client = new RpcClient(conn, { topic: scope.name('nobody') }, { timeout: 0.3 });
    const started = Date.now();
    const err = await client.call({}, 'ping').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingTimeout);
    expect((err as Error).message).toMatch(/^Timed out waiting for a reply to message ID [0-9a-f]{32}$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  test('fanout cast reaches every server of the topic; a plain cast only one', async () => {
    const topic = scope.name('fan');
    const seen: string[] = [];
    const servers = ['a', 'b'].map(
      (name) => new RpcServer(conn, { topic, server: name }, [{ hit: () => seen.push(name) }]),
    );
    for (const s of servers) await s.start();
    try {
      const client = new RpcClient(conn, { topic });
      await client.prepare({ fanout: true }).cast({}, 'hit');
      await until(() => seen.length === 2);
      expect(seen.sort()).toEqual(['a', 'b']);
      seen.length = 0;
      await client.prepare({ server: 'b' }).cast({}, 'hit');
      await until(() => seen.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual(['b']);
    } finally {
      for (const s of servers) await s.stop();
    }
  });

  test('the request on the wire is what oslo.messaging sends', async () => {
    const topic = scope.name('wire');
    const raw = await amqp.connect(url);
    try {
      const ch = await raw.createChannel();
      await ch.assertExchange('openstack', 'topic', { durable: false, autoDelete: false });
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      await ch.bindQueue(q, 'openstack', `${topic}.srv`);
      const client = new RpcClient(conn, { topic, server: 'srv', namespace: 'ns', version: '1.2' }, { timeout: 3 });
      const call = client.call({ user: 'u' }, 'm', { b: [1, 2] }).catch((e: unknown) => e);
      let got: amqp.GetMessage | false = false;
      for (let i = 0; i < 100 && !got; i++) {
        got = await ch.get(q, { noAck: true });
        if (!got) await new Promise((r) => setTimeout(r, 20));
      }
      if (!got) throw new Error('no request published');
      await expect(call).resolves.toBeInstanceOf(MessagingTimeout);
      expect(got.fields).toMatchObject({ exchange: 'openstack', routingKey: `${topic}.srv` });
      expect(got.properties).toMatchObject({
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 2,
        priority: 0,
        expiration: '3000',
      });
      expect(got.properties.headers ?? {}).toEqual({});
      const body = got.content.toString();
      expect(body).toMatch(/^\{"oslo\.version": "2\.0", "oslo\.message": "\{/);
      const inner = JSON.parse(JSON.parse(body)['oslo.message']);
      expect(Object.keys(inner)).toEqual([
        'method',
        'args',
        'namespace',
        'version',
        '_msg_id',
        '_reply_q',
        '_timeout',
        '_unique_id',
        '_context_user',
      ]);
      expect(inner).toMatchObject({
        method: 'm',
        args: { b: [1, 2] },
        namespace: 'ns',
        version: '1.2',
        _timeout: null,
      });
      expect(inner._reply_q).toMatch(/^reply_[0-9a-f]{32}$/);
      // The reply queue is oslo's: not durable, not auto-delete, x-expires 30 minutes.
      const declared = await ch.checkQueue(inner._reply_q);
      expect(declared.queue).toBe(inner._reply_q);
    } finally {
      await raw.close();
    }
  });

  test('RpcServer answers a _reply_q that is a direct reply-to address (no mandatory: RabbitMQ returns those)', async () => {
    const topic = scope.name('drt');
    const server = new RpcServer(conn, { topic, server: 's' }, [{ add: (_c: unknown, a: { x: number }) => a.x + 1 }]);
    const warnings: unknown[] = [];
    server.on('warning', (m, e) => warnings.push([m, String(e)]));
    await server.start();
    const raw = await amqp.connect(url);
    try {
      const ch = await raw.createChannel();
      const replies: amqp.ConsumeMessage[] = [];
      await ch.consume('amq.rabbitmq.reply-to', (m) => m && replies.push(m), { noAck: true });
      // The oslo wire names the reply queue in the body, so learn our address from a rewritten reply_to.
      const probe = (await ch.assertQueue('', { exclusive: true })).queue;
      ch.sendToQueue(probe, Buffer.from(''), { replyTo: 'amq.rabbitmq.reply-to' });
      let address = '';
      for (let i = 0; i < 100 && address === ''; i++) {
        const m = await ch.get(probe, { noAck: true });
        if (m) address = String(m.properties.replyTo);
        else await new Promise((r) => setTimeout(r, 10));
      }
      expect(address).toMatch(/^amq\.rabbitmq\.reply-to\./);
      const inner = { method: 'add', args: { x: 41 }, _msg_id: 'm1', _reply_q: address, _unique_id: 'u1' };
      const body = JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) });
      ch.publish('openstack', topic, Buffer.from(body), { contentType: 'application/json' });
      await until(() => replies.length === 1);
      const reply = JSON.parse(JSON.parse(replies[0]?.content.toString() as string)['oslo.message']);
      expect(reply).toMatchObject({ result: 42, failure: null, ending: true, _msg_id: 'm1' });
      expect(warnings).toEqual([]);
    } finally {
      await raw.close();
      await server.stop();
    }
  });

  test('notification pools: each pool gets every notification once, shared among its listeners', async () => {
    const topic = scope.name('pool');
    const pool = scope.name('pool-q');
    const seen: Record<string, number[]> = { plain: [], a: [], b: [] };
    const listenerFor = (name: string, options: { pool?: string }) =>
      new NotificationListener(
        conn,
        [{ topic }],
        [{ info: (_c, _p, _e, payload) => seen[name]?.push((payload as { n: number }).n) }],
        options,
      );
    const listeners = [listenerFor('plain', {}), listenerFor('a', { pool }), listenerFor('b', { pool })];
    for (const l of listeners) await l.start();
    try {
      const notifier = new Notifier(conn, { publisherId: 'p', topics: [topic] });
      for (let n = 0; n < 6; n++) await notifier.info({}, 'e', { n });
      await until(() => seen['plain']?.length === 6 && (seen['a']?.length ?? 0) + (seen['b']?.length ?? 0) === 6);
      expect(seen['plain']).toEqual([0, 1, 2, 3, 4, 5]);
      expect([...(seen['a'] ?? []), ...(seen['b'] ?? [])].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(seen['a']?.length).toBeGreaterThan(0);
      expect(seen['b']?.length).toBeGreaterThan(0);
    } finally {
      for (const l of listeners) await l.stop();
    }
  });

  test('notifications: priorities, filters, requeue, the context reduced to safe keys', async () => {
    const topic = scope.name('notif');
    const notifier = new Notifier(conn, { publisherId: 'compute.host1', topics: [topic] });
    const got: unknown[] = [];
    let requeueOnce = true;
    const listener = new NotificationListener(
      conn,
      [{ topic }],
      [
        {
          info: (ctxt, publisherId, eventType, payload, metadata) => {
            got.push({ p: 'info', ctxt, publisherId, eventType, payload, ts: typeof metadata.timestamp });
          },
          error: (_c, _p, eventType) => {
            if (eventType === 'flaky' && requeueOnce) {
              requeueOnce = false;
              return NotificationResult.REQUEUE;
            }
            got.push({ p: 'error', eventType });
            return NotificationResult.HANDLED;
          },
        },
        {
          filterRule: new (await import('../../src/rpc/index.js')).NotificationFilter({ eventType: 'only\\.' }),
          warn: (_c, _p, e) => got.push({ p: 'warn', e }),
        },
      ],
      { allowRequeue: true },
    );
    await listener.start();
    try {
      await notifier.info({ user_id: 'u1', secret: 'x' }, 'compute.create', { id: 1 });
      await notifier.error({}, 'flaky', {});
      await notifier.warn({}, 'skip.me', {});
      await notifier.warn({}, 'only.this', {});
      await until(() => got.length === 3).catch(() => console.error(JSON.stringify(got)));
      expect(got).toContainEqual({
        p: 'info',
        ctxt: { user_id: 'u1', client_timeout: null },
        publisherId: 'compute.host1',
        eventType: 'compute.create',
        payload: { id: 1 },
        ts: 'string',
      });
      expect(got).toContainEqual({ p: 'error', eventType: 'flaky' });
      expect(got).toContainEqual({ p: 'warn', e: 'only.this' });
    } finally {
      await listener.stop();
    }
  });
});
