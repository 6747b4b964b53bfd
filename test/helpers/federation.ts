// Helpers of the qpid-route tests: publish numbered persistent messages, count and drain a queue.
import amqp from 'amqplib';

/** `guest/guest@127.0.0.1:PORT` for an amqp:// URL: Qpid's broker form, as qpid-route takes it. */
export const hp = (url: string): string => {
  const u = new URL(url);
  return `guest/guest@127.0.0.1:${u.port}`;
};

export async function publish(url: string, exchange: string, key: string, from: number, n: number): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createConfirmChannel();
    for (let i = from; i < from + n; i++) {
      ch.publish(exchange, key, Buffer.from(`m${i}`), { persistent: true, headers: { seq: i } });
    }
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

export async function queueDepth(url: string, q: string): Promise<number> {
  const conn = await amqp.connect(url);
  try {
    return (await (await conn.createChannel()).checkQueue(q)).messageCount;
  } finally {
    await conn.close();
  }
}

/** Every seq in the queue (drained with acks). */
export async function drainSeqs(url: string, q: string): Promise<Set<number>> {
  const conn = await amqp.connect(url);
  const seqs = new Set<number>();
  try {
    const ch = await conn.createChannel();
    for (;;) {
      const m = await ch.get(q, { noAck: true });
      if (m === false) break;
      seqs.add(Number(m.properties.headers?.['seq']));
    }
  } finally {
    await conn.close();
  }
  return seqs;
}

export async function declareBound(url: string, q: string, exchange: string, key: string): Promise<void> {
  const conn = await amqp.connect(url);
  try {
    const ch = await conn.createChannel();
    await ch.assertQueue(q, { durable: true });
    await ch.bindQueue(q, exchange, key);
  } finally {
    await conn.close();
  }
}
