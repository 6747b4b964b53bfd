// Benchmark scenarios. Each one runs against a broker URL with the same amqplib
// client, is bounded in message count AND wall time, and returns
// { value, unit, msgs, elapsedMs, cpuUs, timedOut, notes }: `msgs` is what the
// broker's CPU time is divided by (deliveries, or connections for `connections`).
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { cpuMicros } from './brokers.mjs';

const PREFETCH = 1000;
// Manual ack, `multiple` every ACK_EVERY deliveries per channel (same for both brokers).
const ACK_EVERY = 100;
const CONNECT_OPTS = { timeout: 10_000 };
// Latency and connection churn disable Nagle: amqplib leaves it on by default, and
// a 40 ms delayed-ACK stall would measure the TCP stack, not the broker.
const NODELAY_OPTS = { ...CONNECT_OPTS, noDelay: true };

let seq = 0;
const uniq = (prefix) => `bench-${process.pid}-${prefix}-${++seq}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Connections opened by a scenario run, so a stuck run can be torn down. */
class Tracker {
  conns = new Set();
  async connect(url, opts = CONNECT_OPTS) {
    const conn = await amqp.connect(url, opts);
    conn.on('error', () => {});
    this.conns.add(conn);
    conn.once('close', () => this.conns.delete(conn));
    return conn;
  }
  async closeAll() {
    await Promise.all(
      [...this.conns].map(async (conn) => {
        const t = setTimeout(() => conn.connection?.stream?.destroy(), 5000);
        await conn.close().catch(() => {});
        clearTimeout(t);
      }),
    );
    this.conns.clear();
  }
}

/** Waits for 'drain' after publish() returned false, but never past the deadline or a close. */
async function waitDrain(ch, deadline) {
  const ms = deadline - performance.now();
  if (ms <= 0) return;
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  try {
    await Promise.race([once(ch, 'drain', { signal: ac.signal }), once(ch, 'close', { signal: ac.signal })]);
  } catch {
    // aborted: deadline reached
  } finally {
    clearTimeout(t);
    ac.abort();
  }
}

/**
 * Consumers on `queues` (one channel each, prefetch 1000, manual multi-ack).
 * `done(target)` resolves once `target` deliveries arrived or the deadline passed.
 */
async function startConsumers(conn, queues, onMessage, bodySize) {
  let count = 0;
  let badBodies = 0;
  let target = Number.POSITIVE_INFINITY;
  let wake = () => {};
  for (const q of queues) {
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    await ch.prefetch(PREFETCH);
    let unacked = 0;
    await ch.consume(
      q,
      (msg) => {
        if (!msg) return;
        count++;
        if (bodySize !== undefined && msg.content.length !== bodySize) badBodies++;
        if (onMessage) onMessage(msg);
        if (++unacked >= ACK_EVERY) {
          ch.ack(msg, true);
          unacked = 0;
        }
        if (count >= target) wake();
      },
      { noAck: false },
    );
  }
  return {
    get count() {
      return count;
    },
    get badBodies() {
      return badBodies;
    },
    async done(finalTarget, deadline) {
      target = finalTarget;
      while (count < target && performance.now() < deadline) {
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(100, Math.max(0, deadline - performance.now())));
        });
      }
      return count >= target;
    },
  };
}

/**
 * Publishes up to `n` messages, honouring publish() === false, until the deadline.
 * `next(i)` gives [exchange, routingKey, body]. Returns how many were published.
 */
async function publishLoop(ch, n, deadline, next, onPublished) {
  let i = 0;
  for (; i < n; i++) {
    if ((i & 1023) === 0 && performance.now() > deadline) break;
    const [exchange, key, body] = next(i);
    const ok = ch.publish(exchange, key, body);
    if (onPublished) onPublished(i, key);
    if (!ok) {
      await waitDrain(ch, deadline);
      if (performance.now() > deadline) {
        i++;
        break;
      }
    }
  }
  return i;
}

/**
 * Shared shape of the throughput scenarios: declare, consume, publish, wait for
 * every expected delivery; CPU measured over the publish→last-delivery span only.
 */
async function throughput(broker, limits, { setup, count, next, fanoutOf, bodySize }) {
  const t = new Tracker();
  try {
    const pubConn = await t.connect(broker.url);
    const subConn = await t.connect(broker.url);
    const pub = await pubConn.createChannel();
    pub.on('error', () => {});
    const { queues, exchanges } = await setup(pub, subConn);
    const consumers = await startConsumers(subConn, queues, undefined, bodySize);

    const cpu0 = cpuMicros(broker.pid);
    const start = performance.now();
    const deadline = start + limits.timeMs;
    let expected = 0;
    const published = await publishLoop(pub, count, deadline, next, (_, key) => {
      expected += fanoutOf(key);
    });
    const complete = await consumers.done(expected, deadline + limits.graceMs);
    const elapsedMs = performance.now() - start;
    const cpu1 = cpuMicros(broker.pid);

    for (const x of exchanges) await pub.deleteExchange(x).catch(() => {});
    const delivered = consumers.count;
    return {
      value: (delivered / elapsedMs) * 1000,
      unit: 'msg/s',
      msgs: delivered,
      elapsedMs,
      cpuUs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
      timedOut: published < count || !complete,
      notes: `published ${published}/${count}, delivered ${delivered}/${expected}${consumers.badBodies ? `, ${consumers.badBodies} bodies of the wrong size` : ''}`,
      correct: delivered === expected && consumers.badBodies === 0,
    };
  } finally {
    await t.closeAll();
  }
}

/** (a) one publisher, one consumer, one queue. */
export function endToEnd(size) {
  return async (broker, limits) => {
    const body = Buffer.alloc(size, 0x61);
    const q = uniq(`e2e${size}`);
    return throughput(broker, limits, {
      count: limits.count,
      setup: async (_pub, subConn) => {
        const ch = await subConn.createChannel();
        await ch.assertQueue(q, { exclusive: true, durable: false });
        await ch.close();
        return { queues: [q], exchanges: [] };
      },
      next: () => ['', q, body],
      fanoutOf: () => 1,
      bodySize: size,
    });
  };
}

/** (b) fanout exchange to 10 queues, one consumer each. */
export function fanout(queueCount = 10) {
  return async (broker, limits) => {
    const body = Buffer.alloc(16, 0x62);
    const x = uniq('fanout');
    return throughput(broker, limits, {
      count: limits.count,
      setup: async (pub, subConn) => {
        await pub.assertExchange(x, 'fanout', { durable: false });
        const ch = await subConn.createChannel();
        const queues = [];
        for (let i = 0; i < queueCount; i++) {
          const { queue } = await ch.assertQueue(uniq('fanout-q'), { exclusive: true, durable: false });
          await ch.bindQueue(queue, x, '');
          queues.push(queue);
        }
        await ch.close();
        return { queues, exchanges: [x] };
      },
      next: () => [x, '', body],
      fanoutOf: () => queueCount,
      bodySize: body.length,
    });
  };
}

// --- (c) topic exchange -----------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  ['stock', 'fx', 'bond', 'fut', 'opt'],
  ['nyse', 'lse', 'tse', 'cme', 'xetra'],
  ['ibm', 'msft', 'aapl', 'goog', 'usd', 'eur'],
  ['buy', 'sell', 'quote', 'trade'],
];

/** Seeded bindings (mixed `*`/`#`) over `queueCount` queues, and a fixed set of routing keys. */
export function topicTopology(seed = 42, queueCount = 100, bindingCount = 1000, keyCount = 256) {
  const rnd = mulberry32(seed);
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const patterns = new Set();
  const bindings = [];
  while (bindings.length < bindingCount) {
    const len = 2 + Math.floor(rnd() * 3);
    const words = [];
    for (let i = 0; i < len; i++) {
      const r = rnd();
      const prev = words[words.length - 1];
      if (r < 0.75 || prev === '#') words.push(pick(WORDS[i]));
      else if (r < 0.94) words.push('*');
      else words.push('#');
    }
    const queue = bindings.length % queueCount;
    const pattern = words.join('.');
    if (patterns.has(`${queue} ${pattern}`)) continue;
    patterns.add(`${queue} ${pattern}`);
    bindings.push({ queue, pattern });
  }
  const keys = [];
  for (let i = 0; i < keyCount; i++) {
    const len = 3 + Math.floor(rnd() * 2);
    keys.push(Array.from({ length: len }, (_, j) => pick(WORDS[j])).join('.'));
  }
  // Deliveries per key: a queue gets a message once however many of its bindings match.
  const fanout = new Map();
  const targets = new Map();
  for (const key of keys) {
    const hit = new Set();
    for (const b of bindings) if (topicMatch(b.pattern.split('.'), key.split('.'))) hit.add(b.queue);
    fanout.set(key, hit.size);
    targets.set(key, hit);
  }
  return { bindings, keys, fanout, targets, queueCount };
}

