/**
 * queue.declare / bind / unbind / purge / delete, exclusive and auto-delete
 * queues, compared with RabbitMQ 3.10: replies, counts, reply codes and full
 * reply texts.
 */
import type { ChannelModel } from 'amqplib';
import amqp from 'amqplib';
import { describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { RawAmqp } from '../helpers/raw-amqp.js';
import { eventually, exists, onChannel, portOf } from './topology-helpers.js';

/** A second connection for exclusivity checks, closed when fn ends. */
async function withTwo<T>(url: string, fn: (a: ChannelModel, b: ChannelModel) => Promise<T>): Promise<T> {
  return withConnection(url, (a) => withConnection(url, (b) => fn(a, b)));
}

describeParity('queue.declare', () => {
  parityTest('a server-named queue is amq.gen- plus 22 characters, with counts in declare-ok', async (url) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const ok = await ch.assertQueue('', { exclusive: true });
      ch.sendToQueue(ok.queue, Buffer.from('one'));
      ch.sendToQueue(ok.queue, Buffer.from('two'));
      await ch.consume(ok.queue, () => {}, { noAck: false, consumerTag: 'c1' }).then(() => ch.cancel('c1'));
      await ch.consume(ok.queue, () => {}, { consumerTag: 'c2' });
      await ch.recover();
      const again = await ch.checkQueue(ok.queue);
      await ch.cancel('c2');
      await ch.recover();
      const after = await ch.checkQueue(ok.queue);
      return {
        shape: /^amq\.gen-[A-Za-z0-9_-]{22}$/.test(ok.queue),
        first: [ok.messageCount, ok.consumerCount],
        withConsumer: again.consumerCount,
        after: [after.messageCount, after.consumerCount],
      };
    }),
  );

  parityTest('declare-ok counts ready messages only, on redeclare and passive declare', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-counts');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { exclusive: true });
      for (const b of ['a', 'b', 'c']) ch.sendToQueue(q, Buffer.from(b));
      await ch.checkQueue(q);
      const got = await ch.get(q);
      const redeclared = await ch.assertQueue(q, { exclusive: true });
      const passive = await ch.checkQueue(q);
      if (got) ch.nack(got);
      const back = await ch.checkQueue(q);
      return { redeclared, passive, back };
    }),
  );

  parityTest(
    'passive declare of a missing queue is 404, of another connection’s exclusive queue 405',
    async (url, ctx) =>
      withTwo(url, async (a, b) => {
        const q = ctx.name('q-excl');
        await onChannel(a, (ch) => ch.assertQueue(q, { exclusive: true }));
        return [
          await onChannel(b, (ch) => ch.checkQueue(ctx.name('q-missing'))),
          await onChannel(b, (ch) => ch.checkQueue(q)),
          await onChannel(a, (ch) => ch.checkQueue(q)),
        ];
      }),
  );

  parityTest('redeclaring with different durable, auto-delete, exclusive or arguments', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-redeclare');
      const base = { durable: false, autoDelete: false, exclusive: false, arguments: { 'x-message-ttl': 1000 } };
      const out: unknown[] = [await onChannel(conn, (ch) => ch.assertQueue(q, base))];
      const variants = [
        { ...base, durable: true },
        { ...base, autoDelete: true },
        { ...base, exclusive: true },
        { ...base, arguments: { 'x-message-ttl': 2000 } },
        { ...base, arguments: { 'x-message-ttl': '1000' } },
        { ...base, arguments: {} },
        { ...base, arguments: { 'x-message-ttl': 1000, 'x-max-length': 5 } },
        { ...base, arguments: { 'x-message-ttl': 1000, 'x-custom': 'ignored' } },
        { ...base, arguments: { 'x-message-ttl': { '!': 'long', value: 1000 } } },
        { ...base, arguments: { 'x-message-ttl': 1000, 'x-dead-letter-exchange': 'dlx' } },
        { ...base, arguments: { 'x-message-ttl': 1000, 'x-single-active-consumer': false } },
        { ...base, arguments: { 'x-message-ttl': 1000.5 } },
        base,
      ];
      for (const v of variants) out.push(await onChannel(conn, (ch) => ch.assertQueue(q, v)));
      await onChannel(conn, (ch) => ch.deleteQueue(q));
      return out;
    }),
  );

  parityTest(
    'an exclusive queue redeclared non-exclusive by its owner, and durable exclusive queues',
    async (url, ctx) =>
      withConnection(url, async (conn) => {
        const q = ctx.name('q-excl');
        return [
          await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: true, durable: true })),
          // RabbitMQ stores an exclusive queue as non-durable, whatever was asked.
          await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: true, durable: false })),
          await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: true, durable: true })),
          await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: false, durable: false })),
        ];
      }),
  );

  parityTest('the amq. prefix is reserved for new queues, passive declares may use it', async (url, ctx) =>
    withConnection(url, async (conn) => [
      await onChannel(conn, (ch) => ch.assertQueue(`amq.${ctx.name('q')}`, { exclusive: true })),
      await onChannel(conn, (ch) => ch.checkQueue(`amq.${ctx.name('q')}`)),
      await onChannel(conn, (ch) => ch.assertQueue(`amq.gen-${ctx.name('q')}`, { exclusive: true })),
    ]),
  );

  parityTest('CR and LF in queue and exchange names', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-crlf');
      const x = ctx.name('ex-crlf');
      const out = [
        await onChannel(conn, (ch) => ch.assertQueue(`${q}\r\n`, { exclusive: true })),
        await onChannel(conn, (ch) => ch.assertExchange(`${x}\n`, 'fanout', { durable: false })),
        await exists(conn, 'exchange', x),
        await onChannel(conn, (ch) => ch.deleteExchange(`${x}\r`)),
        await exists(conn, 'exchange', x),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(x));
      return out;
    }),
  );

  parityTest('CR and LF in names given to publish, get, consume and purge', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-crlf');
      const x = ctx.name('ex-crlf');
      await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: true }));
      await onChannel(conn, (ch) => ch.assertExchange(x, 'fanout', { durable: false }));
      await onChannel(conn, (ch) => ch.bindQueue(q, x, ''));
      const out = [
        await onChannel(conn, async (ch) => ch.publish(`${x}\n`, '', Buffer.from('m'))),
        await onChannel(conn, async (ch) => ch.sendToQueue(`${q}\r`, Buffer.from('m'))),
        await onChannel(conn, (ch) => ch.purgeQueue(`${q}\n`)),
        await onChannel(conn, async (ch) => (await ch.get(`${q}\n`)) !== false),
        await onChannel(conn, async (ch) => (await ch.consume(`${q}\n`, () => {}, { consumerTag: 'c' })).consumerTag),
        await onChannel(conn, (ch) => ch.checkQueue(`${q}\n`)),
        await onChannel(conn, (ch) => ch.checkExchange(`${x}\n`)),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(x));
      return out;
    }),
  );

  parityTest('redeclaring an existing server-named queue by name is refused like any amq. name', async (url) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const { queue } = await ch.assertQueue('', { exclusive: true });
      return [
        await onChannel(conn, (c) => c.assertQueue(queue, { exclusive: true }).then((ok) => ok.messageCount)),
        await onChannel(conn, (c) => c.checkQueue(queue).then((ok) => ok.consumerCount)),
      ].map((r) => ('error' in r ? { ...r.error, text: r.error.text?.replace(queue, '<name>') } : r));
    }),
  );

  parityTest('invalid queue arguments are 406 with RabbitMQ’s texts', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const cases: Record<string, unknown>[] = [
        { 'x-message-ttl': 'soon' },
        { 'x-message-ttl': -1 },
        { 'x-message-ttl': 1.5 },
        { 'x-expires': 0 },
        { 'x-expires': -5 },
        { 'x-max-length': -1 },
        { 'x-max-length-bytes': 'big' },
        { 'x-overflow': 'bogus' },
        { 'x-overflow': 7 },
        { 'x-max-priority': 256 },
        { 'x-max-priority': -1 },
        { 'x-max-priority': 'high' },
        { 'x-dead-letter-exchange': 5 },
        { 'x-dead-letter-routing-key': 'rk' },
        { 'x-single-active-consumer': 'yes' },
        { 'x-queue-mode': 'fast' },
        { 'x-queue-type': 'bogus' },
        { 'x-message-ttl': { '!': 'long', value: 100 }, 'x-max-length': { '!': 'byte', value: 3 } },
      ];
      const out: unknown[] = [];
      for (const [i, args] of cases.entries()) {
        const q = ctx.name(`q-args${i}`);
        out.push(await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: true, arguments: args })));
      }
      return out;
    }),
  );
});

