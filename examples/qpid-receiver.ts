/** Seed 001's QPIDReceiver: print each message's properties and content, acknowledge it. */
import { Connection, Empty, type Message } from '../src/index.js';
import { runIfMain } from './run-main.js';

/** Stops after `timeout` seconds without a message (the seed loops until Ctrl-C). */
export async function main(url: string, queue = 'tmp.testing', timeout = 2): Promise<Message[]> {
  const connection = await Connection.establish(url);
  const received: Message[] = [];
  try {
    const session = await connection.session();
    const receiver = await session.receiver(`${queue}; {create: always}`);
    for (;;) {
      let message: Message;
      try {
        message = await receiver.fetch(timeout);
      } catch (err) {
        if (err instanceof Empty) break;
        throw err;
      }
      console.log({ props: message.properties });
      console.log(message.content);
      received.push(message);
      await session.acknowledge(message);
    }
    return received;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
