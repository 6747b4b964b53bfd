/**
 * Dead-lettering against RabbitMQ 3.10: rejection, expiry and overflow, the
 * x-death header exactly as RabbitMQ writes it (entry order, key order, wire
 * types; only the time is normalised), repeated deaths, cycles, CC routing
 * keys and a dead-letter exchange that does not exist.
 *
 * Dead-lettered messages are read with a raw basic.get so header types
 * ('l' count, 'T' time, 'S' strings) are compared too.
 */
import type { Channel } from 'amqplib';
import { describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { drain, rawGet, until } from './queue-args-helpers.js';

/**
 * Queues are not exclusive, because rawGet reads them from its own
 * connection; x-expires removes them from the shared RabbitMQ node soon
 * after the test.
 */
const KEEP_MS = 20_000;

/** Waits (bounded) until `queue` holds `n` ready messages; returns the final count. */
async function waitCount(ch: Channel, queue: string, n: number, limitMs = 3000): Promise<number> {
  let last = -1;
  await until(async () => {
    last = (await ch.checkQueue(queue)).messageCount;
    return last >= n;
  }, limitMs);
  return last;
}

describeParity('dead-lettering on rejection', () => {
  parityTest('basic.reject and basic.nack requeue=false republish with x-death', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const dlx = ctx.name('dlx');
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertExchange(dlx, 'direct', { autoDelete: true });
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.bindQueue(dead, dlx, src);
      await ch.assertQueue(src, { arguments: { 'x-expires': KEEP_MS, 'x-dead-letter-exchange': dlx } });
      ch.sendToQueue(src, Buffer.from('r1'), { headers: { zeta: 'z', alpha: 1 }, priority: 3, messageId: 'm1' });
      ch.sendToQueue(src, Buffer.from('r2'), { expiration: '60000' });
      await waitCount(ch, src, 2);
      const m1 = await ch.get(src);
      const m2 = await ch.get(src);
      if (m1) ch.reject(m1, false);
      if (m2) ch.nack(m2, false, false);
      await waitCount(ch, dead, 2);
      return { first: await rawGet(url, dead), second: await rawGet(url, dead), srcLeft: await drain(ch, src) };
    }),
  );

  parityTest('x-dead-letter-routing-key replaces the key; x-death keeps the original', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      ch.sendToQueue(src, Buffer.from('x'), { headers: { CC: ['nowhere'] } });
      await waitCount(ch, src, 1);
      const m = await ch.get(src);
      if (m) ch.nack(m, false, false);
      await waitCount(ch, dead, 1);
      return rawGet(url, dead);
    }),
  );

  parityTest('a dead-letter exchange that does not exist drops the message', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const dlx = ctx.name('missing-dlx');
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(src, { arguments: { 'x-expires': KEEP_MS, 'x-dead-letter-exchange': dlx } });
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      ch.sendToQueue(src, Buffer.from('lost'));
      ch.sendToQueue(src, Buffer.from('found'));
      await waitCount(ch, src, 2);
      const lost = await ch.get(src);
      if (lost) ch.reject(lost, false);
      const afterLost = await ch.checkQueue(src);
      // Once the exchange exists, dead-lettering works.
      await ch.assertExchange(dlx, 'fanout', { autoDelete: true });
      await ch.bindQueue(dead, dlx, '');
      const found = await ch.get(src);
      if (found) ch.reject(found, false);
      await waitCount(ch, dead, 1);
      return { srcAfterLost: afterLost.messageCount, dead: await drain(ch, dead) };
    }),
  );

  parityTest('CC keys are dead-letter routing keys too', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const x = ctx.name('x');
      const dlx = ctx.name('dlx');
      const src = ctx.name('src');
      const viaKey = ctx.name('via-key');
      const viaCc = ctx.name('via-cc');
      await ch.assertExchange(x, 'direct', { autoDelete: true });
      await ch.assertExchange(dlx, 'direct', { autoDelete: true });
      await ch.assertQueue(src, { arguments: { 'x-expires': KEEP_MS, 'x-dead-letter-exchange': dlx } });
      await ch.assertQueue(viaKey, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(viaCc, { arguments: { 'x-expires': KEEP_MS } });
      await ch.bindQueue(src, x, 'k1');
      await ch.bindQueue(viaKey, dlx, 'k1');
      await ch.bindQueue(viaCc, dlx, 'k2');
      // 'k2' is bound to nothing on x, so the publish itself reaches src only.
      ch.publish(x, 'k1', Buffer.from('cc'), { headers: { CC: ['k2'] } });
      await waitCount(ch, src, 1);
      const m = await ch.get(src);
      if (m) ch.reject(m, false);
      await waitCount(ch, viaKey, 1);
      await waitCount(ch, viaCc, 1);
      return { viaKey: await rawGet(url, viaKey), viaCc: await rawGet(url, viaCc) };
    }),
  );
});

