/**
 * Restart tests of the disk store: a broker on a temp data directory is
 * stopped and started again on the same directory, and the durable state
 * (and only the durable state) must come back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import type { LogLevel } from '../../src/broker/options.js';
import type { DiskStore } from '../../src/broker/store/disk-store.js';

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'qpid-store-'));
  dirs.push(d);
  return d;
}

interface Started {
  broker: Broker;
  url: string;
  logs: { level: LogLevel; message: string }[];
}

async function start(dataDir: string): Promise<Started> {
  const logs: { level: LogLevel; message: string }[] = [];
  const broker = await Broker.start({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logLevel: 'info',
    logger: (level, message) => logs.push({ level, message }),
  });
  brokers.push(broker);
  return { broker, url: `amqp://guest:guest@127.0.0.1:${broker.port}`, logs };
}

async function stop(s: Started): Promise<void> {
  brokers.splice(brokers.indexOf(s.broker), 1);
  await s.broker.stop();
}

async function connect(url: string) {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  return conn;
}

/** Publishes with confirms and waits for all of them. */
async function publishConfirmed(
  ch: amqp.ConfirmChannel,
  exchange: string,
  key: string,
  bodies: string[],
  opts: amqp.Options.Publish = { persistent: true },
) {
  for (const b of bodies) ch.publish(exchange, key, Buffer.from(b), opts);
  await ch.waitForConfirms();
}

/** basic.get until empty; returns bodies and redelivered flags, acking each. */
async function drain(ch: amqp.Channel, queue: string): Promise<{ body: string; redelivered: boolean }[]> {
  const out: { body: string; redelivered: boolean }[] = [];
  for (;;) {
    const m = await ch.get(queue);
    if (m === false) return out;
    out.push({ body: m.content.toString(), redelivered: m.fields.redelivered });
    ch.ack(m);
  }
}

function segmentFiles(dir: string, ext: 'msg' | 'ack'): string[] {
  return readdirSync(join(dir, 'messages'))
    .filter((n) => n.endsWith(`.${ext}`))
    .sort()
    .map((n) => join(dir, 'messages', n));
}

