// Every permission rule of issue 12, positive and negative, against RabbitMQ and
// the bundled broker: each scenario gets its own vhost and user, provisioned
// through the management API on both, and what the client saw must be equal
// (reply codes and full reply texts, with the unique names in them).
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { describe, expect, test } from 'vitest';
import { openOutcome, useTenantBrokers } from '../helpers/access.js';
import { closeReason, replyText } from '../helpers/parity.js';

const brokers = useTenantBrokers();

type Seen = { ok: unknown } | { code: number | null; text: string | null };

/** RabbitMQ's server-named queues differ per run: amq.gen-XXXX → amq.gen-*. */
const normal = (t: string | null) => t?.replace(/amq\.gen-[A-Za-z0-9_-]+/g, 'amq.gen-*') ?? null;

/** Runs `fn` on a fresh channel: its result, or the code and text the server closed the channel with. */
async function onChannel(conn: ChannelModel, fn: (ch: Channel) => Promise<unknown>): Promise<Seen> {
  const ch = await conn.createChannel();
  let closedWith: Error | undefined;
  ch.on('error', (e: Error) => {
    closedWith = e;
  });
  try {
    const r = await fn(ch);
    // A refused publish shows up only as the channel's close: give it a round trip to arrive.
    await ch.checkExchange('amq.direct').catch(() => {});
    await ch.close().catch(() => {});
    if (closedWith) return { code: closeReason(closedWith).code, text: normal(replyText(closedWith)) };
    return { ok: r ?? true };
  } catch (e) {
    const err = closedWith ?? e;
    return { code: closeReason(err).code, text: normal(replyText(err)) };
  }
}

async function asTenant<T>(url: string, fn: (conn: ChannelModel) => Promise<T>): Promise<T> {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  try {
    return await fn(conn);
  } finally {
    await conn.close().catch(() => {});
  }
}

/** Runs a scenario on both brokers and asserts they agree (and, when given, on what). */
async function same<T>(
  run: Promise<{ bundled: T; rabbitmq: { ran: true; result: T } | { ran: false } }>,
  expected?: T,
) {
  const { bundled, rabbitmq } = await run;
  if (rabbitmq.ran) expect(bundled, 'bundled broker vs RabbitMQ').toEqual(rabbitmq.result);
  if (expected !== undefined) expect(bundled).toEqual(expected);
  return bundled;
}

const APP_ONLY = { configure: '^app-.*', write: '^app-.*', read: '^app-.*' };
const ALL = { configure: '.*', write: '.*', read: '.*' };
const NONE = { configure: '', write: '', read: '' };