describeParity('dead-lettering on expiry and overflow', () => {
  parityTest('queue TTL expiry dead-letters with reason expired', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-message-ttl': 50,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      ch.sendToQueue(src, Buffer.from('ttl'), { headers: { keep: 'me' } });
      await waitCount(ch, dead, 1);
      return rawGet(url, dead);
    }),
  );

  parityTest('per-message expiration dead-letters with original-expiration', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      ch.sendToQueue(src, Buffer.from('msg-ttl'), { expiration: '40', deliveryMode: 2 });
      await waitCount(ch, dead, 1);
      return rawGet(url, dead);
    }),
  );

  parityTest('TTL 0 with a DLX dead-letters at once when nobody waits', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-message-ttl': 0,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      ch.sendToQueue(src, Buffer.from('zero'));
      await waitCount(ch, dead, 1);
      return rawGet(url, dead);
    }),
  );

  parityTest('drop-head dead-letters the oldest with reason maxlen', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const src = ctx.name('src');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-max-length': 1,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      for (const b of ['1', '2', '3']) ch.sendToQueue(src, Buffer.from(b));
      await waitCount(ch, dead, 2);
      return { first: await rawGet(url, dead), second: await rawGet(url, dead), src: await drain(ch, src) };
    }),
  );

  parityTest('reject-publish-dlx nacks the publisher and dead-letters the refused message', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createConfirmChannel();
      const src = ctx.name('src');
      const plain = ctx.name('plain');
      const dead = ctx.name('dead');
      await ch.assertQueue(dead, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(src, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-max-length': 1,
          'x-overflow': 'reject-publish-dlx',
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dead,
        },
      });
      // Without a DLX, reject-publish-dlx just refuses.
      await ch.assertQueue(plain, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-max-length': 0,
          'x-overflow': 'reject-publish-dlx',
        },
      });
      const confirms: string[] = [];
      for (const [q, body] of [
        [src, 'a'],
        [src, 'b'],
        [plain, 'c'],
      ] as const) {
        await new Promise<void>((resolve) =>
          ch.sendToQueue(q, Buffer.from(body), {}, (err) => {
            confirms.push(err ? `nack:${body}` : `ack:${body}`);
            resolve();
          }),
        );
      }
      await waitCount(ch, dead, 1);
      return { confirms, dead: await rawGet(url, dead), src: await drain(ch, src) };
    }),
  );
});

describeParity('repeated dead-lettering and cycles', () => {
  parityTest('through two queues: x-death lists the latest death first', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q1 = ctx.name('hop1');
      const q2 = ctx.name('hop2');
      const end = ctx.name('end');
      await ch.assertQueue(end, { arguments: { 'x-expires': KEEP_MS } });
      await ch.assertQueue(q2, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-message-ttl': 30,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': end,
        },
      });
      await ch.assertQueue(q1, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': q2,
        },
      });
      ch.sendToQueue(q1, Buffer.from('hop'), { expiration: '20', headers: { 'x-custom': 'c' } });
      await waitCount(ch, end, 1);
      return rawGet(url, end);
    }),
  );

  parityTest('rejections back and forth increase the counts', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const a = ctx.name('ping');
      const b = ctx.name('pong');
      await ch.assertQueue(a, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': b,
        },
      });
      await ch.assertQueue(b, {
        arguments: {
          'x-expires': KEEP_MS,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': a,
        },
      });
      ch.sendToQueue(a, Buffer.from('ball'));
      // a → b → a → b: four rejections.
      for (const q of [a, b, a, b]) {
        await waitCount(ch, q, 1);
        const m = await ch.get(q);
        if (m) ch.reject(m, false);
      }
      await waitCount(ch, a, 1);
      return rawGet(url, a);
    }),
  );

  parityTest('an automatic cycle (expiry back into the same queue) is dropped', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const fan = ctx.name('fan');
      const a = ctx.name('loop');
      const watch = ctx.name('watch');
      await ch.assertExchange(fan, 'fanout', { autoDelete: true });
      await ch.assertQueue(a, {
        arguments: { 'x-expires': KEEP_MS, 'x-message-ttl': 30, 'x-dead-letter-exchange': fan },
      });
      await ch.assertQueue(watch, { arguments: { 'x-expires': KEEP_MS } });
      await ch.bindQueue(a, fan, '');
      await ch.bindQueue(watch, fan, '');
      ch.sendToQueue(a, Buffer.from('spin'));
      await waitCount(ch, watch, 1);
      const loopEmpty = await until(async () => (await ch.checkQueue(a)).messageCount === 0, 2000);
      return { loopEmpty, watch: await rawGet(url, watch), loopGet: await ch.get(a) };
    }),
  );

  parityTest('a two-queue automatic cycle is dropped on the way back', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const fa = ctx.name('fa');
      const fb = ctx.name('fb');
      const a = ctx.name('qa');
      const b = ctx.name('qb');
      const wa = ctx.name('wa');
      const wb = ctx.name('wb');
      for (const f of [fa, fb]) await ch.assertExchange(f, 'fanout', { autoDelete: true });
      await ch.assertQueue(a, {
        arguments: { 'x-expires': KEEP_MS, 'x-message-ttl': 30, 'x-dead-letter-exchange': fa },
      });
      await ch.assertQueue(b, {
        arguments: { 'x-expires': KEEP_MS, 'x-message-ttl': 30, 'x-dead-letter-exchange': fb },
      });
      for (const w of [wa, wb]) await ch.assertQueue(w, { arguments: { 'x-expires': KEEP_MS } });
      await ch.bindQueue(b, fa, '');
      await ch.bindQueue(wa, fa, '');
      await ch.bindQueue(a, fb, '');
      await ch.bindQueue(wb, fb, '');
      ch.sendToQueue(a, Buffer.from('round'));
      await waitCount(ch, wb, 1);
      const settled = await until(
        async () => (await ch.checkQueue(a)).messageCount + (await ch.checkQueue(b)).messageCount === 0,
        2000,
      );
      return { settled, wa: await rawGet(url, wa), wb: await rawGet(url, wb) };
    }),
  );

  parityTest('a cycle with a rejection in it is not dropped', async (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const a = ctx.name('self');
      await ch.assertQueue(a, { arguments: { 'x-expires': KEEP_MS, 'x-dead-letter-exchange': '' } });
      ch.sendToQueue(a, Buffer.from('again'), { expiration: '60000' });
      for (let i = 0; i < 2; i++) {
        await waitCount(ch, a, 1);
        const m = await ch.get(a);
        if (m) ch.reject(m, false);
      }
      await waitCount(ch, a, 1);
      return rawGet(url, a);
    }),
  );
});
