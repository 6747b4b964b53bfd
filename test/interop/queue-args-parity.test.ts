/**
 * Queue arguments against RabbitMQ 3.10: message TTL (queue and per message),
 * x-expires, max-length with each overflow mode, priorities, single active
 * consumer, and how invalid values are refused. Each scenario returns what a
 * client observed; the bundled broker must observe the same.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { drain, onChannel, queueExists, sleep, until } from './queue-args-helpers.js';

/** Publishes bodies to a queue through the default exchange, then waits for a round trip. */
async function put(ch: Channel, queue: string, bodies: string[], options: object = {}): Promise<void> {
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b), options);
  await ch.checkQueue(queue);
}

/** Consumes into an array; returns the array and the consumer tag. */
async function collect(ch: Channel, queue: string, noAck = true): Promise<{ got: ConsumeMessage[]; tag: string }> {
  const got: ConsumeMessage[] = [];
  const { consumerTag } = await ch.consume(queue, (m) => m && got.push(m), { noAck });
  return { got, tag: consumerTag };
}

const bodies = (ms: ConsumeMessage[]) => ms.map((m) => m.content.toString());

describeParity('x-message-ttl and per-message expiration', () => {
  parityTest('messages expire after the queue TTL and leave the message count', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('ttl');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-message-ttl': 100 } });
      await put(ch, q, ['a', 'b', 'c']);
      const before = (await ch.checkQueue(q)).messageCount;
      const emptied = await until(async () => (await ch.checkQueue(q)).messageCount === 0);
      return { before, emptied, get: await ch.get(q, { noAck: true }) };
    }),
  );

  parityTest('TTL 0 reaches a waiting consumer and is dropped otherwise', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('ttl0');
      const declared = await ch.assertQueue(q, { exclusive: true, arguments: { 'x-message-ttl': 0 } });
      await put(ch, q, ['nobody-waits']);
      const countAlone = (await ch.checkQueue(q)).messageCount;
      const getAlone = await ch.get(q, { noAck: true });
      const { got, tag } = await collect(ch, q);
      await put(ch, q, ['x', 'y']);
      await until(async () => got.length >= 2, 2000);
      await ch.cancel(tag);
      return { declared: declared.messageCount, countAlone, getAlone, consumed: bodies(got) };
    }),
  );

  parityTest('a per-message expiration expires the message', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('msgttl');
      await ch.assertQueue(q, { exclusive: true });
      await put(ch, q, ['short'], { expiration: '50' });
      await put(ch, q, ['zero'], { expiration: '0' });
      const emptied = await until(async () => (await ch.checkQueue(q)).messageCount === 0);
      await put(ch, q, ['kept'], { expiration: '60000' });
      const kept = await ch.get(q, { noAck: true });
      return {
        emptied,
        kept: kept && { body: kept.content.toString(), expiration: kept.properties.expiration },
      };
    }),
  );

  parityTest('the lower of queue TTL and message expiration wins', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const short = ctx.name('low-q');
      const long = ctx.name('low-m');
      await ch.assertQueue(short, { exclusive: true, arguments: { 'x-message-ttl': 50 } });
      await ch.assertQueue(long, { exclusive: true, arguments: { 'x-message-ttl': 60000 } });
      await put(ch, short, ['q-wins'], { expiration: '60000' });
      await put(ch, long, ['m-wins'], { expiration: '50' });
      const shortGone = await until(async () => (await ch.checkQueue(short)).messageCount === 0);
      const longGone = await until(async () => (await ch.checkQueue(long)).messageCount === 0);
      return { shortGone, longGone };
    }),
  );

  parityTest('a message expires only at the head: behind a long-lived one it waits', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('head');
      await ch.assertQueue(q, { exclusive: true });
      await put(ch, q, ['long'], { expiration: '60000' });
      await put(ch, q, ['short'], { expiration: '30' });
      await sleep(150);
      // Still counted: RabbitMQ's classic queue only looks at the head.
      const countBehindHead = (await ch.checkQueue(q)).messageCount;
      const first = await ch.get(q, { noAck: true });
      const second = await ch.get(q, { noAck: true });
      return {
        countBehindHead,
        first: first && { body: first.content.toString(), messageCount: first.fields.messageCount },
        second,
      };
    }),
  );

  parityTest('an expired message behind the head goes once the head is consumed', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('head-c');
      await ch.assertQueue(q, { exclusive: true });
      await put(ch, q, ['long'], { expiration: '60000' });
      await put(ch, q, ['short'], { expiration: '30' });
      await put(ch, q, ['plain']);
      await sleep(150);
      const { got, tag } = await collect(ch, q);
      await until(async () => got.length >= 2, 1000);
      await ch.cancel(tag);
      return { consumed: bodies(got) };
    }),
  );

  parityTest('invalid expiration strings are refused at publish, on the channel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('badexp');
      const setup = await conn.createChannel();
      await setup.assertQueue(q, { exclusive: true });
      const out: Record<string, unknown> = {};
      for (const exp of ['abc', '', '-5', '1.5', '5ms', ' 5', '+5', '-0', '007', '315360000000', '315360000001']) {
        out[JSON.stringify(exp)] = await onChannel(conn, async (ch) => {
          ch.sendToQueue(q, Buffer.from(exp), { expiration: exp });
          return 'accepted';
        });
      }
      const accepted = await drain(setup, q);
      return { out, accepted, connectionOpen: (await setup.checkQueue(q)) !== undefined };
    }),
  );
});