describeParity('empty queue name: the channel’s last declared queue', () => {
  parityTest('bind, publish, get, purge, consume and delete with queue ""', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      const q = (await ch.assertQueue(ctx.name('q-last'), { exclusive: true })).queue;
      await ch.bindQueue('', x, 'k');
      // An empty routing key with an empty queue name binds with the queue's name as the key.
      await ch.bindQueue('', x, '');
      ch.publish(x, 'k', Buffer.from('by-k'));
      ch.publish(x, q, Buffer.from('by-name'));
      ch.publish(x, '', Buffer.from('by-empty'));
      await ch.checkQueue(q);
      const first = await ch.get('', { noAck: true });
      const purged = await ch.purgeQueue('');
      ch.publish(x, 'k', Buffer.from('again'));
      const consumed: string[] = [];
      const { consumerTag } = await ch.consume('', (m) => m && consumed.push(m.content.toString()), { noAck: true });
      await eventually(async () => consumed.length === 1, 40);
      await ch.cancel(consumerTag);
      await ch.unbindQueue('', x, 'k');
      const deleted = await ch.deleteQueue('');
      return {
        first: first ? first.content.toString() : null,
        purged,
        consumed,
        deleted,
        gone: await exists(conn, 'queue', q),
      };
    }),
  );

  parityTest('with no queue declared on the channel, "" is 404', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex');
      await onChannel(conn, (ch) => ch.assertExchange(x, 'direct', { durable: false, autoDelete: true }));
      return [
        await onChannel(conn, (ch) => ch.bindQueue('', x, 'k')),
        await onChannel(conn, (ch) => ch.purgeQueue('')),
        await onChannel(conn, (ch) => ch.get('')),
        await onChannel(conn, (ch) => ch.consume('', () => {})),
        await onChannel(conn, (ch) => ch.deleteQueue('')),
        await onChannel(conn, (ch) => ch.checkQueue('')),
        await onChannel(conn, (ch) => ch.unbindQueue('', x, 'k')),
      ];
    }),
  );
});

