/**
 * The basic class against RabbitMQ 3.10: qos/prefetch, consume (exclusive,
 * tags, priorities), cancel (client and server sent), publish (mandatory
 * returns, property round trip), get, ack/nack/reject/recover and requeue
 * order. Every scenario runs on both brokers and must observe the same.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type GetMessage } from 'amqplib';
import { encodeContentHeaderPayload, FrameType, Typed } from '../../src/protocol/index.js';
import {
  attempt,
  channelCloseOf,
  connectionCloseOf,
  describeParity,
  parityTest,
  replyText,
  withConnection,
} from '../helpers/parity.js';
import { drain, ready, until } from '../helpers/queue-state.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

const portOf = (url: string) => Number(new URL(url).port);

const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Puts bodies on a queue through a confirm channel, so they are all enqueued when this returns. */
async function fill(conn: ChannelModel, queue: string, bodies: string[]): Promise<void> {
  const ch = await conn.createConfirmChannel();
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b));
  await ch.waitForConfirms();
  await ch.close();
}

const range = (n: number, p = 'm') => Array.from({ length: n }, (_, i) => `${p}${i + 1}`);

interface Collected {
  msgs: ConsumeMessage[];
  cancelled: boolean;
  on(m: ConsumeMessage | null): void;
}

function collector(): Collected {
  const c: Collected = {
    msgs: [],
    cancelled: false,
    on: (m) => {
      if (m === null) c.cancelled = true;
      else c.msgs.push(m);
    },
  };
  return c;
}

const bodies = (ms: (ConsumeMessage | GetMessage)[]) => ms.map((m) => m.content.toString());

async function tempQueue(ch: Channel, name: string, args: Record<string, unknown> = {}): Promise<string> {
  await ch.assertQueue(name, { exclusive: true, arguments: args });
  return name;
}