describeParity('x-expires', () => {
  parityTest('an unused queue is deleted after x-expires', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const probe = await conn.createConfirmChannel();
      const ch = await conn.createChannel();
      const q = ctx.name('exp');
      await ch.assertQueue(q, { arguments: { 'x-expires': 150 } });
      const existsAtFirst = await queueExists(probe, q);
      const gone = await until(async () => !(await queueExists(probe, q)), 5000);
      const passive = await onChannel(conn, (c) => c.checkQueue(q));
      return { existsAtFirst, gone, passive };
    }),
  );

  parityTest('a consumer keeps the queue alive; after cancel the countdown starts', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const probe = await conn.createConfirmChannel();
      const ch = await conn.createChannel();
      const q = ctx.name('exp-c');
      await ch.assertQueue(q, { arguments: { 'x-expires': 100 } });
      const { tag } = await collect(ch, q);
      await sleep(300);
      const aliveWithConsumer = await queueExists(probe, q);
      await ch.cancel(tag);
      const goneAfterCancel = await until(async () => !(await queueExists(probe, q)), 5000);
      return { aliveWithConsumer, goneAfterCancel };
    }),
  );

  parityTest('redeclare and basic.get restart the countdown', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const probe = await conn.createConfirmChannel();
      const ch = await conn.createChannel();
      const q = ctx.name('exp-r');
      await ch.assertQueue(q, { arguments: { 'x-expires': 300 } });
      // Touch it every 100 ms for 600 ms: twice the period, yet it must live.
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        await ch.assertQueue(q, { arguments: { 'x-expires': 300 } });
        await sleep(100);
        await ch.get(q, { noAck: true });
      }
      const aliveWhileTouched = await queueExists(probe, q);
      const goneLater = await until(async () => !(await queueExists(probe, q)), 5000);
      return { aliveWhileTouched, goneLater };
    }),
  );
});

