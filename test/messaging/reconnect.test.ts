/**
 * Reconnect and failover: the same Connection/Session/Sender/Receiver objects keep working after the
 * broker connection is cut (a TCP proxy in front of the broker, on both brokers) or the bundled broker
 * is restarted on the same port.
 */
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { AuthenticationFailure, ConnectError, Connection, ConnectionError, Empty, Message } from '../../src/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { messagingTargets, nodeName, startProxy } from '../helpers/messaging.js';

const FAST = { reconnect: true, reconnectInterval: 0.05 } as const;

describe.each(messagingTargets())('reconnect on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });

  test('links survive a cut connection; fetched-but-unacked messages are redelivered, not acked', async () => {
    const proxy = await startProxy(url);
    const conn = await Connection.establish(proxy.url, FAST);
    try {
      const s = await conn.session();
      const q = nodeName();
      const snd = await s.sender(`${q}; {create: always, node: {durable: true}}`);
      const rcv = await s.receiver(q, { capacity: 2 });
      const sub = await s.receiver('amq.topic/reconnect.#');
      for (const c of ['a', 'b', 'c']) await snd.send(c);
      const a = await rcv.fetch(5);
      expect(a.content).toBe('a');
      const events: string[] = [];
      conn.on('disconnected', () => events.push('disconnected'));
      const reconnected = once(conn, 'reconnected');
      proxy.cut();
      await reconnected;
      expect(events).toEqual(['disconnected']);
      // Acknowledging a message of the dead channel is dropped, not sent on the new one.
      await s.acknowledge(a);
      expect(rcv.unsettled()).toBe(0);
      const seen = [];
      for (let i = 0; i < 3; i++) {
        const m = await rcv.fetch(5);
        seen.push(m);
        // RabbitMQ-style prefetch counts unacknowledged messages: acknowledge as we go.
        await s.acknowledge(m);
      }
      expect(seen.map((m) => m.content)).toEqual(['a', 'b', 'c']);
      expect(seen[0]?.redelivered).toBe(true);
      await snd.send('after');
      expect((await rcv.fetch(5)).content).toBe('after');
      await s.acknowledge();
      // The topic subscription was re-declared and re-bound on the new connection.
      const pub = await s.sender('amq.topic');
      await pub.send(new Message({ subject: 'reconnect.x', content: 'topic' }));
      expect((await sub.fetch(5)).content).toBe('topic');
      await rcv.close();
      await s.receiver(`${q}; {delete: always}`).then((r) => r.close());
    } finally {
      await conn.close();
      await proxy.close();
    }
  });

  test('sends in flight when the connection drops are re-sent (at-least-once), never lost', async () => {
    const proxy = await startProxy(url);
    const conn = await Connection.establish(proxy.url, FAST);
    try {
      const s = await conn.session();
      const q = nodeName();
      const snd = await s.sender(`${q}; {create: always, delete: always, node: {durable: true}}`, { capacity: 20 });
      const n = 60;
      const sends: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        sends.push(snd.send(new Message({ content: `m${i}`, durable: true }), { sync: false }));
        if (i === 30) proxy.cut();
      }
      await Promise.all(sends);
      await snd.sync(20);
      expect(snd.unsettled()).toBe(0);
      const rcv = await s.receiver(q, { capacity: 100 });
      const got = new Set<unknown>();
      for (;;) {
        const m = await rcv.get(0.5);
        if (!m) break;
        got.add(m.content);
        if (got.size === n) break;
      }
      await s.acknowledge();
      // At-least-once: every message arrived (duplicates allowed).
      expect(got.size).toBe(n);
      await rcv.close();
      await snd.close();
    } finally {
      await conn.close();
      await proxy.close();
    }
  });

  test('without reconnect a lost connection fails every link with a ConnectionError', async () => {
    const proxy = await startProxy(url);
    const conn = await Connection.establish(proxy.url);
    try {
      const s = await conn.session();
      const rcv = await s.receiver('amq.topic/none');
      const failed = once(conn, 'failed');
      proxy.cut();
      await failed;
      await expect(rcv.fetch(1)).rejects.toBeInstanceOf(ConnectionError);
      await expect(conn.session()).rejects.toBeInstanceOf(ConnectionError);
    } finally {
      await conn.close();
      await proxy.close();
    }
  });
});

