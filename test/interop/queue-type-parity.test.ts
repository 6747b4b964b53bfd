/**
 * x-queue-type against a single-node RabbitMQ 3.10 (src/broker/queue-types.ts, docs/queue-types.md):
 * quorum declares are accepted or refused with the same texts, x-delivery-limit drops or
 * dead-letters a message after the same number of deliveries, every delivery carries the same
 * x-delivery-count, and a stream declare is the one deliberate difference (the bundled broker refuses it).
 */
import type { Channel } from 'amqplib';
import { expect, test } from 'vitest';
import { startTestBroker } from '../helpers/broker.js';
import { attempt, channelCloseOf, describeParity, parityTest, withConnection } from '../helpers/parity.js';
import { rabbitmqUrl } from '../helpers/rabbitmq.js';

type DeclareCase = [string, { durable?: boolean; exclusive?: boolean; autoDelete?: boolean }, Record<string, unknown>];

const CASES: DeclareCase[] = [
  ['ok', { durable: true }, { 'x-queue-type': 'quorum', 'x-delivery-limit': 2, 'x-quorum-initial-group-size': 3 }],
  ['nondurable', { durable: false }, { 'x-queue-type': 'quorum' }],
  ['exclusive', { durable: true, exclusive: true }, { 'x-queue-type': 'quorum' }],
  ['autodelete', { durable: true, autoDelete: true }, { 'x-queue-type': 'quorum' }],
  ['priority', { durable: true }, { 'x-queue-type': 'quorum', 'x-max-priority': 5 }],
  ['lazy', { durable: true }, { 'x-queue-type': 'quorum', 'x-queue-mode': 'lazy' }],
  ['group', { durable: true }, { 'x-queue-type': 'quorum', 'x-quorum-initial-group-size': 'three' }],
  ['ttl', { durable: true }, { 'x-queue-type': 'quorum', 'x-message-ttl': 1000 }],
  ['classiclimit', { durable: true }, { 'x-queue-type': 'classic', 'x-delivery-limit': 5 }],
  ['classicage', { durable: true }, { 'x-max-age': '1D' }],
];

async function declare(ch: Channel, name: string, props: DeclareCase[1], args: Record<string, unknown>) {
  const closed = channelCloseOf(ch);
  const r = await attempt(() => ch.assertQueue(name, { ...props, arguments: args }));
  return 'ok' in r ? { ok: r.ok } : { error: r.error, text: await closed.then(() => lastText) };
}

let lastText = '';
async function declareCase(url: string, name: string, c: DeclareCase): Promise<unknown> {
  return withConnection(url, async (conn) => {
    const ch = await conn.createChannel();
    lastText = '';
    ch.on('error', (e: Error) => {
      lastText = e.message.replace(/^.*message "/, '').replace(/"$/, '');
    });
    const result = await declare(ch, name, c[1], c[2]);
    if ('ok' in result) {
      const ch2 = await conn.createChannel();
      await ch2.deleteQueue(name);
    }
    return result;
  });
}

describeParity('quorum queue declares', () => {
  for (const c of CASES) {
    parityTest(`${c[0]}: ${JSON.stringify(c[1])} ${JSON.stringify(c[2])}`, (url, ctx) =>
      declareCase(url, ctx.name(`qt-${c[0]}`), c),
    );
  }

  parityTest('redeclaring a quorum queue without x-queue-type or as classic is inequivalent', (url, ctx) =>
    withConnection(url, async (conn) => {
      const q = ctx.name('qt-equiv');
      const ch = await conn.createChannel();
      await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      const texts: string[] = [];
      for (const args of [{}, { 'x-queue-type': 'classic' }]) {
        const c = await conn.createChannel();
        c.on('error', (e: Error) => texts.push(e.message.replace(/^.*message "/, '').replace(/"$/, '')));
        const closed = channelCloseOf(c);
        await attempt(() => c.assertQueue(q, { durable: true, arguments: args }));
        await closed;
      }
      const again = await (await conn.createChannel()).assertQueue(q, {
        durable: true,
        arguments: { 'x-queue-type': 'quorum' },
      });
      await (await conn.createChannel()).deleteQueue(q);
      return { texts, again };
    }),
  );
});

