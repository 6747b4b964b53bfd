/**
 * kill -9 tests: the built `qpidd` runs as a child process on a temp data
 * directory (npm test builds dist/ first), is SIGKILLed while producers
 * publish persistent messages with confirms, and is started again on the
 * same directory. Every confirmed message must be back, once, in order per
 * producer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';

const BIN = new URL('../../bin/qpidd.js', import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Child {
  child: ChildProcess;
  /** The broker's own pid (not the wrapper's when started under a parent that does not reap). */
  pid: number;
  url: string;
  exited: Promise<unknown>;
  stderr(): string;
}

/**
 * Starts the built qpidd. With `unreaped`, it runs under a parent that never
 * reaps it (`sh` forks it and becomes `sleep`), so once killed it stays a
 * zombie that still answers kill(pid, 0) — as under a supervisor that has not
 * reaped it yet when the new broker starts.
 */
async function startQpidd(dir: string, unreaped = false): Promise<Child> {
  const args = [BIN, '--port', '0', '--interface', '127.0.0.1', '--data-dir', dir];
  const child = unreaped
    ? spawn('sh', ['-c', '"$0" "$@" & echo "broker-pid $!"; exec sleep 120', process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 15_000;
  let m: RegExpExecArray | null = null;
  while ((m = /qpidd listening on amqp:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)) === null) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`qpidd did not start; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const pid = unreaped ? Number(/broker-pid (\d+)/.exec(stdout)?.[1]) : (child.pid as number);
  return { child, pid, url: `amqp://guest:guest@127.0.0.1:${m[1]}`, exited, stderr: () => stderr };
}

async function kill9(c: Child): Promise<void> {
  c.child.kill('SIGKILL');
  await c.exited;
}

async function connect(url: string) {
  const conn = await amqp.connect(url);
  conn.on('error', () => {});
  return conn;
}

/** Publishes `${id}:${seq}` persistently with a window of confirms until the connection dies. */
async function produce(url: string, id: number, firstSeq: number, confirmed: Set<number>): Promise<number> {
  const conn = await connect(url);
  const ch = await conn.createConfirmChannel();
  ch.on('error', () => {});
  await ch.assertQueue('crash', { durable: true });
  let closed = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  conn.on('close', () => {
    closed = true;
    poke();
  });
  ch.on('drain', poke);
  let outstanding = 0;
  let seq = firstSeq;
  while (!closed) {
    if (outstanding >= 200) {
      await new Promise<void>((r) => {
        wake = r;
      });
      continue;
    }
    const n = seq++;
    outstanding++;
    let ok: boolean;
    try {
      ok = ch.publish('', 'crash', Buffer.from(`${id}:${n}`), { persistent: true }, (err: unknown) => {
        outstanding--;
        if (err == null) confirmed.add(n);
        poke();
      });
    } catch {
      break;
    }
    if (!ok)
      await new Promise<void>((r) => {
        wake = r;
      });
    // Let confirms and the socket breathe now and then.
    if (n % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  return seq;
}

/** Reads the whole queue without acking one by one: noAck consume of a known count. */
async function takeAll(url: string, queue: string): Promise<{ body: string; redelivered: boolean }[]> {
  const conn = await connect(url);
  const ch = await conn.createChannel();
  const { messageCount } = await ch.checkQueue(queue);
  const out: { body: string; redelivered: boolean }[] = [];
  if (messageCount > 0) {
    await new Promise<void>((resolve) => {
      ch.consume(
        queue,
        (m) => {
          if (m === null) return;
          out.push({ body: m.content.toString(), redelivered: m.fields.redelivered });
          if (out.length === messageCount) resolve();
        },
        { noAck: true },
      );
    });
  }
  // A confirmed persistent publish after the acks: the store writes in order, so once it is
  // confirmed the removals before it are on disk too.
  const cc = await conn.createConfirmChannel();
  await cc.assertQueue('marker', { durable: true });
  cc.sendToQueue('marker', Buffer.from('m'), { persistent: true });
  await cc.waitForConfirms();
  await conn.close();
  return out;
}

describe('disk store: kill -9', () => {
  it('keeps every confirmed persistent message across SIGKILLs at random moments, once and in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-crash-'));
    dirs.push(dir);
    const producers = 3;
    const nextSeq = Array.from({ length: producers }, () => 0);
    let totalConfirmed = 0;
    let qpidd = await startQpidd(dir);
    for (let round = 0; round < 4; round++) {
      const roundStart = [...nextSeq];
      const confirmed = Array.from({ length: producers }, () => new Set<number>());
      const running = confirmed.map((set, id) => produce(qpidd.url, id, nextSeq[id] as number, set));
      await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 600)));
      await kill9(qpidd);
      const ended = await Promise.all(running.map((p) => p.catch(() => undefined)));
      for (const [id, seq] of ended.entries()) if (seq !== undefined) nextSeq[id] = seq;

      qpidd = await startQpidd(dir);
      const got = await takeAll(qpidd.url, 'crash');
      const seen = Array.from({ length: producers }, () => [] as number[]);
      for (const m of got) {
        const [id, n] = m.body.split(':').map(Number) as [number, number];
        (seen[id] as number[]).push(n);
      }
      for (let id = 0; id < producers; id++) {
        const s = seen[id] as number[];
        // In order and no duplicates: strictly increasing; nothing from an earlier round.
        for (let i = 1; i < s.length; i++) expect(s[i]).toBeGreaterThan(s[i - 1] as number);
        if (s.length > 0) expect(s[0]).toBeGreaterThanOrEqual(roundStart[id] as number);
        const present = new Set(s);
        const missing = [...(confirmed[id] as Set<number>)].filter((n) => !present.has(n));
        expect(missing).toEqual([]);
        totalConfirmed += (confirmed[id] as Set<number>).size;
        // Producers that had not connected yet when the broker died start again from the same place.
        nextSeq[id] = Math.max(nextSeq[id] as number, (s[s.length - 1] ?? -1) + 1);
      }
    }
    expect(totalConfirmed).toBeGreaterThan(0);
    await kill9(qpidd);
  }, 90_000);

  it('redelivers, marked redelivered, what a killed consumer held, also after the broker is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-crash-'));
    dirs.push(dir);
    let qpidd = await startQpidd(dir);
    const pub = await connect(qpidd.url);
    const ch = await pub.createConfirmChannel();
    await ch.assertQueue('work', { durable: true });
    for (let i = 0; i < 50; i++) ch.sendToQueue('work', Buffer.from(`w${i}`), { persistent: true });
    await ch.waitForConfirms();

    // A consumer takes everything and dies without acking (its socket is cut).
    const victim = await connect(qpidd.url);
    const vch = await victim.createChannel();
    vch.on('error', () => {});
    let received = 0;
    await new Promise<void>((resolve) => {
      vch.consume('work', () => {
        if (++received === 50) resolve();
      });
    });
    (victim as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    // A confirmed persistent publish orders the store's delivered marks before it.
    await ch.assertQueue('marker', { durable: true });
    ch.sendToQueue('marker', Buffer.from('m'), { persistent: true });
    await ch.waitForConfirms();
    await pub.close();

    await kill9(qpidd);
    qpidd = await startQpidd(dir);
    const got = await takeAll(qpidd.url, 'work');
    expect(got.map((m) => m.body)).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`));
    expect(got.every((m) => m.redelivered)).toBe(true);
    await kill9(qpidd);
  }, 60_000);

  it('starts again at once after kill -9, in a loop, while the killed broker is still an unreaped zombie', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-crash-'));
    dirs.push(dir);
    const rounds = 8;
    let qpidd = await startQpidd(dir, true);
    for (let round = 0; round < rounds; round++) {
      const conn = await connect(qpidd.url);
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue('k', { durable: true });
      ch.sendToQueue('k', Buffer.from(`r${round}`), { persistent: true });
      await ch.waitForConfirms();
      // No delay: the next broker is spawned in the same tick as the kill.
      process.kill(qpidd.pid, 'SIGKILL');
      const next = startQpidd(dir, round < rounds - 1);
      qpidd = await next;
      expect(qpidd.stderr()).not.toMatch(/in use/);
      const check = await connect(qpidd.url);
      const { messageCount } = await (await check.createChannel()).checkQueue('k');
      expect(messageCount).toBe(round + 1);
      await check.close();
    }
    await kill9(qpidd);
  }, 120_000);

  it('re-applies max-length to what recovery brings back (drop-head, dead-lettered "maxlen"), as RabbitMQ', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-crash-'));
    dirs.push(dir);
    let qpidd = await startQpidd(dir);
    const conn = await connect(qpidd.url);
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue('over-dlq', { durable: true });
    await ch.assertQueue('capped', {
      durable: true,
      arguments: { 'x-max-length': 3, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'over-dlq' },
    });
    for (const b of ['m0', 'm1', 'm2']) ch.sendToQueue('capped', Buffer.from(b), { persistent: true });
    await ch.waitForConfirms();
    // A consumer holds m0..m2 unacknowledged, so three more fit under the limit (it counts ready ones).
    const held = await conn.createChannel();
    let got = 0;
    await new Promise<void>((resolve) => {
      held.consume('capped', () => {
        if (++got === 3) resolve();
      });
    });
    for (const b of ['m3', 'm4', 'm5']) ch.sendToQueue('capped', Buffer.from(b), { persistent: true });
    await ch.waitForConfirms();
    await kill9(qpidd);
    qpidd = await startQpidd(dir);
    // Six come back (the held three redelivered): three over the limit, and the head goes
    // (rabbit_amqqueue_process:init_max_length runs maybe_drop_head when a queue starts).
    expect((await takeAll(qpidd.url, 'capped')).map((m) => m.body)).toEqual(['m3', 'm4', 'm5']);
    expect((await takeAll(qpidd.url, 'over-dlq')).map((m) => m.body)).toEqual(['m0', 'm1', 'm2']);
    await kill9(qpidd);
  }, 30_000);

  it('refuses a second qpidd on the same data directory with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qpid-crash-'));
    dirs.push(dir);
    const first = await startQpidd(dir);
    const second = spawn(process.execPath, [BIN, '--port', '0', '--interface', '127.0.0.1', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(second);
    let err = '';
    second.stderr?.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => second.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/^qpidd: data directory .* is in use by another broker \(pid \d+/);
    // The first one is unharmed and still serves.
    const conn = await connect(first.url);
    await conn.close();
    await kill9(first);
  }, 30_000);
});
