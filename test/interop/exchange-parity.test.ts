/**
 * exchange.declare / exchange.delete / exchange.bind / exchange.unbind and
 * alternate exchanges, compared with RabbitMQ 3.10: replies, reply codes,
 * full reply texts, channel-vs-connection close.
 */
import type amqp from 'amqplib';
import { describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { RawAmqp } from '../helpers/raw-amqp.js';
import { drain, eventually, exists, onChannel, portOf } from './topology-helpers.js';

/** Sends one exchange.declare over a raw socket and reports the connection or channel close. */
async function rawDeclare(url: string, args: { exchange: string; type: string; passive?: boolean }) {
  const c = await RawAmqp.open(portOf(url));
  await c.openChannel(1);
  c.send(1, 'exchange.declare', { ...args, durable: false, autoDelete: false, internal: false, arguments: {} });
  const f = await c.next((f) =>
    ['exchange.declare-ok', 'channel.close', 'connection.close'].includes(f.method?.name ?? ''),
  );
  const m = f.method;
  let out: unknown;
  if (m?.name === 'connection.close' || m?.name === 'channel.close') {
    out = {
      [m.name]: { code: m.args.replyCode, text: m.args.replyText, classId: m.args.classId, methodId: m.args.methodId },
    };
  } else {
    out = { ok: m?.name };
  }
  c.close();
  return out;
}

describeParity('exchange.declare', () => {
  parityTest('new exchanges of each type, then passive declares of them', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const out: unknown[] = [];
      for (const type of ['direct', 'fanout', 'topic', 'headers']) {
        const name = ctx.name(`ex-${type}`);
        out.push(await onChannel(conn, (ch) => ch.assertExchange(name, type, { durable: false, autoDelete: true })));
        out.push(await onChannel(conn, (ch) => ch.checkExchange(name)));
        out.push(await onChannel(conn, (ch) => ch.deleteExchange(name)));
      }
      return out;
    }),
  );

  parityTest('passive declare of a missing exchange closes the channel with 404', async (url, ctx) =>
    withConnection(url, async (conn) => onChannel(conn, (ch) => ch.checkExchange(ctx.name('ex-missing')))),
  );

  parityTest('passive declare ignores type and flags of an existing exchange', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const name = ctx.name('ex-passive');
      await onChannel(conn, (ch) => ch.assertExchange(name, 'fanout', { durable: false }));
      const c = await RawAmqp.open(portOf(url));
      await c.openChannel(1);
      c.send(1, 'exchange.declare', {
        exchange: name,
        type: 'topic',
        passive: true,
        durable: true,
        autoDelete: true,
        internal: true,
        arguments: { 'alternate-exchange': 'zzz' },
      });
      const m = await c.next((f) => f.channel === 1);
      c.close();
      await onChannel(conn, (ch) => ch.deleteExchange(name));
      return m.method?.name;
    }),
  );

  parityTest('redeclaring with a different type, durable, auto-delete, internal or AE is 406', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const name = ctx.name('ex-redeclare');
      const base = { durable: false, autoDelete: false, internal: false, arguments: { 'alternate-exchange': 'ae1' } };
      const out: unknown[] = [await onChannel(conn, (ch) => ch.assertExchange(name, 'direct', base))];
      const variants: [string, object][] = [
        ['fanout', base],
        ['direct', { ...base, durable: true }],
        ['direct', { ...base, autoDelete: true }],
        ['direct', { ...base, internal: true }],
        ['direct', { ...base, arguments: { 'alternate-exchange': 'ae2' } }],
        ['direct', { ...base, arguments: {} }],
        ['direct', { ...base, arguments: { 'alternate-exchange': 'ae1', other: 'ignored' } }],
        ['direct', { ...base, arguments: { 'alternate-exchange': 42 } }],
        ['direct', { ...base, durable: true, autoDelete: true }],
        ['direct', base],
      ];
      for (const [type, opts] of variants) out.push(await onChannel(conn, (ch) => ch.assertExchange(name, type, opts)));
      await onChannel(conn, (ch) => ch.deleteExchange(name));
      return out;
    }),
  );

  parityTest('an AE argument of the wrong type is 406 on a new exchange', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const name = ctx.name('ex-ae-type');
      const out = [
        await onChannel(conn, (ch) => ch.assertExchange(name, 'direct', { arguments: { 'alternate-exchange': 42 } })),
        await exists(conn, 'exchange', name),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(name));
      return out;
    }),
  );

  parityTest('an unknown exchange type closes the connection with 503', async (url, ctx) => {
    const out: unknown[] = [];
    // RabbitMQ says "invalid exchange type" instead of "unknown" when the name happens to be an existing
    // Erlang atom on the node (which changes over the node's life), so compare the prefix and the quoted type.
    for (const type of ['bogus-type-for-parity', 'x-bogus', 'Direct', '']) {
      const r = (await rawDeclare(url, { exchange: ctx.name('ex-type'), type })) as {
        'connection.close'?: { code: number; classId: number; methodId: number; text: string };
      };
      const close = r['connection.close'];
      out.push(
        close
          ? {
              code: close.code,
              classId: close.classId,
              methodId: close.methodId,
              prefix: close.text.split(' - ')[0],
              names: close.text.endsWith(`exchange type '${type}'`),
            }
          : r,
      );
    }
    // Passive declares do not look at the type.
    out.push(await rawDeclare(url, { exchange: 'amq.direct', type: 'bogus', passive: true }));
    return out;
  });

  parityTest('amq.* names: new ones are refused, amq.direct redeclares as it is', async (url, ctx) =>
    withConnection(url, async (conn) => [
      await onChannel(conn, (ch) => ch.assertExchange(`amq.${ctx.name('x')}`, 'direct', { durable: false })),
      await onChannel(conn, (ch) => ch.assertExchange('amq.direct', 'direct', { durable: true })),
      await onChannel(conn, (ch) => ch.assertExchange('amq.direct', 'direct', { durable: false })),
      await onChannel(conn, (ch) => ch.assertExchange('amq.direct', 'fanout', { durable: true })),
      await onChannel(conn, (ch) => ch.assertExchange('amq.topic', 'topic', { durable: true, internal: true })),
      await onChannel(conn, (ch) => ch.checkExchange('amq.match')),
      await onChannel(conn, (ch) => ch.checkExchange('amq.rabbitmq.trace').then(() => 'exists')),
    ]),
  );

  parityTest('declaring the default exchange', async (url) =>
    withConnection(url, async (conn) => [
      await onChannel(conn, (ch) => ch.assertExchange('', 'direct', { durable: true })),
      await onChannel(conn, (ch) => ch.checkExchange('')),
    ]),
  );

  parityTest('publishing to an internal exchange is 403, to a missing one 404', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const name = ctx.name('ex-internal');
      await onChannel(conn, (ch) => ch.assertExchange(name, 'fanout', { internal: true, durable: false }));
      const out = [
        await onChannel(conn, async (ch) => ch.publish(name, '', Buffer.from('x'))),
        await onChannel(conn, async (ch) => ch.publish(ctx.name('ex-nowhere'), '', Buffer.from('x'))),
        await onChannel(conn, async (ch) => ch.publish('amq.rabbitmq.trace', 'publish.x', Buffer.from('x'))),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(name));
      return out;
    }),
  );

  parityTest('an internal exchange still routes what other exchanges send it', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const src = ctx.name('ex-front');
      const inner = ctx.name('ex-inner');
      const q = ctx.name('q-inner');
      const ch = await conn.createChannel();
      await ch.assertExchange(src, 'fanout', { durable: false });
      await ch.assertExchange(inner, 'fanout', { durable: false, internal: true });
      await ch.assertQueue(q, { exclusive: true });
      await ch.bindExchange(inner, src, '');
      await ch.bindQueue(q, inner, '');
      ch.publish(src, 'k', Buffer.from('through'));
      await ch.checkQueue(q);
      const got = await drain(ch, q);
      await ch.deleteExchange(src);
      await ch.deleteExchange(inner);
      return got;
    }),
  );
});

