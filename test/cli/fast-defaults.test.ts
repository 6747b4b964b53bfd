// Fast by default (issue 9, item 1): how drain talks AMQP, watched through a decoding proxy
// (test/helpers/amqp-tap.ts), Nagle off on every socket the API and the broker open, and the
// regression check — `drain -c N` within 3× a raw amqplib consumer of the same messages, in the same run.
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { Connection } from '../../src/messaging/connection.js';
import { startTap } from '../helpers/amqp-tap.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { rabbitmqUrl, uniqueName } from '../helpers/rabbitmq.js';
import { killAll, lines, run } from './run-cli.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker();
});
afterAll(async () => {
  await tb?.stop();
});
afterEach(() => {
  killAll();
  vi.restoreAllMocks();
});

const brokers = (): [string, () => string][] => [
  ['bundled', () => tb.url],
  ...(rabbitmqUrl ? ([['rabbitmq', () => rabbitmqUrl as string]] as [string, () => string][]) : []),
];

/** host:port of an amqp URL, with guest credentials (what -b takes). */
function portOf(url: string): number {
  return Number(new URL(url).port);
}

async function fill(url: string, queue: string, n: number): Promise<void> {
  const conn = await amqp.connect(url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: false });
  for (let i = 0; i < n; i++) ch.sendToQueue(queue, Buffer.from(`m${i}`));
  await ch.waitForConfirms();
  await conn.close();
}

async function depth(url: string, queue: string): Promise<{ messages: number; redelivered: number }> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  let messages = 0;
  let redelivered = 0;
  for (let m = await ch.get(queue, { noAck: true }); m; m = await ch.get(queue, { noAck: true })) {
    messages++;
    if (m.fields.redelivered) redelivered++;
  }
  await ch.deleteQueue(queue);
  await conn.close();
  return { messages, redelivered };
}

describe.each(brokers())('drain on the wire (%s)', (_kind, urlOf) => {
  test('-c N subscribes with prefetch N, acknowledges with multiple, and takes exactly N', async () => {
    const url = urlOf();
    const q = uniqueName('fast-c');
    await fill(url, q, 300);
    let gets = 0;
    const tap = await startTap(portOf(url));
    try {
      const r = await run('drain', ['-b', `guest/guest@127.0.0.1:${tap.port}`, '-c', '200', q]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toHaveLength(200);
      expect(tap.methods('basic.consume')).toHaveLength(1);
      expect(tap.methods('basic.qos').map((m) => (m.args as { prefetchCount?: number }).prefetchCount)).toEqual([200]);
      const acks = tap.methods('basic.ack').map((m) => m.args as { multiple?: boolean });
      expect(acks.length).toBeGreaterThan(0);
      expect(acks.length).toBeLessThan(200);
      expect(acks.every((a) => a.multiple === true)).toBe(true);
      // At most the flush at a deadline polls; never one basic.get per message.
      expect(tap.methods('basic.get').length).toBeLessThanOrEqual(2);
      gets = tap.methods('basic.get').length;
    } finally {
      await tap.close();
    }
    // Nothing was prefetched beyond the 200 and handed back redelivered, except what a deadline flush
    // (one basic.get, outside the prefetch window) may have taken.
    const left = await depth(url, q);
    expect(left.messages).toBe(100);
    expect(left.redelivered).toBeLessThanOrEqual(gets);
  }, 30_000);

  test('until empty (no -c) also subscribes and gets every message', async () => {
    const url = urlOf();
    const q = uniqueName('fast-all');
    await fill(url, q, 500);
    const tap = await startTap(portOf(url));
    try {
      const r = await run('drain', ['-b', `127.0.0.1:${tap.port}`, q]);
      expect(r.code).toBe(0);
      expect(lines(r.stdout)).toHaveLength(500);
      expect(tap.methods('basic.consume')).toHaveLength(1);
      expect(tap.methods('basic.get').length).toBeLessThan(10);
    } finally {
      await tap.close();
    }
    expect((await depth(url, q)).messages).toBe(0);
  }, 30_000);

  test("-c 1 and --capacity 0 keep Qpid's one-at-a-time basic.get", async () => {
    const url = urlOf();
    const q = uniqueName('fast-one');
    await fill(url, q, 5);
    const tap = await startTap(portOf(url));
    try {
      expect(lines((await run('drain', ['-b', `127.0.0.1:${tap.port}`, '-c', '1', q])).stdout)).toHaveLength(1);
      expect(lines((await run('drain', ['-b', `127.0.0.1:${tap.port}`, '--capacity', '0', q])).stdout)).toHaveLength(4);
      expect(tap.methods('basic.consume')).toHaveLength(0);
      expect(tap.methods('basic.get').length).toBeGreaterThanOrEqual(5);
    } finally {
      await tap.close();
    }
    expect((await depth(url, q)).messages).toBe(0);
  }, 30_000);
});

describe('TCP_NODELAY by default', () => {
  test('the API and the broker disable Nagle on their sockets; tcpNodelay: false turns it back on', async () => {
    const calls: boolean[] = [];
    const original = Socket.prototype.setNoDelay;
    vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (this: Socket, on?: boolean) {
      calls.push(on !== false);
      return original.call(this, on);
    });
    const c = await Connection.establish(tb.url);
    await c.close();
    // One call from our client socket, one from the broker's accepted socket: both on.
    expect(calls.filter((on) => on).length).toBeGreaterThanOrEqual(2);
    calls.length = 0;
    const slow = await Connection.establish(tb.url, { tcpNodelay: false });
    await slow.close();
    expect(calls).toContain(false);
    expect(calls).toContain(true); // the broker's side stays on
  });

  test('the broker option tcpNoDelay: false leaves Nagle on for accepted sockets', async () => {
    const other = await startTestBroker({ tcpNoDelay: false });
    const calls: boolean[] = [];
    const original = Socket.prototype.setNoDelay;
    vi.spyOn(Socket.prototype, 'setNoDelay').mockImplementation(function (this: Socket, on?: boolean) {
      calls.push(on !== false);
      return original.call(this, on);
    });
    try {
      const c = await Connection.establish(other.url);
      await c.close();
    } finally {
      await other.stop();
    }
    expect(calls).toEqual(expect.arrayContaining([true, false]));
  });
});

