/**
 * Routing compared with RabbitMQ 3.10: direct, fanout, a seeded random set
 * of topic patterns and routing keys, headers matching (all/any, *-with-x,
 * typed and void values), and mandatory returns.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { seeded } from './topology-helpers.js';

/**
 * Binds one exclusive queue per entry of `bindings` (each a list of
 * [key, args] bindings on `exchange`), publishes `messages` in order, then an
 * END marker to every queue through the default exchange, and returns what
 * each queue received (bodies, in order).
 */
async function routeAll(
  conn: ChannelModel,
  exchange: string,
  bindings: [string, Record<string, unknown>?][][],
  messages: { key: string; body: string; headers?: Record<string, unknown> }[],
): Promise<string[][]> {
  const ch: Channel = await conn.createChannel();
  const got: string[][] = bindings.map(() => []);
  const done: boolean[] = bindings.map(() => false);
  const queues: string[] = [];
  for (const [i, list] of bindings.entries()) {
    const { queue } = await ch.assertQueue('', { exclusive: true });
    queues.push(queue);
    for (const [key, args] of list) await ch.bindQueue(queue, exchange, key, args);
    await ch.consume(
      queue,
      (m: ConsumeMessage | null) => {
        if (!m) return;
        const body = m.content.toString();
        if (body === 'END') done[i] = true;
        else got[i]!.push(body);
      },
      { noAck: true },
    );
  }
  for (const m of messages) ch.publish(exchange, m.key, Buffer.from(m.body), m.headers ? { headers: m.headers } : {});
  for (const q of queues) ch.sendToQueue(q, Buffer.from('END'));
  for (let i = 0; i < 400 && done.some((d) => !d); i++) await new Promise((r) => setTimeout(r, 10));
  if (done.some((d) => !d)) throw new Error('END markers did not all arrive');
  await ch.close();
  return got;
}

describeParity('direct and fanout routing', () => {
  parityTest('direct: exact keys, several keys per queue, one copy per queue', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-direct');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      const keys = ['a', 'b', '', 'a.b', 'A', ' a', '#', '*'];
      const got = await routeAll(
        conn,
        x,
        [[['a']], [['a'], ['b']], [['']], [['a.b'], ['#']], [['*']], [['a', { ignored: 1 }], ['a']]],
        keys.map((k, i) => ({ key: k, body: `${i}:${k}` })),
      );
      await ch.deleteExchange(x);
      return got;
    }),
  );

  parityTest('fanout: every bound queue gets every message, keys and args ignored', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-fanout');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'fanout', { durable: false, autoDelete: true });
      const got = await routeAll(
        conn,
        x,
        [[['']], [['x'], ['y']], [['z', { a: 1 }]]],
        ['', 'k', 'x.y.z'].map((k, i) => ({ key: k, body: `${i}` })),
      );
      await ch.deleteExchange(x);
      return got;
    }),
  );
});