describeParity('exchange.delete', () => {
  parityTest('if-unused refuses an exchange with bindings and deletes one without', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-del');
      const q = ctx.name('q-del');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'direct', { durable: false });
      await ch.assertQueue(q, { exclusive: true });
      await ch.bindQueue(q, x, 'k');
      const out: unknown[] = [await onChannel(conn, (c) => c.deleteExchange(x, { ifUnused: true }))];
      await ch.unbindQueue(q, x, 'k');
      out.push(await onChannel(conn, (c) => c.deleteExchange(x, { ifUnused: true })));
      out.push(await exists(conn, 'exchange', x));
      return out;
    }),
  );

  parityTest('if-unused counts exchange-to-exchange bindings of the source only', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const a = ctx.name('ex-a');
      const b = ctx.name('ex-b');
      const ch = await conn.createChannel();
      await ch.assertExchange(a, 'fanout', { durable: false });
      await ch.assertExchange(b, 'fanout', { durable: false });
      await ch.bindExchange(b, a, '');
      const out = [
        await onChannel(conn, (c) => c.deleteExchange(b, { ifUnused: true })),
        await exists(conn, 'exchange', b),
        await onChannel(conn, (c) => c.deleteExchange(a, { ifUnused: true })),
      ];
      await ch.deleteExchange(a);
      await ch.deleteExchange(b).catch(() => undefined);
      return out;
    }),
  );

  parityTest('deleting a missing exchange, amq.* and the default exchange', async (url, ctx) =>
    withConnection(url, async (conn) => [
      await onChannel(conn, (ch) => ch.deleteExchange(ctx.name('ex-gone'))),
      await onChannel(conn, (ch) => ch.deleteExchange('amq.direct')),
      await onChannel(conn, (ch) => ch.deleteExchange(`amq.${ctx.name('nope')}`)),
      await onChannel(conn, (ch) => ch.deleteExchange('')),
      await exists(conn, 'exchange', 'amq.direct'),
    ]),
  );

  parityTest('an auto-delete exchange goes with its last binding, not before its first', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-auto');
      const q1 = ctx.name('q-auto1');
      const q2 = ctx.name('q-auto2');
      const ch = await conn.createChannel();
      await ch.assertExchange(x, 'direct', { durable: false, autoDelete: true });
      const out: unknown[] = [await exists(conn, 'exchange', x)];
      await ch.assertQueue(q1, { exclusive: true });
      await ch.assertQueue(q2, { exclusive: true });
      await ch.bindQueue(q1, x, 'a');
      await ch.bindQueue(q2, x, 'b');
      await ch.unbindQueue(q1, x, 'a');
      out.push(await exists(conn, 'exchange', x));
      // Deleting the last bound queue removes the binding, and so the exchange.
      await ch.deleteQueue(q2);
      out.push(await eventually(async () => !(await exists(conn, 'exchange', x))));
      return out;
    }),
  );

  parityTest('an auto-delete exchange as the destination of an e2e binding is not auto-deleted', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const src = ctx.name('ex-src');
      const dst = ctx.name('ex-dst');
      const ch = await conn.createChannel();
      await ch.assertExchange(src, 'fanout', { durable: false, autoDelete: true });
      await ch.assertExchange(dst, 'fanout', { durable: false, autoDelete: true });
      await ch.bindExchange(dst, src, '');
      await ch.unbindExchange(dst, src, '');
      const out = [await exists(conn, 'exchange', dst), await exists(conn, 'exchange', src)];
      await ch.deleteExchange(dst).catch(() => undefined);
      return out;
    }),
  );

  parityTest('deleting an exchange removes the e2e bindings that point at it', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const src = ctx.name('ex-src');
      const dst = ctx.name('ex-dst');
      const ch = await conn.createChannel();
      await ch.assertExchange(src, 'fanout', { durable: false, autoDelete: true });
      await ch.assertExchange(dst, 'fanout', { durable: false });
      await ch.bindExchange(dst, src, '');
      await ch.deleteExchange(dst);
      return [await eventually(async () => !(await exists(conn, 'exchange', src)))];
    }),
  );
});

