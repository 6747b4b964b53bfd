/**
 * Publisher confirms and transactions against RabbitMQ 3.10: which publishes
 * are acked or nacked, returns before acks, tx visibility of publishes and
 * acks, commit/rollback errors and the confirm/tx mode conflict.
 */
import type { Channel, ChannelModel, GetMessage } from 'amqplib';
import { encodeContentHeaderPayload, FrameType } from '../../src/protocol/index.js';
import { attempt, channelCloseOf, describeParity, parityTest, replyText, withConnection } from '../helpers/parity.js';
import { drain, ready, until } from '../helpers/queue-state.js';
import { RawAmqp, type ReceivedFrame } from '../helpers/raw-amqp.js';

const portOf = (url: string) => Number(new URL(url).port);
const _sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends basic.publish + header + body on a raw connection. */
function publish(
  c: RawAmqp,
  ch: number,
  exchange: string,
  routingKey: string,
  body: string,
  opts: { mandatory?: boolean; props?: Parameters<typeof encodeContentHeaderPayload>[2] } = {},
): void {
  const b = Buffer.from(body);
  c.send(ch, 'basic.publish', { exchange, routingKey, mandatory: opts.mandatory ?? false });
  c.sendFrame(FrameType.HEADER, ch, encodeContentHeaderPayload(60, b.length, opts.props ?? {}));
  if (b.length > 0) c.sendFrame(FrameType.BODY, ch, b);
}

/** A frame as a short label: method name, `header`, or `body:<text>`. */
function label(f: ReceivedFrame): string {
  if (f.method) return f.method.name;
  if (f.type === FrameType.HEADER) return 'header';
  if (f.type === FrameType.BODY) return `body:${f.payload.toString()}`;
  return `frame-${f.type}`;
}

interface Confirms {
  acked: Set<number>;
  nacked: Set<number>;
  /** A seq confirmed more than once, or by both an ack and a nack. */
  duplicates: number[];
}

/**
 * Folds the basic.ack/basic.nack frames of a channel into per-seq outcomes.
 * `multiple` covers every not-yet-confirmed seq up to the tag.
 */
function foldConfirms(frames: ReceivedFrame[], channel: number, published: number): Confirms {
  const out: Confirms = { acked: new Set(), nacked: new Set(), duplicates: [] };
  const done = (s: number) => out.acked.has(s) || out.nacked.has(s);
  for (const f of frames) {
    const m = f.method;
    if (f.channel !== channel || !m || (m.name !== 'basic.ack' && m.name !== 'basic.nack')) continue;
    const into = m.name === 'basic.ack' ? out.acked : out.nacked;
    const tag = Number(m.args.deliveryTag);
    if (m.args.multiple) {
      for (let s = 1; s <= Math.min(tag, published); s++) if (!done(s)) into.add(s);
    } else if (done(tag)) {
      out.duplicates.push(tag);
    } else {
      into.add(tag);
    }
  }
  return out;
}

const TX_SELECT = (90 << 16) | 10;
const TX_SELECT_OK = (90 << 16) | 11;
const TX_COMMIT = (90 << 16) | 20;
const TX_COMMIT_OK = (90 << 16) | 21;
const TX_ROLLBACK = (90 << 16) | 30;
const TX_ROLLBACK_OK = (90 << 16) | 31;
const CONFIRM_SELECT = (85 << 16) | 10;
const CONFIRM_SELECT_OK = (85 << 16) | 11;

/** amqplib has no tx API; its generic rpc sends any method and waits for the named reply. */
function rpc(ch: Channel, method: number, fields: object, expect: number): Promise<unknown> {
  return (ch as unknown as { rpc(m: number, f: object, e: number): Promise<unknown> }).rpc(method, fields, expect);
}
const txSelect = (ch: Channel) => rpc(ch, TX_SELECT, {}, TX_SELECT_OK);
const txCommit = (ch: Channel) => rpc(ch, TX_COMMIT, {}, TX_COMMIT_OK);
const txRollback = (ch: Channel) => rpc(ch, TX_ROLLBACK, {}, TX_ROLLBACK_OK);