describe('disk store: durable topology', () => {
  it('restores durable exchanges, queues with arguments and bindings between durable things, and nothing else', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    let ch = await conn.createChannel();
    await ch.assertExchange('ae', 'fanout', { durable: true });
    await ch.assertExchange('dx', 'topic', { durable: true, arguments: { 'alternate-exchange': 'ae' } });
    await ch.assertExchange('dx2', 'headers', { durable: true, autoDelete: false, internal: true });
    await ch.assertExchange('tx', 'direct', { durable: false });
    await ch.assertQueue('dq', {
      durable: true,
      arguments: {
        'x-max-priority': 5,
        'x-message-ttl': 3_600_000,
        'x-dead-letter-exchange': 'ae',
        'x-overflow': 'reject-publish',
      },
    });
    await ch.assertQueue('dq2', { durable: true });
    await ch.assertQueue('tq', { durable: false });
    await ch.assertQueue('', { exclusive: true, durable: true });
    await ch.bindQueue('dq', 'dx', 'a.*');
    await ch.bindQueue('dq2', 'amq.topic', 'b.#', { x: 'one' });
    await ch.bindQueue('dq2', 'ae', '');
    await ch.bindExchange('dx2', 'dx', 'c.#');
    await ch.bindQueue('dq', 'dx2', '', { 'x-match': 'any', k: 'v' });
    await ch.bindQueue('tq', 'dx', 'transient-queue');
    await ch.bindQueue('dq', 'tx', 'transient-exchange');
    await ch.bindExchange('tx', 'dx', 'to-transient');
    // Declared and deleted again: not restored.
    await ch.assertQueue('gone', { durable: true });
    await ch.deleteQueue('gone');
    await ch.assertExchange('gone-x', 'direct', { durable: true });
    await ch.deleteExchange('gone-x');
    await ch.assertQueue('unbound', { durable: true });
    await ch.bindQueue('unbound', 'dx', 'k');
    await ch.unbindQueue('unbound', 'dx', 'k');
    await conn.close();
    const argsBefore = s.broker.vhosts.get('/')?.queues.get('dq')?.args;
    expect(argsBefore?.['x-overflow']).toBe('reject-publish');
    await stop(s);

    s = await start(dir);
    const v = s.broker.vhosts.get('/');
    expect(v).toBeDefined();
    if (v === undefined) return;
    const dx = v.exchanges.get('dx');
    expect(dx?.type).toBe('topic');
    expect(dx?.durable).toBe(true);
    expect(dx?.args).toEqual({ 'alternate-exchange': 'ae' });
    expect(v.exchanges.get('dx2')).toMatchObject({ type: 'headers', internal: true, durable: true });
    expect(v.exchanges.has('tx')).toBe(false);
    expect(v.exchanges.has('gone-x')).toBe(false);
    expect([...v.queues.keys()].sort()).toEqual(['dq', 'dq2', 'unbound']);
    // Field types survive exactly (amqplib sends small integers as typed int8 and so on).
    expect(v.queues.get('dq')?.args).toEqual(argsBefore);
    expect(v.queues.get('dq')?.settings.maxPriority).toBe(5);
    const bindings = (x: string) =>
      [...(v.exchanges.get(x)?.router.entries() ?? [])].map((b) => ({
        to: b.destination.name,
        key: b.bindingKey,
        args: b.args,
      }));
    expect(bindings('dx')).toEqual(
      expect.arrayContaining([
        { to: 'dq', key: 'a.*', args: {} },
        { to: 'dx2', key: 'c.#', args: {} },
      ]),
    );
    expect(bindings('dx')).toHaveLength(2);
    expect(bindings('amq.topic')).toEqual([{ to: 'dq2', key: 'b.#', args: { x: 'one' } }]);
    expect(bindings('ae')).toEqual([{ to: 'dq2', key: '', args: {} }]);
    expect(bindings('dx2')).toEqual([{ to: 'dq', key: '', args: { 'x-match': 'any', k: 'v' } }]);

    // The restored topology routes: an unroutable message goes to the alternate exchange.
    conn = await connect(s.url);
    ch = await conn.createChannel();
    ch.publish('dx', 'nomatch', Buffer.from('via-ae'));
    ch.publish('dx', 'c.1', Buffer.from('via-e2e'), { headers: { k: 'v' } });
    await ch.checkQueue('dq');
    expect((await drain(ch, 'dq2')).map((m) => m.body)).toEqual(['via-ae']);
    expect((await drain(ch, 'dq')).map((m) => m.body)).toEqual(['via-e2e']);
    await conn.close();
  });

  it('restores vhosts created at run time', async () => {
    const dir = tempDir();
    let s = await start(dir);
    const v = s.broker.addVhost('extra');
    v.declareQueue({ name: 'q', passive: false, durable: true, exclusive: false, autoDelete: false, args: {} }, {});
    await stop(s);
    s = await start(dir);
    expect(s.broker.vhosts.get('extra')?.queues.has('q')).toBe(true);
  });
});