describeParity('exclusive and auto-delete queues', () => {
  parityTest('another connection gets 405 for declare, bind, consume, get, purge and delete', async (url, ctx) =>
    withTwo(url, async (a, b) => {
      const q = ctx.name('q-excl');
      await onChannel(a, (ch) => ch.assertQueue(q, { exclusive: true }));
      return [
        await onChannel(b, (ch) => ch.assertQueue(q, { exclusive: true })),
        await onChannel(b, (ch) => ch.assertQueue(q, { exclusive: false })),
        await onChannel(b, (ch) => ch.bindQueue(q, 'amq.direct', 'k')),
        await onChannel(b, (ch) => ch.unbindQueue(q, 'amq.direct', 'never-bound')),
        await onChannel(b, (ch) => ch.consume(q, () => {})),
        await onChannel(b, (ch) => ch.get(q)),
        await onChannel(b, (ch) => ch.purgeQueue(q)),
        await onChannel(b, (ch) => ch.deleteQueue(q)),
        await onChannel(a, (ch) => ch.bindQueue(q, 'amq.direct', q)),
        await onChannel(b, (ch) => ch.unbindQueue(q, 'amq.direct', q)),
        await onChannel(b, async (ch) => ch.sendToQueue(q, Buffer.from('anyone may publish'))),
        await onChannel(a, (ch) => ch.checkQueue(q)),
        // A missing exchange and bad binding arguments are reported before exclusivity.
        await onChannel(b, (ch) => ch.bindQueue(q, ctx.name('ex-missing'), 'k')),
        await onChannel(b, (ch) => ch.bindQueue(q, 'amq.headers', '', { 'x-match': 'bogus' })),
      ];
    }),
  );

  parityTest('an exclusive queue goes when its connection closes', async (url, ctx) => {
    const q = ctx.name('q-excl');
    const x = ctx.name('ex-auto');
    const owner = await amqp.connect(url);
    const ch = await owner.createChannel();
    await ch.assertQueue(q, { exclusive: true });
    await ch.assertExchange(x, 'topic', { durable: false, autoDelete: true });
    await ch.bindQueue(q, x, '#');
    return withConnection(url, async (other) => {
      const before = await onChannel(other, (c) => c.checkQueue(q));
      await owner.close();
      const gone = await eventually(async () => !(await exists(other, 'queue', q)));
      // Its bindings go with it, and so does the auto-delete exchange they held.
      const exchangeGone = await eventually(async () => !(await exists(other, 'exchange', x)));
      return { before: 'error' in before ? before.error.code : 'ok', gone, exchangeGone };
    });
  });

  parityTest('an auto-delete queue stays until its first consumer, goes with its last', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-auto');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { autoDelete: true, durable: false });
      ch.sendToQueue(q, Buffer.from('m'));
      const out: unknown[] = [await exists(conn, 'queue', q)];
      const get = await ch.get(q, { noAck: true });
      out.push(get ? get.content.toString() : null, await exists(conn, 'queue', q));
      const c1 = await ch.consume(q, () => {});
      const c2 = await ch.consume(q, () => {});
      await ch.cancel(c1.consumerTag);
      out.push(await exists(conn, 'queue', q));
      await ch.cancel(c2.consumerTag);
      out.push(await eventually(async () => !(await exists(conn, 'queue', q))));
      return out;
    }),
  );

  parityTest('an auto-delete queue goes when its consumer’s channel closes', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q-auto');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { autoDelete: true, durable: false });
      await ch.consume(q, () => {});
      await ch.close();
      return eventually(async () => !(await exists(conn, 'queue', q)));
    }),
  );
});

