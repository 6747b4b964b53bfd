/**
 * Acknowledgements are coalesced into multiple-acks where that is safe; these
 * check that exactly the acknowledged messages leave the queue, whatever the order.
 */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Connection, type Message } from '../../src/index.js';
import { messagingTargets, nodeName } from '../helpers/messaging.js';

describe.each(messagingTargets())('acknowledge on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });

  async function remaining(queue: string): Promise<string[]> {
    const c = await amqp.connect(url);
    const ch = await c.createChannel();
    const out: string[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: true });
      if (!m) break;
      out.push(m.content.toString());
    }
    await ch.deleteQueue(queue);
    await c.close();
    return out.sort();
  }

  async function fill(capacity: number) {
    const q = nodeName('ack');
    const c = await Connection.establish(url);
    const s = await c.session();
    const sender = await s.sender(`${q}; {create: always}`);
    for (let i = 0; i < 6; i++) await sender.send(`m${i}`);
    const r = await s.receiver(q, { capacity });
    const got: Message[] = [];
    for (let i = 0; i < 6; i++) got.push(await r.fetch(5));
    return { q, c, s, got };
  }

  test.each([0, 10])(
    'out-of-order accepts with capacity %i leave exactly the unacknowledged ones',
    async (capacity) => {
      const { q, c, s, got } = await fill(capacity);
      // Accept m5, m3, m4 one by one (not m0..m2), in the same tick, without waiting.
      await Promise.all([got[5], got[3], got[4]].map((m) => s.acknowledge(m, { sync: false })));
      await s.sync();
      await c.close(); // m0..m2 go back to the queue
      expect(await remaining(q)).toEqual(['m0', 'm1', 'm2']);
    },
  );

  test('in-order accepts followed by a release keep the released message', async () => {
    const { q, c, s, got } = await fill(10);
    for (const m of got.slice(0, 4)) void s.acknowledge(m, { sync: false });
    await s.acknowledge(got[4], { disposition: 'release' });
    await s.acknowledge(got[5]);
    await c.close();
    expect(await remaining(q)).toEqual(['m4']);
  });

  test('acknowledge() with no message accepts everything fetched', async () => {
    const { q, c, s } = await fill(10);
    await s.acknowledge();
    await c.close();
    expect(await remaining(q)).toEqual([]);
  });
});
