// Smoke test for the private RabbitMQ node the parity suites compare against
// (scripts/rabbitmq-node.sh): AMQP works and the management API answers.
import amqp from 'amqplib';
import { expect, test } from 'vitest';
import { channelCloseOf, withConnection } from '../helpers/parity.js';
import { describeRabbitmq, rabbitmqApi, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

describeRabbitmq('private RabbitMQ node', () => {
  test('publishes to and gets from a fresh queue', async () => {
    const conn = await amqp.connect(rabbitmqUrl!);
    try {
      const ch = await conn.createChannel();
      const queue = uniqueName('smoke');
      const ok = await ch.assertQueue(queue, { exclusive: true });
      expect(ok).toEqual({ queue, messageCount: 0, consumerCount: 0 });

      ch.sendToQueue(queue, Buffer.from('hello rabbit'), { contentType: 'text/plain' });
      let got: Awaited<ReturnType<typeof ch.get>> = false;
      for (let i = 0; i < 50 && got === false; i++) {
        got = await ch.get(queue, { noAck: true });
        if (got === false) await new Promise((r) => setTimeout(r, 20));
      }
      expect(got).not.toBe(false);
      if (got === false) return;
      expect(got.content.toString()).toBe('hello rabbit');
      expect(got.properties.contentType).toBe('text/plain');
      expect(got.fields.messageCount).toBe(0);
    } finally {
      await conn.close();
    }
  });

  test('reports a 404 channel close like RabbitMQ does', async () => {
    const closed = await withConnection(rabbitmqUrl!, async (conn) => {
      const ch = await conn.createChannel();
      const close = channelCloseOf(ch);
      await ch.checkQueue(uniqueName('missing')).catch(() => {});
      return close;
    });
    // queue.declare is class 50, method 10.
    expect(closed).toEqual({ code: 404, classId: 50, methodId: 10, textPrefix: 'NOT_FOUND' });
  });

  test('management API answers /api/overview as RabbitMQ 3.10', async () => {
    const overview = await rabbitmqApi<{ product_version: string; product_name: string }>('/api/overview');
    expect(overview.product_name).toBe('RabbitMQ');
    expect(overview.product_version).toMatch(/^3\.10\./);
  });
});