describeParity('queue.bind / queue.unbind', () => {
  parityTest('missing queue or exchange is 404; the default exchange 403', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const x = ctx.name('ex');
      await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: false, autoDelete: true }));
      await onChannel(conn, (ch) => ch.assertExchange(x, 'direct', { durable: false, autoDelete: true }));
      const out = [
        await onChannel(conn, (ch) => ch.bindQueue(ctx.name('q-missing'), x, 'k')),
        await onChannel(conn, (ch) => ch.bindQueue(q, ctx.name('ex-missing'), 'k')),
        await onChannel(conn, (ch) => ch.bindQueue(ctx.name('q-missing'), ctx.name('ex-missing'), 'k')),
        await onChannel(conn, (ch) => ch.bindQueue(q, '', q)),
        await onChannel(conn, (ch) => ch.unbindQueue(q, '', q)),
        await onChannel(conn, (ch) => ch.unbindQueue(q, x, 'never-bound')),
        await onChannel(conn, (ch) => ch.unbindQueue(ctx.name('q-missing'), x, 'k')),
        await onChannel(conn, (ch) => ch.unbindQueue(q, ctx.name('ex-missing'), 'k')),
        await onChannel(conn, (ch) => ch.purgeQueue(ctx.name('q-missing'))),
        await onChannel(conn, (ch) => ch.get(ctx.name('q-missing'))),
        await onChannel(conn, (ch) => ch.consume(ctx.name('q-missing'), () => {})),
      ];
      await onChannel(conn, (ch) => ch.deleteQueue(q));
      return out;
    }),
  );

  parityTest('headers bindings with a bad x-match are 406', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      await onChannel(conn, (ch) => ch.assertQueue(q, { exclusive: false, autoDelete: true }));
      const out: unknown[] = [];
      for (const xm of ['bogus', 'ALL', 5, 'any-with-x']) {
        out.push(await onChannel(conn, (ch) => ch.bindQueue(q, 'amq.headers', '', { 'x-match': xm, a: 1 })));
      }
      out.push(
        await onChannel(conn, (ch) => ch.bindQueue(ctx.name('q-missing'), 'amq.headers', '', { 'x-match': 'no' })),
      );
      await onChannel(conn, (ch) => ch.deleteQueue(q));
      return out;
    }),
  );

  parityTest('bind and unbind answer ok when repeated, over a raw socket with nowait', async (url, ctx) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    const q = ctx.name('q');
    c.send(1, 'queue.declare', { queue: q, exclusive: true });
    await c.method('queue.declare-ok', 1);
    const replies: string[] = [];
    for (const name of ['queue.bind', 'queue.bind', 'queue.unbind', 'queue.unbind'] as const) {
      c.send(1, name, { queue: q, exchange: 'amq.topic', routingKey: 'a.#', arguments: {} });
      replies.push((await c.next((f) => f.channel === 1)).method?.name ?? '?');
    }
    c.close();
    return replies;
  });
});