describe('configure: declare and delete', () => {
  test('a user with ^app-.* configure declares app-orders and not orders; the connection stays usable', async () => {
    const r = await same(
      brokers.run({ permissions: APP_ONLY }, (t, ctx) =>
        asTenant(t.url, async (conn) => ({
          allowed: await onChannel(conn, (ch) => ch.assertQueue(`app-${ctx.name('orders')}`).then((q) => q.queue)),
          refused: await onChannel(conn, (ch) => ch.assertQueue(ctx.name('orders'))),
          serverNamed: await onChannel(conn, (ch) => ch.assertQueue('')),
          exchange: await onChannel(conn, (ch) => ch.assertExchange(ctx.name('x'), 'topic')),
          appExchange: await onChannel(conn, (ch) => ch.assertExchange(`app-${ctx.name('x')}`, 'topic')),
          after: await onChannel(conn, (ch) => ch.checkQueue(`app-${ctx.name('orders')}`).then((q) => q.queue)),
        })),
      ),
    );
    expect(r.refused).toMatchObject({ code: 403 });
    expect((r.refused as { text: string }).text).toMatch(
      /^ACCESS_REFUSED - access to queue '.*' in vhost '.*' refused for user '.*'$/,
    );
  });

  test('delete needs configure; passive declares need nothing; amq.* and the default exchange are refused first', async () => {
    await same(
      brokers.run({ permissions: { configure: '^app-', write: '.*', read: '.*' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => {
          // Made by the admin (guest), so they exist in the tenant's vhost.
          const admin = await amqp.connect(t.url.replace(/\/\/[^@]+@/, '//guest:guest@'));
          const ach = await admin.createChannel();
          await ach.assertQueue(ctx.name('q'));
          await ach.assertExchange(ctx.name('x'), 'direct');
          await admin.close();
          return {
            passiveQueue: await onChannel(conn, (ch) => ch.checkQueue(ctx.name('q')).then((q) => q.messageCount)),
            passiveExchange: await onChannel(conn, (ch) => ch.checkExchange(ctx.name('x'))),
            deleteQueue: await onChannel(conn, (ch) => ch.deleteQueue(ctx.name('q'))),
            deleteMissingQueue: await onChannel(conn, (ch) => ch.deleteQueue(`${ctx.name('gone')}`)),
            deleteExchange: await onChannel(conn, (ch) => ch.deleteExchange(ctx.name('x'))),
            reservedQueue: await onChannel(conn, (ch) => ch.assertQueue(`amq.${ctx.name('q')}`)),
            reservedExchange: await onChannel(conn, (ch) => ch.assertExchange(`amq.${ctx.name('x')}`, 'direct')),
            deleteAmq: await onChannel(conn, (ch) => ch.deleteExchange('amq.direct')),
            redeclareAmq: await onChannel(conn, (ch) => ch.assertExchange('amq.direct', 'direct')),
          };
        }),
      ),
    );
  });

  test('a dead-letter exchange needs read on the queue and write on the exchange; an AE likewise', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '^ok-', read: '.*' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => ({
          dlxRefused: await onChannel(conn, (ch) =>
            ch.assertQueue(ctx.name('q1'), { deadLetterExchange: ctx.name('dlx') }),
          ),
          dlxAllowed: await onChannel(conn, (ch) =>
            ch.assertQueue(ctx.name('q2'), { deadLetterExchange: `ok-${ctx.name('dlx')}` }).then((q) => q.queue),
          ),
          aeRefused: await onChannel(conn, (ch) =>
            ch.assertExchange(ctx.name('x1'), 'direct', { alternateExchange: ctx.name('ae') }),
          ),
          aeAllowed: await onChannel(conn, (ch) =>
            ch.assertExchange(ctx.name('x2'), 'direct', { alternateExchange: `ok-${ctx.name('ae')}` }),
          ),
        })),
      ),
    );
  });
});

describe('write: publish', () => {
  test('publish needs write on the exchange (amq.default for the default exchange), before the exchange is looked up', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '^app-', read: '.*' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => ({
          setup: await onChannel(conn, (ch) => ch.assertExchange(`app-${ctx.name('x')}`, 'fanout')),
          allowed: await onChannel(conn, async (ch) => ch.publish(`app-${ctx.name('x')}`, '', Buffer.from('m'))),
          defaultExchange: await onChannel(conn, async (ch) => ch.sendToQueue(ctx.name('q'), Buffer.from('m'))),
          missingExchange: await onChannel(conn, async (ch) => ch.publish(ctx.name('nowhere'), '', Buffer.from('m'))),
          amqTopic: await onChannel(conn, async (ch) => ch.publish('amq.topic', 'k', Buffer.from('m'))),
        })),
      ),
    );
  });

  test('with write on amq.default the default exchange delivers', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '^amq\\.default$', read: '.*' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => ({
          sent: await onChannel(conn, async (ch) => {
            await ch.assertQueue(ctx.name('q'));
            ch.sendToQueue(ctx.name('q'), Buffer.from('hello'));
            await new Promise((r) => setTimeout(r, 100));
            const m = await ch.get(ctx.name('q'), { noAck: true });
            return m ? m.content.toString() : null;
          }),
        })),
      ),
    );
  });
});