function topicMatch(p, k, i = 0, j = 0) {
  if (i === p.length) return j === k.length;
  if (p[i] === '#') {
    for (let jj = j; jj <= k.length; jj++) if (topicMatch(p, k, i + 1, jj)) return true;
    return false;
  }
  if (j === k.length) return false;
  return (p[i] === '*' || p[i] === k[j]) && topicMatch(p, k, i + 1, j + 1);
}

export function topic(topology) {
  return async (broker, limits) => {
    const body = Buffer.alloc(16, 0x63);
    const x = uniq('topic');
    const { keys, bindings, fanout: fan, queueCount } = topology;
    return throughput(broker, limits, {
      count: limits.count,
      setup: async (pub, subConn) => {
        await pub.assertExchange(x, 'topic', { durable: false });
        const ch = await subConn.createChannel();
        const queues = [];
        for (let i = 0; i < queueCount; i++) {
          const { queue } = await ch.assertQueue(uniq('topic-q'), { exclusive: true, durable: false });
          queues.push(queue);
        }
        await Promise.all(bindings.map((b) => ch.bindQueue(queues[b.queue], x, b.pattern)));
        await ch.close();
        return { queues, exchanges: [x] };
      },
      next: (i) => [x, keys[i % keys.length], body],
      fanoutOf: (key) => fan.get(key),
      bodySize: body.length,
    });
  };
}

