/** The messaging API end to end, against the bundled broker and (with RABBITMQ_URL) RabbitMQ. */
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  AssertionFailed,
  ConnectError,
  Connection,
  Empty,
  InsufficientCapacity,
  LinkClosed,
  Message,
  NontransactionalSession,
  NoRoute,
  NotFound,
  type Session,
  SessionClosed,
  Typed,
} from '../../src/index.js';
import { messagingTargets, nodeName } from '../helpers/messaging.js';

describe.each(messagingTargets())('messaging API on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  const open: Connection[] = [];

  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  async function session(transactional = false): Promise<Session> {
    const c = await Connection.establish(url);
    open.push(c);
    return c.session(undefined, { transactional });
  }

  /** Raw amqplib access, to check what other 0-9-1 clients see. */
  async function raw<T>(fn: (ch: amqp.Channel) => Promise<T>): Promise<T> {
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined); // the rejected call reports it
      return await fn(ch);
    } finally {
      await conn.close();
    }
  }

  test('send and fetch through a queue; every Message field round-trips', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    const sent = new Message({
      content: { text: 'hi', n: 7, f: 0.25, ok: true, list: [1, 'x'], sub: { deep: null } },
      id: 'id-1',
      subject: 'greeting',
      replyTo: 'replies',
      correlationId: 'corr-1',
      durable: true,
      priority: 3,
      ttl: 60,
      properties: { type: 'test', count: 3, small: new Typed('uint8', 5) },
    });
    await snd.send(sent);
    const rcv = await s.receiver(q);
    const got = await rcv.fetch(5);
    expect(got.content).toEqual(sent.content);
    expect(got.contentType).toBe('amqp/map');
    expect(got).toMatchObject({
      id: 'id-1',
      subject: 'greeting',
      replyTo: 'replies',
      correlationId: 'corr-1',
      durable: true,
      priority: 3,
      ttl: 60,
      redelivered: false,
    });
    expect(got.properties).toMatchObject({ type: 'test', count: 3, small: 5, 'x-amqp-0-10.routing-key': q });
    await s.acknowledge(got);
    await expect(rcv.fetch(0)).rejects.toBeInstanceOf(Empty);
    await snd.close();
  });

  test('send() takes bare content; a plain 0-9-1 client decodes an amqp/map body', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always}`);
    await snd.send({ a: 1, b: 'two' });
    await snd.send('text');
    await snd.send(Buffer.from([1, 2]));
    const seen = await raw(async (ch) => {
      const out = [];
      for (let i = 0; i < 3; i++) {
        const m = await ch.get(q, { noAck: true });
        if (m) out.push({ type: m.properties.contentType, len: m.content.length });
      }
      await ch.deleteQueue(q);
      return out;
    });
    expect(seen.map((x) => x.type)).toEqual(['amqp/map', 'text/plain', undefined]);
  });

  test('unknown node without create → NotFound; create policies apply per link kind', async () => {
    const s = await session();
    const q = nodeName();
    await expect(s.sender(q)).rejects.toBeInstanceOf(NotFound);
    await expect(s.receiver(q)).rejects.toBeInstanceOf(NotFound);
    await expect(s.receiver(`${q}; {create: sender}`)).rejects.toBeInstanceOf(NotFound);
    await expect(s.sender(`${q}; {node: {type: topic}}`)).rejects.toThrow(/no such topic/);
    // the session survives failed links
    const snd = await s.sender(`${q}; {create: sender, delete: sender}`);
    await snd.send('x');
    await snd.close();
    await expect(s.receiver(q)).rejects.toBeInstanceOf(NotFound);
  });

  test('topic: sender subject is the routing key and qpid.subject; receivers get private queues', async () => {
    const s = await session();
    const ex = nodeName('ex');
    const snd = await s.sender(`${ex}; {create: always, delete: always, node: {type: topic}}`);
    const all = await s.receiver(ex);
    const news = await s.receiver(`${ex}/*.news`);
    await snd.send(new Message({ subject: 'usa.news', content: 'n1' }));
    await snd.send(new Message({ subject: 'usa.weather', content: 'w1' }));
    expect((await news.fetch(5)).content).toBe('n1');
    await expect(news.fetch(0.2)).rejects.toBeInstanceOf(Empty);
    const a = await all.fetch(5);
    expect(a.subject).toBe('usa.news');
    expect((await all.fetch(5)).content).toBe('w1');
    await s.acknowledge();
    // The private queues are exclusive and go away on close.
    const q = news.queueName as string;
    await news.close();
    await expect(raw((ch) => ch.checkQueue(q))).rejects.toThrow(/404|NOT_FOUND/);
    await all.close();
    await snd.close();
  });

  test('address subject defaults the message subject; amq.topic works; link.name names the queue', async () => {
    const s = await session();
    const key = nodeName('k');
    const sub = nodeName('sub');
    const rcv = await s.receiver(`amq.topic/${key}; {link: {name: '${sub}'}}`);
    expect(rcv.queueName).toBe(sub);
    const snd = await s.sender(`amq.topic/${key}`);
    await snd.send('hello');
    const m = await rcv.fetch(5);
    expect(m.subject).toBe(key);
    expect(m.properties['x-amqp-0-10.routing-key']).toBe(key);
    await s.acknowledge();
    // A named non-durable subscription is still private: deleted on close, as [py] deletes exclusive ones.
    await rcv.close();
    await expect(raw((ch) => ch.checkQueue(sub))).rejects.toThrow(/404|NOT_FOUND/);
  });

  test('x-declare and x-bindings', async () => {
    const s = await session();
    const q = nodeName();
    const key = nodeName('k');
    const snd0 = await s.sender(
      `${q}; {create: always, delete: always, node: {x-declare: {arguments: {'qpid.max_count': 2, 'qpid.policy_type': ring}}, x-bindings: [{exchange: 'amq.direct', key: '${key}'}]}}`,
    );
    const viaExchange = await s.sender(`amq.direct/${key}`);
    for (const c of ['1', '2', '3']) await viaExchange.send(c);
    const rcv = await s.receiver(q);
    // ring policy → x-overflow drop-head with x-max-length 2: the oldest went.
    expect((await rcv.fetch(5)).content).toBe('2');
    expect((await rcv.fetch(5)).content).toBe('3');
    await s.acknowledge();
    await rcv.close();
    await snd0.close();
  });

  test('assert: a queue asserted as a topic is not found; inequivalent durable → AssertionFailed', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    await expect(s.receiver(`${q}; {assert: always, node: {type: topic}}`)).rejects.toBeInstanceOf(NotFound);
    await expect(s.receiver(`${q}; {assert: always, node: {durable: true}}`)).rejects.toBeInstanceOf(AssertionFailed);
    const ok = await s.receiver(`${q}; {assert: always, node: {type: queue, durable: false}}`);
    await ok.close();
    await snd.close();
  });

  test('temporary #names: request/response with reply-to', async () => {
    const s = await session();
    const service = nodeName('svc');
    const server = await s.receiver(`${service}; {create: always, delete: always}`);
    const replies = await s.receiver('#reply; {create: always, delete: always}');
    const replyAddress = replies.queueName as string;
    expect(replyAddress).toMatch(/#reply$/);
    const client = await s.sender(service);
    await client.send(new Message({ content: 'ping', replyTo: replyAddress, correlationId: 'c1' }));
    const req = await server.fetch(5);
    const back = await s.sender(req.replyTo as string);
    await back.send(new Message({ content: `pong:${req.content}`, correlationId: req.correlationId }));
    await s.acknowledge(req);
    const resp = await replies.fetch(5);
    expect(resp).toMatchObject({ content: 'pong:ping', correlationId: 'c1' });
    await s.acknowledge();
    await server.close();
    await replies.close();
  });

  test('capacity > 0 prefetches; available/unsettled; nextReceiver picks the oldest arrival', async () => {
    const s = await session();
    const q1 = nodeName();
    const q2 = nodeName();
    const r1 = await s.receiver(`${q1}; {create: always, delete: always}`, { capacity: 10 });
    const r2 = await s.receiver(`${q2}; {create: always, delete: always}`, { capacity: 10 });
    const s1 = await s.sender(q1);
    const s2 = await s.sender(q2);
    await s2.send('b');
    expect(await s.nextReceiver(5)).toBe(r2);
    await s1.send('a');
    const m = await r2.fetch(5);
    expect(m.content).toBe('b');
    expect(r2.unsettled()).toBe(1);
    expect(await s.nextReceiver(5)).toBe(r1);
    expect(r1.available()).toBe(1);
    await r1.fetch(5);
    await s.acknowledge();
    expect(r2.unsettled()).toBe(0);
    await expect(s.nextReceiver(0.1)).rejects.toBeInstanceOf(Empty);
    await r1.setCapacity(0);
    await s1.send('c');
    expect((await r1.fetch(5)).content).toBe('c');
    await s.acknowledge();
    await r1.close();
    await r2.close();
  });

  test('for await over a receiver ends when it is closed', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    for (let i = 0; i < 5; i++) await snd.send(`m${i}`);
    const rcv = await s.receiver(q, { capacity: 2 });
    const got: unknown[] = [];
    for await (const m of rcv) {
      got.push(m.content);
      await s.acknowledge(m);
      if (got.length === 5) await rcv.close();
    }
    expect(got).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    await expect(rcv.fetch(0)).rejects.toBeInstanceOf(LinkClosed);
    await snd.close();
  });

  test('acknowledge dispositions: release comes back redelivered, reject drops', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    await snd.send('one');
    await snd.send('two');
    const rcv = await s.receiver(q);
    const one = await rcv.fetch(5);
    await s.acknowledge(one, { disposition: 'release' });
    const again = await rcv.fetch(5);
    expect(again).toMatchObject({ content: 'one', redelivered: true });
    await s.acknowledge(again, { disposition: 'reject' });
    const two = await rcv.fetch(5);
    expect(two.content).toBe('two');
    await s.acknowledge();
    await expect(rcv.fetch(0.1)).rejects.toBeInstanceOf(Empty);
    await rcv.close();
  });

  test('unacknowledged messages return to the queue when the connection closes', async () => {
    const q = nodeName();
    const s1 = await session();
    const snd = await s1.sender(`${q}; {create: always}`);
    await snd.send('keep');
    const r1 = await s1.receiver(q);
    expect((await r1.fetch(5)).redelivered).toBe(false);
    await s1.connection.close();
    const s2 = await session();
    const r2 = await s2.receiver(`${q}; {delete: receiver}`);
    expect(await r2.fetch(5)).toMatchObject({ content: 'keep', redelivered: true });
    await s2.acknowledge();
    await r2.close();
  });

  test('unreliable receivers take messages without acknowledgement', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    await snd.send('x');
    const rcv = await s.receiver(`${q}; {link: {reliability: unreliable}}`);
    await rcv.fetch(5);
    expect(rcv.unsettled()).toBe(0);
    await rcv.close();
    const again = await s.receiver(q);
    await expect(again.fetch(0.2)).rejects.toBeInstanceOf(Empty);
    await again.close();
  });

  test('sender capacity bounds unconfirmed sends; capacity 0 → InsufficientCapacity', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`, { capacity: 3 });
    const sends = [];
    for (let i = 0; i < 20; i++) sends.push(snd.send(`m${i}`, { sync: false }));
    await Promise.all(sends);
    expect(snd.unsettled()).toBeLessThanOrEqual(3);
    await snd.sync();
    expect(snd.unsettled()).toBe(0);
    expect(snd.available()).toBe(3);
    snd.capacity = 0;
    await expect(snd.send('x')).rejects.toBeInstanceOf(InsufficientCapacity);
    snd.capacity = 3;
    const rcv = await s.receiver(q, { capacity: 20 });
    const got = [];
    for (let i = 0; i < 20; i++) got.push((await rcv.fetch(5)).content);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    await s.acknowledge();
    await rcv.close();
    await snd.close();
  });

  test('a queue deleted under a sender → NoRoute; deleted under a receiver → LinkClosed, others unaffected', async () => {
    const s = await session();
    const q = nodeName();
    const other = nodeName();
    const snd = await s.sender(`${q}; {create: always}`);
    const rcv = await s.receiver(q, { capacity: 5 });
    const otherSnd = await s.sender(`${other}; {create: always, delete: always}`);
    await raw((ch) => ch.deleteQueue(q));
    await expect(snd.send('lost')).rejects.toBeInstanceOf(NoRoute);
    await expect(rcv.fetch(5)).rejects.toBeInstanceOf(LinkClosed);
    await otherSnd.send('fine');
    const otherRcv = await s.receiver(other);
    expect((await otherRcv.fetch(5)).content).toBe('fine');
    await s.acknowledge();
    await otherRcv.close();
    await otherSnd.close();
  });

  test('transactions: commit publishes and acks; rollback discards sends and returns fetched messages', async () => {
    const tx = await session(true);
    const q = nodeName();
    const plain = await session();
    const setup = await plain.sender(`${q}; {create: always, delete: always}`);
    await setup.send('existing');
    const snd = await tx.sender(q);
    const rcv = await tx.receiver(q);
    const watcher = await plain.receiver(`${q}; {mode: browse}`);
    await snd.send('uncommitted');
    const m = await rcv.fetch(5);
    expect(m.content).toBe('existing');
    await tx.acknowledge(m);
    await tx.rollback();
    const back = await rcv.fetch(5);
    expect(back).toMatchObject({ content: 'existing', redelivered: true });
    await expect(rcv.fetch(0.2)).rejects.toBeInstanceOf(Empty);
    await snd.send('committed');
    await tx.acknowledge(back);
    await tx.commit();
    const after = await plain.receiver(q);
    expect((await after.fetch(5)).content).toBe('committed');
    await expect(after.fetch(0.2)).rejects.toBeInstanceOf(Empty);
    await plain.acknowledge();
    await watcher.close();
    await after.close();
    await expect((await session()).commit()).rejects.toBeInstanceOf(NontransactionalSession);
  });

  test('browse: two browsers see every message, a consumer afterwards still gets all of them', async () => {
    const s = await session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    for (const c of ['a', 'b', 'c']) await snd.send(c);
    for (let n = 0; n < 2; n++) {
      const b = await s.receiver(`${q}; {mode: browse}`);
      const seen = [];
      for (;;) {
        const m = await b.get(0.3);
        if (!m) break;
        seen.push(m.content);
        if (seen.length > 10) break;
      }
      await s.acknowledge(); // no effect on browsed messages
      expect(seen).toEqual(['a', 'b', 'c']);
      await b.close();
    }
    const c = await s.receiver(q);
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await c.fetch(5)).content);
    expect(got).toEqual(['a', 'b', 'c']);
    await s.acknowledge();
    await c.close();
  });

  test('session and connection lifecycle', async () => {
    const c = new Connection(url);
    expect(c.opened()).toBe(false);
    await c.open();
    await expect(c.open()).rejects.toThrow('already open');
    expect(c.opened()).toBe(true);
    const s = await c.session('named');
    expect(await c.session('named')).toBe(s);
    await s.close();
    await expect(s.sender('amq.topic')).rejects.toBeInstanceOf(SessionClosed);
    await c.close();
    expect(c.opened()).toBe(false);
    await expect(Connection.establish('127.0.0.1:1')).rejects.toBeInstanceOf(ConnectError);
  });
});