describeParity('queue.purge and queue.delete', () => {
  parityTest('purge returns the ready count and leaves unacked messages', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { exclusive: true });
      for (let i = 0; i < 5; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
      await ch.checkQueue(q);
      const held = await ch.get(q);
      const purged = await ch.purgeQueue(q);
      const empty = await ch.purgeQueue(q);
      if (held) ch.nack(held, false, true);
      const after = await ch.checkQueue(q);
      const back = await ch.get(q, { noAck: true });
      return {
        purged,
        empty,
        after: after.messageCount,
        back: back && [back.content.toString(), back.fields.redelivered],
      };
    }),
  );

  parityTest('delete with if-unused, if-empty, message counts and missing queues', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { exclusive: true });
      ch.sendToQueue(q, Buffer.from('a'));
      ch.sendToQueue(q, Buffer.from('b'));
      const { consumerTag } = await ch.consume(q, () => {}, { noAck: false, consumerTag: 'holder' });
      await ch.checkQueue(q);
      const out: unknown[] = [
        await onChannel(conn, (c) => c.deleteQueue(q, { ifUnused: true })),
        await onChannel(conn, (c) => c.deleteQueue(q, { ifEmpty: true })),
      ];
      await ch.cancel(consumerTag);
      await ch.recover();
      out.push(await onChannel(conn, (c) => c.deleteQueue(q, { ifEmpty: true })));
      out.push(await onChannel(conn, (c) => c.deleteQueue(q, { ifUnused: true })));
      out.push(await onChannel(conn, (c) => c.deleteQueue(q)));
      out.push(await onChannel(conn, (c) => c.deleteQueue(ctx.name('q-never'))));
      return out;
    }),
  );

  parityTest('if-empty looks at ready messages only: unacked ones do not block the delete', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { exclusive: true });
      ch.sendToQueue(q, Buffer.from('held'));
      await ch.checkQueue(q);
      const held = await ch.get(q);
      const out = [
        held ? held.content.toString() : null,
        await onChannel(conn, (c) => c.deleteQueue(q, { ifEmpty: true })),
      ];
      // Acking a message of a deleted queue is still a known delivery tag on this channel.
      if (held) ch.ack(held);
      out.push(await ch.checkExchange('amq.direct').then(() => 'channel open'));
      return out;
    }),
  );

  parityTest('deleting a queue cancels its consumers on other channels', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const a = await conn.createChannel();
      await a.assertQueue(q, { exclusive: true });
      const seen: string[] = [];
      await a.consume(q, (m) => seen.push(m ? m.content.toString() : 'cancelled'), { noAck: true });
      const b = await conn.createChannel();
      const deleted = await b.deleteQueue(q);
      for (let i = 0; i < 40 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const stillOpen = await a.checkExchange('amq.direct').then(
        () => true,
        () => false,
      );
      return { deleted, seen, stillOpen };
    }),
  );

  parityTest('deleting a queue counts ready messages and drops its bindings', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('q');
      const x = ctx.name('ex');
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: amqp.Message) => returned.push(m.content.toString()));
      await ch.assertExchange(x, 'fanout', { durable: false });
      await ch.assertQueue(q, { exclusive: true });
      await ch.bindQueue(q, x, '');
      ch.publish(x, '', Buffer.from('1'));
      ch.publish(x, '', Buffer.from('2'));
      const held = await ch.get(q);
      const deleted = await ch.deleteQueue(q);
      ch.publish(x, '', Buffer.from('after'), { mandatory: true });
      await ch.checkExchange(x);
      await eventually(async () => returned.length > 0, 20);
      await ch.deleteExchange(x);
      return { held: held ? held.content.toString() : null, deleted, returned };
    }),
  );
});
