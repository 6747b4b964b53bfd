// The CLIs take a list of brokers (`-b h1:5672,h2:5672`): the first that answers is used, as Qpid's
// failover URL list; with -r spout and drain fail over along it. The admin tools find the management
// API of the first broker that answers (src/admin/discover.ts discoverManagementInList).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { closedPort, run } from './admin-helpers.js';

let b: TestBroker;
beforeAll(async () => {
  b = await startTestBroker({ mgmtPort: 0 });
});
afterAll(async () => {
  await b.stop();
});

test('spout and drain -b DEAD,ALIVE reach the live broker', async () => {
  const dead = await closedPort();
  const brokers = `127.0.0.1:${dead},127.0.0.1:${b.port}`;
  const sent = await run('spout', ['-b', brokers, 'bl-q; {create: always}', 'hello']);
  expect(sent.code).toBe(0);
  const got = await run('drain', ['-b', brokers, '-c', '1', 'bl-q']);
  expect(got.code).toBe(0);
  expect(got.stdout).toContain('hello');
});

test('a list where no broker answers is one clear error line', async () => {
  const p1 = await closedPort();
  const p2 = await closedPort();
  const r = await run('drain', ['-b', `127.0.0.1:${p1},127.0.0.1:${p2}`, 'bl-q']);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/^Failed: /);
});

test('qpid-stat and qpid-config -b DEAD,ALIVE find the live broker and its management API', async () => {
  const dead = await closedPort();
  const brokers = `127.0.0.1:${dead},127.0.0.1:${b.port}`;
  const made = await run('qpid-config', ['-b', brokers, 'add', 'queue', 'bl-admin-q']);
  expect(made.code).toBe(0);
  const queues = await run('qpid-stat', ['-b', brokers, '-q']);
  expect(queues.code).toBe(0);
  expect(queues.stdout).toContain('bl-admin-q');
});

test('an admin tool given a list where no broker answers fails with one clear line', async () => {
  const p1 = await closedPort();
  const p2 = await closedPort();
  const r = await run('qpid-stat', ['-b', `127.0.0.1:${p1},127.0.0.1:${p2}`, '-q']);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(`127.0.0.1:15672`);
});
