/**
 * The Node RPC and notification code against the real oslo.messaging 14 (Debian's
 * python3-oslo.messaging, which .ci/run installs), on the bundled broker and on RabbitMQ: Node client →
 * Python servers, Python client → Node servers, and notifications both ways (seed 004's programs).
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import {
  MessagingTimeout,
  NotificationListener,
  Notifier,
  RemoteError,
  RpcClient,
  RpcServer,
  Target,
} from '../../src/rpc/index.js';
import { messagingTargets } from '../helpers/messaging.js';
import { rpcScope } from '../helpers/rpc.js';

const scope = rpcScope('oslo');
afterAll(() => scope.cleanup());

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const PEER = new URL('./clients/oslo_peer.py', import.meta.url).pathname;

async function hasOslo(): Promise<boolean> {
  if (!existsSync(PYTHON)) return false;
  try {
    await run(PYTHON, ['-c', 'import oslo_messaging']);
    return true;
  } catch {
    return false;
  }
}

const oslo = await hasOslo();
if (process.env['CI'] && !oslo) throw new Error('CI needs python3-oslo.messaging (see .ci/run)');

/** oslo's transport URL for one of our test brokers. */
function rabbitUrl(amqpUrl: string): string {
  const u = new URL(amqpUrl);
  return `rabbit://${u.username || 'guest'}:${u.password || 'guest'}@${u.hostname}:${u.port || 5672}/`;
}

