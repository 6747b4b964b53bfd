/**
 * Body budget of the disk store: persistent messages on durable queues keep
 * their bodies in RAM only up to `messageMemoryBudget` bytes; the rest are
 * read back from the segments on delivery, after a restart too. Transient
 * messages are not affected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import type { DiskStore } from '../../src/broker/store/disk-store.js';
import { MESSAGE_OVERHEAD } from '../../src/broker/stored-message.js';

const BUDGET = 1024 * 1024;
const SIZE = 32 * 1024;
/** 20 MiB of persistent bodies. */
const COUNT = 640;

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop().catch(() => {});
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ broker: Broker; store: DiskStore; url: string }> {
  const broker = await Broker.start({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    messageMemoryBudget: BUDGET,
    logger: () => {},
  });
  brokers.push(broker);
  return { broker, store: broker.store as DiskStore, url: `amqp://guest:guest@127.0.0.1:${broker.port}` };
}

async function stop(broker: Broker): Promise<void> {
  brokers.splice(brokers.indexOf(broker), 1);
  await broker.stop();
}

/** A body whose every byte depends on its index, so a body read from the wrong place shows. */
function body(i: number, size = SIZE): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (i + 1) * 2654435761;
  for (let o = 0; o < size; o++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[o] = x >>> 24;
  }
  b.writeUInt32BE(i, 0);
  return b;
}

/** Upper bound of the memory alarm's account when only `resident` body bytes are in RAM. */
function accountBound(resident: number, count: number): number {
  // Header payloads of these messages are well under 256 bytes.
  return resident + count * (MESSAGE_OVERHEAD + 256);
}

/**
 * Consumes and acks the first `count` messages of `queue`, checking each against `expected(i)` in
 * order, then closes the channel: deliveries past `count` (prefetch) go back to the queue.
 */
async function consume(conn: amqp.ChannelModel, queue: string, count: number, expected: (i: number) => Buffer) {
  const ch = await conn.createChannel();
  await ch.prefetch(50);
  let n = 0;
  let bad: string | undefined;
  await new Promise<void>((resolve, reject) => {
    ch.consume(queue, (m) => {
      if (m === null) return reject(new Error('consumer cancelled'));
      if (n >= count) return;
      if (bad === undefined && !m.content.equals(expected(n))) bad = `message ${n} differs`;
      n++;
      ch.ack(m);
      if (n === count) resolve();
    }).catch(reject);
  });
  // channel.close-ok comes after the broker has handled every ack sent before it.
  await ch.close();
  expect(bad).toBeUndefined();
}

describe('disk store body budget', () => {
  it('keeps RAM-held bodies within the budget, delivers every body intact, and recovers within it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-paging-'));
    dirs.push(dir);
    const first = await start(dir);
    const conn = await amqp.connect(first.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('big', { durable: true });
    await ch.assertQueue('transient', { durable: true });
    for (let i = 0; i < COUNT; i += 32) {
      for (let j = i; j < i + 32; j++) ch.sendToQueue('big', body(j), { persistent: true });
      await ch.waitForConfirms();
      expect(first.store.bodyBytesInMemory).toBeLessThanOrEqual(BUDGET + SIZE);
    }
    // Transient messages (even on a durable queue) stay in RAM and are counted in full.
    const transient = 20;
    for (let i = 0; i < transient; i++) ch.sendToQueue('transient', body(10_000 + i), { persistent: false });
    await ch.waitForConfirms();
    expect(first.store.stats.pagedOut).toBeGreaterThan(COUNT / 2);
    expect(first.broker.messageBytes).toBeGreaterThanOrEqual(transient * SIZE);
    expect(first.broker.messageBytes).toBeLessThanOrEqual(
      accountBound(BUDGET + SIZE + transient * SIZE, COUNT + transient),
    );

    // A paged-out message goes back to its place on requeue and is read again.
    const got = await ch.get('big');
    expect(got).not.toBe(false);
    if (got !== false) {
      expect(got.content.equals(body(0))).toBe(true);
      ch.nack(got, false, true);
    }
    // Half now (read back from disk), half after a restart.
    const half = COUNT / 2;
    const reads = first.store.stats.bodyReads;
    await consume(conn, 'big', half, (i) => body(i));
    expect(first.store.stats.bodyReads).toBeGreaterThan(reads);
    await consume(conn, 'transient', transient, (i) => body(10_000 + i));
    await conn.close();
    await stop(first.broker);

    const second = await start(dir);
    expect(second.store.bodyBytesInMemory).toBeLessThanOrEqual(BUDGET);
    expect(second.store.stats.pagedOut).toBeGreaterThan(0);
    expect(second.broker.messageBytes).toBeLessThanOrEqual(accountBound(BUDGET, half));
    const conn2 = await amqp.connect(second.url);
    await consume(conn2, 'big', half, (i) => body(half + i));
    // Every body was released: the memory alarm's account is back to zero.
    expect(second.store.bodyBytesInMemory).toBe(0);
    expect(second.broker.messageBytes).toBe(0);
    await conn2.close();
  });

  it('keeps bodies in RAM while a transient queue holds the message too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-paging-'));
    dirs.push(dir);
    const { broker, store, url } = await start(dir);
    const conn = await amqp.connect(url);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange('fan', 'fanout', { durable: true });
    await ch.assertQueue('d', { durable: true });
    await ch.assertQueue('t', { durable: false });
    await ch.bindQueue('d', 'fan', '');
    await ch.bindQueue('t', 'fan', '');
    const n = 100;
    for (let i = 0; i < n; i++) ch.publish('fan', '', body(i), { persistent: true });
    await ch.waitForConfirms();
    // Only messages every holder of which is a durable queue are paged out.
    expect(store.stats.pagedOut).toBe(0);
    // The durable copies go first; the transient queue still delivers every body.
    await consume(conn, 'd', n, (i) => body(i));
    await consume(conn, 't', n, (i) => body(i));
    expect(broker.messageBytes).toBe(0);
    await conn.close();
  });
});