async function fill(conn: ChannelModel, queue: string, bodies: string[]): Promise<void> {
  const ch = await conn.createConfirmChannel();
  for (const b of bodies) ch.sendToQueue(queue, Buffer.from(b));
  await ch.waitForConfirms();
  await ch.close();
}

/** Runs `fn` on a channel that is expected to fail, returning the close and the server's full reply text. */
async function failing(conn: ChannelModel, fn: (ch: Channel) => Promise<unknown>) {
  const ch = await conn.createChannel();
  const closed = channelCloseOf(ch);
  let text: string | null = null;
  const outcome = await attempt(() =>
    fn(ch).catch((e: unknown) => {
      text = replyText(e);
      throw e;
    }),
  );
  return { outcome, text, closed: await closed };
}

describeParity('publisher confirms', () => {
  parityTest('routed and unroutable publishes are all acked', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createConfirmChannel();
      const q = ctx.name('routed');
      await ch.assertQueue(q, { exclusive: true });
      const x = ctx.name('x');
      await ch.assertExchange(x, 'fanout', { autoDelete: true });
      const outcomes: string[] = [];
      const cb = (i: number) => (err: unknown) => outcomes.push(`${i}:${err ? 'nack' : 'ack'}`);
      ch.sendToQueue(q, Buffer.from('a'), {}, cb(1));
      ch.publish(x, 'any', Buffer.from('b'), {}, cb(2));
      ch.sendToQueue(ctx.name('nobody'), Buffer.from('c'), { mandatory: true }, cb(3));
      ch.sendToQueue(q, Buffer.from('d'), { persistent: true }, cb(4));
      await ch.waitForConfirms();
      return { outcomes: outcomes.sort(), ready: await ready(conn, q) };
    }),
  );

  parityTest('every publish seq is confirmed exactly once, none nacked', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      const q = ctx.name('many');
      c.send(1, 'queue.declare', { queue: q, exclusive: true });
      await c.method('queue.declare-ok', 1);
      c.send(1, 'confirm.select', { nowait: false });
      await c.method('confirm.select-ok', 1);
      const n = 60;
      for (let i = 1; i <= n; i++) {
        if (i % 3 === 0) publish(c, 1, '', ctx.name('nowhere'), `u${i}`, { mandatory: i % 2 === 0 });
        else publish(c, 1, '', q, `m${i}`);
      }
      await until(
        () => foldConfirms(c.frames, 1, n).acked.size + foldConfirms(c.frames, 1, n).nacked.size === n,
        'all confirms',
      );
      // One more round trip: any stray confirm for a seq beyond n would have arrived by now.
      c.send(1, 'basic.qos', { prefetchCount: 1 });
      await c.method('basic.qos-ok', 1);
      const f = foldConfirms(c.frames, 1, n);
      const maxTag = Math.max(
        ...c.frames
          .map((x) => x.method)
          .filter((m) => m?.name === 'basic.ack')
          .map((m) => Number((m?.args as { deliveryTag?: number } | undefined)?.deliveryTag)),
      );
      const returns = c.frames.filter((x) => x.method?.name === 'basic.return').length;
      return {
        acked: [...f.acked].sort((a, b) => a - b),
        nacked: [...f.nacked],
        duplicates: f.duplicates,
        maxTag,
        returns,
      };
    } finally {
      c.close();
    }
  });

  parityTest('persistent messages on a durable queue: confirms and tx commit-ok after the store', async (url, ctx) => {
    const q = ctx.name('durable');
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      c.send(1, 'queue.declare', { queue: q, durable: true });
      await c.method('queue.declare-ok', 1);
      c.send(1, 'confirm.select', { nowait: false });
      await c.method('confirm.select-ok', 1);
      const n = 20;
      for (let i = 1; i <= n; i++) publish(c, 1, '', q, `d${i}`, { props: { deliveryMode: i % 2 === 0 ? 2 : 1 } });
      await until(() => {
        const f = foldConfirms(c.frames, 1, n);
        return f.acked.size + f.nacked.size === n;
      }, 'all confirms');
      const f = foldConfirms(c.frames, 1, n);
      await c.openChannel(2);
      c.send(2, 'tx.select', {});
      await c.method('tx.select-ok', 2);
      publish(c, 2, '', q, 'tx-persistent', { props: { deliveryMode: 2 } });
      c.send(2, 'tx.commit', {});
      await c.method('tx.commit-ok', 2);
      c.send(2, 'queue.delete', { queue: q });
      const deleted = (await c.method('queue.delete-ok', 2)).args.messageCount;
      return { acked: f.acked.size, nacked: f.nacked.size, duplicates: f.duplicates, deleted };
    } finally {
      c.close();
    }
  });

  parityTest(
    'a full queue with x-overflow reject-publish nacks; other queues still get the message',
    async (url, ctx) => {
      const c = await RawAmqp.open(portOf(url));
      try {
        await c.openChannel(1);
        const full = ctx.name('full');
        const other = ctx.name('other');
        const x = ctx.name('fan');
        c.send(1, 'queue.declare', {
          queue: full,
          exclusive: true,
          arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' },
        });
        await c.method('queue.declare-ok', 1);
        c.send(1, 'queue.declare', { queue: other, exclusive: true });
        await c.method('queue.declare-ok', 1);
        c.send(1, 'confirm.select', { nowait: false });
        await c.method('confirm.select-ok', 1);
        for (let i = 1; i <= 4; i++) publish(c, 1, '', full, `f${i}`);
        c.send(1, 'exchange.declare', { exchange: x, type: 'fanout', autoDelete: true });
        await c.method('exchange.declare-ok', 1);
        c.send(1, 'queue.bind', { queue: full, exchange: x, routingKey: '' });
        await c.method('queue.bind-ok', 1);
        c.send(1, 'queue.bind', { queue: other, exchange: x, routingKey: '' });
        await c.method('queue.bind-ok', 1);
        publish(c, 1, x, '', 'fanned');
        await until(() => {
          const f = foldConfirms(c.frames, 1, 5);
          return f.acked.size + f.nacked.size === 5;
        }, 'five confirms');
        const f = foldConfirms(c.frames, 1, 5);
        const counts: Record<string, number> = {};
        for (const q of [full, other]) {
          c.send(1, 'queue.declare', { queue: q, passive: true });
          counts[q === full ? 'full' : 'other'] = (await c.method('queue.declare-ok', 1)).args.messageCount;
        }
        const nackRequeue = c.frames
          .map((x) => x.method)
          .filter((m) => m?.name === 'basic.nack')
          .map((m) => (m?.args as { requeue?: boolean } | undefined)?.requeue);
        return {
          acked: [...f.acked].sort((a, b) => a - b),
          nacked: [...f.nacked].sort((a, b) => a - b),
          duplicates: f.duplicates,
          nackRequeue: [...new Set(nackRequeue)],
          counts,
        };
      } finally {
        c.close();
      }
    },
  );

  parityTest(
    'confirm.select nowait: no select-ok, publishes still confirmed; selecting twice is fine',
    async (url, ctx) => {
      const c = await RawAmqp.open(portOf(url));
      try {
        await c.openChannel(1);
        const q = ctx.name('nowait');
        c.send(1, 'queue.declare', { queue: q, exclusive: true });
        await c.method('queue.declare-ok', 1);
        c.frames.length = 0;
        c.send(1, 'confirm.select', { nowait: true });
        publish(c, 1, '', q, 'one');
        await c.method('basic.ack', 1);
        c.send(1, 'confirm.select', { nowait: false });
        await c.method('confirm.select-ok', 1);
        publish(c, 1, '', q, 'two');
        const ack2 = await c.method('basic.ack', 1);
        c.send(1, 'basic.qos', { prefetchCount: 1 });
        await c.method('basic.qos-ok', 1);
        return { left: c.frames.map(label), second: Number(ack2.args.deliveryTag) };
      } finally {
        c.close();
      }
    },
  );

  parityTest('confirm.select on a transactional channel is 406', async (url) =>
    withConnection(url, async (conn) =>
      failing(conn, async (ch) => {
        await txSelect(ch);
        await rpc(ch, CONFIRM_SELECT, { nowait: false }, CONFIRM_SELECT_OK);
      }),
    ),
  );
});

