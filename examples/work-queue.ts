/** Work queue: two competing receivers share the tasks of one queue; each task is done once. */
import { randomUUID } from 'node:crypto';
import { Connection, type Receiver, type Session } from '../src/index.js';
import { runIfMain } from './run-main.js';

export async function main(url: string, queue = `tasks-${randomUUID()}`, tasks = 10) {
  const connection = await Connection.establish(url);
  try {
    const producer = await connection.session();
    const sender = await producer.sender(`${queue}; {create: always, delete: always}`);
    for (let i = 0; i < tasks; i++) await sender.send(`task-${i}`);
    const worker = async (name: string, session: Session, receiver: Receiver) => {
      const done: string[] = [];
      for (let m = await receiver.get(0.5); m; m = await receiver.get(0.5)) {
        done.push(String(m.content));
        await session.acknowledge(m);
      }
      console.log(name, done);
      return done;
    };
    const s1 = await connection.session();
    const s2 = await connection.session();
    const [a, b] = await Promise.all([
      worker('worker-1', s1, await s1.receiver(queue)),
      worker('worker-2', s2, await s2.receiver(queue)),
    ]);
    return { a, b };
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
