// Limits against RabbitMQ: per-vhost max-connections and max-queues, per-user
// max-connections and max-channels, the negotiated channel_max; and the
// bundled broker's --max-connections, --channel-max and --frame-max.
import amqp, { type ChannelModel } from 'amqplib';
import { afterEach, describe, expect, test } from 'vitest';
import { PROTOCOL_HEADER } from '../../src/protocol/index.js';
import { mgmt, openOutcome, useTenantBrokers } from '../helpers/access.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { closeReason, replyText } from '../helpers/parity.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

const brokers = useTenantBrokers();
const enc = encodeURIComponent;

async function same<T>(run: Promise<{ bundled: T; rabbitmq: { ran: true; result: T } | { ran: false } }>) {
  const { bundled, rabbitmq } = await run;
  if (rabbitmq.ran) expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbitmq.result);
  return bundled;
}

/** Connects, or reports the close the server answered with. */
async function tryConnect(url: string, opts: Record<string, unknown> = {}, keep: ChannelModel[] = []) {
  try {
    const c = await amqp.connect(url, opts);
    c.on('error', () => {});
    keep.push(c);
    return 'opened';
  } catch (e) {
    return { code: closeReason(e).code, text: replyText(e) };
  }
}

async function closeAll(conns: ChannelModel[]) {
  for (const c of conns) await c.close().catch(() => {});
}

/** Waits until the broker's management API counts `n` connections of `user` (RabbitMQ tracks them asynchronously). */
async function settle(base: string, user: string, n: number) {
  for (let i = 0; i < 50; i++) {
    const r = await mgmt(base, 'GET', '/api/connections');
    if ((r.json as { user: string }[]).filter((c) => c.user === user).length >= n) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('vhost limits', () => {
  test('max-connections: the connection over the limit gets 530 with RabbitMQ text', async () => {
    await same(
      brokers.run({}, async (t) => {
        await mgmt(t.mgmtUrl, 'PUT', `/api/vhost-limits/${enc(t.vhost)}/max-connections`, { value: 1 });
        const keep: ChannelModel[] = [];
        try {
          const first = await tryConnect(t.url, {}, keep);
          await settle(t.mgmtUrl, t.user, 1);
          return { first, second: await openOutcome(t.url) };
        } finally {
          await closeAll(keep);
        }
      }),
    );
  });

  test('max-queues: a new queue over the limit is 406; redeclaring an existing one is fine', async () => {
    await same(
      brokers.run({}, async (t, ctx) => {
        await mgmt(t.mgmtUrl, 'PUT', `/api/vhost-limits/${enc(t.vhost)}/max-queues`, { value: 1 });
        const conn = await amqp.connect(t.url);
        conn.on('error', () => {});
        try {
          const ch = await conn.createChannel();
          const q1 = (await ch.assertQueue(ctx.name('q1'))).queue;
          const again = (await ch.assertQueue(ctx.name('q1'))).queue;
          ch.on('error', () => {});
          const over = await ch
            .assertQueue(ctx.name('q2'))
            .catch((e: Error) => ({ code: closeReason(e).code, text: replyText(e) }));
          return { q1, again, over };
        } finally {
          await conn.close().catch(() => {});
        }
      }),
    );
  });
});

describe('user limits', () => {
  test('max-connections per user: 530 with RabbitMQ text', async () => {
    await same(
      brokers.run({}, async (t) => {
        await mgmt(t.mgmtUrl, 'PUT', `/api/user-limits/${enc(t.user)}/max-connections`, { value: 1 });
        const keep: ChannelModel[] = [];
        try {
          const first = await tryConnect(t.url, {}, keep);
          await settle(t.mgmtUrl, t.user, 1);
          return { first, second: await openOutcome(t.url) };
        } finally {
          await closeAll(keep);
        }
      }),
    );
  });

  test('max-channels per user: the channel over the limit closes the connection with 530', async () => {
    await same(
      brokers.run({}, async (t) => {
        await mgmt(t.mgmtUrl, 'PUT', `/api/user-limits/${enc(t.user)}/max-channels`, { value: 2 });
        const conn = await amqp.connect(t.url);
        conn.on('error', () => {});
        const closed = new Promise<unknown>((r) => conn.once('close', r));
        await conn.createChannel();
        await conn.createChannel();
        const third = await conn.createChannel().then(
          () => 'opened',
          (e: Error) => e.message,
        );
        const err = (await closed) as Error;
        return { third: typeof third, code: closeReason(err).code, text: replyText(err) };
      }),
    );
  });
});

describe('channel_max', () => {
  test('a client that negotiates channel_max 2 may open two channels; the third is 530', async () => {
    await same(
      brokers.run({}, async (t) => {
        const u = new URL(t.url);
        const c = await RawAmqp.connect(Number(u.port));
        try {
          await c.handshake({ user: t.user, password: t.password, vhost: t.vhost, channelMax: 2 });
          await c.openChannel(1);
          await c.openChannel(2);
          c.send(3, 'channel.open', {});
          return await c.connectionClose();
        } finally {
          c.close();
        }
      }),
    );
  });
});

describe('bundled broker options', () => {
  let tb: TestBroker | undefined;
  afterEach(async () => {
    await tb?.stop();
    tb = undefined;
  });

  test('--channel-max and --frame-max are offered in connection.tune; channel-max is enforced', async () => {
    tb = await startTestBroker({ channelMax: 3, frameMax: 8192 });
    const c = await RawAmqp.connect(tb.port);
    try {
      c.write(PROTOCOL_HEADER);
      await c.method('connection.start', 0);
      c.send(0, 'connection.start-ok', {
        clientProperties: {},
        mechanism: 'PLAIN',
        response: Buffer.from('\0guest\0guest'),
        locale: 'en_US',
      });
      const tune = await c.method('connection.tune', 0);
      expect(tune.args).toMatchObject({ channelMax: 3, frameMax: 8192 });
      c.send(0, 'connection.tune-ok', { channelMax: 3, frameMax: 8192, heartbeat: 0 });
      c.send(0, 'connection.open', { virtualHost: '/' });
      await c.method('connection.open-ok', 0);
      for (const id of [1, 2, 3]) await c.openChannel(id);
      c.send(4, 'channel.open', {});
      expect(await c.connectionClose()).toEqual({
        code: 530,
        text: 'NOT_ALLOWED - number of channels opened (3) has reached the negotiated channel_max (3)',
        // rabbit_reader:create_channel raises it with method 'none'.
        classId: 0,
        methodId: 0,
      });
    } finally {
      c.close();
    }
  });

  test('--max-connections refuses the connection over it with 530', async () => {
    tb = await startTestBroker({ maxConnections: 1 });
    const keep: ChannelModel[] = [];
    try {
      expect(await tryConnect(tb.url, {}, keep)).toBe('opened');
      expect(await openOutcome(tb.url)).toEqual({
        code: 530,
        text: 'NOT_ALLOWED - connection refused: node connection limit (1) is reached',
        classId: 10,
        methodId: 40,
      });
      await closeAll(keep.splice(0));
      expect(await tryConnect(tb.url, {}, keep)).toBe('opened');
    } finally {
      await closeAll(keep);
    }
  });
});
