/**
 * Brokers the messaging suites run against: the bundled broker always, RabbitMQ when RABBITMQ_URL is set.
 * Write a suite once with `describe.each(messagingTargets())`.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { startTestBroker, type TestBroker } from './broker.js';
import { rabbitmqUrl, uniqueName } from './rabbitmq.js';

export interface MessagingTarget {
  readonly kind: 'bundled' | 'rabbitmq';
  /** Starts (bundled) or just names (RabbitMQ) the broker; call in beforeAll. */
  start(): Promise<{ url: string; stop(): Promise<void>; bundled?: TestBroker }>;
}

export function messagingTargets(): MessagingTarget[] {
  const targets: MessagingTarget[] = [
    {
      kind: 'bundled',
      async start() {
        const b = await startTestBroker();
        return { url: b.url, stop: () => b.stop(), bundled: b };
      },
    },
  ];
  if (rabbitmqUrl) {
    const url = rabbitmqUrl;
    targets.push({ kind: 'rabbitmq', start: async () => ({ url, stop: async () => undefined }) });
  }
  return targets;
}

/** A name unique on a shared broker, safe in address strings (no `.`/`#`). */
export function nodeName(prefix = 'qm'): string {
  return uniqueName(prefix);
}

/** A TCP forwarder on 127.0.0.1:0 in front of a broker, whose connections a test can cut. */
export interface CuttableProxy {
  readonly url: string;
  /** Destroys every proxied connection (both directions), as a network failure would. */
  cut(): void;
  close(): Promise<void>;
}

export async function startProxy(brokerUrl: string): Promise<CuttableProxy> {
  const target = new URL(brokerUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 5672), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(brokerUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString().replace(/\/$/, ''),
    cut() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
