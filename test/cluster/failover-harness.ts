// A producer and a consumer on the messaging API, each on a reconnecting Connection with the three
// cluster URLs, while the node each one is connected to is killed (kill -9) and restarted.
// Records what resolved, what was received and acknowledged, and how long each side stalled.
import { Connection, Message, type Receiver, type Sender } from '../../src/index.js';
import { clusterApi, clusterUrls, killNode, restartNode } from '../helpers/cluster.js';

export interface Delivery {
  readonly seq: number;
  readonly redelivered: boolean;
  /** Date.now() at arrival. */
  readonly at: number;
  /** acknowledge() completed with a round trip on a channel that stayed up (the broker processed it). */
  acked: boolean;
}

export interface Outage {
  readonly side: 'producer' | 'consumer';
  readonly node: number;
  /** ms from the kill until that side made progress again (a send resolved / a message arrived). */
  readonly resumeMs: number;
  /** Date.now() of the kill. */
  readonly at: number;
  /** The queue's leader (quorum) or home node (classic) just before the kill, from the management API. */
  readonly leader: string;
}

export interface FailoverRun {
  readonly resolved: number[];
  readonly deliveries: Delivery[];
  readonly outages: Outage[];
  readonly sendErrors: string[];
  /** Sync sends per second in the 2 s before the first kill and the 2 s after the last restart. */
  readonly throughputBefore: number;
  readonly throughputAfter: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Index (0..2) of the cluster node a connection is on, from its current URL's port. */
export function nodeOf(c: Connection): number {
  const port = c.url ? new URL(c.url).port : '';
  return clusterUrls.findIndex((u) => new URL(u).port === port);
}

/** The three URLs starting at node `first`: the order a client fails over in. */
export function urlsFrom(first: number): [string, string[]] {
  const order = [0, 1, 2].map((i) => clusterUrls[(first + i) % 3] as string);
  return [order[0] as string, order.slice(1)];
}

export function open(first: number): Promise<Connection> {
  const [url, rest] = urlsFrom(first);
  return Connection.establish(url, {
    reconnect: true,
    reconnectUrls: rest,
    reconnectIntervalMin: 0.2,
    reconnectIntervalMax: 1,
    reconnectTimeout: 120,
  });
}

async function until(what: string, fn: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await Promise.resolve(fn()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Waits until all three nodes run and, for a quorum queue, all three members are online again. */
export async function awaitHealthy(queue: string, quorum: boolean): Promise<void> {
  await until(
    'three running nodes',
    async () => {
      const nodes = await clusterApi<{ running: boolean }[]>(0, '/api/nodes?columns=running');
      return nodes.filter((n) => n.running).length === 3;
    },
    90_000,
  );
  if (!quorum) return;
  await until(
    `quorum members of ${queue} online`,
    async () => {
      const q = await clusterApi<{ online?: string[] }>(0, `/api/queues/%2F/${encodeURIComponent(queue)}`);
      return (q.online ?? []).length === 3;
    },
    90_000,
  );
}

class Producer {
  readonly resolved: number[] = [];
  readonly resolvedAt: number[] = [];
  readonly errors: string[] = [];
  private seq = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(
    readonly connection: Connection,
    private sender: Sender,
    private readonly reopen: () => Promise<Sender>,
    private readonly maxCount: number,
  ) {}
  start(): void {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    while (!this.stopped && this.seq < this.maxCount) {
      const seq = this.seq++;
      try {
        await this.sender.send(new Message({ content: `m${seq}`, durable: true, properties: { seq } }), {
          sync: true,
        });
        this.resolved.push(seq);
        this.resolvedAt.push(Date.now());
      } catch (err) {
        // A sync send that did not resolve is not counted: it may or may not arrive (at-least-once).
        this.errors.push(`${seq}: ${(err as Error).message}`);
        await sleep(200);
        // A link whose node could not be re-resolved (a classic queue's home node down: 404) stays
        // failed; the application opens a new one, as it would in production.
        this.sender = await this.reopen().catch(() => this.sender);
      }
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
  /** Sends resolved after `t`. */
  resolvedAfter(t: number): number {
    return this.resolvedAt.filter((x) => x > t).length;
  }
}

class Consumer {
  readonly deliveries: Delivery[] = [];
  readonly arrivedAt: number[] = [];
  private disconnects = 0;
  failures = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  constructor(
    readonly connection: Connection,
    private receiver: Receiver,
    private readonly reopen: () => Promise<Receiver>,
  ) {
    connection.on('disconnected', () => {
      this.disconnects++;
    });
  }
  start(): void {
    this.loop = this.run();
  }
  private async run(): Promise<void> {
    const session = this.receiver.session;
    while (!this.stopped) {
      const before = this.disconnects;
      let m: Message | undefined;
      try {
        m = await this.receiver.get(0.5);
      } catch {
        this.failures++;
        await sleep(200);
        this.receiver = await this.reopen().catch(() => this.receiver);
        continue;
      }
      if (!m) continue;
      const d: Delivery = {
        seq: Number(m.properties['seq']),
        redelivered: m.redelivered,
        at: Date.now(),
        acked: false,
      };
      this.deliveries.push(d);
      this.arrivedAt.push(Date.now());
      await session.acknowledge(m).catch(() => undefined);
      d.acked = this.disconnects === before;
    }
  }
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
  receivedAfter(t: number): boolean {
    return this.arrivedAt.some((x) => x > t);
  }
}

export interface FailoverOptions {
  readonly address: string;
  readonly queue: string;
  readonly quorum: boolean;
  /** Kill/restart rounds; each kills the producer's node, then the consumer's. */
  readonly rounds: number;
  /** Upper bound on messages sent. */
  readonly maxCount: number;
  /** How long to wait for the consumer to catch up at the end (ms). */
  readonly drainMs: number;
}

async function killAndMeasure(
  side: 'producer' | 'consumer',
  conn: Connection,
  queue: string,
  progressed: (t: number) => boolean,
): Promise<Outage> {
  const node = nodeOf(conn);
  const info = await clusterApi<{ leader?: string; node?: string }>(
    (node + 1) % 3,
    `/api/queues/%2F/${encodeURIComponent(queue)}`,
  ).catch(() => ({}) as { leader?: string; node?: string });
  const leader = info.leader ?? info.node ?? '?';
  if (node < 0) throw new Error(`${side} is not connected to a cluster node (${conn.url})`);
  const t = Date.now();
  await killNode(node);
  let resumeMs = -1;
  const deadline = t + 60_000;
  while (Date.now() < deadline) {
    if (progressed(t)) {
      resumeMs = Date.now() - t;
      break;
    }
    await sleep(20);
  }
  await restartNode(node);
  return { side, node, resumeMs, at: t, leader };
}

/** Runs producer + consumer through `rounds` kill/restart rounds; returns everything observed. */
export async function runFailover(o: FailoverOptions): Promise<FailoverRun> {
  // The producer starts on node a (the queue's leader/home, declared there), the consumer on b.
  const pc = await open(0);
  const cc = await open(1);
  try {
    const ps = await pc.session();
    const cs = await cc.session();
    const openSender = () => ps.sender(o.address);
    const openReceiver = () => cs.receiver(o.queue, { capacity: 20 });
    const producer = new Producer(pc, await openSender(), openSender, o.maxCount);
    const consumer = new Consumer(cc, await openReceiver(), openReceiver);
    producer.start();
    consumer.start();
    await sleep(2000);
    const tBefore = Date.now();
    const throughputBefore = producer.resolvedAt.filter((x) => x > tBefore - 2000).length / 2;
    const outages: Outage[] = [];
    for (let r = 0; r < o.rounds; r++) {
      outages.push(await killAndMeasure('producer', pc, o.queue, (t) => producer.resolvedAfter(t) > 0));
      await awaitHealthy(o.queue, o.quorum);
      outages.push(await killAndMeasure('consumer', cc, o.queue, (t) => consumer.receivedAfter(t)));
      await awaitHealthy(o.queue, o.quorum);
    }
    const tAfter = Date.now();
    await sleep(2000);
    const throughputAfter = producer.resolvedAfter(tAfter) / 2;
    await producer.stop();
    const want = new Set(producer.resolved);
    const deadline = Date.now() + o.drainMs;
    while (Date.now() < deadline) {
      const got = new Set(consumer.deliveries.map((d) => d.seq));
      if ([...want].every((s) => got.has(s))) break;
      await sleep(200);
    }
    await sleep(500);
    await consumer.stop();
    return {
      resolved: producer.resolved,
      deliveries: consumer.deliveries,
      outages,
      sendErrors: producer.errors,
      throughputBefore,
      throughputAfter,
    };
  } finally {
    await pc.close().catch(() => undefined);
    await cc.close().catch(() => undefined);
  }
}

/** Figures for the report: resume p50/p99 (nearest rank), duplicates, losses. */
export function summarize(run: FailoverRun) {
  const resumes = run.outages.map((o) => o.resumeMs).sort((a, b) => a - b);
  const rank = (p: number) => resumes[Math.min(resumes.length - 1, Math.ceil((p / 100) * resumes.length) - 1)] ?? -1;
  const received = new Set(run.deliveries.map((d) => d.seq));
  const seen = new Set<number>();
  let duplicates = 0;
  for (const d of run.deliveries) {
    if (seen.has(d.seq)) duplicates++;
    seen.add(d.seq);
  }
  return {
    sent: run.resolved.length,
    delivered: run.deliveries.length,
    lost: run.resolved.filter((s) => !received.has(s)).length,
    duplicates,
    resumeP50Ms: rank(50),
    resumeP99Ms: rank(99),
    resumes: run.outages.map((o) => `${o.side}@${'abc'[o.node]}:${o.resumeMs}ms (leader ${o.leader})`),
    throughputBefore: run.throughputBefore,
    throughputAfter: run.throughputAfter,
    sendErrors: run.sendErrors.length,
    againAfterAck: againAfterAck(run),
  };
}

/** Deliveries of a seq after one of its deliveries was acknowledged (must be none). */
export function redeliveredAfterAck(run: FailoverRun): number[] {
  const acked = new Set<number>();
  const bad: number[] = [];
  for (const d of run.deliveries) {
    if (acked.has(d.seq)) bad.push(d.seq);
    if (d.acked) acked.add(d.seq);
  }
  return bad;
}

/**
 * Per-producer order: taking each seq at its first delivery, the sequence only goes up, except for
 * messages the broker marked redelivered and re-sent copies of the send that was in flight at a kill.
 */
export function orderViolations(run: FailoverRun): number[] {
  const seen = new Set<number>();
  const bad: number[] = [];
  let last = -1;
  for (const d of run.deliveries) {
    if (seen.has(d.seq) || d.redelivered) {
      seen.add(d.seq);
      continue;
    }
    seen.add(d.seq);
    if (d.seq < last) bad.push(d.seq);
    last = Math.max(last, d.seq);
  }
  return bad;
}

/** Where acknowledged messages came again: per preceding kill, how many and whether flagged redelivered. */
function againAfterAck(run: FailoverRun): string[] {
  const acked = new Set<number>();
  const by = new Map<string, number>();
  for (const d of run.deliveries) {
    if (acked.has(d.seq)) {
      const kill = [...run.outages].reverse().find((o) => o.at <= d.at);
      const key = `${kill ? `${kill.side}@${'abc'[kill.node]}` : 'none'}/redelivered=${d.redelivered}`;
      by.set(key, (by.get(key) ?? 0) + 1);
    }
    if (d.acked) acked.add(d.seq);
  }
  return [...by].map(([k, n]) => `${k}:${n}`);
}

/** Deliveries of an already acknowledged seq: flagged redelivered by the broker, or not (a re-sent copy). */
export function repeatsAfterAck(run: FailoverRun): { flagged: number; unflagged: number } {
  const acked = new Set<number>();
  let flagged = 0;
  let unflagged = 0;
  for (const d of run.deliveries) {
    if (acked.has(d.seq)) {
      if (d.redelivered) flagged++;
      else unflagged++;
    }
    if (d.acked) acked.add(d.seq);
  }
  return { flagged, unflagged };
}