describeParity('quorum x-delivery-limit and x-delivery-count', () => {
  parityTest('a message requeued past the limit is dropped; each delivery counts', (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('qt-limit');
      await ch.assertQueue(q, { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 1 } });
      ch.sendToQueue(q, Buffer.from('m'), { headers: { app: 'x' } });
      await ch.checkQueue(q);
      const seen: unknown[] = [];
      for (let i = 0; i < 4; i++) {
        let m = await ch.get(q, { noAck: false });
        for (let t = 0; t < 20 && m === false && i < 2; t++) {
          await new Promise((r) => setTimeout(r, 50));
          m = await ch.get(q, { noAck: false });
        }
        seen.push(m === false ? false : { redelivered: m.fields.redelivered, headers: m.properties.headers });
        if (m !== false) ch.nack(m, false, true);
        await ch.checkQueue(q);
      }
      await ch.deleteQueue(q);
      return seen;
    }),
  );

  parityTest('past the limit with a dead-letter exchange: x-death reason delivery_limit', (url, ctx) =>
    withConnection(url, async (conn) => {
      const ch = await conn.createChannel();
      const q = ctx.name('qt-dl');
      const dlq = ctx.name('qt-dlq');
      await ch.assertQueue(dlq, { exclusive: true });
      await ch.assertQueue(q, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': 0,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': dlq,
        },
      });
      ch.sendToQueue(q, Buffer.from('z'));
      await ch.checkQueue(q);
      let m = await ch.get(q, { noAck: false });
      for (let t = 0; t < 20 && m === false; t++) {
        await new Promise((r) => setTimeout(r, 50));
        m = await ch.get(q, { noAck: false });
      }
      if (m !== false) ch.nack(m, false, true);
      let dead = await ch.get(dlq, { noAck: true });
      for (let t = 0; t < 40 && dead === false; t++) {
        await new Promise((r) => setTimeout(r, 50));
        dead = await ch.get(dlq, { noAck: true });
      }
      const deaths =
        dead === false ? [] : (dead.properties.headers?.['x-death'] as unknown as Record<string, unknown>[]);
      const left = (await ch.checkQueue(q)).messageCount;
      await ch.deleteQueue(q);
      return {
        first: m !== false && m.properties.headers?.['x-delivery-count'],
        body: dead !== false && dead.content.toString(),
        reasons: deaths.map((d) => [d['reason'], d['count'], d['queue']]),
        firstDeath: dead !== false && dead.properties.headers?.['x-first-death-reason'],
        left,
      };
    }),
  );
});

// The deliberate difference: a single-node RabbitMQ accepts a stream, the bundled broker refuses it
// with the 406 RabbitMQ gives for a queue type it does not support.
test('bundled broker refuses x-queue-type stream with an unsupported-queue-type 406', async () => {
  const b = await startTestBroker();
  try {
    const r = await declareCase(b.url, 'qt-stream', ['stream', { durable: true }, { 'x-queue-type': 'stream' }]);
    expect(r).toEqual({
      error: { code: 406, classId: 50, methodId: 10, textPrefix: 'PRECONDITION_FAILED' },
      text: "PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'qt-stream' in vhost '/': \"unsupported queue type 'stream'\"",
    });
  } finally {
    await b.stop();
  }
});

test.runIf(rabbitmqUrl !== undefined)('RabbitMQ accepts the stream declare the bundled broker refuses', async () => {
  const name = `qt-stream-${Date.now()}`;
  const r = await declareCase(rabbitmqUrl!, name, ['stream', { durable: true }, { 'x-queue-type': 'stream' }]);
  expect(r).toEqual({ ok: { queue: name, messageCount: 0, consumerCount: 0 } });
});
