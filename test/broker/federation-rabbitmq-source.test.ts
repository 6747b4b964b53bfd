/**
 * A dynamic route on the bundled broker pulling from RabbitMQ (the link binds RabbitMQ's bridge queue
 * over AMQP; RabbitMQ needs no shovel plugin for that): RabbitMQ takes the mirrored bindings with
 * their `x-qpid.fed.tags` argument, a headers exchange there ignores that argument when matching, and
 * only what the bundled broker's queues bound crosses. Runs when RABBITMQ_URL is set.
 */
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { dynamicRouteFrom, linkOf, until } from '../helpers/dynamic-routes.js';
import { deleteRabbitmqObjects, describeRabbitmq, rabbitmqApi, rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';

describeRabbitmq('a dynamic route from RabbitMQ into the bundled broker', () => {
  const prefix = uniqueName('dyn');
  let dest: TestBroker;
  let rabbit: ChannelModel;
  let rc: ConfirmChannel;
  beforeAll(async () => {
    dest = await startTestBroker({ federationId: 'dest' });
    rabbit = await amqp.connect(rabbitmqUrl as string);
    rc = await rabbit.createConfirmChannel();
  });
  afterAll(async () => {
    await rabbit?.close().catch(() => undefined);
    await dest?.stop();
    await deleteRabbitmqObjects(prefix);
  });

  async function rabbitBindings(queue: string): Promise<{ routing_key: string; arguments: object }[]> {
    const all = await rabbitmqApi<{ source: string; routing_key: string; arguments: object }[]>(
      `/api/queues/%2F/${encodeURIComponent(queue)}/bindings`,
    );
    return all.filter((b) => b.source !== '').map((b) => ({ routing_key: b.routing_key, arguments: b.arguments }));
  }

  async function publish(exchange: string, key: string, body: string, headers?: Record<string, unknown>) {
    rc.publish(exchange, key, Buffer.from(body), { headers });
    await rc.waitForConfirms();
  }

  test('topic and headers: RabbitMQ gets the mirrored bindings, and only what they select crosses', async () => {
    const conn = await amqp.connect(dest.url);
    const d = await conn.createChannel();
    const topic = `${prefix}-tx`;
    const headers = `${prefix}-hx`;
    for (const ch of [d, rc]) {
      await ch.assertExchange(topic, 'topic', { autoDelete: false, durable: false });
      await ch.assertExchange(headers, 'headers', { autoDelete: false, durable: false });
    }
    await d.assertQueue('in');
    await d.bindQueue('in', topic, 'a.*');
    await d.bindQueue('in', headers, '', { 'x-match': 'all', color: 'red' });
    const t = linkOf(dest, await dynamicRouteFrom(dest, rc, rabbitmqUrl as string, topic, `${prefix}-bt`));
    const h = linkOf(dest, await dynamicRouteFrom(dest, rc, rabbitmqUrl as string, headers, `${prefix}-bh`));
    await until(() => t.dynamic?.size === 1 && h.dynamic?.size === 1, 'both links mirrored');
    expect(await rabbitBindings(`${prefix}-bt`)).toEqual([
      { routing_key: 'a.*', arguments: { 'x-qpid.fed.tags': 'dest' } },
    ]);
    expect(await rabbitBindings(`${prefix}-bh`)).toEqual([
      { routing_key: '', arguments: { 'x-match': 'all', color: 'red', 'x-qpid.fed.tags': 'dest' } },
    ]);

    await publish(topic, 'b.1', 'b1');
    await publish(topic, 'a.1', 'a1');
    await publish(headers, '', 'blue', { color: 'blue' });
    await publish(headers, '', 'red', { color: 'red' });
    await until(() => t.counters.forwarded === 1 && h.counters.forwarded === 1, 'a1 and red forwarded');
    expect([t.counters.received, h.counters.received]).toEqual([1, 1]);
    const got: string[] = [];
    for (let m = await d.get('in', { noAck: true }); m !== false; m = await d.get('in', { noAck: true })) {
      got.push(m.content.toString());
      // RabbitMQ advertises no federation id: the trace has the destination's only.
      expect(m.properties.headers?.['x-qpid.trace']).toBe('dest');
    }
    expect(got.sort()).toEqual(['a1', 'red']);

    await d.unbindQueue('in', topic, 'a.*');
    await until(() => t.dynamic?.size === 0, 'a.* unbound at RabbitMQ');
    expect(await rabbitBindings(`${prefix}-bt`)).toEqual([]);
    await conn.close();
  });
});
