/** Sender-selected distribution: CC and BCC headers add routing keys; BCC never reaches a consumer. */
import amqp from 'amqplib';
import { describeParity, parityTest } from '../helpers/parity.js';

describeParity('CC and BCC headers', () => {
  parityTest('route to the extra keys, strip BCC, keep CC', async (url, ctx) => {
    const conn = await amqp.connect(url);
    try {
      const ch = await conn.createChannel();
      const x = ctx.name('ccx');
      await ch.assertExchange(x, 'direct', { autoDelete: true });
      const queues: Record<string, string> = {};
      for (const k of ['main', 'cc1', 'bcc1', 'other']) {
        const q = (await ch.assertQueue(ctx.name(k), { exclusive: true })).queue;
        await ch.bindQueue(q, x, k);
        queues[k] = q;
      }
      ch.publish(x, 'main', Buffer.from('hello'), { headers: { CC: ['cc1'], BCC: ['bcc1'], keep: 1 } });
      // amqplib also takes CC/BCC as options; use the default exchange to reach a queue by name.
      ch.publish('', queues['other'] as string, Buffer.from('direct'), { CC: [queues['cc1'] as string] });
      await ch.checkQueue(queues['main'] as string);
      const seen: Record<string, unknown[]> = {};
      for (const [k, q] of Object.entries(queues)) {
        seen[k] = [];
        for (;;) {
          const m = await ch.get(q, { noAck: true });
          if (!m) break;
          seen[k].push({ body: m.content.toString(), headers: m.properties.headers });
        }
      }
      return seen;
    } finally {
      await conn.close();
    }
  });
});
