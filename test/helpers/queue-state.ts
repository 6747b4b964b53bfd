/** What a queue holds, read over a fresh channel: used by parity tests to compare brokers. */
import type { ChannelModel } from 'amqplib';

/** Ready count of a queue (unacknowledged messages are not counted). */
export async function ready(conn: ChannelModel, queue: string): Promise<number> {
  const ch = await conn.createChannel();
  const ok = await ch.checkQueue(queue);
  await ch.close();
  return ok.messageCount;
}

/** Everything left on a queue, in order, each body marked `*` when redelivered (taken with no-ack). */
export async function drain(conn: ChannelModel, queue: string): Promise<string[]> {
  const ch = await conn.createChannel();
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const m = await ch.get(queue, { noAck: true });
    if (m === false) break;
    out.push(`${m.content.toString()}${m.fields.redelivered ? '*' : ''}`);
  }
  await ch.close();
  return out;
}

/** Polls until `pred` holds; bounded, so a missing delivery fails the test instead of hanging. */
export async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