describe('reconnect against a restarted bundled broker', () => {
  test('fails over along the URL list and replays address-created nodes on the new broker', async () => {
    const first = await startTestBroker();
    const port = first.port;
    const conn = await Connection.establish(`amqp://guest:guest@127.0.0.1:${port},127.0.0.1:1`, FAST);
    let second: Broker | undefined;
    try {
      const s = await conn.session();
      const q = nodeName();
      const snd = await s.sender(`${q}; {create: always}`);
      const rcv = await s.receiver(q);
      await snd.send('before');
      expect((await rcv.fetch(5)).content).toBe('before');
      await s.acknowledge();
      const reconnected = once(conn, 'reconnected');
      await first.stop();
      second = await Broker.start({ port, host: '127.0.0.1', logLevel: 'error' });
      await reconnected;
      // The new broker knew nothing of q: the sender's `create: always` declared it again.
      await snd.send('after');
      expect((await rcv.fetch(5)).content).toBe('after');
      await s.acknowledge();
      await expect(rcv.fetch(0)).rejects.toBeInstanceOf(Empty);
    } finally {
      await conn.close();
      await second?.stop();
    }
  });

  // The cause of the test above timing out about once in seventy runs: the refused first URL's error text,
  // "connect ECONNREFUSED 127.0.0.1:<port>", was read as a refused login whenever the random port held the
  // digits 403 (40389, 34031, ...), and reconnecting stopped for good. Port 403 forces that case every run.
  test('a refused host whose address holds "403" is tried past, not taken for a refused login', async () => {
    await expectRefused(403);
    const b = await startTestBroker();
    let second: Broker | undefined;
    const conn = await Connection.establish(`amqp://guest:guest@127.0.0.1:403,127.0.0.1:${b.port}`, FAST);
    try {
      expect(conn.url).toBe(`amqp://guest:***@127.0.0.1:${b.port}`);
      const s = await conn.session();
      const q = nodeName();
      const snd = await s.sender(`${q}; {create: always}`);
      const reconnected = once(conn, 'reconnected');
      await b.stop();
      second = await Broker.start({ port: b.port, host: '127.0.0.1', logLevel: 'error' });
      await reconnected;
      await snd.send('after');
      const rcv = await s.receiver(q);
      expect((await rcv.fetch(5)).content).toBe('after');
    } finally {
      await conn.close();
      await second?.stop();
    }
    const alone = new Connection('amqp://guest:guest@127.0.0.1:403');
    const err = await alone.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect(err).not.toBeInstanceOf(AuthenticationFailure);
  });

  test('a host that accepts and never answers holds no attempt past reconnectTimeout, nor the next host', async () => {
    const silent = await silentListener();
    const b = await startTestBroker();
    try {
      // Alone in the list: the one attempt ends at the reconnect deadline (it used to wait forever).
      const opening = Connection.establish(`amqp://guest:guest@127.0.0.1:${silent.port}`, {
        ...FAST,
        reconnectTimeout: 0.5,
      });
      await expect(opening).rejects.toThrow(/reconnect timeout/);
      // First in a list: connectTimeout ends its attempt and the next host is tried.
      const conn = await Connection.establish(`amqp://guest:guest@127.0.0.1:${silent.port},127.0.0.1:${b.port}`, {
        ...FAST,
        connectTimeout: 0.3,
      });
      expect(conn.url).toBe(`amqp://guest:***@127.0.0.1:${b.port}`);
      await conn.close();
      expect(silent.accepted()).toBeGreaterThanOrEqual(2);
    } finally {
      await b.stop();
      await silent.close();
    }
  });

  test('reconnectLimit gives up with ConnectError', async () => {
    const b = await startTestBroker();
    const conn = await Connection.establish(b.url, { ...FAST, reconnectLimit: 2 });
    const failed = once(conn, 'failed');
    await b.stop();
    const [err] = (await failed) as [Error];
    expect(err).toBeInstanceOf(ConnectError);
    expect(err.message).toMatch(/reconnect limit/);
    await conn.close();
  });
});

/** The test relies on nothing listening on 127.0.0.1:`port` (a privileged port): say so if something does. */
async function expectRefused(port: number): Promise<void> {
  const code = await new Promise<string | undefined>((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(undefined);
    });
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
  });
  expect(code, `something listens on 127.0.0.1:${port}`).toBe('ECONNREFUSED');
}

/** A TCP listener on 127.0.0.1 that accepts connections and never answers (a hung broker). */
async function silentListener(): Promise<{ port: number; accepted(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((sock) => {
    count++;
    sockets.add(sock);
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    accepted: () => count,
    close: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