/** Wall time of `node bench/raw-consumer.mjs url queue n`. */
function rawConsumer(url: string, queue: string, n: number): Promise<number> {
  const script = new URL('../../bench/raw-consumer.mjs', import.meta.url).pathname;
  const began = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, url, queue, String(n)], { stdio: ['ignore', 'ignore', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(killer);
      if (code === 0) resolve(Date.now() - began);
      else reject(new Error(`raw consumer exited ${code}`));
    });
  });
}

describe.each(brokers())('drain -c 10000 against a raw amqplib consumer (%s)', (_kind, urlOf) => {
  // Relative, in the same run, best of three: a loaded machine slows both alike. The Nagle failure this
  // guards against made drain ~100× slower; the goal is ≤ 3×.
  test('drain takes at most 3× the time of the raw consumer', async () => {
    const url = urlOf();
    const q = uniqueName('fast-bench');
    const N = 10_000;
    let bestDrain = Number.POSITIVE_INFINITY;
    let bestRaw = Number.POSITIVE_INFINITY;
    try {
      for (let round = 0; round < 3; round++) {
        const sent = await run('spout', ['-b', url, '-c', String(N), `${q}; {create: always}`], {
          killAfterMs: 60_000,
        });
        expect(sent.code).toBe(0);
        const drained = await run('drain', ['-b', url, '-c', String(N), q], { killAfterMs: 60_000 });
        expect(drained.code).toBe(0);
        expect(lines(drained.stdout)).toHaveLength(N);
        bestDrain = Math.min(bestDrain, drained.ms);
        await run('spout', ['-b', url, '-c', String(N), q], { killAfterMs: 60_000 });
        bestRaw = Math.min(bestRaw, await rawConsumer(url, q, N));
        if (bestDrain <= 3 * bestRaw) break;
      }
    } finally {
      await depth(url, q).catch(() => undefined);
    }
    expect(bestDrain).toBeLessThanOrEqual(3 * bestRaw);
  }, 240_000);
});
