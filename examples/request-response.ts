/** Request/response: a server answers on each request's reply-to, a client uses a temporary reply queue. */
import { randomUUID } from 'node:crypto';
import { Connection, Message } from '../src/index.js';
import { runIfMain } from './run-main.js';

export async function main(url: string, service = `service-${randomUUID()}`): Promise<string[]> {
  const connection = await Connection.establish(url);
  try {
    const session = await connection.session();
    const requests = await session.receiver(`${service}; {create: always, delete: always}`);
    // The server: upper-cases each request and replies to its reply-to address.
    const server = (async () => {
      for (let i = 0; i < 3; i++) {
        const request = await requests.fetch(10);
        const reply = await session.sender(request.replyTo as string);
        await reply.send(new Message({ content: String(request.content).toUpperCase(), correlationId: request.id }));
        await reply.close();
        await session.acknowledge(request);
      }
    })();
    // The client: `#` makes a private, temporary reply queue.
    const replies = await session.receiver('#client-replies; {create: always, delete: always}');
    const client = await session.sender(service);
    const answers: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const id = randomUUID();
      await client.send(new Message({ id, content: text, replyTo: replies.queueName }));
      const answer = await replies.fetch(10);
      if (answer.correlationId !== id) throw new Error('reply does not match the request');
      answers.push(String(answer.content));
      await session.acknowledge(answer);
    }
    await server;
    return answers;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
