/** Runs every example's main() against the bundled broker (and RabbitMQ when configured). */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import * as pubSub from '../../examples/pub-sub.js';
import * as qpidReceiver from '../../examples/qpid-receiver.js';
import * as qpidSender from '../../examples/qpid-sender.js';
import * as requestResponse from '../../examples/request-response.js';
import * as rpcFibonacci from '../../examples/rpc-fibonacci.js';
import * as rpcFibonacciOslo from '../../examples/rpc-fibonacci-oslo.js';
import * as spoutDrain from '../../examples/spout-drain.js';
import * as workQueue from '../../examples/work-queue.js';
import { Connection } from '../../src/index.js';
import { messagingTargets, nodeName } from '../helpers/messaging.js';
import { deleteRabbitmqObjects } from '../helpers/rabbitmq.js';

describe.each(messagingTargets())('examples on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await stop();
  });

  test('seed 001 QPIDSender / QPIDReceiver', async () => {
    const q = nodeName('tmp.testing');
    const sent = await qpidSender.main(url, q, 'Testing at now');
    expect(sent.properties).toEqual({ type: 'test' });
    const got = await qpidReceiver.main(url, q, 0.3);
    expect(got.map((m) => m.content)).toEqual(['Testing at now']);
    expect(got[0]?.properties).toEqual({ type: 'test', 'x-amqp-0-10.routing-key': q });
    const c = await Connection.establish(url);
    await (await (await c.session()).receiver(`${q}; {delete: always}`)).close();
    await c.close();
  });

  test('seed 000 spout / drain (browse, then consume)', async () => {
    const { browsed, drained } = await spoutDrain.main(url, nodeName('spout'));
    expect(browsed).toHaveLength(3);
    expect(drained).toHaveLength(3);
    expect(drained[0]).toMatch(/^Message\(.*properties=\{'spout-id': '[0-9a-f-]+:0'.*content='hello'\)$/);
  });

  test('request / response with reply-to', async () => {
    expect(await requestResponse.main(url, nodeName('svc'))).toEqual(['ONE', 'TWO', 'THREE']);
  });

  test('RPC Fibonacci with plain senders and receivers (correlation id, private reply queue)', async () => {
    expect(await rpcFibonacci.main(url, nodeName('rpc_queue'))).toEqual([1, 55, 6765]);
  });

  test('RPC Fibonacci with RpcClient / RpcServer', async () => {
    const topic = nodeName('fibonacci');
    expect(await rpcFibonacciOslo.main(url, topic)).toEqual([1, 55, 6765]);
    // oslo's topic queues are neither exclusive nor auto-delete: remove them from the shared node.
    if (target.kind === 'rabbitmq') await deleteRabbitmqObjects(topic);
  });

  test('pub-sub with two subscribers', async () => {
    expect(await pubSub.main(url, nodeName('news'))).toEqual({
      news: ['china.news: headline'],
      all: ['china.news: headline', 'china.weather: sunny'],
    });
  });

  test('work queue with two competing receivers', async () => {
    const { a, b } = await workQueue.main(url, nodeName('tasks'), 10);
    expect([...a, ...b].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `task-${i}`).sort());
  });
});