describeParity('exchange.bind / exchange.unbind', () => {
  parityTest('messages follow e2e chains, and cycles deliver once without hanging', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [a, b, c] = [ctx.name('ex-a'), ctx.name('ex-b'), ctx.name('ex-c')];
      const [qb, qc] = [ctx.name('q-b'), ctx.name('q-c')];
      const ch = await conn.createChannel();
      await ch.assertExchange(a, 'direct', { durable: false });
      await ch.assertExchange(b, 'topic', { durable: false });
      await ch.assertExchange(c, 'fanout', { durable: false });
      await ch.assertQueue(qb, { exclusive: true });
      await ch.assertQueue(qc, { exclusive: true });
      await ch.bindExchange(b, a, 'k.1');
      await ch.bindExchange(c, b, 'k.*');
      await ch.bindQueue(qb, b, '#');
      await ch.bindQueue(qc, c, '');
      ch.publish(a, 'k.1', Buffer.from('chain'));
      ch.publish(a, 'k.2', Buffer.from('not-bound-at-a'));
      ch.publish(b, 'k.2', Buffer.from('from-b'));
      // A cycle: c → a → b → c; every queue still gets one copy.
      await ch.bindExchange(a, c, '');
      await ch.bindExchange(b, c, 'x');
      ch.publish(c, 'k.1', Buffer.from('cycle'));
      ch.publish(a, 'k.1', Buffer.from('cycle-from-a'));
      await ch.checkQueue(qb);
      const out = { qb: await drain(ch, qb), qc: await drain(ch, qc) };
      for (const x of [a, b, c]) await ch.deleteExchange(x);
      return out;
    }),
  );

  parityTest('binding the same e2e pair twice is one binding', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [a, b, q] = [ctx.name('ex-a'), ctx.name('ex-b'), ctx.name('q')];
      const ch = await conn.createChannel();
      await ch.assertExchange(a, 'direct', { durable: false });
      await ch.assertExchange(b, 'fanout', { durable: false });
      await ch.assertQueue(q, { exclusive: true });
      await ch.bindExchange(b, a, 'k');
      await ch.bindExchange(b, a, 'k');
      await ch.bindQueue(q, b, '');
      await ch.unbindExchange(b, a, 'k');
      ch.publish(a, 'k', Buffer.from('after-unbind'));
      await ch.checkQueue(q);
      const out = await drain(ch, q);
      await ch.deleteExchange(a);
      await ch.deleteExchange(b);
      return out;
    }),
  );

  parityTest('binding with a missing source or destination is 404; the default exchange 403', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const x = ctx.name('ex-real');
      const [ms, md] = [ctx.name('ex-nosrc'), ctx.name('ex-nodst')];
      await onChannel(conn, (ch) => ch.assertExchange(x, 'fanout', { durable: false }));
      const out = [
        await onChannel(conn, (ch) => ch.bindExchange(x, ms, '')),
        await onChannel(conn, (ch) => ch.bindExchange(md, x, '')),
        await onChannel(conn, (ch) => ch.bindExchange(md, ms, '')),
        await onChannel(conn, (ch) => ch.bindExchange(x, '', '')),
        await onChannel(conn, (ch) => ch.bindExchange('', x, '')),
        await onChannel(conn, (ch) => ch.bindExchange(x, x, 'self')),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(x));
      return out;
    }),
  );

  parityTest('unbinding what was never bound, or from missing exchanges', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [a, b] = [ctx.name('ex-a'), ctx.name('ex-b')];
      await onChannel(conn, (ch) => ch.assertExchange(a, 'direct', { durable: false }));
      await onChannel(conn, (ch) => ch.assertExchange(b, 'direct', { durable: false }));
      const out = [
        await onChannel(conn, (ch) => ch.unbindExchange(b, a, 'never')),
        await onChannel(conn, (ch) => ch.unbindExchange(b, ctx.name('ex-nosrc'), 'k')),
        await onChannel(conn, (ch) => ch.unbindExchange(ctx.name('ex-nodst'), a, 'k')),
        await onChannel(conn, (ch) => ch.unbindExchange(b, '', 'k')),
      ];
      await onChannel(conn, (ch) => ch.deleteExchange(a));
      await onChannel(conn, (ch) => ch.deleteExchange(b));
      return out;
    }),
  );
});

