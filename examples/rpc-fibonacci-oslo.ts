/**
 * The same Fibonacci service with qpid-messaging/rpc, as an oslo.messaging service would write it
 * (seed 004): an RpcServer with a versioned endpoint on topic `fibonacci`, an RpcClient calling it.
 * A Python oslo.messaging client or server can take either side (test/interop/oslo-messaging.test.ts).
 */
import { Connection } from '../src/index.js';
import { RpcClient, RpcServer, Target } from '../src/rpc/index.js';
import { fib } from './rpc-fibonacci.js';
import { runIfMain } from './run-main.js';

class FibonacciEndpoint {
  readonly target = new Target({ namespace: 'math', version: '1.1' });

  fib(_ctxt: unknown, args: { n: number }): number {
    if (!Number.isInteger(args.n) || args.n < 0)
      throw new RangeError(`n must be a non-negative integer, got ${args.n}`);
    return fib(args.n);
  }
}

export async function main(url: string, topic = 'fibonacci', numbers = [1, 10, 20]): Promise<number[]> {
  // oslo's transport URLs work too: rabbit://guest:guest@localhost:5672/
  const connection = await Connection.establish(url);
  const server = new RpcServer(connection, { topic, server: 'fib-1' }, [new FibonacciEndpoint()]);
  try {
    await server.start();
    const client = new RpcClient(connection, { topic, namespace: 'math', version: '1.0' }, { timeout: 10 });
    const results: number[] = [];
    for (const n of numbers) {
      console.log(` [x] Requesting fib(${n})`);
      results.push((await client.call({}, 'fib', { n })) as number);
      console.log(` [.] Got ${results[results.length - 1]}`);
    }
    return results;
  } finally {
    await server.stop();
    await server.wait();
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
