/**
 * RabbitMQ's RPC tutorial (the pattern seed 002 leads to) with plain senders and receivers: the server
 * takes `n` from `rpc_queue` and answers fib(n) on the request's reply-to with its correlation id; the
 * client sends from a private reply queue and matches answers by correlation id.
 */
import { randomUUID } from 'node:crypto';
import { Connection, Message } from '../src/index.js';
import { runIfMain } from './run-main.js';

export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export async function main(url: string, queue = 'rpc_queue', numbers = [1, 10, 20]): Promise<number[]> {
  const connection = await Connection.establish(url);
  try {
    const session = await connection.session();
    // The server: one request at a time (capacity 1 = prefetch 1, as the tutorial's basic_qos).
    const requests = await session.receiver(`${queue}; {create: always, delete: always}`, { capacity: 1 });
    const server = (async () => {
      for (let i = 0; i < numbers.length; i++) {
        const request = await requests.fetch(10);
        const n = Number(request.content);
        console.log(` [.] fib(${n})`);
        const reply = await session.sender(request.replyTo as string);
        await reply.send(new Message({ content: String(fib(n)), correlationId: request.correlationId }));
        await reply.close();
        await session.acknowledge(request);
      }
    })();
    // The client: `#` names a private reply queue that goes away with the receiver.
    const callbacks = await session.receiver('#rpc-callback; {create: always, delete: always}', { capacity: 10 });
    const rpc = await session.sender(queue);
    const results: number[] = [];
    for (const n of numbers) {
      const correlationId = randomUUID();
      console.log(` [x] Requesting fib(${n})`);
      await rpc.send(new Message({ content: String(n), replyTo: callbacks.queueName, correlationId }));
      for (;;) {
        const answer = await callbacks.fetch(10);
        await session.acknowledge(answer);
        // Anything else is a late answer to an earlier request: the tutorial drops those too.
        if (answer.correlationId === correlationId) {
          results.push(Number(answer.content));
          break;
        }
      }
      console.log(` [.] Got ${results[results.length - 1]}`);
    }
    await server;
    return results;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