describeParity('basic.qos', () => {
  parityTest('a consumer with prefetch N holds exactly N unacked, more after acks', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('qos'));
      await fill(conn, q, range(10));
      await ch.prefetch(3);
      const c = collector();
      await ch.consume(q, c.on);
      await until(() => c.msgs.length === 3, '3 deliveries');
      const first = { got: bodies(c.msgs), ready: await ready(conn, q) };
      ch.ack(c.msgs[0] as ConsumeMessage);
      await until(() => c.msgs.length === 4, '4th delivery');
      const afterOne = { got: bodies(c.msgs), ready: await ready(conn, q) };
      ch.ack(c.msgs[3] as ConsumeMessage, true);
      await until(() => c.msgs.length === 7, '7 deliveries');
      const afterMany = {
        got: bodies(c.msgs),
        ready: await ready(conn, q),
        tags: c.msgs.map((m) => m.fields.deliveryTag),
      };
      return { first, afterOne, afterMany };
    }),
  );

  parityTest('global=true is one limit shared by the consumers of the channel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q1 = await tempQueue(ch, ctx.name('g1'));
      const q2 = await tempQueue(ch, ctx.name('g2'));
      await fill(conn, q1, range(5, 'a'));
      await fill(conn, q2, range(5, 'b'));
      await ch.prefetch(4, true);
      const a = collector();
      const b = collector();
      await ch.consume(q1, a.on);
      await until(() => a.msgs.length === 4, 'a: 4 deliveries');
      await ch.consume(q2, b.on);
      const before = { a: a.msgs.length, readyQ1: await ready(conn, q1), readyQ2: await ready(conn, q2) };
      ch.ackAll();
      await until(() => a.msgs.length + b.msgs.length === 8, '4 more deliveries across both consumers');
      const readyBoth = (await ready(conn, q1)) + (await ready(conn, q2));
      return { before, total: a.msgs.length + b.msgs.length, readyBoth };
    }),
  );

  parityTest('per-consumer and global prefetch together: each consumer capped, the channel capped', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('both'));
      await fill(conn, q, range(10));
      await ch.prefetch(2, false);
      await ch.prefetch(3, true);
      const a = collector();
      const b = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 2, 'a: 2 deliveries');
      await ch.consume(q, b.on);
      await until(() => b.msgs.length === 1, 'b: 1 delivery');
      const before = { a: bodies(a.msgs), b: bodies(b.msgs), ready: await ready(conn, q) };
      // Freeing one of a's slots lets a (still at its own limit of 2 after this) take one more.
      ch.ack(a.msgs[0] as ConsumeMessage);
      await until(() => a.msgs.length + b.msgs.length === 4, 'one more delivery');
      return { before, after: { a: a.msgs.length, b: b.msgs.length, ready: await ready(conn, q) } };
    }),
  );

  parityTest('per-consumer qos changed while consuming applies to later consumers only', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('chg'));
      await fill(conn, q, range(10));
      await ch.prefetch(2);
      const a = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 2, 'a: 2 deliveries');
      await ch.prefetch(5);
      const readyAfterRaise = await ready(conn, q);
      const b = collector();
      await ch.consume(q, b.on);
      await until(() => b.msgs.length === 5, 'b: 5 deliveries');
      return { a: a.msgs.length, b: b.msgs.length, readyAfterRaise, ready: await ready(conn, q) };
    }),
  );

  parityTest('global qos raised or lowered while consuming takes effect on the channel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('gchg'));
      await fill(conn, q, range(12));
      await ch.prefetch(2, true);
      const a = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 2, '2 deliveries');
      await ch.prefetch(5, true);
      await until(() => a.msgs.length === 5, '5 deliveries after raising');
      const raised = await ready(conn, q);
      await ch.prefetch(3, true);
      // Five unacked under a limit of three: acking two leaves three, so nothing more comes.
      ch.ack(a.msgs[1] as ConsumeMessage, true);
      const lowered = { got: a.msgs.length, ready: await ready(conn, q) };
      ch.ack(a.msgs[2] as ConsumeMessage);
      await until(() => a.msgs.length === 6, 'one more after dropping below the limit');
      return { raised, lowered, final: { got: a.msgs.length, ready: await ready(conn, q) } };
    }),
  );

  parityTest('messages taken with basic.get do not use prefetch credit', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const out: Record<string, unknown> = {};
      for (const global of [false, true]) {
        const ch = await conn.createChannel();
        const q = await tempQueue(ch, ctx.name(`getcredit${global}`));
        await fill(conn, q, range(6));
        await ch.prefetch(2, global);
        const got = [(await ch.get(q)) as GetMessage, (await ch.get(q)) as GetMessage];
        const a = collector();
        await ch.consume(q, a.on);
        await until(() => a.msgs.length === 2, '2 deliveries');
        const readyWithGets = await ready(conn, q);
        // Acking the gets must not hand the consumer extra credit either.
        ch.ack(got[1] as GetMessage, true);
        const afterGetAcks = { got: a.msgs.length, ready: await ready(conn, q) };
        ch.ack(a.msgs[0] as ConsumeMessage);
        await until(() => a.msgs.length === 3, '3rd delivery');
        out[global ? 'global' : 'perConsumer'] = { readyWithGets, afterGetAcks, final: await ready(conn, q) };
        await ch.close();
      }
      return out;
    }),
  );

  parityTest('prefetch 0 means unlimited', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('zero'));
      await fill(conn, q, range(20));
      await ch.prefetch(2);
      await ch.prefetch(0);
      const a = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 20, '20 deliveries');
      return { got: bodies(a.msgs), ready: await ready(conn, q) };
    }),
  );
});

