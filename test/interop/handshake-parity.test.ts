/** The connection handshake as clients see it: mechanisms, tune values, capabilities, AMQPLAIN. */
import amqp from 'amqplib';
import { PROTOCOL_HEADER } from '../../src/protocol/index.js';
import { describeParity, parityTest } from '../helpers/parity.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

const portOf = (url: string) => Number(new URL(url).port);

describeParity('connection handshake', () => {
  parityTest(
    'connection.start offers PLAIN and AMQPLAIN, 0-9, the RabbitMQ capabilities; tune offers 2047/131072/60',
    async (url) => {
      const c = await RawAmqp.connect(portOf(url));
      c.write(PROTOCOL_HEADER);
      const start = await c.method('connection.start', 0);
      const caps = start.args.serverProperties['capabilities'] as Record<string, unknown>;
      c.send(0, 'connection.start-ok', {
        clientProperties: {},
        mechanism: 'PLAIN',
        response: Buffer.from('\0guest\0guest'),
        locale: 'en_US',
      });
      const tune = await c.method('connection.tune', 0);
      c.close();
      const wanted = [
        'publisher_confirms',
        'exchange_exchange_bindings',
        'basic.nack',
        'consumer_cancel_notify',
        'connection.blocked',
        'consumer_priorities',
        'authentication_failure_close',
        'per_consumer_qos',
      ];
      return {
        version: [start.args.versionMajor, start.args.versionMinor],
        mechanisms: start.args.mechanisms
          .toString()
          .split(' ')
          .filter((m) => m === 'PLAIN' || m === 'AMQPLAIN')
          .sort(),
        locales: start.args.locales.toString(),
        capabilities: Object.fromEntries(wanted.map((k) => [k, caps[k]])),
        hasProduct: typeof start.args.serverProperties['product'] === 'string',
        tune: tune.args,
      };
    },
  );

  parityTest('AMQPLAIN login works and a wrong AMQPLAIN password is refused', async (url) => {
    const ok = await amqp.connect(url, { credentials: amqp.credentials.amqplain('guest', 'guest') });
    const ch = await ok.createChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    await ok.close();
    const refused = await amqp
      .connect(url, { credentials: amqp.credentials.amqplain('guest', 'nope') })
      .then(() => 'connected')
      .catch((e: Error) => (/ACCESS_REFUSED|403/.test(e.message) ? 'refused' : e.message));
    return { declared: q.queue.startsWith('amq.gen-'), refused };
  });

  parityTest('channel.flow active=true is answered with flow-ok', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    c.send(1, 'channel.flow', { active: true });
    const ok = await c.method('channel.flow-ok', 1);
    c.close();
    return ok.args;
  });

  parityTest(
    'connection.close from the client is answered with close-ok; the client closes the socket',
    async (url) => {
      const c = await RawAmqp.open(portOf(url));
      await c.openChannel(1);
      c.send(0, 'connection.close', { replyCode: 200, replyText: 'bye', classId: 0, methodId: 0 });
      await c.method('connection.close-ok', 0);
      const endedByServer = await c.waitEnded(1000);
      c.close();
      return { endedByServer };
    },
  );

  parityTest('channel.close from the client is answered with close-ok and the number can be reused', async (url) => {
    const c = await RawAmqp.open(portOf(url));
    await c.openChannel(1);
    c.send(1, 'channel.close', { replyCode: 200, replyText: '', classId: 0, methodId: 0 });
    await c.method('channel.close-ok', 1);
    await c.openChannel(1);
    c.close();
    return 'reopened';
  });
});
