/**
 * Direct reply-to (`amq.rabbitmq.reply-to`) against RabbitMQ 3.10 (rabbit_channel.erl, rabbit_exchange.erl
 * route/2, rabbit_direct_reply_to.erl): the pseudo-queue consumer, the reply_to rewrite, replies routed
 * straight to the consumer's channel, the passive declare of a reply address, and every misuse error.
 * Each scenario runs on both brokers and must observe the same; reply addresses carry random tokens, so
 * scenarios report their shape rather than their text.
 */
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import {
  attempt,
  channelCloseOf,
  connectionCloseOf,
  describeParity,
  parityTest,
  replyText,
  withConnection,
} from '../helpers/parity.js';
import { until } from '../helpers/queue-state.js';

const REPLY_TO = 'amq.rabbitmq.reply-to';
// RabbitMQ: `amq.rabbitmq.reply-to.` + base64(pid) + `.` + base64(16-byte key).
const ADDRESS = /^amq\.rabbitmq\.reply-to\.[A-Za-z0-9+/]+={0,2}\.[A-Za-z0-9+/]{22}==$/;

const shape = (s: string | undefined) => (s === undefined ? undefined : ADDRESS.test(s) ? '<reply-address>' : s);
// The 404 text names the address: keep its shape, drop the random part.
const masked = (text: string | null) => text?.replace(/amq\.rabbitmq\.reply-to\.[^']+/, '<reply-address>') ?? null;

/** The full reply text the broker closed the channel (or connection) with. */
const closeText = (x: Channel | ChannelModel) =>
  new Promise<string | null>((resolve) => x.once('error', (e: unknown) => resolve(replyText(e))));

/** A server queue and a consumer on it that keeps what it got. */
async function serverQueue(conn: ChannelModel, name: string): Promise<{ ch: Channel; got: ConsumeMessage[] }> {
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(name, { exclusive: true });
  const got: ConsumeMessage[] = [];
  await ch.consume(name, (m) => m && got.push(m), { noAck: true });
  return { ch, got };
}

describeParity('direct reply-to', () => {
  parityTest('advertised in the server capabilities', (url) =>
    withConnection(url, async (conn) => {
      const caps = conn.connection.serverProperties['capabilities'] as unknown as Record<string, unknown>;
      return { direct_reply_to: caps['direct_reply_to'] };
    }),
  );

  parityTest(
    'request/reply round trip: reply_to rewritten, replies delivered with the channel’s next tag',
    (url, ctx) =>
      withConnection(url, async (conn) => {
        const q = ctx.name('drt-server');
        const server = await serverQueue(conn, q);
        const client = await conn.createChannel();
        const replies: ConsumeMessage[] = [];
        const ok = await client.consume(REPLY_TO, (m) => m && replies.push(m), { noAck: true, consumerTag: 'rpc' });
        client.publish('', q, Buffer.from('fib 10'), { replyTo: REPLY_TO, correlationId: 'c1' });
        await until(() => server.got.length === 1, 'the request');
        const request = server.got[0] as ConsumeMessage;
        const address = request.properties.replyTo as string;
        // Replies: mandatory (RabbitMQ routes them to no queue, so they come back as well) and confirmed.
        const returned: unknown[] = [];
        server.ch.on('return', (m: ConsumeMessage) => returned.push({ ...m.fields, body: m.content.toString() }));
        for (const body of ['55', 'again']) {
          server.ch.publish('', address, Buffer.from(body), { correlationId: 'c1', mandatory: true });
        }
        await (server.ch as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
        await until(() => replies.length === 2, 'the replies');
        // A delivery from a real queue on the same channel afterwards: which tag does it get?
        const plain = ctx.name('drt-plain');
        await client.assertQueue(plain, { exclusive: true });
        client.sendToQueue(plain, Buffer.from('plain'));
        await until(() => false, 'nothing', 100).catch(() => undefined);
        const got = await client.get(plain, { noAck: true });
        return {
          consumerTag: ok.consumerTag,
          requestReplyTo: shape(address),
          correlationId: request.properties.correlationId,
          replies: replies.map((m) => ({
            fields: { ...m.fields, routingKey: shape(m.fields.routingKey) },
            correlationId: m.properties.correlationId,
            body: m.content.toString(),
          })),
          returned: returned.map((r) => ({
            ...(r as object),
            routingKey: shape((r as { routingKey: string }).routingKey),
          })),
          plainTag: got ? got.fields.deliveryTag : null,
        };
      }),
  );

  parityTest('declare of the pseudo-queue and of reply addresses (passive or not), before and after cancel', (url) =>
    withConnection(url, async (conn) => {
      const client = await conn.createChannel();
      const other = await conn.createChannel();
      const before = await attempt(() => client.checkQueue(REPLY_TO));
      await client.consume(REPLY_TO, () => undefined, { noAck: true, consumerTag: 'r' });
      const probe = await conn.createChannel();
      const server = await probe.assertQueue('', { exclusive: true });
      client.publish('', server.queue, Buffer.from('x'), { replyTo: REPLY_TO });
      let address = '';
      for (let i = 0; i < 100 && !address; i++) {
        const m = await probe.get(server.queue, { noAck: true });
        if (m) address = m.properties.replyTo as string;
        else await new Promise((r) => setTimeout(r, 10));
      }
      const passive = await attempt(() => other.checkQueue(address));
      const active = await attempt(() => other.assertQueue(address, { durable: true }));
      const plain = await attempt(() => other.assertQueue(REPLY_TO, { exclusive: true }));
      const cancelled = await client.cancel('r');
      const ch2 = await conn.createChannel();
      const closed = channelCloseOf(ch2);
      const after = await attempt(() => ch2.checkQueue(address));
      const afterClose = await closed;
      const ch3 = await conn.createChannel();
      const prefixOnly = await attempt(() => ch3.checkQueue(`${REPLY_TO}x`));
      return {
        before,
        passive: 'ok' in passive ? { ...passive.ok, queue: shape(passive.ok.queue) } : passive,
        active: 'ok' in active ? { ...active.ok, queue: shape(active.ok.queue) } : active,
        plain,
        cancelled,
        after,
        afterClose,
        afterText: masked(afterClose.textPrefix),
        prefixOnly,
      };
    }),
  );

  parityTest('consume with acknowledgements is refused', (url) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const closed = channelCloseOf(ch);
      const text = closeText(ch);
      const r = await attempt(() => ch.consume(REPLY_TO, () => undefined, { noAck: false }));
      return { r, closed: await closed, text: await text };
    }),
  );

  parityTest('a second reply consumer on the channel is refused; one per channel is fine', (url) =>
    withConnection(url, async (conn) => {
      const other = await conn.createChannel();
      const first = await attempt(() => other.consume(REPLY_TO, () => undefined, { noAck: true, consumerTag: 'a' }));
      const ch = await conn.createChannel();
      await ch.consume(REPLY_TO, () => undefined, { noAck: true });
      const closed = channelCloseOf(ch);
      const text = closeText(ch);
      const r = await attempt(() => ch.consume(REPLY_TO, () => undefined, { noAck: true }));
      return { first, r, closed: await closed, text: await text };
    }),
  );

  parityTest('publishing with reply_to before consuming closes the channel', (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('drt-q');
      await ch.assertQueue(q, { exclusive: true });
      const closed = channelCloseOf(ch);
      const text = closeText(ch);
      ch.publish('', q, Buffer.from('x'), { replyTo: REPLY_TO });
      const reason = await closed;
      const check = await conn.createChannel();
      return { reason, text: await text, queued: (await check.checkQueue(q)).messageCount };
    }),
  );

  parityTest('publishing after the reply consumer was cancelled closes the channel', (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('drt-q2');
      await ch.assertQueue(q, { exclusive: true });
      await ch.consume(REPLY_TO, () => undefined, { noAck: true, consumerTag: 'gone' });
      const cancel = await ch.cancel('gone');
      const closed = channelCloseOf(ch);
      ch.publish('', q, Buffer.from('x'), { replyTo: REPLY_TO });
      return { cancel, reason: await closed };
    }),
  );

  parityTest('a reused consumer tag is a connection error (530)', (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('drt-tag');
      await ch.assertQueue(q, { exclusive: true });
      await ch.consume(q, () => undefined, { consumerTag: 'same' });
      const closed = connectionCloseOf(conn);
      const text = closeText(conn);
      const r = await attempt(() => ch.consume(REPLY_TO, () => undefined, { noAck: true, consumerTag: 'same' }));
      return { r, closed: await closed, text: await text };
    }),
  );

  parityTest('replies to a closed channel, an unknown key or a malformed address are dropped quietly', (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('drt-late');
      const server = await serverQueue(conn, q);
      const client = await conn.createChannel();
      await client.consume(REPLY_TO, () => undefined, { noAck: true });
      client.publish('', q, Buffer.from('req'), { replyTo: REPLY_TO });
      await until(() => server.got.length === 1, 'the request');
      const address = server.got[0]?.properties.replyTo as string;
      await client.close();
      const returned: string[] = [];
      server.ch.on('return', (m: ConsumeMessage) => returned.push(m.fields.routingKey));
      const [prefix, pid] = [REPLY_TO, address.split('.')[3]];
      for (const key of [address, `${prefix}.${pid}.AAAAAAAAAAAAAAAAAAAAAA==`, `${prefix}.garbage`, `${prefix}.`]) {
        server.ch.publish('', key, Buffer.from('late'), { mandatory: true });
      }
      await (server.ch as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
      const ok = await attempt(() => server.ch.checkQueue(q));
      return { returned: returned.map(shape), open: 'ok' in ok };
    }),
  );

  parityTest('basic.get on the pseudo-queue', (url) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const closed = channelCloseOf(ch);
      const r = await attempt(() => ch.get(REPLY_TO));
      return { r, closed: await closed };
    }),
  );
});