describeParity('basic.consume', () => {
  parityTest('no-ack consumers get everything and nothing comes back on close', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('noack'));
      await fill(conn, q, range(5));
      await ch.prefetch(1);
      const a = collector();
      const ch2 = await conn.createChannel();
      await ch2.prefetch(1);
      await ch2.consume(q, a.on, { noAck: true });
      await until(() => a.msgs.length === 5, '5 deliveries');
      await ch2.close();
      return { got: bodies(a.msgs), tags: a.msgs.map((m) => m.fields.deliveryTag), ready: await ready(conn, q) };
    }),
  );

  parityTest('an exclusive consumer locks out others, and needs the queue to itself', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('excl'));
      await ch.consume(q, () => {}, { exclusive: true });
      const ch2 = await conn.createChannel();
      const closed2 = channelCloseOf(ch2);
      let text2: string | null = null;
      const second = await attempt(() =>
        ch2
          .consume(q, () => {})
          .catch((e: unknown) => {
            text2 = replyText(e);
            throw e;
          }),
      );
      const q2 = await tempQueue(ch, ctx.name('excl2'));
      await ch.consume(q2, () => {});
      const ch3 = await conn.createChannel();
      const closed3 = channelCloseOf(ch3);
      let text3: string | null = null;
      const third = await attempt(() =>
        ch3
          .consume(q2, () => {}, { exclusive: true })
          .catch((e: unknown) => {
            text3 = replyText(e);
            throw e;
          }),
      );
      return { second, closed2: await closed2, text2, third, text3, closed3: await closed3 };
    }),
  );

  parityTest('explicit and server-generated consumer tags', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('tags'));
      const explicit = await ch.consume(q, () => {}, { consumerTag: 'my-tag' });
      const gen1 = await ch.consume(q, () => {});
      const gen2 = await ch.consume(q, () => {});
      const shape = (t: string) => ({
        prefix: t.slice(0, 9),
        length: t.length,
        charset: /^amq\.ctag-[A-Za-z0-9_-]+$/.test(t),
      });
      return {
        explicit,
        gen1: shape(gen1.consumerTag),
        gen2: shape(gen2.consumerTag),
        distinct: gen1.consumerTag !== gen2.consumerTag,
      };
    }),
  );

  parityTest('reusing a consumer tag on one channel closes the connection with 530', async (url, ctx) => {
    const conn = await amqp.connect(url);
    const closed = connectionCloseOf(conn);
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const q = await tempQueue(ch, ctx.name('dup'));
    await ch.consume(q, () => {}, { consumerTag: 'dup' });
    let text: string | null = null;
    conn.on('error', (e: unknown) => {
      text ??= replyText(e);
    });
    const again = await attempt(() => ch.consume(q, () => {}, { consumerTag: 'dup' }));
    return { again, closed: await closed, text };
  });

  parityTest('which check wins: reused tag vs missing queue, bad x-priority vs exclusive use', async (url, ctx) => {
    const conn = await amqp.connect(url);
    const closed = connectionCloseOf(conn);
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    const q = await tempQueue(ch, ctx.name('order'));
    await ch.consume(q, () => {}, { consumerTag: 'dup', exclusive: true });
    const ch2 = await conn.createChannel();
    const closed2 = channelCloseOf(ch2);
    const prio = await ch2
      .consume(q, () => {}, { arguments: { 'x-priority': 'high' } })
      .then(() => 'consumed')
      .catch((e: unknown) => replyText(e));
    await closed2;
    const reused = await attempt(() => ch.consume(ctx.name('missing'), () => {}, { consumerTag: 'dup' }));
    return { prio, reused: 'error' in reused, closed: await closed };
  });

  parityTest('consuming from a missing queue is 404 on the channel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const closed = channelCloseOf(ch);
      const text = await ch
        .consume(ctx.name('missing'), () => {})
        .then(() => 'consumed')
        .catch((e: unknown) => replyText(e));
      return { text, closed: await closed };
    }),
  );

  parityTest(
    'x-priority: higher-priority consumers with credit first, round robin within a priority',
    async (url, ctx) =>
      withConnection(url, async (conn) => {
        const ch = await conn.createChannel();
        const q = await tempQueue(ch, ctx.name('prio'));
        await ch.prefetch(1);
        const low = collector();
        const hiA = collector();
        const hiB = collector();
        await ch.consume(q, low.on, { consumerTag: 'low' });
        await ch.consume(q, hiA.on, { consumerTag: 'hiA', priority: 10 });
        await ch.consume(q, hiB.on, { consumerTag: 'hiB', priority: 10 });
        await fill(conn, q, range(6));
        await until(() => low.msgs.length + hiA.msgs.length + hiB.msgs.length === 3, '3 deliveries');
        const snap = () => ({ low: bodies(low.msgs), hiA: bodies(hiA.msgs), hiB: bodies(hiB.msgs) });
        const first = { ...snap(), ready: await ready(conn, q) };
        // Credit back to the low consumer: the high ones are still full, so it takes the next.
        ch.ack(low.msgs[0] as ConsumeMessage);
        await until(() => low.msgs.length === 2, 'low: 2nd delivery');
        ch.ack(hiB.msgs[0] as ConsumeMessage);
        await until(() => hiB.msgs.length === 2, 'hiB: 2nd delivery');
        ch.ack(hiA.msgs[0] as ConsumeMessage);
        await until(() => hiA.msgs.length === 2, 'hiA: 2nd delivery');
        return { first, later: snap(), ready: await ready(conn, q) };
      }),
  );

  parityTest('x-priority that is not an integer is refused', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const out: unknown[] = [];
      const ch0 = await conn.createChannel();
      const q = await tempQueue(ch0, ctx.name('badprio'));
      for (const priority of ['high', 1.5, 2 ** 40]) {
        const ch = await conn.createChannel();
        const closed = channelCloseOf(ch);
        let text: string | null = null;
        const r = await attempt(() =>
          ch
            .consume(q, () => {}, { arguments: { 'x-priority': priority } })
            .catch((e: unknown) => {
              text = replyText(e);
              throw e;
            }),
        );
        if ('ok' in r) await ch.close();
        out.push({ priority, ok: 'ok' in r, text, closed: await closed });
      }
      return out;
    }),
  );

  parityTest('an exclusive consumer does not stop basic.get; after its cancel others may consume', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('exget'));
      await ch.consume(q, () => {}, { exclusive: true, consumerTag: 'only' });
      await fill(conn, q, ['a']);
      const ch2 = await conn.createChannel();
      const got = await attempt(() => ch2.get(q, { noAck: true }).then((m) => (m === false ? 'empty' : 'message')));
      await ch.cancel('only');
      const after = await attempt(() => ch2.consume(q, () => {}).then(() => 'consumed'));
      return { got, after };
    }),
  );

  parityTest('consume and cancel with nowait answer nothing and still work', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      const q = ctx.name('nowait');
      c.send(1, 'queue.declare', { queue: q, exclusive: true });
      await c.method('queue.declare-ok', 1);
      c.frames.length = 0;
      c.send(1, 'basic.consume', { queue: q, consumerTag: 'nw', noAck: true, nowait: true });
      c.send(1, 'basic.publish', { exchange: '', routingKey: q });
      c.sendFrame(FrameType.HEADER, 1, encodeContentHeaderPayload(60, 1, {}));
      c.sendFrame(FrameType.BODY, 1, Buffer.from('1'));
      const d = await c.method('basic.deliver', 1);
      c.send(1, 'basic.cancel', { consumerTag: 'nw', nowait: true });
      c.send(1, 'queue.declare', { queue: q, passive: true });
      const ok = await c.method('queue.declare-ok', 1);
      const rest = c.frames.filter((f) => f.method).map((f) => f.method?.name);
      return { tag: d.args.consumerTag, consumers: ok.args.consumerCount, rest };
    } finally {
      c.close();
    }
  });

  parityTest('equal-priority consumers with credit share messages round robin', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('rr'));
      await ch.prefetch(100);
      const cs = [collector(), collector(), collector()];
      for (const [i, c] of cs.entries()) await ch.consume(q, c.on, { consumerTag: `c${i}` });
      await fill(conn, q, range(9));
      await until(() => cs.reduce((n, c) => n + c.msgs.length, 0) === 9, '9 deliveries');
      return cs.map((c) => bodies(c.msgs));
    }),
  );
});

