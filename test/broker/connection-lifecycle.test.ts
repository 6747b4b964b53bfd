/**
 * Heartbeats, handshake timeout, the memory alarm (connection.blocked) and
 * socket backpressure on the bundled broker.
 */
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType, PROTOCOL_HEADER } from '../../src/protocol/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { RawAmqp } from '../helpers/raw-amqp.js';

let tb: TestBroker | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

describe('heartbeats', () => {
  it('sends heartbeats at the negotiated interval and drops a peer silent for two intervals', async () => {
    tb = await startTestBroker({ heartbeat: 1 });
    const c = await RawAmqp.open(tb.port, { heartbeat: 1 });
    const hb = await c.next((f) => f.type === FrameType.HEARTBEAT, 3000);
    expect(hb.channel).toBe(0);
    // We never send anything: the broker must close the socket after ~2 s.
    expect(await c.waitEnded(6000)).toBe(true);
  });

  it('keeps a connection whose client heartbeats', async () => {
    tb = await startTestBroker({ heartbeat: 1 });
    const conn = await amqp.connect(`${tb.url}?heartbeat=1`);
    let closed = false;
    conn.on('close', () => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 3500));
    expect(closed).toBe(false);
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('', { exclusive: true });
    expect(q.queue).toMatch(/^amq\.gen-/);
    await conn.close();
  });

  it('heartbeat 0 from the client disables heartbeats', async () => {
    tb = await startTestBroker({ heartbeat: 1 });
    const c = await RawAmqp.open(tb.port, { heartbeat: 0 });
    await new Promise((r) => setTimeout(r, 2500));
    expect(c.ended).toBe(false);
    expect(c.frames.filter((f) => f.type === FrameType.HEARTBEAT)).toHaveLength(0);
    c.close();
  });
});

describe('handshake timeout', () => {
  it('drops a client that connects and says nothing', async () => {
    tb = await startTestBroker({ handshakeTimeoutMs: 300 });
    const c = await RawAmqp.connect(tb.port);
    expect(await c.waitEnded(3000)).toBe(true);
  });

  it('drops a client that stops after the protocol header', async () => {
    tb = await startTestBroker({ handshakeTimeoutMs: 300 });
    const c = await RawAmqp.connect(tb.port);
    c.write(PROTOCOL_HEADER);
    await c.method('connection.start', 0);
    expect(await c.waitEnded(3000)).toBe(true);
  });
});

describe('memory alarm', () => {
  it('blocks publishers above the high-water mark and unblocks them below it', async () => {
    tb = await startTestBroker({ memoryHighWatermark: 2_000_000 });
    const conn = await amqp.connect(tb.url);
    const events: string[] = [];
    conn.on('blocked', (reason: string) => events.push(`blocked:${reason}`));
    conn.on('unblocked', () => events.push('unblocked'));
    const ch = await conn.createChannel();
    const q = await ch.assertQueue('alarm-q');
    const body = Buffer.alloc(4096, 1);
    // ~4 MB into a queue nobody consumes: the alarm must trip on the way.
    for (let i = 0; i < 1000; i++) {
      if (!ch.sendToQueue(q.queue, body)) await new Promise((r) => ch.once('drain', r));
    }
    await until(() => events.includes('blocked:low on memory'));
    expect(tb.broker.alarmActive).toBe(true);
    // While blocked, the broker stops reading this publisher: the queue does not reach 1000.
    const admin = await amqp.connect(tb.url);
    const ach = await admin.createChannel();
    const depth = (await ach.checkQueue(q.queue)).messageCount;
    expect(depth).toBeLessThan(1000);
    await ach.purgeQueue(q.queue);
    await until(() => events.includes('unblocked'));
    // Reading resumes, and what the publisher had sent arrives (and may trip the alarm again).
    await until(async () => (await ach.checkQueue(q.queue)).messageCount > 0);
    await admin.close();
    await conn.close();
  });
});

describe('socket backpressure', () => {
  it('holds the backlog in the queue, not in the socket buffer, when a consumer does not read', async () => {
    tb = await startTestBroker();
    const consumer = await RawAmqp.open(tb.port);
    await consumer.openChannel(1);
    const qname = 'slow-consumer-q';
    consumer.send(1, 'queue.declare', { queue: qname });
    await consumer.method('queue.declare-ok', 1);
    consumer.send(1, 'basic.consume', { queue: qname, consumerTag: 'slow', noAck: true });
    await consumer.method('basic.consume-ok', 1);
    consumer.socket.pause();

    const pub = await amqp.connect(tb.url);
    const ch = await pub.createConfirmChannel();
    const body = Buffer.alloc(64 * 1024, 7);
    const total = 800; // 50 MB
    for (let i = 0; i < total; i++) {
      if (!ch.sendToQueue(qname, body)) await new Promise((r) => ch.once('drain', r));
    }
    await ch.waitForConfirms();
    const conn = [...tb.broker.connections].find((c) => c.channels.get(1)?.consumerCount === 1);
    expect(conn).toBeDefined();
    const buffered = (conn?.socket.writableLength ?? 0) + (conn?.out.size ?? 0);
    // Far less than the 50 MB sent: the rest waits in the queue.
    expect(buffered).toBeLessThan(20 * 1024 * 1024);
    const queued = tb.broker.vhosts.get('/')?.queues.get(qname)?.messageCount ?? 0;
    expect(queued).toBeGreaterThan(0);

    // Once the consumer reads again, every message arrives.
    let bytes = 0;
    consumer.socket.on('data', (d: Buffer) => {
      bytes += d.length;
    });
    consumer.socket.resume();
    await until(() => (tb?.broker.vhosts.get('/')?.queues.get(qname)?.messageCount ?? 1) === 0, 20_000);
    await until(() => bytes > 0);
    consumer.close();
    await pub.close();
  }, 60_000);
});