describeParity('transactions', () => {
  parityTest('publishes are invisible before commit, visible after, dropped by rollback', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch0 = await conn.createChannel();
      const q = ctx.name('txpub');
      await ch0.assertQueue(q, { exclusive: true });
      const ch = await conn.createChannel();
      await txSelect(ch);
      ch.sendToQueue(q, Buffer.from('m1'));
      ch.sendToQueue(q, Buffer.from('m2'), { persistent: true });
      const beforeCommit = await ready(conn, q);
      await txCommit(ch);
      const afterCommit = await ready(conn, q);
      ch.sendToQueue(q, Buffer.from('m3'));
      await txRollback(ch);
      await txCommit(ch);
      const afterRollback = await ready(conn, q);
      await txSelect(ch);
      return { beforeCommit, afterCommit, afterRollback, left: await drain(conn, q) };
    }),
  );

  parityTest('acks take effect at commit; rollback makes them unacked again', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch0 = await conn.createChannel();
      const q = ctx.name('txack');
      await ch0.assertQueue(q, { exclusive: true });
      const run = async (what: (ch: Channel, got: GetMessage[]) => Promise<unknown>) => {
        await fill(conn, q, ['m1', 'm2', 'm3']);
        const ch = await conn.createChannel();
        const closed = channelCloseOf(ch);
        await txSelect(ch);
        const got: GetMessage[] = [];
        for (let i = 0; i < 3; i++) got.push((await ch.get(q)) as GetMessage);
        const r = await what(ch, got);
        await ch.close().catch(() => {});
        return { r, closed: await closed, left: await drain(conn, q) };
      };
      const committed = await run(async (ch, got) => {
        ch.ack(got[0] as GetMessage);
        ch.ack(got[2] as GetMessage);
        const before = await ready(conn, q);
        await txCommit(ch);
        return before;
      });
      const rolledBack = await run(async (ch, got) => {
        ch.ack(got[1] as GetMessage, true);
        await txRollback(ch);
        return ready(conn, q);
      });
      const reAcked = await run(async (ch, got) => {
        ch.ack(got[0] as GetMessage);
        await txRollback(ch);
        ch.ack(got[0] as GetMessage);
        await txCommit(ch);
        return 'ok';
      });
      const uncommitted = await run(async (ch, got) => {
        ch.ack(got[2] as GetMessage, true);
        return 'closed without commit';
      });
      const doubleInTx = await run(async (ch, got) => {
        ch.ack(got[0] as GetMessage);
        ch.ack(got[0] as GetMessage);
        return attempt(() => txCommit(ch));
      });
      const nackRequeue = await run(async (ch, got) => {
        ch.nack(got[0] as GetMessage, false, true);
        ch.reject(got[1] as GetMessage, false);
        const before = await ready(conn, q);
        await txCommit(ch);
        const after = await ready(conn, q);
        return { before, after };
      });
      return { committed, rolledBack, reAcked, uncommitted, doubleInTx, nackRequeue };
    }),
  );

  parityTest('an ack inside a transaction returns prefetch credit only at commit', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const out: Record<string, unknown> = {};
      for (const global of [false, true]) {
        const q = ctx.name(`txcredit${global}`);
        const ch0 = await conn.createChannel();
        await ch0.assertQueue(q, { exclusive: true });
        await fill(conn, q, ['m1', 'm2', 'm3', 'm4']);
        const ch = await conn.createChannel();
        await ch.prefetch(1, global);
        await txSelect(ch);
        const got: string[] = [];
        const msgs: GetMessage[] = [];
        await ch.consume(q, (m) => {
          if (m) {
            got.push(m.content.toString());
            msgs.push(m as unknown as GetMessage);
          }
        });
        await until(() => got.length === 1, 'first delivery');
        ch.ack(msgs[0] as GetMessage);
        // A new message makes the queue try its consumers again: credit freed by the ack would show here.
        await fill(conn, q, ['m5']);
        const afterAck = { got: got.length, ready: await ready(conn, q) };
        await txRollback(ch);
        const afterRollback = { got: got.length, ready: await ready(conn, q) };
        ch.ack(msgs[0] as GetMessage);
        await txCommit(ch);
        await until(() => got.length === 2, 'second delivery after commit');
        const afterCommit = { got: [...got], ready: await ready(conn, q) };
        await ch.close();
        await ch0.deleteQueue(q);
        out[global ? 'global' : 'perConsumer'] = { afterAck, afterRollback, afterCommit };
      }
      return out;
    }),
  );

  parityTest('tx.commit and tx.rollback without tx.select are 406', async (url) =>
    withConnection(url, async (conn) => ({
      commit: await failing(conn, (ch) => txCommit(ch)),
      rollback: await failing(conn, (ch) => txRollback(ch)),
    })),
  );

  parityTest('tx.select on a confirm channel is 406', async (url) =>
    withConnection(url, async (conn) =>
      failing(conn, async (ch) => {
        await rpc(ch, CONFIRM_SELECT, { nowait: false }, CONFIRM_SELECT_OK);
        await txSelect(ch);
      }),
    ),
  );

  parityTest('mandatory returns in a transaction come at commit, before commit-ok', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    try {
      await c.openChannel(1);
      const q = ctx.name('txret');
      c.send(1, 'queue.declare', { queue: q, exclusive: true });
      await c.method('queue.declare-ok', 1);
      c.send(1, 'tx.select', {});
      await c.method('tx.select-ok', 1);
      c.frames.length = 0;
      publish(c, 1, '', ctx.name('nobody'), 'lost', { mandatory: true });
      publish(c, 1, '', q, 'kept', { mandatory: true });
      publish(c, 1, '', ctx.name('nobody'), 'silent');
      c.send(1, 'basic.qos', { prefetchCount: 1 });
      await c.method('basic.qos-ok', 1);
      const beforeCommit = c.frames.map(label);
      c.send(1, 'tx.commit', {});
      await until(() => c.frames.some((f) => f.method?.name === 'tx.commit-ok'), 'commit-ok');
      const atCommit = c.frames.map(label);
      const ret = c.frames.find((f) => f.method?.name === 'basic.return')?.method?.args;
      c.send(1, 'queue.declare', { queue: q, passive: true });
      const count = (await c.method('queue.declare-ok', 1)).args.messageCount;
      return { beforeCommit, atCommit, ret, count };
    } finally {
      c.close();
    }
  });

  parityTest('routes of a transactional publish: decided at publish or at commit', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch0 = await conn.createChannel();
      const q = ctx.name('txroute');
      const x = ctx.name('txx');
      await ch0.assertQueue(q, { exclusive: true });
      // Not auto-delete: unbinding its only binding would delete an auto-delete exchange.
      await ch0.assertExchange(x, 'direct', { autoDelete: false });
      await ch0.bindQueue(q, x, 'k');
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: GetMessage) => returned.push(m.content.toString()));
      await txSelect(ch);
      // Bound at publish, unbound before commit.
      ch.publish(x, 'k', Buffer.from('bound-then-unbound'), { mandatory: true });
      // Unbound at publish, bound before commit.
      ch.publish(x, 'later', Buffer.from('unbound-then-bound'), { mandatory: true });
      await ready(conn, q);
      await ch0.unbindQueue(q, x, 'k');
      await ch0.bindQueue(q, x, 'later');
      await txCommit(ch);
      await ready(conn, q);
      await ch0.deleteExchange(x);
      return { left: await drain(conn, q), returned };
    }),
  );
});