describeParity('x-max-length and x-max-length-bytes', () => {
  parityTest('drop-head drops the oldest', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('len');
      const b = ctx.name('bytes');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-max-length': 2 } });
      await ch.assertQueue(b, { exclusive: true, arguments: { 'x-max-length-bytes': 10 } });
      await put(ch, q, ['1', '2', '3', '4']);
      await put(ch, b, ['aaaa', 'bbbb', 'cccc', 'dddddddddddd', 'e']);
      const count = (await ch.checkQueue(q)).messageCount;
      return { count, len: await drain(ch, q), bytes: await drain(ch, b) };
    }),
  );

  parityTest('max-length 0 with drop-head still reaches a waiting consumer', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('len0');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-max-length': 0 } });
      await put(ch, q, ['dropped']);
      const countAlone = (await ch.checkQueue(q)).messageCount;
      const { got, tag } = await collect(ch, q);
      await put(ch, q, ['delivered']);
      await until(async () => got.length >= 1, 2000);
      await ch.cancel(tag);
      return { countAlone, consumed: bodies(got) };
    }),
  );

  parityTest('reject-publish nacks with confirms and drops silently without', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const cch = await conn.createConfirmChannel();
      const ch = await conn.createChannel();
      const q = ctx.name('rej');
      await cch.assertQueue(q, { exclusive: true, arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' } });
      const confirms: string[] = [];
      for (const body of ['1', '2', '3']) {
        await new Promise<void>((resolve) =>
          cch.sendToQueue(q, Buffer.from(body), {}, (err) => {
            confirms.push(err ? `nack:${body}` : `ack:${body}`);
            resolve();
          }),
        );
      }
      await put(ch, q, ['4']);
      const count = (await ch.checkQueue(q)).messageCount;
      return { confirms, count, left: await drain(ch, q), channelStillOpen: (await ch.checkQueue(q)).queue === q };
    }),
  );

  parityTest('reject-publish with bytes refuses the message that would pass the limit', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const cch = await conn.createConfirmChannel();
      const q = ctx.name('rejb');
      await cch.assertQueue(q, {
        exclusive: true,
        arguments: { 'x-max-length-bytes': 8, 'x-overflow': 'reject-publish' },
      });
      const confirms: string[] = [];
      for (const body of ['aaaa', 'bbbbb', 'ccc', 'd']) {
        await new Promise<void>((resolve) =>
          cch.sendToQueue(q, Buffer.from(body), {}, (err) => {
            confirms.push(err ? `nack:${body}` : `ack:${body}`);
            resolve();
          }),
        );
      }
      return { confirms, left: await drain(cch, q) };
    }),
  );

  parityTest('only ready messages count: unacknowledged ones leave room', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const cch = await conn.createConfirmChannel();
      const ch = await conn.createChannel();
      const q = ctx.name('unacked');
      const d = ctx.name('unacked-dh');
      await cch.assertQueue(q, { exclusive: true, arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
      await cch.assertQueue(d, { exclusive: true, arguments: { 'x-max-length': 2 } });
      const confirms: string[] = [];
      const send = (body: string) =>
        new Promise<void>((resolve) =>
          cch.sendToQueue(q, Buffer.from(body), {}, (err) => {
            confirms.push(err ? `nack:${body}` : `ack:${body}`);
            resolve();
          }),
        );
      await send('1');
      const held = await ch.get(q, { noAck: false });
      await send('2');
      await send('3');
      // drop-head: a requeued message counts again and the head is dropped when over.
      await put(ch, d, ['d1']);
      const heldD = await ch.get(d, { noAck: false });
      await put(ch, d, ['d2', 'd3']);
      const countBeforeRequeue = (await ch.checkQueue(d)).messageCount;
      if (heldD) ch.nack(heldD, false, true);
      if (held) ch.nack(held, false, true);
      await ch.checkQueue(q);
      return {
        confirms,
        countBeforeRequeue,
        afterRequeue: await drain(ch, q),
        dropHeadAfterRequeue: await drain(ch, d),
      };
    }),
  );
});

describeParity('x-max-priority', () => {
  parityTest('highest priority first; above max counts as max; none is 0', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('prio');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-max-priority': 5 } });
      await put(ch, q, ['none-1']);
      await put(ch, q, ['p1'], { priority: 1 });
      await put(ch, q, ['p9-a'], { priority: 9 });
      await put(ch, q, ['p5'], { priority: 5 });
      await put(ch, q, ['p0'], { priority: 0 });
      await put(ch, q, ['p9-b'], { priority: 9 });
      await put(ch, q, ['none-2']);
      await put(ch, q, ['p3'], { priority: 3 });
      const got = [];
      for (;;) {
        const m = await ch.get(q, { noAck: true });
        if (m === false) break;
        got.push({ body: m.content.toString(), priority: m.properties.priority ?? null });
      }
      return got;
    }),
  );

  parityTest('requeued messages go back to their place within their priority', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('prio-rq');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-max-priority': 3 } });
      for (const [b, p] of [
        ['h1', 3],
        ['h2', 3],
        ['l1', 1],
        ['l2', 1],
        ['h3', 3],
      ] as const)
        await put(ch, q, [b], { priority: p });
      const first = await ch.get(q);
      const second = await ch.get(q);
      const third = await ch.get(q);
      for (const m of [third, first, second]) if (m) ch.nack(m, false, true);
      await ch.checkQueue(q);
      const after = [];
      for (;;) {
        const m = await ch.get(q, { noAck: true });
        if (m === false) break;
        after.push(`${m.content.toString()}${m.fields.redelivered ? '*' : ''}`);
      }
      return after;
    }),
  );

  parityTest('a consumer gets the highest priority backlog first', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('prio-c');
      await ch.assertQueue(q, { exclusive: true, arguments: { 'x-max-priority': 10 } });
      for (const p of [1, 7, 3, 10, 0, 7]) await put(ch, q, [`p${p}`], { priority: p });
      const { got, tag } = await collect(ch, q);
      await until(async () => got.length >= 6, 2000);
      await ch.cancel(tag);
      return bodies(got);
    }),
  );
});