describeParity('alternate exchanges', () => {
  parityTest('unroutable messages go to the AE, through chains of AEs', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [main, ae1, ae2] = [ctx.name('ex-main'), ctx.name('ex-ae1'), ctx.name('ex-ae2')];
      const [qMain, qAe1, qAe2] = [ctx.name('q-main'), ctx.name('q-ae1'), ctx.name('q-ae2')];
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: amqp.Message) => returned.push(m.content.toString()));
      await ch.assertExchange(ae2, 'fanout', { durable: false });
      await ch.assertExchange(ae1, 'direct', { durable: false, arguments: { 'alternate-exchange': ae2 } });
      await ch.assertExchange(main, 'direct', { durable: false, arguments: { 'alternate-exchange': ae1 } });
      for (const q of [qMain, qAe1, qAe2]) await ch.assertQueue(q, { exclusive: true });
      await ch.bindQueue(qMain, main, 'main');
      await ch.bindQueue(qAe1, ae1, 'one');
      await ch.bindQueue(qAe2, ae2, '');
      ch.publish(main, 'main', Buffer.from('m1'), { mandatory: true });
      ch.publish(main, 'one', Buffer.from('m2'), { mandatory: true });
      ch.publish(main, 'zzz', Buffer.from('m3'), { mandatory: true });
      await ch.checkQueue(qMain);
      const out = {
        main: await drain(ch, qMain),
        ae1: await drain(ch, qAe1),
        ae2: await drain(ch, qAe2),
        returned,
      };
      for (const x of [main, ae1, ae2]) await ch.deleteExchange(x);
      return out;
    }),
  );

  parityTest('a missing AE, or an AE that routes nowhere, leaves the message unroutable', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [main, empty] = [ctx.name('ex-main'), ctx.name('ex-empty')];
      const [viaEmpty, q] = [ctx.name('ex-via'), ctx.name('q')];
      const ch = await conn.createChannel();
      const returned: unknown[] = [];
      ch.on('return', (m: amqp.Message) => {
        const f = m.fields as unknown as Record<string, unknown>;
        returned.push({ body: m.content.toString(), code: f['replyCode'], text: f['replyText'], key: f['routingKey'] });
      });
      await ch.assertExchange(main, 'direct', {
        durable: false,
        arguments: { 'alternate-exchange': ctx.name('ex-missing') },
      });
      await ch.assertExchange(empty, 'fanout', { durable: false });
      await ch.assertExchange(viaEmpty, 'topic', { durable: false, arguments: { 'alternate-exchange': empty } });
      await ch.assertQueue(q, { exclusive: true });
      ch.publish(main, 'k', Buffer.from('lost-1'), { mandatory: true });
      ch.publish(viaEmpty, 'k', Buffer.from('lost-2'), { mandatory: true });
      // An AE loop back to the first exchange ends without delivery.
      await ch.bindQueue(q, empty, '');
      ch.publish(viaEmpty, 'k', Buffer.from('saved'), { mandatory: true });
      await ch.checkQueue(q);
      await eventually(async () => returned.length >= 2, 20);
      const out = { returned, q: await drain(ch, q) };
      for (const x of [main, empty, viaEmpty]) await ch.deleteExchange(x);
      return out;
    }),
  );

  parityTest('an AE is used only by an exchange with no destinations at all, e2e ones included', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [x, y, z, ae, aeY] = ['ex-x', 'ex-y', 'ex-z', 'ex-ae', 'ex-ae-y'].map((p) => ctx.name(p)) as [
        string,
        string,
        string,
        string,
        string,
      ];
      const [qAe, qAeY] = [ctx.name('q-ae'), ctx.name('q-ae-y')];
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: amqp.Message) => returned.push(m.content.toString()));
      await ch.assertExchange(ae, 'fanout', { durable: false });
      await ch.assertExchange(aeY, 'fanout', { durable: false });
      await ch.assertExchange(x, 'direct', { durable: false, arguments: { 'alternate-exchange': ae } });
      await ch.assertExchange(y, 'fanout', { durable: false });
      await ch.assertExchange(z, 'fanout', { durable: false, arguments: { 'alternate-exchange': aeY } });
      await ch.assertQueue(qAe, { exclusive: true });
      await ch.assertQueue(qAeY, { exclusive: true });
      await ch.bindQueue(qAe, ae, '');
      await ch.bindQueue(qAeY, aeY, '');
      // x → y (which routes nowhere): x has a destination, so x's AE is not used.
      await ch.bindExchange(y, x, 'to-y');
      // x → z (which routes nowhere but has an AE): z's AE takes it.
      await ch.bindExchange(z, x, 'to-z');
      ch.publish(x, 'to-y', Buffer.from('via-y'), { mandatory: true });
      ch.publish(x, 'to-z', Buffer.from('via-z'), { mandatory: true });
      ch.publish(x, 'other', Buffer.from('unbound'), { mandatory: true });
      await ch.checkQueue(qAe);
      for (let i = 0; i < 40 && returned.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const out = { ae: await drain(ch, qAe), aeY: await drain(ch, qAeY), returned };
      for (const e of [x, y, z, ae, aeY]) await ch.deleteExchange(e);
      return out;
    }),
  );

  parityTest('AE cycles end without duplicates', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const [a, b, q] = [ctx.name('ex-a'), ctx.name('ex-b'), ctx.name('q')];
      const ch = await conn.createChannel();
      const returned: string[] = [];
      ch.on('return', (m: amqp.Message) => returned.push(m.content.toString()));
      await ch.assertExchange(a, 'direct', { durable: false, arguments: { 'alternate-exchange': b } });
      await ch.assertExchange(b, 'direct', { durable: false, arguments: { 'alternate-exchange': a } });
      await ch.assertQueue(q, { exclusive: true });
      await ch.bindQueue(q, b, 'to-b');
      ch.publish(a, 'to-b', Buffer.from('via-ae'), { mandatory: true });
      ch.publish(a, 'nowhere', Buffer.from('loop'), { mandatory: true });
      await ch.checkQueue(q);
      await eventually(async () => returned.length >= 1, 20);
      const out = { q: await drain(ch, q), returned };
      await ch.deleteExchange(a);
      await ch.deleteExchange(b);
      return out;
    }),
  );
});
