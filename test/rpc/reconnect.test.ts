/**
 * A reconnect while a call is pending: the call either completes or throws MessagingTimeout — never
 * hangs — and the same client and server work afterwards. The client's connection goes through a TCP
 * proxy that the test cuts (both brokers); a bundled-broker restart loses every queue, which the
 * transport's addresses declare again.
 */
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Broker } from '../../src/broker/index.js';
import { Connection } from '../../src/index.js';
import { MessagingTimeout, RpcClient, RpcServer } from '../../src/rpc/index.js';
import { startTestBroker } from '../helpers/broker.js';
import { messagingTargets, startProxy } from '../helpers/messaging.js';
import { rpcScope } from '../helpers/rpc.js';

const scope = rpcScope('rpcrc');
afterAll(() => scope.cleanup());

const FAST = { reconnect: true, reconnectInterval: 0.05 } as const;

/** An endpoint whose `slow` calls wait until the test lets them go. */
function gate() {
  const started: (() => void)[] = [];
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => {
    release = r;
  });
  const endpoint = {
    slow: async () => {
      for (const s of started.splice(0)) s();
      await released;
      return 'done';
    },
    ping: () => 'pong',
  };
  const request = () => new Promise<void>((r) => started.push(r));
  return { endpoint, request, release: () => release() };
}

describe.each(messagingTargets())('rpc reconnect on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });

  test('the client connection is cut while a call waits for its reply', async () => {
    const topic = scope.name('rc');
    const g = gate();
    const serverConn = await Connection.establish(url);
    const proxy = await startProxy(url);
    const clientConn = await Connection.establish(proxy.url, FAST);
    const server = new RpcServer(serverConn, { topic, server: 's' }, [g.endpoint]);
    try {
      await server.start();
      const client = new RpcClient(clientConn, { topic }, { timeout: 5 });
      expect(await client.call({}, 'ping')).toBe('pong'); // the reply queue exists now
      const requested = g.request();
      const started = Date.now();
      const call = client.call({}, 'slow').then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ error: e }),
      );
      await requested;
      const reconnected = once(clientConn, 'reconnected');
      proxy.cut();
      await reconnected;
      g.release();
      const outcome = await call;
      // The reply waited in the (kept) reply queue, so it normally arrives; a timeout is the only other end.
      if ('error' in outcome) expect(outcome.error).toBeInstanceOf(MessagingTimeout);
      else expect(outcome.ok).toBe('done');
      expect(Date.now() - started).toBeLessThan(5000 + 1000);
      expect(await client.call({}, 'ping')).toBe('pong');
    } finally {
      await server.stop();
      await clientConn.close();
      await serverConn.close();
      await proxy.close();
    }
  }, 20_000);

  test('a call made while the connection is down completes after the reconnect or times out', async () => {
    const topic = scope.name('rc-down');
    const serverConn = await Connection.establish(url);
    const proxy = await startProxy(url);
    const clientConn = await Connection.establish(proxy.url, FAST);
    const server = new RpcServer(serverConn, { topic, server: 's' }, [{ ping: () => 'pong' }]);
    try {
      await server.start();
      const client = new RpcClient(clientConn, { topic }, { timeout: 3 });
      expect(await client.call({}, 'ping')).toBe('pong');
      const reconnected = once(clientConn, 'reconnected');
      proxy.cut();
      const outcome = await client.call({}, 'ping').then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ error: e }),
      );
      if ('error' in outcome) expect(outcome.error).toBeInstanceOf(MessagingTimeout);
      else expect(outcome.ok).toBe('pong');
      await reconnected;
      expect(await client.call({}, 'ping')).toBe('pong');
    } finally {
      await server.stop();
      await clientConn.close();
      await serverConn.close();
      await proxy.close();
    }
  }, 20_000);
});

describe('rpc across a bundled broker restart', () => {
  test('a pending call ends (reply or MessagingTimeout); both sides work on the new broker', async () => {
    const first = await startTestBroker();
    const port = first.port;
    const serverConn = await Connection.establish(first.url, FAST);
    const clientConn = await Connection.establish(first.url, FAST);
    const g = gate();
    const topic = scope.name('restart');
    const server = new RpcServer(serverConn, { topic, server: 's' }, [g.endpoint]);
    let second: Broker | undefined;
    try {
      await server.start();
      const client = new RpcClient(clientConn, { topic }, { timeout: 2 });
      expect(await client.call({}, 'ping')).toBe('pong');
      const requested = g.request();
      const call = client.call({}, 'slow').then(
        (v) => ({ ok: v }),
        (e: unknown) => ({ error: e }),
      );
      await requested;
      const back = Promise.all([once(serverConn, 'reconnected'), once(clientConn, 'reconnected')]);
      await first.stop();
      second = await Broker.start({ port, host: '127.0.0.1', logLevel: 'error' });
      await back;
      g.release();
      const outcome = await call;
      // The client's link declares the reply queue again on the new broker and the server retries a
      // reply whose queue is missing, so the reply normally gets through; otherwise the call times out.
      if ('error' in outcome) expect(outcome.error).toBeInstanceOf(MessagingTimeout);
      else expect(outcome.ok).toBe('done');
      expect(await client.call({}, 'ping')).toBe('pong');
    } finally {
      await server.stop();
      await clientConn.close();
      await serverConn.close();
      await second?.stop();
    }
  }, 20_000);
});