describeParity('x-single-active-consumer', () => {
  parityTest('only the first consumer receives; the next takes over after cancel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch1 = await conn.createChannel();
      const ch2 = await conn.createChannel();
      const pub = await conn.createChannel();
      const q = ctx.name('sac');
      await pub.assertQueue(q, { exclusive: true, arguments: { 'x-single-active-consumer': true } });
      await ch1.prefetch(2);
      const a = await collect(ch1, q, false);
      const b = await collect(ch2, q, true);
      await put(pub, q, ['1', '2', '3', '4', '5']);
      await until(async () => a.got.length >= 2, 2000);
      await sleep(50);
      const firstPhase = { a: bodies(a.got), b: bodies(b.got) };
      const declared = await pub.checkQueue(q);
      await ch1.cancel(a.tag);
      // The held two stay unacknowledged on ch1; the rest goes to the new active consumer.
      await until(async () => b.got.length >= 3, 2000);
      const secondPhase = { a: bodies(a.got), b: bodies(b.got) };
      await ch1.close();
      await until(async () => b.got.length >= 5, 2000);
      return {
        firstPhase,
        declared: { messageCount: declared.messageCount, consumerCount: declared.consumerCount },
        secondPhase,
        afterClose: b.got.map((m) => `${m.content.toString()}${m.fields.redelivered ? '*' : ''}`),
      };
    }),
  );
});

describeParity('invalid queue arguments', () => {
  parityTest('bad values are refused with the reply text RabbitMQ gives', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const cases: [string, Record<string, unknown>][] = [
        ['ttl-str', { 'x-message-ttl': 'x' }],
        ['ttl-neg', { 'x-message-ttl': -1 }],
        ['ttl-big', { 'x-message-ttl': 315360000001 }],
        ['ttl-float', { 'x-message-ttl': 1.5 }],
        ['exp-zero', { 'x-expires': 0 }],
        ['exp-neg', { 'x-expires': -5 }],
        ['exp-str', { 'x-expires': 'soon' }],
        ['len-neg', { 'x-max-length': -1 }],
        ['bytes-str', { 'x-max-length-bytes': 'x' }],
        ['prio-256', { 'x-max-priority': 256 }],
        ['prio-neg', { 'x-max-priority': -1 }],
        ['prio-str', { 'x-max-priority': 'high' }],
        ['prio-255', { 'x-max-priority': 255 }],
        ['overflow-bad', { 'x-overflow': 'drop-tail' }],
        ['overflow-int', { 'x-overflow': 1 }],
        ['dlrk-alone', { 'x-dead-letter-routing-key': 'rk' }],
        ['dlx-int', { 'x-dead-letter-exchange': 5 }],
        ['sac-str', { 'x-single-active-consumer': 'yes' }],
        ['two-bad', { 'x-overflow': 'nope', 'x-message-ttl': 'nope' }],
      ];
      const out: Record<string, unknown> = {};
      for (const [label, args] of cases) {
        const q = ctx.name(`bad-${label}`);
        out[label] = await onChannel(
          conn,
          async (ch) => (await ch.assertQueue(q, { exclusive: true, arguments: args })).queue === q,
        );
      }
      return out;
    }),
  );
});