describeParity('topic routing', () => {
  parityTest(
    'a seeded random set of ~100 patterns against ~200 routing keys',
    async (url, ctx) =>
      withConnection(url, async (conn) => {
        const rnd = seeded(0x5eed1234);
        const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
        const patternWords = ['a', 'b', 'c', '*', '#', '', 'a', '*', '#'];
        const keyWords = ['a', 'b', 'c', '', 'a', 'b'];
        const fixedPatterns = [
          '#',
          '#.#',
          '*',
          '',
          'a',
          '*.*',
          '#.a',
          'a.#',
          '#.#.#',
          '*.#',
          '#.*',
          'a.*.#',
          '.',
          '..',
          // '#' and '*' inside a word are literal characters.
          'a#',
          '*a.#',
          'a.b#',
        ];
        const patterns = [...fixedPatterns];
        while (patterns.length < 100) {
          const n = 1 + Math.floor(rnd() * 4);
          patterns.push(Array.from({ length: n }, () => pick(patternWords)).join('.'));
        }
        const fixedKeys = [
          '',
          '.',
          '..',
          'a..b',
          'a',
          'a.',
          '.a',
          'a.b.c',
          'a.b.c.d.e',
          'b.a',
          '#',
          '*',
          'a#',
          '*a.b',
          'a.b#',
        ];
        const keys = [...fixedKeys];
        while (keys.length < 200) {
          const n = Math.floor(rnd() * 6);
          keys.push(Array.from({ length: n }, () => pick(keyWords)).join('.'));
        }
        const x = ctx.name('ex-topic');
        const ch = await conn.createChannel();
        await ch.assertExchange(x, 'topic', { durable: false, autoDelete: true });
        // One queue per pattern, plus a few queues holding several overlapping patterns.
        const bindings: [string][][] = patterns.map((p) => [[p]]);
        for (let i = 0; i < 8; i++) bindings.push([[pick(patterns)], [pick(patterns)], [pick(patterns)]]);
        const got = await routeAll(
          conn,
          x,
          bindings,
          keys.map((k, i) => ({ key: k, body: String(i) })),
        );
        await ch.deleteExchange(x);
        return got.map((bodies, i) => ({ bindings: bindings[i]!.map(([p]) => p), keys: bodies.map(Number) }));
      }),
    60_000,
  );

  parityTest('unbinding one pattern leaves the others of the same queue', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-topic');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'topic', { durable: false, autoDelete: true });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      for (const p of ['a.*', 'a.#', '#.b', '*.b']) await ch.bindQueue(queue, x, p);
      await ch.unbindQueue(queue, x, 'a.#');
      await ch.unbindQueue(queue, x, '*.b');
      for (const k of ['a.b', 'a.b.c', 'x.b', 'a', 'b']) ch.publish(x, k, Buffer.from(k));
      ch.sendToQueue(queue, Buffer.from('END'));
      const got: string[] = [];
      for (let i = 0; i < 50; i++) {
        const m = await ch.get(queue, { noAck: true });
        if (!m) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        if (m.content.toString() === 'END') break;
        got.push(m.content.toString());
      }
      await ch.deleteExchange(x);
      return got;
    }),
  );
});

describeParity('binding identity', () => {
  parityTest('a binding is key plus arguments: unbind needs both, argument types included', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-direct');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: false });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      const round = async (label: string) => {
        ch.publish(x, 'k', Buffer.from(label));
        await ch.checkQueue(queue);
        const m = await ch.get(queue, { noAck: true });
        return m ? m.content.toString() : null;
      };
      await ch.bindQueue(queue, x, 'k', { a: 1, b: 'x' });
      const out = [await round('bound')];
      await ch.unbindQueue(queue, x, 'k', {});
      out.push(await round('after-unbind-without-args'));
      await ch.unbindQueue(queue, x, 'k', { a: { '!': 'long', value: 1 }, b: 'x' });
      out.push(await round('after-unbind-with-long'));
      await ch.unbindQueue(queue, x, 'k', { b: 'x', a: 1 });
      out.push(await round('after-unbind-reordered'));
      await ch.deleteExchange(x);
      return out;
    }),
  );

  parityTest('deleting and redeclaring an exchange leaves no old bindings', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-fanout');
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: ConsumeMessage) => returned.push(m.content.toString()));
      await ch.assertExchange(x, 'fanout', { durable: false });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, x, '');
      await ch.deleteExchange(x);
      await ch.assertExchange(x, 'fanout', { durable: false });
      ch.publish(x, '', Buffer.from('after-redeclare'), { mandatory: true });
      const q = await ch.checkQueue(queue);
      for (let i = 0; i < 40 && returned.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      await ch.deleteExchange(x);
      return { ready: q.messageCount, returned };
    }),
  );
});