describe('disk store: persistent messages', () => {
  it('keeps persistent messages on durable queues in order, not transient ones or those on transient queues', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('dq', { durable: true });
    await ch.assertQueue('tq', { durable: false });
    const bodies = Array.from({ length: 500 }, (_, i) => `m${i}`);
    for (const [i, b] of bodies.entries()) {
      ch.publish('', 'dq', Buffer.from(b), {
        persistent: true,
        messageId: `id${i}`,
        headers: { n: i, s: 'x' },
        priority: 3,
      });
      if (i % 7 === 0) ch.publish('', 'dq', Buffer.from(`transient${i}`), { persistent: false });
      if (i % 9 === 0) ch.publish('', 'tq', Buffer.from(`tq${i}`), { persistent: true });
    }
    await ch.waitForConfirms();
    await conn.close();
    await stop(s);

    s = await start(dir);
    expect(s.logs.some((l) => l.level === 'notice' && /recovered .* 500 messages .* in \d+ ms/.test(l.message))).toBe(
      true,
    );
    conn = await connect(s.url);
    const c2 = await conn.createChannel();
    expect((await c2.checkQueue('dq')).messageCount).toBe(500);
    const probe = await conn.createChannel();
    probe.on('error', () => {});
    await expect(probe.checkQueue('tq')).rejects.toThrow(/404/);
    const got: amqp.GetMessage[] = [];
    for (;;) {
      const m = await c2.get('dq', { noAck: true });
      if (m === false) break;
      got.push(m);
    }
    expect(got.map((m) => m.content.toString())).toEqual(bodies);
    expect(got.every((m) => !m.fields.redelivered)).toBe(true);
    expect(got[42]?.properties).toMatchObject({
      messageId: 'id42',
      headers: { n: 42, s: 'x' },
      priority: 3,
      deliveryMode: 2,
    });
    expect(got[42]?.fields).toMatchObject({ exchange: '', routingKey: 'dq' });
    await conn.close();
  });

  it('writes a message routed to several durable queues once and restores it to each', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange('fan', 'fanout', { durable: true });
    for (const q of ['a', 'b', 'c']) {
      await ch.assertQueue(q, { durable: true });
      await ch.bindQueue(q, 'fan', '');
    }
    const body = 'x'.repeat(100_000);
    await publishConfirmed(ch, 'fan', '', [body, `${body}2`]);
    await conn.close();
    await stop(s);
    const bytes = segmentFiles(dir, 'msg').reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeGreaterThan(200_000);
    expect(bytes).toBeLessThan(300_000);

    s = await start(dir);
    conn = await connect(s.url);
    const c2 = await conn.createChannel();
    // Acked from one queue, still there in the others after another restart.
    expect((await drain(c2, 'a')).map((m) => m.body.length)).toEqual([100_000, 100_001]);
    await conn.close();
    await stop(s);
    s = await start(dir);
    conn = await connect(s.url);
    const c3 = await conn.createChannel();
    expect((await c3.checkQueue('a')).messageCount).toBe(0);
    expect((await drain(c3, 'b')).length).toBe(2);
    expect((await drain(c3, 'c')).length).toBe(2);
    await conn.close();
  });

  it('records acks, rejects, purges and deletes; marks delivered-but-unacked messages redelivered', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('q', { durable: true });
    await ch.assertQueue('purged', { durable: true });
    await ch.assertQueue('deleted', { durable: true });
    await publishConfirmed(ch, '', 'q', ['0', '1', '2', '3', '4', '5', '6', '7']);
    await publishConfirmed(ch, '', 'purged', ['p0', 'p1']);
    await publishConfirmed(ch, '', 'deleted', ['d0']);
    const consumer = await conn.createChannel();
    await consumer.prefetch(4);
    const seen: amqp.ConsumeMessage[] = [];
    await new Promise<void>((resolve) => {
      consumer.consume('q', (m) => {
        if (m === null) return;
        seen.push(m);
        if (seen.length === 4) resolve();
      });
    });
    // 0 acked, 1 rejected without requeue, 2 and 3 stay unacknowledged; no more deliveries after the cancel.
    await consumer.cancel((seen[0] as amqp.ConsumeMessage).fields.consumerTag);
    consumer.ack(seen[0] as amqp.ConsumeMessage);
    consumer.reject(seen[1] as amqp.ConsumeMessage, false);
    await ch.purgeQueue('purged');
    await ch.deleteQueue('deleted');
    await ch.assertQueue('deleted', { durable: true });
    // Round trip so the ack and reject have been processed before the broker stops.
    await consumer.checkQueue('q');
    await stop(s);

    s = await start(dir);
    conn = await connect(s.url);
    const c2 = await conn.createChannel();
    expect(await drain(c2, 'q')).toEqual([
      { body: '2', redelivered: true },
      { body: '3', redelivered: true },
      { body: '4', redelivered: false },
      { body: '5', redelivered: false },
      { body: '6', redelivered: false },
      { body: '7', redelivered: false },
    ]);
    expect(await drain(c2, 'purged')).toEqual([]);
    expect(await drain(c2, 'deleted')).toEqual([]);
    await conn.close();
  });

  it('keeps messages committed in a transaction and not those rolled back', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('q', { durable: true });
    // amqplib has no tx API; its generic rpc sends any method and waits for the named reply.
    const raw = ch as unknown as { rpc(m: number, f: object, e: number): Promise<unknown> };
    const txRpc = (method: number, reply: number) => raw.rpc(method, {}, reply);
    const TX_SELECT = (90 << 16) | 10;
    const TX_COMMIT = (90 << 16) | 20;
    const TX_ROLLBACK = (90 << 16) | 30;
    await txRpc(TX_SELECT, TX_SELECT + 1);
    ch.sendToQueue('q', Buffer.from('committed'), { persistent: true });
    await txRpc(TX_COMMIT, TX_COMMIT + 1);
    ch.sendToQueue('q', Buffer.from('rolled back'), { persistent: true });
    await txRpc(TX_ROLLBACK, TX_ROLLBACK + 1);
    await conn.close();
    await stop(s);
    s = await start(dir);
    conn = await connect(s.url);
    expect((await drain(await conn.createChannel(), 'q')).map((m) => m.body)).toEqual(['committed']);
    await conn.close();
  });

  it('keeps priority order and dead-lettered persistent copies', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange('dlx', 'fanout', { durable: true });
    await ch.assertQueue('dead', { durable: true });
    await ch.bindQueue('dead', 'dlx', '');
    await ch.assertQueue('prio', {
      durable: true,
      arguments: { 'x-max-priority': 9, 'x-dead-letter-exchange': 'dlx' },
    });
    for (const [b, p] of [
      ['low', 1],
      ['high', 9],
      ['mid', 5],
      ['high2', 9],
      ['reject-me', 0],
    ] as const) {
      ch.publish('', 'prio', Buffer.from(b), { persistent: true, priority: p });
    }
    await ch.waitForConfirms();
    // Take everything, reject the lowest so it is dead-lettered, requeue the rest.
    const taken: amqp.GetMessage[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await ch.get('prio');
      if (m) taken.push(m);
    }
    expect(taken.map((m) => m.content.toString())).toEqual(['high', 'high2', 'mid', 'low', 'reject-me']);
    ch.reject(taken[4] as amqp.GetMessage, false);
    for (const m of taken.slice(0, 4)) ch.nack(m, false, true);
    await ch.checkQueue('prio');
    await conn.close();
    await stop(s);

    s = await start(dir);
    conn = await connect(s.url);
    const c2 = await conn.createChannel();
    expect(await drain(c2, 'prio')).toEqual([
      { body: 'high', redelivered: true },
      { body: 'high2', redelivered: true },
      { body: 'mid', redelivered: true },
      { body: 'low', redelivered: true },
    ]);
    const dead = await c2.get('dead');
    if (dead === false) throw new Error('no dead-lettered message');
    expect(dead.content.toString()).toBe('reject-me');
    expect(dead.properties.headers?.['x-death']?.[0]?.reason).toBe('rejected');
    await conn.close();
  });

  it('deletes segment files once their messages are consumed', async () => {
    const dir = tempDir();
    let s = await start(dir);
    const conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('big', { durable: true });
    const mib = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 20; i++) ch.publish('', 'big', mib, { persistent: true });
    await ch.waitForConfirms();
    expect(segmentFiles(dir, 'msg').length).toBeGreaterThanOrEqual(3);
    const c2 = await conn.createChannel();
    expect((await drain(c2, 'big')).length).toBe(20);
    // One more persistent round trip makes the store flush the acks (and roll the emptied segment).
    await publishConfirmed(ch, '', 'big', ['tail']);
    await drain(c2, 'big');
    await publishConfirmed(ch, '', 'big', ['tail2']);
    const bytes = segmentFiles(dir, 'msg').reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes).toBeLessThan(1024 * 1024);
    await conn.close();
    await stop(s);
    s = await start(dir);
    expect(s.broker.vhosts.get('/')?.queues.get('big')?.messageCount).toBe(1);
  });
});