/** A long-running peer: resolves once it printed "ready"; stop() closes its stdin and waits. */
async function startPeer(args: string[]): Promise<{ stop(): Promise<unknown>; proc: ChildProcessWithoutNullStreams }> {
  const proc = spawn(PYTHON, [PEER, ...args]);
  const lines = createInterface({ input: proc.stdout });
  const output: string[] = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer not ready: ${stderr.slice(-2000)}`)), 20_000);
    lines.on('line', (line) => {
      output.push(line);
      if (line === '"ready"') {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then(() => reject(new Error(`peer exited: ${stderr.slice(-2000)}`)));
  });
  return {
    proc,
    async stop() {
      proc.stdin.end();
      const code = await exited;
      if (code !== 0) throw new Error(`peer exit ${code}: ${stderr.slice(-2000)}`);
      const last = output[output.length - 1];
      return last === undefined ? undefined : JSON.parse(last);
    },
  };
}

async function runPeer(args: string[]): Promise<unknown> {
  const { stdout } = await run(PYTHON, [PEER, ...args], { timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

class ValueError extends Error {
  static {
    ValueError.prototype.name = 'ValueError';
  }
}

/** The Node twin of oslo_peer.py's endpoints. */
function nodeEndpoints(name: string, casts: unknown[]) {
  return [
    {
      echo: (ctxt: unknown, args: unknown) => ({ ctxt, args, server: name }),
      fail: () => {
        throw new ValueError(`bad value from ${name}`);
      },
      sleep: async (_c: unknown, a: { seconds: number }) => {
        await new Promise((r) => setTimeout(r, a.seconds * 1000));
        return 'slept';
      },
      record: (_c: unknown, a: unknown) => {
        casts.push(a);
      },
      recorded: () => [...casts],
    },
    {
      target: new Target({ namespace: 'ns1', version: '1.0' }),
      test: (_c: unknown, a: { arg: string }) => `ns1:${a.arg}`,
    },
    {
      target: new Target({ namespace: 'ns2', version: '1.1' }),
      test: (_c: unknown, a: { arg: string }) => `ns2:${a.arg}`,
    },
  ];
}

(oslo ? describe : describe.skip)('oslo.messaging interop', () => {
  describe.each(messagingTargets())('on $kind', (target) => {
    let url: string;
    let stop: () => Promise<void>;
    let conn: Connection;
    beforeAll(async () => {
      ({ url, stop } = await target.start());
      // The Python peers get oslo's own URL form; the Node side may use it too.
      conn = await Connection.establish(rabbitUrl(url));
    });
    afterAll(async () => {
      await conn.close();
      await stop();
    });

    test('Node client → Python servers: call, cast, fanout, namespaces, versions, errors, timeout', async () => {
      const topic = scope.name('py-srv');
      const peer = await startPeer(['server', rabbitUrl(url), topic, 's1', 's2']);
      try {
        const c = new RpcClient(conn, { topic }, { timeout: 10 });
        const echo = (await c.prepare({ server: 's1' }).call({ user: 'node' }, 'echo', { a: [1, 'é'] })) as object;
        expect(echo).toEqual({ ctxt: { user: 'node', client_timeout: null }, args: { a: [1, 'é'] }, server: 's1' });
        expect(await c.prepare({ namespace: 'ns1', version: '1.0' }).call({}, 'test', { arg: 'x' })).toBe('ns1:x');
        expect(await c.prepare({ namespace: 'ns2', version: '1.1' }).call({}, 'test', { arg: 'y' })).toBe('ns2:y');

        const fail = (await c
          .prepare({ server: 's2' })
          .call({}, 'fail')
          .catch((e: unknown) => e)) as RemoteError;
        expect(fail).toBeInstanceOf(RemoteError);
        expect([fail.excType, fail.module, fail.value]).toEqual(['ValueError', 'builtins', 'bad value from s2']);
        expect(fail.traceback).toMatch(
          /^Traceback \(most recent call last\):\n[\s\S]*ValueError: bad value from s2\n$/,
        );
        await expect(c.call({}, 'nosuch')).rejects.toMatchObject({
          excType: 'NoSuchMethod',
          module: 'oslo_messaging.rpc.dispatcher',
          value: 'Endpoint does not support RPC method nosuch',
        });
        await expect(
          c.prepare({ namespace: 'ns1', version: '2.0' }).call({}, 'test', { arg: 'z' }),
        ).rejects.toMatchObject({
          excType: 'UnsupportedVersion',
          value: 'Endpoint does not support RPC version 2.0. Attempted method: test',
        });
        await expect(c.prepare({ timeout: 1 }).call({}, 'sleep', { seconds: 3 })).rejects.toBeInstanceOf(
          MessagingTimeout,
        );

        await c.prepare({ server: 's1' }).cast({}, 'record', { n: 1 });
        await c.prepare({ fanout: true }).cast({}, 'record', { n: 2 });
        const recorded = async (server: string) => c.prepare({ server }).call({}, 'recorded');
        await expect.poll(() => recorded('s1'), { timeout: 5000 }).toEqual([{ n: 1 }, { n: 2 }]);
        await expect.poll(() => recorded('s2'), { timeout: 5000 }).toEqual([{ n: 2 }]);
      } finally {
        await peer.stop();
      }
    }, 60_000);

    test('Python client → Node servers: the same scenario', async () => {
      const topic = scope.name('node-srv');
      const casts: Record<string, unknown[]> = { s1: [], s2: [] };
      const servers = ['s1', 's2'].map(
        (name) => new RpcServer(conn, { topic, server: name }, nodeEndpoints(name, casts[name] as unknown[])),
      );
      for (const s of servers) await s.start();
      try {
        const r = (await runPeer(['client', rabbitUrl(url), topic])) as Record<string, unknown>;
        expect(r['echo']).toMatchObject({ ctxt: { user: 'py', client_timeout: null }, args: { a: [1, 'é'] } });
        expect(r['ns1']).toBe('ns1:x');
        expect(r['ns2']).toBe('ns2:y');
        // A Node exception reaches Python as RemoteError (its module, `node`, is not importable there).
        expect(r['fail']).toEqual(['RemoteError', 'ValueError', expect.stringMatching(/^bad value from s[12]$/), true]);
        expect(r['nosuch']).toEqual([
          'RemoteError',
          'NoSuchMethod',
          'Endpoint does not support RPC method nosuch',
          true,
        ]);
        expect(r['badversion']).toEqual([
          'RemoteError',
          'UnsupportedVersion',
          'Endpoint does not support RPC version 2.0. Attempted method: test',
          true,
        ]);
        expect(r['timeout']).toBe('MessagingTimeout');
        expect(r['s1']).toEqual([{ n: 1 }, { n: 2 }]);
        expect(r['s2']).toEqual([{ n: 2 }]);
      } finally {
        for (const s of servers) await s.stop();
        for (const s of servers) await s.wait();
      }
    }, 60_000);

    test('Python notifier → Node listener (messagingv2 and messaging drivers)', async () => {
      const topic = scope.name('py-notif');
      const got: unknown[] = [];
      const collect =
        (priority: string) =>
        (ctxt: unknown, publisherId: unknown, eventType: unknown, payload: unknown, md: object) => {
          got.push({ priority, ctxt, publisherId, eventType, payload, metadata: Object.keys(md).sort() });
        };
      const listener = new NotificationListener(
        conn,
        [{ topic }],
        [{ info: collect('info'), error: collect('error'), warn: collect('warn'), critical: collect('critical') }],
      );
      await listener.start();
      try {
        expect(await runPeer(['notify', rabbitUrl(url), topic])).toBe('sent');
        await expect.poll(() => got.length, { timeout: 10_000 }).toBe(4);
        const md = ['message_id', 'timestamp'];
        expect(got).toEqual(
          expect.arrayContaining([
            {
              priority: 'info',
              ctxt: { user_id: 'u1', client_timeout: null },
              publisherId: 'compute.py',
              eventType: 'compute.create',
              payload: { id: 1 },
              metadata: md,
            },
            {
              priority: 'error',
              ctxt: { client_timeout: null },
              publisherId: 'compute.py',
              eventType: 'compute.fail',
              payload: { id: 2 },
              metadata: md,
            },
            {
              priority: 'warn',
              ctxt: { client_timeout: null },
              publisherId: 'compute.py',
              eventType: 'compute.slow',
              payload: { id: 3 },
              metadata: md,
            },
            {
              priority: 'critical',
              ctxt: { client_timeout: null },
              publisherId: 'compute.py1',
              eventType: 'compute.v1',
              payload: { id: 4 },
              metadata: md,
            },
          ]),
        );
      } finally {
        await listener.stop();
      }
    }, 60_000);

    test('Node notifier → Python listener', async () => {
      const topic = scope.name('node-notif');
      const peer = await startPeer(['listen', rabbitUrl(url), topic, '3']);
      const v2 = new Notifier(conn, { publisherId: 'compute.node', topics: [topic] });
      await v2.info({ user_id: 'u2', password: 'never sent' }, 'compute.create', { id: 1 });
      await v2.error({}, 'compute.fail', { id: 2 });
      await new Notifier(conn, { publisherId: 'compute.node1', driver: 'messaging', topics: [topic] }).sample(
        {},
        'compute.cpu',
        { pct: 70 },
      );
      const got = (await peer.stop()) as unknown[];
      const md = ['message_id', 'timestamp'];
      expect(got).toEqual(
        expect.arrayContaining([
          {
            priority: 'info',
            ctxt: { user_id: 'u2', client_timeout: null },
            publisher_id: 'compute.node',
            event_type: 'compute.create',
            payload: { id: 1 },
            metadata: md,
          },
          {
            priority: 'error',
            ctxt: { client_timeout: null },
            publisher_id: 'compute.node',
            event_type: 'compute.fail',
            payload: { id: 2 },
            metadata: md,
          },
          {
            priority: 'sample',
            ctxt: { client_timeout: null },
            publisher_id: 'compute.node1',
            event_type: 'compute.cpu',
            payload: { pct: 70 },
            metadata: md,
          },
        ]),
      );
      expect(got).toHaveLength(3);
    }, 60_000);
  });
});