describe('bindings', () => {
  test('queue.bind needs write on the queue and read on the exchange; unbind the same', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '^w-', read: '^r-' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => {
          const q = (p: string) => `${p}-${ctx.name('q')}`;
          const x = (p: string) => `${p}-${ctx.name('x')}`;
          await onChannel(conn, async (ch) => {
            for (const p of ['w', 'r', 'n']) {
              await ch.assertQueue(q(p));
              await ch.assertExchange(x(p), 'direct');
            }
          });
          return {
            ok: await onChannel(conn, (ch) => ch.bindQueue(q('w'), x('r'), 'k')),
            noWriteOnQueue: await onChannel(conn, (ch) => ch.bindQueue(q('r'), x('r'), 'k')),
            noReadOnExchange: await onChannel(conn, (ch) => ch.bindQueue(q('w'), x('w'), 'k')),
            defaultExchange: await onChannel(conn, (ch) => ch.bindQueue(q('w'), '', 'k')),
            unbindOk: await onChannel(conn, (ch) => ch.unbindQueue(q('w'), x('r'), 'k')),
            unbindRefused: await onChannel(conn, (ch) => ch.unbindQueue(q('n'), x('r'), 'k')),
          };
        }),
      ),
    );
  });

  test('exchange.bind needs write on the destination and read on the source', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '^w-', read: '^r-' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => {
          const x = (p: string) => `${p}-${ctx.name('x')}`;
          await onChannel(conn, async (ch) => {
            for (const p of ['w', 'r']) await ch.assertExchange(x(p), 'topic');
          });
          return {
            ok: await onChannel(conn, (ch) => ch.bindExchange(x('w'), x('r'), '#')),
            noWrite: await onChannel(conn, (ch) => ch.bindExchange(x('r'), x('r'), '#')),
            noRead: await onChannel(conn, (ch) => ch.bindExchange(x('w'), x('w'), '#')),
            unbindNoWrite: await onChannel(conn, (ch) => ch.unbindExchange(x('r'), x('r'), '#')),
          };
        }),
      ),
    );
  });
});

describe('read: consume, get, purge', () => {
  test('consume, get and purge need read on the queue', async () => {
    await same(
      brokers.run({ permissions: { configure: '.*', write: '.*', read: '^r-' } }, (t, ctx) =>
        asTenant(t.url, async (conn) => {
          const readable = `r-${ctx.name('q')}`;
          const other = ctx.name('q');
          await onChannel(conn, async (ch) => {
            await ch.assertQueue(readable);
            await ch.assertQueue(other);
          });
          return {
            consumeOk: await onChannel(conn, (ch) => ch.consume(readable, () => {}).then(() => true)),
            consume: await onChannel(conn, (ch) => ch.consume(other, () => {})),
            getOk: await onChannel(conn, (ch) => ch.get(readable)),
            get: await onChannel(conn, (ch) => ch.get(other)),
            purgeOk: await onChannel(conn, (ch) => ch.purgeQueue(readable).then((r) => r.messageCount)),
            purge: await onChannel(conn, (ch) => ch.purgeQueue(other)),
          };
        }),
      ),
    );
  });

  test('empty permissions allow nothing but the connection itself', async () => {
    await same(
      brokers.run({ permissions: NONE }, (t, ctx) =>
        asTenant(t.url, async (conn) => ({
          declare: await onChannel(conn, (ch) => ch.assertQueue(ctx.name('q'))),
          publish: await onChannel(conn, async (ch) => ch.publish('amq.fanout', '', Buffer.from('x'))),
          passive: await onChannel(conn, (ch) => ch.checkExchange('amq.fanout')),
        })),
      ),
    );
  });
});

describe('connection.open', () => {
  const openResult = openOutcome;

  test('no permissions on the vhost → 530 "access to vhost refused"; unknown vhost → 530 "not found"', async () => {
    await same(
      brokers.run({ permissions: null }, async (t) => ({
        noPermissions: await openResult(t.url),
        unknownVhost: await openResult(t.url.replace(/\/[^/]*$/, `/${encodeURIComponent(`${t.vhost}-missing`)}`)),
        withAll: await (async () => {
          await fetch(new URL(`/api/permissions/${encodeURIComponent(t.vhost)}/${t.user}`, t.mgmtUrl), {
            method: 'PUT',
            headers: {
              authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify(ALL),
          });
          return openResult(t.url);
        })(),
      })),
    );
  });
});