describeParity('basic.cancel', () => {
  parityTest('cancel-ok for a known and an unknown tag; unacked messages stay ackable', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const closed = channelCloseOf(ch);
      const q = await tempQueue(ch, ctx.name('cancel'));
      await fill(conn, q, range(4));
      await ch.prefetch(2);
      const a = collector();
      await ch.consume(q, a.on, { consumerTag: 'c1' });
      await until(() => a.msgs.length === 2, '2 deliveries');
      const ok = await ch.cancel('c1');
      const unknown = await attempt(() => ch.cancel('no-such-tag'));
      ch.ack(a.msgs[0] as ConsumeMessage);
      ch.ack(a.msgs[1] as ConsumeMessage);
      // A round trip proves the acks were accepted (an unknown tag would close the channel).
      const stillOpen = await attempt(() => ch.checkQueue(q).then((r) => r.messageCount));
      await ch.close();
      return { ok, unknown, got: a.msgs.length, stillOpen, closed: await closed, ready: await ready(conn, q) };
    }),
  );

  parityTest(
    'deleting the queue under a consumer sends basic.cancel to clients that asked for it',
    async (url, ctx) => {
      const q = ctx.name('gone');
      const notify = await RawAmqp.open(portOf(url));
      const silent = await RawAmqp.open(portOf(url), { capabilities: {} });
      try {
        await notify.openChannel(1);
        notify.send(1, 'queue.declare', { queue: q, autoDelete: false });
        await notify.method('queue.declare-ok', 1);
        for (const c of [notify, silent]) {
          if (c === silent) await c.openChannel(1);
          c.send(1, 'basic.consume', { queue: q, consumerTag: 'ctag' });
          await c.method('basic.consume-ok', 1);
        }
        // The deleter is a third, amqplib, connection that announces consumer_cancel_notify.
        const deleted = await withConnection(url, async (conn) => {
          const ch = await conn.createChannel();
          const c = collector();
          await ch.consume(q, c.on);
          const r = await ch.deleteQueue(q);
          await until(() => c.cancelled, 'amqplib consume callback called with null');
          return { messageCount: r.messageCount, amqplibGotNull: c.cancelled };
        });
        const cancel = await notify.method('basic.cancel', 1);
        // Round trip on the silent channel after the notifying one was told: any basic.cancel would be here by now.
        silent.send(1, 'basic.qos', { prefetchCount: 5 });
        await silent.method('basic.qos-ok', 1);
        const silentCancels = silent.frames.filter((f) => f.method?.name === 'basic.cancel').length;
        // The tag is free again on the silent channel: the consumer is gone even without a notification.
        silent.send(1, 'queue.declare', { queue: '', exclusive: true });
        const tmp = await silent.method('queue.declare-ok', 1);
        silent.send(1, 'basic.consume', { queue: tmp.args.queue, consumerTag: 'ctag' });
        const reused = (await silent.method('basic.consume-ok', 1)).args.consumerTag;
        return { deleted, cancel: cancel.args, silentCancels, reused };
      } finally {
        notify.close();
        silent.close();
      }
    },
  );
});

