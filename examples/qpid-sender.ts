/** Seed 001's QPIDSender: send one text message with a `type` property to a queue. */
import { Connection, Message } from '../src/index.js';
import { runIfMain } from './run-main.js';

export async function main(url: string, queue = 'tmp.testing', content = `Testing at ${new Date().toISOString()}`) {
  // [py] Connection(url, sasl_mechanisms='PLAIN', reconnect=True, reconnect_interval=60, reconnect_limit=60)
  const connection = await Connection.establish(url, {
    saslMechanisms: 'PLAIN',
    reconnect: true,
    reconnectInterval: 60,
    reconnectLimit: 60,
  });
  try {
    const session = await connection.session();
    const sender = await session.sender(`${queue}; {create: always}`);
    const message = new Message({ properties: { type: 'test' }, content });
    await sender.send(message);
    return message;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
