// The management statistics sampler's own cost, measured directly: one
// in-process broker with many queues, exchanges, connections and channels
// that have all seen traffic (so each has its ring), then the CPU time of
// StatsSampler.tick() over many rounds. At the default interval (5 s) the
// sampler's share of one core is tick time / 5000 ms; nothing runs per message.
// Run with `npm run bench:stats` (after a build).
//   BENCH_STATS_QUEUES=10000  BENCH_STATS_CONNECTIONS=50 (2 channels each)  BENCH_STATS_TICKS=50
import amqp from 'amqplib';
import { Broker } from '../dist/broker/index.js';
import { DEFAULT_SAMPLE_INTERVAL_MS, StatsSampler } from '../dist/broker/management/stats.js';

const queues = Number(process.env.BENCH_STATS_QUEUES || 10_000);
const connections = Number(process.env.BENCH_STATS_CONNECTIONS || 50);
const ticks = Number(process.env.BENCH_STATS_TICKS || 50);
const log = (m) => process.stderr.write(`[bench:stats] ${m}\n`);

const broker = await Broker.start({ port: 0, host: '127.0.0.1', logLevel: 'error', statsIntervalMs: 0 });
try {
  const url = `amqp://guest:guest@127.0.0.1:${broker.port}`;
  const conns = [];
  // noDelay: thousands of declare round trips must not wait for Nagle.
  for (let i = 0; i < connections; i++) conns.push(await amqp.connect(url, { noDelay: true }));
  const ch = await conns[0].createChannel();
  for (let i = 0; i < queues; i++) {
    await ch.assertQueue(`stats-q-${i}`, { durable: false });
    ch.sendToQueue(`stats-q-${i}`, Buffer.from('x'));
  }
  for (const c of conns.slice(1)) {
    const a = await c.createChannel();
    await c.createChannel();
    a.sendToQueue('stats-q-0', Buffer.from('y'));
    await a.checkQueue('stats-q-0');
  }
  await ch.checkQueue('stats-q-0');
  log(`${queues} queues, ${connections} connections, ${broker.connections.size} open; sampling ${ticks} times`);

  const sampler = new StatsSampler(broker);
  sampler.tick(); // first tick allocates the rings
  const before = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) sampler.tick(Date.now() + (i + 1) * DEFAULT_SAMPLE_INTERVAL_MS);
  const wallMs = (performance.now() - t0) / ticks;
  const cpu = process.cpuUsage(before);
  const cpuMs = (cpu.user + cpu.system) / 1000 / ticks;
  const objects = queues + 7 + broker.connections.size * 3 + 1;
  const share = (cpuMs / DEFAULT_SAMPLE_INTERVAL_MS) * 100;
  console.log(
    `tick: ${cpuMs.toFixed(2)} ms CPU (${wallMs.toFixed(2)} ms wall) for ~${objects} objects = ${((cpuMs * 1000) / objects).toFixed(2)} µs each; ` +
      `at the default ${DEFAULT_SAMPLE_INTERVAL_MS} ms interval that is ${share.toFixed(3)} % of one core`,
  );
  for (const c of conns) await c.close();
} finally {
  await broker.stop();
}