const ALL_PROPERTIES = {
  contentType: 'application/x-test',
  contentEncoding: 'gzip',
  headers: {
    str: 'text é',
    int: 42,
    neg: -7,
    big: 2 ** 40,
    dbl: 1.5,
    bool: true,
    off: false,
    nil: null,
    bytes: Buffer.from([0, 1, 255]),
    when: new Date(1_700_000_000_000),
    nested: { a: 1, b: ['x', 2, { c: true }] },
    list: [1, 'two', false, null],
    i8: new Typed('int8', -5),
    u8: new Typed('uint8', 200),
    i16: new Typed('int16', -300),
    u16: new Typed('uint16', 60000),
    u32: new Typed('uint32', 4_000_000_000),
    i64: new Typed('int64', -(2 ** 50)),
    f32: new Typed('float', 0.5),
    dec: new Typed('decimal', { scale: 2, value: 12345 }),
  },
  deliveryMode: 2,
  priority: 7,
  correlationId: 'corr-1',
  replyTo: 'reply-here',
  expiration: '600000',
  messageId: 'msg-1',
  timestamp: 1_700_000_000,
  type: 'kind',
  userId: 'guest',
  appId: 'parity',
  clusterId: 'cluster-x',
};

describeParity('basic.publish', () => {
  parityTest('mandatory and unroutable: basic.return 312 NO_ROUTE with properties and body', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const returned: unknown[] = [];
      ch.on('return', (m: ConsumeMessage) => {
        const { headers, ...props } = m.properties;
        returned.push({ fields: m.fields, props, headers, body: m.content.toString() });
      });
      const x = ctx.name('x');
      await ch.assertExchange(x, 'direct', { autoDelete: true });
      const q = await tempQueue(ch, ctx.name('routed'));
      await ch.bindQueue(q, x, 'yes');
      ch.publish(x, 'no', Buffer.from('lost'), {
        mandatory: true,
        contentType: 'text/plain',
        messageId: 'id-1',
        headers: { h: 1 },
      });
      ch.publish(x, 'yes', Buffer.from('kept'), { mandatory: true });
      ch.publish(x, 'no', Buffer.from('dropped silently'), { mandatory: false });
      ch.sendToQueue(ctx.name('nobody'), Buffer.from('to nowhere'), { mandatory: true });
      await until(() => returned.length === 2, '2 returns');
      return { returned, ready: await ready(conn, q) };
    }),
  );

  parityTest('with confirms the basic.return comes before the basic.ack', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      c.send(1, 'confirm.select', { nowait: false });
      await c.method('confirm.select-ok', 1);
      c.frames.length = 0;
      const body = Buffer.from('unroutable');
      c.send(1, 'basic.publish', { exchange: '', routingKey: ctx.name('nobody'), mandatory: true });
      c.sendFrame(FrameType.HEADER, 1, encodeContentHeaderPayload(60, body.length, { messageId: 'r1' }));
      c.sendFrame(FrameType.BODY, 1, body);
      await until(() => c.frames.some((f) => f.method?.name === 'basic.ack'), 'the publisher confirm');
      return c.frames.map((f) =>
        f.method ? f.method.name : f.type === FrameType.HEADER ? 'header' : f.type === FrameType.BODY ? 'body' : f.type,
      );
    } finally {
      c.close();
    }
  });

  parityTest('publishing to a missing or internal exchange closes the channel', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const out: unknown[] = [];
      const x = ctx.name('internal');
      const setup = await conn.createChannel();
      await setup.assertExchange(x, 'fanout', { internal: true, autoDelete: false });
      for (const exchange of [ctx.name('nox'), x]) {
        const ch = await conn.createChannel();
        const closed = channelCloseOf(ch);
        let text: string | null = null;
        ch.on('error', (e: unknown) => {
          text = replyText(e);
        });
        ch.publish(exchange, 'k', Buffer.from('x'));
        out.push({ closed: await closed, text });
      }
      await setup.deleteExchange(x);
      return out;
    }),
  );

  parityTest('all 14 basic properties and every header type round-trip byte for byte', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      const q = ctx.name('props');
      c.send(1, 'queue.declare', { queue: q, exclusive: true });
      await c.method('queue.declare-ok', 1);
      const body = Buffer.from('payload');
      const header = encodeContentHeaderPayload(60, body.length, ALL_PROPERTIES);
      c.send(1, 'confirm.select', { nowait: false });
      await c.method('confirm.select-ok', 1);
      c.send(1, 'basic.publish', { exchange: '', routingKey: q });
      c.sendFrame(FrameType.HEADER, 1, header);
      c.sendFrame(FrameType.BODY, 1, body);
      await c.method('basic.ack', 1);
      c.send(1, 'basic.get', { queue: q, noAck: true });
      await c.method('basic.get-ok', 1);
      const h = await c.next((f) => f.type === FrameType.HEADER && f.channel === 1);
      const b = await c.next((f) => f.type === FrameType.BODY && f.channel === 1);
      return { identical: h.payload.equals(header), body: b.payload.toString() };
    } finally {
      c.close();
    }
  });

  parityTest('properties seen by amqplib after a round trip', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createConfirmChannel();
      const q = await tempQueue(ch, ctx.name('props2'));
      const { headers: _h, ...rest } = ALL_PROPERTIES;
      ch.sendToQueue(q, Buffer.from('x'), {
        ...rest,
        headers: { s: 'v', n: 1, f: 2.5, t: true, a: [1, 'b'], o: { k: 'v' } },
      });
      await ch.waitForConfirms();
      const m = (await ch.get(q, { noAck: true })) as GetMessage;
      return m.properties;
    }),
  );
});

