/**
 * The local publish of a federated message (src/broker/federation/local-publish.ts) is a publish like
 * a channel's: BCC routes and is then stripped, so no queue sees it (RabbitMQ sender-selected
 * distribution), whatever the source left in the message.
 */
import amqp from 'amqplib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { publishLocal } from '../../src/broker/federation/local-publish.js';
import type { VHost } from '../../src/broker/vhost.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb.stop();
});

test('BCC routes a federated message and is stripped before any queue has it', async () => {
  const conn = await amqp.connect(tb.url);
  try {
    const ch = await conn.createChannel();
    for (const [q, key] of [
      ['to', 'k'],
      ['cc', 'cc-key'],
      ['bcc', 'bcc-key'],
    ] as const) {
      await ch.assertQueue(q);
      await ch.bindQueue(q, 'amq.direct', key);
    }
    const vhost = tb.broker.vhosts.get('/') as VHost;
    const headers = { CC: ['cc-key'], BCC: ['bcc-key'], seq: 1 };
    const outcome = await publishLocal(vhost, 'amq.direct', 'k', { headers }, Buffer.from('m'));
    expect(outcome).toBe('routed');
    for (const q of ['to', 'cc', 'bcc']) {
      const m = await ch.get(q, { noAck: true });
      if (m === false) throw new Error(`nothing in ${q}`);
      expect(m.properties.headers).toEqual({ CC: ['cc-key'], seq: 1 });
    }
  } finally {
    await conn.close();
  }
});