describe('disk store: acknowledgements and queue limits across a restart', () => {
  it('fsyncs acknowledgement records in the same group commit as the messages', async () => {
    const s = await start(tempDir());
    const store = s.broker.store as DiskStore;
    const conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('acked', { durable: true });
    await publishConfirmed(ch, '', 'acked', ['a', 'b']);
    const before = store.sideSyncs;
    expect(await drain(ch, 'acked')).toHaveLength(2);
    // The acks' batch is done once a later confirmed publish is (batches complete in order).
    await publishConfirmed(ch, '', 'marker', ['m']);
    expect(store.sideSyncs).toBeGreaterThan(before);
    await conn.close();
  });

  it('expires recovered messages whose TTL ran out while the broker was down, dead-lettering them', async () => {
    const dir = tempDir();
    let s = await start(dir);
    let conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('dlq', { durable: true });
    await ch.assertQueue('ttl', {
      durable: true,
      arguments: { 'x-message-ttl': 2000, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'dlq' },
    });
    await publishConfirmed(ch, '', 'ttl', ['t0', 't1']);
    await ch.assertQueue('short', { durable: true });
    await publishConfirmed(ch, '', 'short', ['gone'], { persistent: true, expiration: '300' });
    await publishConfirmed(ch, '', 'short', ['kept'], { persistent: true });
    await conn.close();
    await stop(s);
    await new Promise((r) => setTimeout(r, 2100));
    s = await start(dir);
    conn = await connect(s.url);
    const c2 = await conn.createChannel();
    expect((await c2.checkQueue('ttl')).messageCount).toBe(0);
    expect((await drain(c2, 'dlq')).map((m) => m.body)).toEqual(['t0', 't1']);
    expect((await drain(c2, 'short')).map((m) => m.body)).toEqual(['kept']);
    await conn.close();
  });
});

