/** Starts the bundled broker in-process on 127.0.0.1 and a free port, for one test file or test. */
import { afterAll } from 'vitest';
import { Broker, type BrokerOptions } from '../../src/broker/index.js';

export interface TestBroker {
  broker: Broker;
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startTestBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const broker = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'error', ...options });
  return {
    broker,
    url: `amqp://guest:guest@127.0.0.1:${broker.port}`,
    port: broker.port,
    stop: () => broker.stop(),
  };
}

/**
 * A starter of bundled brokers for one test file (call it at module level): each broker it starts
 * gets `defaults` under its own options, and all of them are stopped after the file.
 */
export function testBrokers(
  defaults: Partial<BrokerOptions> = {},
): (options?: Partial<BrokerOptions>) => Promise<TestBroker> {
  const started: TestBroker[] = [];
  afterAll(async () => {
    for (const b of started) await b.stop().catch(() => undefined);
  });
  return async (options = {}) => {
    const b = await startTestBroker({ ...defaults, ...options });
    started.push(b);
    return b;
  };
}
