/**
 * Seed 000's spout/drain flow: spout sends `count` messages (each with a `spout-id` property) to an
 * address; drain fetches until nothing arrives within the timeout, printing Qpid's message repr.
 */
import { randomUUID } from 'node:crypto';
import { Connection, Empty, Message } from '../src/index.js';
import { runIfMain } from './run-main.js';

export async function spout(url: string, address: string, text: string, count = 1, subject?: string) {
  const connection = await Connection.establish(url);
  try {
    const session = await connection.session();
    const sender = await session.sender(address);
    const spoutId = randomUUID();
    for (let i = 0; i < count; i++) {
      const message = new Message({ subject, content: text });
      message.properties['spout-id'] = `${spoutId}:${i}`;
      await sender.send(message);
      console.log(String(message));
    }
  } finally {
    await connection.close();
  }
}

export async function drain(url: string, address: string, timeout = 0.5): Promise<string[]> {
  const connection = await Connection.establish(url);
  const printed: string[] = [];
  try {
    const session = await connection.session();
    const receiver = await session.receiver(address);
    for (;;) {
      try {
        const message = await receiver.fetch(timeout);
        printed.push(String(message));
        console.log(String(message));
        await session.acknowledge();
      } catch (err) {
        if (err instanceof Empty) break;
        throw err;
      }
    }
    return printed;
  } finally {
    await connection.close();
  }
}

/** `spout my-queue; {create: always}` ×3, then `drain my-queue` (and the browse variant first). */
export async function main(url: string, queue = `spout-demo-${randomUUID()}`) {
  await spout(url, `${queue}; {create: always}`, 'hello', 3);
  const browsed = await drain(url, `${queue}; {mode: browse}`);
  const drained = await drain(url, `${queue}; {delete: receiver}`);
  return { browsed, drained };
}

runIfMain(import.meta.url, (url) => main(url));
