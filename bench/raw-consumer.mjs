// The reference consumer for bench/drain.mjs and test/cli/fast-defaults.test.ts: plain amqplib,
// basic.consume with prefetch 1000, one ack per message, exits after COUNT messages.
//   node bench/raw-consumer.mjs AMQP_URL QUEUE COUNT
import amqp from 'amqplib';

const [url, queue, countText] = process.argv.slice(2);
const count = Number(countText);
const conn = await amqp.connect(url);
const ch = await conn.createChannel();
await ch.prefetch(1000);
let n = 0;
await new Promise((resolve) => {
  ch.consume(queue, (m) => {
    if (m === null) return;
    process.stdout.write(`${m.content.toString()}\n`);
    ch.ack(m);
    if (++n === count) resolve();
  });
});
await conn.close();
