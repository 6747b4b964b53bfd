import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.stop();
});

describe('basic publish/consume with amqplib', () => {
  it('round-trips a message through a queue with properties', async () => {
    const conn = await amqp.connect(tb.url);
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    expect(q.queue).toMatch(/^amq\.gen-/);
    ch.sendToQueue(q.queue, Buffer.from('hello'), { headers: { a: 1, b: 'x' }, contentType: 'text/plain' });
    const got = await new Promise<amqp.ConsumeMessage>((resolve) => {
      ch.consume(q.queue, (m) => m && resolve(m));
    });
    expect(got.content.toString()).toBe('hello');
    expect(got.properties.contentType).toBe('text/plain');
    expect(got.properties.headers).toEqual({ a: 1, b: 'x' });
    ch.ack(got);
    await conn.close();
  });

  it('get / get-empty with message counts', async () => {
    const conn = await amqp.connect(tb.url);
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    for (let i = 0; i < 3; i++) ch.sendToQueue(q.queue, Buffer.from(`m${i}`));
    const m1 = await ch.get(q.queue);
    expect(m1 ? m1.content.toString() : undefined).toBe('m0');
    expect(m1 ? m1.fields.messageCount : undefined).toBe(2);
    if (m1) ch.ack(m1);
    await ch.purgeQueue(q.queue);
    expect(await ch.get(q.queue)).toBe(false);
    await conn.close();
  });
});