describeParity('basic.get', () => {
  parityTest('get-ok fields, redelivery after requeue, no-ack get and get-empty', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const x = ctx.name('gx');
      await ch.assertExchange(x, 'topic', { autoDelete: true });
      const q = await tempQueue(ch, ctx.name('get'));
      await ch.bindQueue(q, x, 'a.#');
      const pub = await conn.createConfirmChannel();
      for (const [i, rk] of ['a.one', 'a.two', 'a.three'].entries()) pub.publish(x, rk, Buffer.from(`g${i + 1}`));
      await pub.waitForConfirms();
      const fields = (m: GetMessage | false) => (m === false ? false : { ...m.fields, body: m.content.toString() });
      const first = fields(await ch.get(q));
      ch.nack((await ch.get(q)) as GetMessage, false, true);
      const afterRequeue = fields(await ch.get(q));
      const noAck = fields(await ch.get(q, { noAck: true }));
      const last = fields(await ch.get(q, { noAck: true }));
      const empty = await ch.get(q);
      return { first, afterRequeue, noAck, last, empty };
    }),
  );
});

describeParity('basic.ack / nack / reject / recover', () => {
  parityTest('single, multiple and multiple with tag 0', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('ack'));
      await fill(conn, q, range(8));
      const got: GetMessage[] = [];
      for (let i = 0; i < 5; i++) got.push((await ch.get(q)) as GetMessage);
      ch.ack(got[1] as GetMessage); // tag 2
      ch.ack(got[3] as GetMessage, true); // tags 1, 3, 4
      const mid = await ready(conn, q);
      for (let i = 0; i < 2; i++) got.push((await ch.get(q)) as GetMessage);
      ch.ackAll(); // tag 0, multiple: 5, 6, 7
      const g8 = (await ch.get(q)) as GetMessage;
      await ch.close();
      return { tags: [...got, g8].map((m) => m.fields.deliveryTag), mid, left: await drain(conn, q) };
    }),
  );

  parityTest('a second ack of a tag is 406 unknown delivery tag', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('dbl'));
      await fill(conn, q, range(2));
      const closed = channelCloseOf(ch);
      let text: string | null = null;
      ch.on('error', (e: unknown) => {
        text = replyText(e);
      });
      const m = (await ch.get(q)) as GetMessage;
      ch.ack(m);
      ch.ack(m);
      return { closed: await closed, text, left: await drain(conn, q) };
    }),
  );

  parityTest('acking tags never delivered is 406, single or multiple', async (url, ctx) => {
    const out: unknown[] = [];
    for (const multiple of [false, true]) {
      out.push(
        await withConnection(url, async (conn) => {
          const ch = await conn.createChannel();
          const q = await tempQueue(ch, ctx.name(`never${multiple}`));
          await fill(conn, q, range(2));
          const closed = channelCloseOf(ch);
          let text: string | null = null;
          ch.on('error', (e: unknown) => {
            text = replyText(e);
          });
          await ch.get(q);
          const fake = { fields: { deliveryTag: 99 } } as unknown as GetMessage;
          ch.ack(fake, multiple);
          return { closed: await closed, text, left: await drain(conn, q) };
        }),
      );
    }
    return out;
  });

  parityTest('multiple=true needs the named tag itself to be unacknowledged', async (url, ctx) => {
    const cases: [string, (ch: Channel, got: GetMessage[]) => void][] = [
      [
        'multiple ack of an already acked tag with older ones pending',
        (ch, got) => {
          ch.ack(got[1] as GetMessage);
          ch.ack(got[1] as GetMessage, true);
        },
      ],
      [
        'multiple ack of a tag not delivered yet',
        (ch) => ch.ack({ fields: { deliveryTag: 7 } } as unknown as GetMessage, true),
      ],
      ['single ack of tag 0', (ch) => ch.ack({ fields: { deliveryTag: 0 } } as unknown as GetMessage)],
      ['nack of an unknown tag', (ch) => ch.nack({ fields: { deliveryTag: 9 } } as unknown as GetMessage, false, true)],
      [
        'multiple nack of an acked tag',
        (ch, got) => {
          ch.ack(got[2] as GetMessage);
          ch.nack(got[2] as GetMessage, true, true);
        },
      ],
      ['reject of an unknown tag', (ch) => ch.reject({ fields: { deliveryTag: 9 } } as unknown as GetMessage, true)],
    ];
    const out: Record<string, unknown> = {};
    for (const [i, [label, act]] of cases.entries()) {
      out[label] = await withConnection(url, async (conn) => {
        const ch = await conn.createChannel();
        const q = await tempQueue(ch, ctx.name(`mult${i}`));
        await fill(conn, q, range(4));
        const closed = channelCloseOf(ch);
        let text: string | null = null;
        ch.on('error', (e: unknown) => {
          text = replyText(e);
        });
        const got: GetMessage[] = [];
        for (let j = 0; j < 3; j++) got.push((await ch.get(q)) as GetMessage);
        act(ch, got);
        const after = await attempt(() => ch.checkQueue(q).then((r) => r.messageCount));
        if (!('error' in after)) await ch.close();
        return { after, closed: await closed, text, left: await drain(conn, q) };
      });
    }
    return out;
  });

  parityTest('nack requeue=true puts messages back in their original positions, redelivered', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('order'));
      await fill(conn, q, range(6));
      const got: GetMessage[] = [];
      for (let i = 0; i < 4; i++) got.push((await ch.get(q)) as GetMessage);
      ch.nack(got[2] as GetMessage, false, true); // m3 (middle)
      ch.nack(got[0] as GetMessage, false, true); // m1 (head)
      ch.reject(got[1] as GetMessage, false); // m2 dropped
      ch.ack(got[3] as GetMessage);
      return { left: await drain(conn, q) };
    }),
  );

  parityTest('nack multiple requeue and reject requeue=false', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('nackm'));
      await fill(conn, q, range(6));
      const got: GetMessage[] = [];
      for (let i = 0; i < 5; i++) got.push((await ch.get(q)) as GetMessage);
      ch.reject(got[4] as GetMessage, false);
      ch.nack(got[2] as GetMessage, true, true); // m1..m3 back
      ch.nackAll(false); // m4 dropped
      return { left: await drain(conn, q) };
    }),
  );

  parityTest('basic.recover redelivers unacked messages with redelivered=true', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = await tempQueue(ch, ctx.name('recover'));
      await fill(conn, q, range(3));
      const a = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 3, '3 deliveries');
      ch.ack(a.msgs[1] as ConsumeMessage);
      await ch.recover();
      await until(() => a.msgs.length === 5, '2 redeliveries');
      return a.msgs.map((m) => ({
        body: m.content.toString(),
        tag: m.fields.deliveryTag,
        redelivered: m.fields.redelivered,
      }));
    }),
  );

  parityTest('closing a channel requeues its unacked messages in order, redelivered', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch0 = await conn.createChannel();
      const q = await tempQueue(ch0, ctx.name('close'));
      await fill(conn, q, range(6));
      const ch = await conn.createChannel();
      await ch.prefetch(4);
      const a = collector();
      await ch.consume(q, a.on);
      await until(() => a.msgs.length === 4, '4 deliveries');
      ch.ack(a.msgs[1] as ConsumeMessage);
      await ch.close();
      return { left: await drain(conn, q) };
    }),
  );
});