// --- (d) latency at a paced rate ----------------------------------------------

/**
 * Topic routing alone: the same 1000 bindings, no consumers, a confirm channel
 * with a window of outstanding publishes. A confirm means the broker routed the
 * message and enqueued it on every matching queue (RabbitMQ confirms a transient
 * message once all its queues accepted it), so confirmed/s is routed msg/s with
 * no consumer in the way: the figure the client's delivery parsing cannot cap.
 * Queues are bounded (x-max-length, drop-head) so memory stays bounded on both
 * brokers; the final depths are checked against the topology's expected counts.
 */
export function topicRouting(topology, maxLength = 2000, window = 2000) {
  return async (broker, limits) => {
    const body = Buffer.alloc(16, 0x63);
    const x = uniq('topic-r');
    const { keys, bindings, targets, queueCount } = topology;
    const t = new Tracker();
    try {
      const conn = await t.connect(broker.url);
      const ch = await conn.createConfirmChannel();
      ch.on('error', () => {});
      await ch.assertExchange(x, 'topic', { durable: false, autoDelete: false });
      const queues = [];
      for (let i = 0; i < queueCount; i++) {
        const { queue } = await ch.assertQueue(uniq('topic-r-q'), {
          exclusive: true,
          durable: false,
          arguments: { 'x-max-length': maxLength },
        });
        queues.push(queue);
      }
      await Promise.all(bindings.map((b) => ch.bindQueue(queues[b.queue], x, b.pattern)));
      const routedTo = new Array(queueCount).fill(0);

      const cpu0 = cpuMicros(broker.pid);
      const start = performance.now();
      const deadline = start + limits.timeMs;
      let published = 0;
      let confirmed = 0;
      let nacked = 0;
      let wake = () => {};
      const onConfirm = (err) => {
        if (err) nacked++;
        else confirmed++;
        wake();
      };
      while (published < limits.count && performance.now() < deadline) {
        while (published - confirmed - nacked >= window && performance.now() < deadline) {
          await new Promise((r) => {
            wake = r;
            setTimeout(r, 100);
          });
        }
        const key = keys[published % keys.length];
        for (const q of targets.get(key)) routedTo[q]++;
        ch.publish(x, key, body, {}, onConfirm);
        published++;
      }
      const graceEnd = deadline + limits.graceMs;
      while (confirmed + nacked < published && performance.now() < graceEnd) {
        await new Promise((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      const elapsedMs = performance.now() - start;
      const cpu1 = cpuMicros(broker.pid);
      let wrongDepth = 0;
      for (let q = 0; q < queueCount; q++) {
        const { messageCount } = await ch.checkQueue(queues[q]);
        if (messageCount !== Math.min(maxLength, routedTo[q])) wrongDepth++;
      }
      await ch.deleteExchange(x).catch(() => {});
      return {
        value: (confirmed / elapsedMs) * 1000,
        unit: 'msg/s',
        msgs: confirmed,
        elapsedMs,
        cpuUs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
        timedOut: published < limits.count || confirmed + nacked < published,
        notes: `published ${published}, confirmed ${confirmed}, nacked ${nacked}${wrongDepth ? `, ${wrongDepth} queues of the wrong depth` : ''}`,
        correct: confirmed === published && wrongDepth === 0,
      };
    } finally {
      await t.closeAll();
    }
  };
}

export function latency(rate = 1000) {
  return async (broker, limits) => {
    const t = new Tracker();
    try {
      const pubConn = await t.connect(broker.url, NODELAY_OPTS);
      const subConn = await t.connect(broker.url, NODELAY_OPTS);
      const q = uniq('latency');
      const setupCh = await subConn.createChannel();
      await setupCh.assertQueue(q, { exclusive: true, durable: false });
      await setupCh.close();
      const samples = [];
      const consumers = await startConsumers(subConn, [q], (msg) => {
        samples.push(performance.now() - msg.content.readDoubleLE(0));
      });
      const pub = await pubConn.createChannel();
      pub.on('error', () => {});

      const total = Math.min(limits.count, Math.round((rate * limits.durationMs) / 1000));
      const cpu0 = cpuMicros(broker.pid);
      const start = performance.now();
      const deadline = start + limits.timeMs;
      let sent = 0;
      // Send what the schedule says is due every 5 ms (a timer per message would be too coarse).
      while (sent < total && performance.now() < deadline) {
        const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        while (sent < due) {
          const body = Buffer.alloc(16);
          body.writeDoubleLE(performance.now(), 0);
          if (!pub.sendToQueue(q, body)) await waitDrain(pub, deadline);
          sent++;
        }
        await sleep(5);
      }
      const complete = await consumers.done(sent, deadline + limits.graceMs);
      const elapsedMs = performance.now() - start;
      const cpu1 = cpuMicros(broker.pid);
      const sorted = Float64Array.from(samples).sort();
      const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN);
      return {
        value: pct(0.5),
        extra: { p50: pct(0.5), p99: pct(0.99), max: sorted[sorted.length - 1] },
        unit: 'ms',
        msgs: consumers.count,
        elapsedMs,
        cpuUs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
        timedOut: sent < total || !complete,
        notes: `sent ${sent}/${total} at ${rate}/s, received ${consumers.count}`,
        correct: consumers.count === sent,
      };
    } finally {
      await t.closeAll();
    }
  };
}

// --- (e) connection churn ---------------------------------------------------

/**
 * Connection open+close, `parallel` loops at once (1 = sequential, which is
 * bound by round trips; more loops show what the broker itself can accept).
 */
export function connections(parallel = 1) {
  return async (broker, limits) => {
    const cpu0 = cpuMicros(broker.pid);
    // The client's CPU too: amqplib's side of a handshake costs more than the broker's, so it can be the limit.
    const client0 = process.cpuUsage();
    const start = performance.now();
    const deadline = start + limits.timeMs;
    let n = 0;
    const loop = async () => {
      while (n < limits.count && performance.now() < deadline) {
        n++;
        const conn = await amqp.connect(broker.url, NODELAY_OPTS);
        conn.on('error', () => {});
        await conn.close();
      }
    };
    await Promise.all(Array.from({ length: parallel }, loop));
    const elapsedMs = performance.now() - start;
    const cpu1 = cpuMicros(broker.pid);
    const client = process.cpuUsage(client0);
    const clientCpuUs = client.user + client.system;
    const what = parallel === 1 ? `${n} sequential open+close` : `${n} open+close, ${parallel} at a time`;
    return {
      value: (n / elapsedMs) * 1000,
      unit: 'conn/s',
      msgs: n,
      elapsedMs,
      cpuUs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined,
      clientCpuUs,
      timedOut: n < limits.count,
      notes: `${what}; bench client CPU ${Math.round(clientCpuUs / Math.max(1, n))} µs/conn`,
      correct: true,
    };
  };
}
