/** The connection's blocked/unblocked events, driven by the bundled broker's memory alarm. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';

let tb: TestBroker;
beforeAll(async () => {
  tb = await startTestBroker({ memoryHighWatermark: 1_000_000 });
});
afterAll(() => tb.stop());

test('a memory alarm surfaces as blocked, and draining the queue as unblocked', async () => {
  const connection = await Connection.establish(tb.url);
  const events: string[] = [];
  connection.on('blocked', (reason) => events.push(`blocked: ${reason}`));
  connection.on('unblocked', () => events.push('unblocked'));
  const session = await connection.session();
  const sender = await session.sender('alarm; {create: always}');
  const body = Buffer.alloc(64 * 1024, 1);
  // 20 × 64 KiB crosses the 1 MB mark; each send waits for its confirm, so the alarm trips mid-way.
  const sending = (async () => {
    for (let i = 0; i < 20; i++) await sender.send(body);
  })();
  const deadline = Date.now() + 10_000;
  while (!events.includes('blocked: low on memory') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  expect(events).toContain('blocked: low on memory');
  // As with RabbitMQ, the blocked connection is not read at all: drain on another one.
  const other = await Connection.establish(tb.url);
  const otherSession = await other.session();
  const receiver = await otherSession.receiver('alarm', { capacity: 5 });
  let received = 0;
  // Draining lifts the alarm; the blocked sends then complete and are drained too.
  while (received < 20) {
    const m = await receiver.fetch(10);
    await otherSession.acknowledge(m);
    received++;
  }
  await other.close();
  await sending;
  expect(received).toBe(20);
  expect(events.indexOf('unblocked')).toBeGreaterThan(events.indexOf('blocked: low on memory'));
  await connection.close();
});
