/**
 * Dynamic routes between bundled brokers (docs/federation.md "Dynamic routes and loops"): the link
 * mirrors the destination exchange's bindings onto the source's bridge queue, so only what some
 * destination queue asked for crosses; later binds and unbinds follow; fanout and headers exchanges;
 * a ring of three brokers delivers each message once, drops what comes round (`looped`) and lets go
 * of every binding once the last consumer unbinds. Real brokers on port 0, amqplib clients.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, describe, expect, test } from 'vitest';
import { type FieldTable, Typed } from '../../src/protocol/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { bindingsOf, dynamicRoute, linkOf, until } from '../helpers/dynamic-routes.js';

const brokers: TestBroker[] = [];
const conns: ChannelModel[] = [];
afterAll(async () => {
  for (const c of conns) await c.close().catch(() => undefined);
  for (const b of brokers) await b.stop().catch(() => undefined);
});

async function bundled(federationId?: string): Promise<TestBroker> {
  const b = await startTestBroker(federationId === undefined ? {} : { federationId });
  brokers.push(b);
  return b;
}

async function channel(b: TestBroker): Promise<Channel> {
  const c = await amqp.connect(b.url);
  conns.push(c);
  return c.createConfirmChannel();
}

async function publish(ch: Channel, exchange: string, key: string, body: string, headers?: FieldTable) {
  ch.publish(exchange, key, Buffer.from(body), { headers });
  await (ch as amqp.ConfirmChannel).waitForConfirms();
}

/** Everything in a queue now (bodies), taken with no-ack. */
async function take(ch: Channel, queue: string): Promise<string[]> {
  const out: string[] = [];
  for (let m = await ch.get(queue, { noAck: true }); m !== false; m = await ch.get(queue, { noAck: true })) {
    out.push(m.content.toString());
  }
  return out;
}

describe('dynamic routes mirror the destination bindings', () => {
  test('topic: only the bound keys cross; later binds start and unbinds stop the flow', async () => {
    const dest = await bundled('dest');
    const src = await bundled('src');
    const d = await channel(dest);
    const s = await channel(src);
    await d.assertQueue('q1');
    await d.bindQueue('q1', 'amq.topic', 'a.*');
    const name = await dynamicRoute(dest, src, 'amq.topic', 'bridge');
    const link = linkOf(dest, name);
    await until(() => link.state === 'running', 'the link');
    expect(bindingsOf(src, 'amq.topic', 'bridge')).toEqual([{ key: 'a.*', args: { 'x-qpid.fed.tags': 'dest' } }]);
    expect(link.dynamic?.size).toBe(1);

    await publish(s, 'amq.topic', 'a.1', 'a1');
    await publish(s, 'amq.topic', 'b.1', 'b1');
    await until(() => link.counters.forwarded === 1, 'a.1 forwarded');
    expect(await take(d, 'q1')).toEqual(['a1']);
    expect(link.counters.received).toBe(1); // b.1 never left the source
    expect((await s.checkQueue('bridge')).messageCount).toBe(0);

    // Two local bindings with one key are one mirrored binding; a new key starts its flow.
    await d.assertQueue('q2');
    await d.bindQueue('q2', 'amq.topic', 'a.*');
    await d.bindQueue('q1', 'amq.topic', 'b.#');
    await until(() => bindingsOf(src, 'amq.topic', 'bridge').length === 2, 'b.# on the source');
    await publish(s, 'amq.topic', 'b.2', 'b2');
    await until(() => link.counters.forwarded === 2, 'b.2 forwarded');
    expect(await take(d, 'q1')).toEqual(['b2']);

    // Unbinding a.* from q1 leaves q2's a.*; deleting q2 takes the last a.* away, so a.* stops.
    await d.unbindQueue('q1', 'amq.topic', 'a.*');
    await d.deleteQueue('q2');
    await until(() => bindingsOf(src, 'amq.topic', 'bridge').length === 1, 'a.* gone from the source');
    expect(bindingsOf(src, 'amq.topic', 'bridge')[0]?.key).toBe('b.#');
    await publish(s, 'amq.topic', 'a.3', 'a3');
    await publish(s, 'amq.topic', 'b.3', 'b3');
    await until(() => link.counters.forwarded === 3, 'b.3 forwarded');
    expect(await take(d, 'q1')).toEqual(['b3']);
    expect(link.counters.received).toBe(3);
  });

  test('a reconnect resyncs: a binding made while the source was away is mirrored', async () => {
    const dest = await bundled('dest');
    let src = await bundled('src');
    const d = await channel(dest);
    await d.assertQueue('q');
    await d.bindQueue('q', 'amq.direct', 'k1');
    const name = await dynamicRoute(dest, src, 'amq.direct', 'bridge');
    const link = linkOf(dest, name);
    await until(() => link.state === 'running', 'the link');
    const port = src.port;
    await src.stop();
    brokers.splice(brokers.indexOf(src), 1);
    await until(() => link.state === 'reconnecting', 'the link to notice');
    await d.bindQueue('q', 'amq.direct', 'k2');
    await d.unbindQueue('q', 'amq.direct', 'k1');
    src = await startTestBroker({ port, federationId: 'src' });
    brokers.push(src);
    await (await channel(src)).assertQueue('bridge', { durable: true });
    await until(() => link.state === 'running' && bindingsOf(src, 'amq.direct', 'bridge').length === 1, 'resync');
    expect(bindingsOf(src, 'amq.direct', 'bridge')[0]?.key).toBe('k2');
    expect(link.counters.reconnects).toBe(1);
  });

  test('fanout: any local binding brings everything, none brings nothing', async () => {
    const dest = await bundled('dest');
    const src = await bundled('src');
    const d = await channel(dest);
    const s = await channel(src);
    await d.assertExchange('fx', 'fanout');
    await s.assertExchange('fx', 'fanout');
    const name = await dynamicRoute(dest, src, 'fx', 'bridge');
    const link = linkOf(dest, name);
    await until(() => link.state === 'running', 'the link');
    expect(bindingsOf(src, 'fx', 'bridge')).toEqual([]);
    await publish(s, 'fx', '', 'lost');
    expect((await s.checkQueue('bridge')).messageCount).toBe(0);

    await d.assertQueue('f1');
    await d.assertQueue('f2');
    await d.bindQueue('f1', 'fx', 'x');
    await d.bindQueue('f2', 'fx', 'y');
    await until(() => link.dynamic?.size === 1, 'one fanout binding');
    expect(bindingsOf(src, 'fx', 'bridge')).toEqual([{ key: '', args: { 'x-qpid.fed.tags': 'dest' } }]);
    await publish(s, 'fx', 'any', 'm1');
    await until(() => link.counters.forwarded === 1, 'm1 forwarded');
    expect(await take(d, 'f1')).toEqual(['m1']);
    expect(await take(d, 'f2')).toEqual(['m1']);

    await d.unbindQueue('f1', 'fx', 'x');
    await d.unbindQueue('f2', 'fx', 'y');
    // The size counts what the source confirmed (queue.unbind-ok).
    await until(() => link.dynamic?.size === 0, 'no fanout binding');
    expect(bindingsOf(src, 'fx', 'bridge')).toEqual([]);
  });

  test('headers: each distinct argument set is mirrored with its arguments', async () => {
    const dest = await bundled('dest');
    const src = await bundled('src');
    const d = await channel(dest);
    const s = await channel(src);
    await d.assertExchange('hx', 'headers');
    await s.assertExchange('hx', 'headers');
    await d.assertQueue('red');
    await d.bindQueue('red', 'hx', '', { 'x-match': 'all', color: 'red' });
    const name = await dynamicRoute(dest, src, 'hx', 'bridge');
    const link = linkOf(dest, name);
    await until(() => link.state === 'running', 'the link');
    expect(bindingsOf(src, 'hx', 'bridge')).toEqual([
      { key: '', args: { 'x-match': 'all', color: 'red', 'x-qpid.fed.tags': 'dest' } },
    ]);
    await publish(s, 'hx', '', 'blue-1', { color: 'blue' });
    await publish(s, 'hx', '', 'red-1', { color: 'red' });
    await until(() => link.counters.forwarded === 1, 'red-1 forwarded');
    expect(link.counters.received).toBe(1);
    expect(await take(d, 'red')).toEqual(['red-1']);

    // Values keep their wire type across (amqplib writes 5 as an int8; so does the mirror).
    await d.bindQueue('red', 'hx', '', { 'x-match': 'any', color: 'blue', level: 5 });
    await until(() => link.dynamic?.size === 2, 'the second argument set');
    expect(bindingsOf(src, 'hx', 'bridge')[1]?.args).toEqual({
      'x-match': 'any',
      color: 'blue',
      level: new Typed('int8', 5),
      'x-qpid.fed.tags': 'dest',
    });
    await publish(s, 'hx', '', 'level-5', { level: 5 });
    await until(() => link.counters.forwarded === 2, 'level-5 forwarded');
    expect(await take(d, 'red')).toEqual(['level-5']);
  });
});

