/** Pub-sub (seed 000's news-service): two subscribers each get every matching message. */
import { randomUUID } from 'node:crypto';
import { Connection, Message, type Receiver } from '../src/index.js';
import { runIfMain } from './run-main.js';

export async function main(url: string, topic = `news-service-${randomUUID()}`) {
  const connection = await Connection.establish(url);
  try {
    const session = await connection.session();
    // qpid-config add exchange topic news-service
    const publisher = await session.sender(`${topic}; {create: always, delete: always, node: {type: topic}}`);
    const allNews = await session.receiver(`${topic}/#.news`);
    const everything = await session.receiver(topic);
    await publisher.send(new Message({ subject: 'china.news', content: 'headline' }));
    await publisher.send(new Message({ subject: 'china.weather', content: 'sunny' }));
    const collect = async (r: Receiver) => {
      const got: string[] = [];
      for (let m = await r.get(0.5); m; m = await r.get(0.5)) got.push(`${m.subject}: ${m.content}`);
      await session.acknowledge();
      return got;
    };
    const result = { news: await collect(allNews), all: await collect(everything) };
    console.log(result);
    return result;
  } finally {
    await connection.close();
  }
}

runIfMain(import.meta.url, (url) => main(url));
