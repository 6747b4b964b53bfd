/** Starts the bundled broker in-process on 127.0.0.1 and a free port, for one test file or test. */
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