describe('a ring of three brokers with dynamic routes', () => {
  test('each message is delivered once per broker; what comes round is dropped as looped', async () => {
    const [a, b, c] = [await bundled('A'), await bundled('B'), await bundled('C')] as [
      TestBroker,
      TestBroker,
      TestBroker,
    ];
    const chans = new Map<TestBroker, Channel>();
    for (const x of [a, b, c]) {
      const ch = await channel(x);
      await ch.assertQueue('local');
      await ch.bindQueue('local', 'amq.topic', 'r.*');
      chans.set(x, ch);
    }
    // Messages flow A → B → C → A: each broker pulls from the previous one.
    const ab = linkOf(b, await dynamicRoute(b, a, 'amq.topic', 'to-B'));
    const bc = linkOf(c, await dynamicRoute(c, b, 'amq.topic', 'to-C'));
    const ca = linkOf(a, await dynamicRoute(a, c, 'amq.topic', 'to-A'));
    const links = [ab, bc, ca];
    await until(() => links.every((l) => l.state === 'running' && l.dynamic?.size === 1), 'the ring');
    // A binding is tagged with the brokers it came through: the local consumer's need is B's own.
    expect(bindingsOf(a, 'amq.topic', 'to-B')).toEqual([{ key: 'r.*', args: { 'x-qpid.fed.tags': 'B' } }]);

    for (const [x, body] of [
      [a, 'from-A'],
      [b, 'from-B'],
      [c, 'from-C'],
    ] as const) {
      await publish(chans.get(x) as Channel, 'amq.topic', 'r.1', body);
    }
    await until(() => links.every((l) => l.counters.looped === 1), 'each message to come round once');
    for (const x of [a, b, c]) {
      expect((await take(chans.get(x) as Channel, 'local')).sort()).toEqual(['from-A', 'from-B', 'from-C']);
    }
    expect(links.map((l) => l.counters.forwarded)).toEqual([2, 2, 2]);

    // With every consumer gone, no broker's bridge binding keeps another's alive.
    for (const x of [a, b, c]) await (chans.get(x) as Channel).unbindQueue('local', 'amq.topic', 'r.*');
    await until(() => links.every((l) => l.dynamic?.size === 0), 'the ring to let go');
    for (const [x, q] of [
      [a, 'to-B'],
      [b, 'to-C'],
      [c, 'to-A'],
    ] as const) {
      expect(bindingsOf(x, 'amq.topic', q)).toEqual([]);
    }
  });
});