describeParity('headers routing', () => {
  parityTest('x-match all/any/*-with-x, typed and void values, x- keys', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-headers');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'headers', { durable: false, autoDelete: true });
      const bindings: [string, Record<string, unknown>][][] = [
        [['', { a: 1, b: 'two' }]],
        [['', { 'x-match': 'all', a: 1, b: 'two' }]],
        [['', { 'x-match': 'any', a: 1, b: 'two' }]],
        [['', {}]],
        [['', { 'x-match': 'any' }]],
        [['', { a: null }]],
        [['', { 'x-match': 'any', a: null, c: true }]],
        [['', { 'x-k': 'v' }]],
        [['', { 'x-match': 'all-with-x', 'x-k': 'v' }]],
        [['', { 'x-match': 'any-with-x', 'x-k': 'v', a: 99 }]],
        [['', { a: '1' }]],
        [['', { a: { '!': 'long', value: 1 } }]],
        [['', { a: 1.0, f: 1.5 }]],
        [['', { c: true }]],
        [['', { c: false }]],
        [['', { n: { nested: 1 } }]],
        [['', { l: [1, 'x'] }]],
        [
          ['unused-key', { 'x-match': 'any', a: 1 }],
          ['', { b: 'two' }],
        ],
      ];
      const messages: { key: string; body: string; headers?: Record<string, unknown> }[] = [
        { key: 'k', body: 'none' },
        { key: 'k', body: 'a1', headers: { a: 1 } },
        { key: 'k', body: 'a1b2', headers: { a: 1, b: 'two' } },
        { key: 'k', body: 'b2', headers: { b: 'two' } },
        { key: 'k', body: 'a-str', headers: { a: '1' } },
        { key: 'k', body: 'a-long', headers: { a: { '!': 'long', value: 1 } } },
        { key: 'k', body: 'a-double', headers: { a: 1.0, f: 1.5 } },
        { key: 'k', body: 'a-void', headers: { a: null } },
        { key: 'k', body: 'xk', headers: { 'x-k': 'v' } },
        { key: 'k', body: 'xk-a', headers: { 'x-k': 'v', a: 1, b: 'two' } },
        { key: 'k', body: 'c-true', headers: { c: true } },
        { key: 'k', body: 'c-false', headers: { c: false } },
        { key: 'k', body: 'nested', headers: { n: { nested: 1 } } },
        { key: 'k', body: 'list', headers: { l: [1, 'x'] } },
        { key: 'k', body: 'list-other', headers: { l: ['x', 1] } },
        { key: 'k', body: 'a99', headers: { a: 99 } },
      ];
      const got = await routeAll(conn, x, bindings, messages);
      await ch.deleteExchange(x);
      return got;
    }),
  );
});

describeParity('mandatory publishing', () => {
  parityTest('an unroutable mandatory message comes back as basic.return 312 NO_ROUTE', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-direct');
      const ch = await conn.createConfirmChannel();
      const events: unknown[] = [];
      ch.on('return', (m: ConsumeMessage) => {
        const f = m.fields as unknown as Record<string, unknown>;
        events.push({
          returned: m.content.toString(),
          code: f['replyCode'],
          text: f['replyText'],
          exchange: f['exchange'],
          key: f['routingKey'],
          headers: m.properties.headers,
          contentType: m.properties.contentType,
        });
      });
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, x, 'bound');
      const publish = (ex: string, key: string, body: string, mandatory: boolean) =>
        new Promise<void>((resolve) => {
          ch.publish(ex, key, Buffer.from(body), { mandatory, headers: { h: 'v' }, contentType: 'text/plain' }, () => {
            events.push({ confirmed: body });
            resolve();
          });
        });
      await publish(x, 'nowhere', 'lost-mandatory', true);
      await publish(x, 'nowhere', 'lost-quietly', false);
      await publish(x, 'bound', 'delivered', true);
      await publish('', ctx.name('q-missing'), 'default-exchange-miss', true);
      await publish('', queue, 'default-exchange-hit', true);
      const counts = await ch.checkQueue(queue);
      await ch.deleteExchange(x);
      return { events, ready: counts.messageCount };
    }),
  );
});
