/**
 * Addresses for RabbitMQ's replicated queue types (README "Running on a cluster"): quorum queues
 * through x-declare and through the `x-queue-type` shorthand, x-delivery-limit seen by a receiver,
 * on both brokers; streams (RabbitMQ only: the bundled broker refuses them, docs/queue-types.md)
 * read from `first`, an offset and a timestamp, in browse and consume mode.
 */
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Connection, Message, type Session } from '../../src/index.js';
import { messagingTargets, nodeName } from '../helpers/messaging.js';
import { describeRabbitmq, rabbitmqUrl } from '../helpers/rabbitmq.js';

const open: Connection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function sessionOn(url: string): Promise<Session> {
  const c = await Connection.establish(url);
  open.push(c);
  return c.session();
}

async function queueArguments(url: string, q: string): Promise<{ durable: boolean; type: unknown }> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    // A redeclare with the same arguments succeeds only if the queue really is quorum and durable.
    await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    return { durable: true, type: 'quorum' };
  } finally {
    await conn.close().catch(() => undefined);
  }
}

describe.each(messagingTargets())('quorum queues through addresses on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });

  test('x-declare arguments x-queue-type quorum: declared durable without saying so', async () => {
    const s = await sessionOn(url);
    const q = nodeName('qq');
    const snd = await s.sender(
      `${q}; {create: always, delete: always, node: {x-declare: {arguments: {x-queue-type: quorum}}}}`,
    );
    await snd.send(new Message({ content: 'one' }));
    expect(await queueArguments(url, q)).toEqual({ durable: true, type: 'quorum' });
    const rcv = await s.receiver(q);
    const m = await rcv.fetch(5);
    expect(m.content).toBe('one');
    // Quorum queues count deliveries; the first has count 0.
    expect(m.properties['x-delivery-count']).toBe(0);
    await s.acknowledge();
    await snd.close();
  });

  test('the node shorthand x-queue-type with group size and delivery limit', async () => {
    const s = await sessionOn(url);
    const q = nodeName('qqs');
    const addr = `${q}; {create: always, delete: always, node: {type: queue, x-queue-type: quorum, x-declare: {arguments: {x-quorum-initial-group-size: 3, x-delivery-limit: 1}}}}`;
    const snd = await s.sender(addr);
    await snd.send(new Message({ content: 'poison' }));
    const rcv = await s.receiver(q);
    const counts: unknown[] = [];
    // Released twice (limit 1 allows one redelivery): then the queue drops it.
    for (let i = 0; i < 2; i++) {
      const m = await rcv.fetch(5);
      counts.push(m.properties['x-delivery-count']);
      await s.acknowledge(m, { disposition: 'release' });
    }
    expect(counts).toEqual([0, 1]);
    expect(await rcv.get(0.5)).toBeUndefined();
    await snd.close();
  });

  test("an explicit durable: False on a quorum queue gets RabbitMQ's 406", async () => {
    const s = await sessionOn(url);
    const q = nodeName('qqn');
    await expect(s.sender(`${q}; {create: always, node: {durable: False, x-queue-type: quorum}}`)).rejects.toThrow(
      /invalid property 'non-durable'/,
    );
  });
});

async function publish(url: string, q: string, n: number): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    for (let i = 0; i < n; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

describeRabbitmq('streams through addresses on RabbitMQ', () => {
  const url = rabbitmqUrl as string;
  let q: string;
  beforeAll(async () => {
    q = nodeName('stream');
    const s = await sessionOn(url);
    await s.sender(`${q}; {create: always, node: {x-queue-type: stream}}`);
    await publish(url, q, 10);
  });
  afterAll(async () => {
    const conn = await amqp.connect(url);
    await (await conn.createChannel()).deleteQueue(q);
    await conn.close();
  });

  async function read(options: string, n: number): Promise<string[]> {
    const s = await sessionOn(url);
    const rcv = await s.receiver(`${q}; {${options}}`);
    const got: string[] = [];
    for (let i = 0; i < n; i++) got.push(String((await rcv.fetch(10)).content));
    await s.acknowledge();
    return got;
  }

  test('browse from first twice sees everything both times', async () => {
    const opt = 'mode: browse, link: {x-subscribe: {arguments: {x-stream-offset: first}}}';
    const all = Array.from({ length: 10 }, (_, i) => `m${i}`);
    expect(await read(opt, 10)).toEqual(all);
    expect(await read(opt, 10)).toEqual(all);
  });

  test('consume from an offset, capacity 0 (a stream needs a prefetch: given one)', async () => {
    expect(await read('link: {x-subscribe: {arguments: {x-stream-offset: 7}}}', 3)).toEqual(['m7', 'm8', 'm9']);
  });

  test('browse from a timestamp: an ISO time before the publishes sees them all, one after sees none', async () => {
    const before = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(
      await read(`mode: browse, link: {x-subscribe: {arguments: {x-stream-offset: '${before}'}}}`, 10),
    ).toHaveLength(10);
    const after = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const s = await sessionOn(url);
    const rcv = await s.receiver(
      `${q}; {mode: browse, link: {x-subscribe: {arguments: {x-stream-offset: '${after}'}}}}`,
    );
    expect(await rcv.get(1)).toBeUndefined();
  });
});