describe('disk store: damaged files and the lock', () => {
  async function fiveMessages(dir: string): Promise<void> {
    const s = await start(dir);
    const conn = await connect(s.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('q', { durable: true });
    await publishConfirmed(ch, '', 'q', ['m0', 'm1', 'm2', 'm3', 'm4']);
    await conn.close();
    await stop(s);
  }

  it('drops a truncated tail record with a warning and keeps the rest', async () => {
    const dir = tempDir();
    await fiveMessages(dir);
    const [seg] = segmentFiles(dir, 'msg');
    if (seg === undefined) throw new Error('no segment');
    truncateSync(seg, statSync(seg).size - 3);
    const s = await start(dir);
    const warn = s.logs.find((l) => l.level === 'warn' && l.message.includes('torn record'));
    expect(warn?.message).toContain(seg);
    const conn = await connect(s.url);
    expect((await drain(await conn.createChannel(), 'q')).map((m) => m.body)).toEqual(['m0', 'm1', 'm2', 'm3']);
    await conn.close();
    await stop(s);
    // The file was cut back to whole records: no warning the second time.
    const again = await start(dir);
    expect(again.logs.some((l) => l.level === 'warn')).toBe(false);
  });

  it('refuses to start on a corrupt record in the middle, naming the file and offset, and leaves the files alone', async () => {
    const dir = tempDir();
    await fiveMessages(dir);
    const [seg] = segmentFiles(dir, 'msg');
    if (seg === undefined) throw new Error('no segment');
    const buf = readFileSync(seg);
    // The first record starts after the 8-byte file magic; flip the last byte of its body.
    const firstLen = 9 + buf.readUInt32BE(8);
    buf[8 + firstLen - 1] ^= 0xff;
    writeFileSync(seg, buf);
    await expect(start(dir)).rejects.toThrow(new RegExp(`corrupt record in ${seg.replace(/[.]/g, '\\.')} at offset 8`));
    expect(readFileSync(seg).equals(buf)).toBe(true);
    // The failed start released the lock: a repaired directory starts (here: the segment removed).
    rmSync(seg);
    const s = await start(dir);
    expect(s.broker.vhosts.get('/')?.queues.get('q')?.messageCount).toBe(0);
  });

  it('allows one broker per data directory', async () => {
    const dir = tempDir();
    const s = await start(dir);
    await expect(start(dir)).rejects.toThrow(/data directory .* is in use by another broker \(pid \d+/);
    await stop(s);
    const again = await start(dir);
    expect(again.broker.port).toBeGreaterThan(0);
  });

  it('takes over the lock of a process that is gone', async () => {
    const dir = tempDir();
    // A pid that cannot be running: above the kernel's pid_max.
    writeFileSync(join(dir, 'lock'), '99999999\n');
    const s = await start(dir);
    expect(s.logs.some((l) => l.level === 'warn' && l.message.includes('pid 99999999'))).toBe(true);
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('disk store: disk free limit', () => {
  it('blocks publishers with connection.blocked "low on disk" while free space is below the limit', async () => {
    const dir = tempDir();
    const logs: string[] = [];
    const broker = await Broker.start({ port: 0, host: '127.0.0.1', dataDir: dir, logger: (_l, m) => logs.push(m) });
    brokers.push(broker);
    expect(broker.alarmActive).toBe(false);
    const conn = await connect(`amqp://guest:guest@127.0.0.1:${broker.port}`);
    const blocked = new Promise<string>((resolve) => conn.on('blocked', resolve));
    const unblocked = new Promise<void>((resolve) => conn.on('unblocked', resolve));
    // A limit no filesystem can meet: the alarm is set at the next check.
    broker.options.diskFreeLimit = Number.MAX_SAFE_INTEGER;
    expect(await blocked).toBe('low on disk');
    expect(broker.alarmActive).toBe(true);
    expect(logs.some((m) => m.startsWith('disk alarm set'))).toBe(true);
    broker.options.diskFreeLimit = 1;
    await unblocked;
    expect(broker.alarmActive).toBe(false);
    await conn.close();
  });
});
