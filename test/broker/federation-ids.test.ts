/**
 * The federation id behind loop prevention (docs/federation.md "Dynamic routes and loops"): given,
 * else kept in the data directory, else random per broker; advertised as `qpid.federation_id`. A
 * durable dynamic route keeps what it bound at the source across a restart of its broker, so a
 * binding that did not survive the restart is taken back at the source. The definition key
 * `qpid.dynamic` is validated.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, describe, expect, test } from 'vitest';
import { ShovelDefinitionError } from '../../src/broker/federation/shovel-definition.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { bindingsOf, dynamicRoute, linkOf, until } from '../helpers/dynamic-routes.js';

const brokers: TestBroker[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const b of brokers) await b.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function bundled(options: { dataDir?: string; federationId?: string } = {}): Promise<TestBroker> {
  const b = await startTestBroker(options);
  brokers.push(b);
  return b;
}

async function stop(b: TestBroker): Promise<void> {
  await b.stop();
  brokers.splice(brokers.indexOf(b), 1);
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'federation-ids-'));
  dirs.push(dir);
  return dir;
}

async function advertisedId(b: TestBroker): Promise<unknown> {
  const conn: ChannelModel = await amqp.connect(b.url);
  try {
    return conn.connection.serverProperties['qpid.federation_id'];
  } finally {
    await conn.close();
  }
}

describe('federation ids', () => {
  test('the option wins; else the data directory keeps one; else each broker draws its own', async () => {
    const named = await bundled({ federationId: 'east-1' });
    expect(await advertisedId(named)).toBe('east-1');

    const dir = await tempDir();
    let kept = await bundled({ dataDir: dir });
    const id = await advertisedId(kept);
    expect(typeof id).toBe('string');
    expect((await readFile(join(dir, 'federation-id'), 'utf8')).trim()).toBe(id);
    await stop(kept);
    kept = await bundled({ dataDir: dir });
    expect(await advertisedId(kept)).toBe(id);

    const [a, b] = [await bundled(), await bundled()];
    expect(await advertisedId(a)).not.toBe(await advertisedId(b));
  });

  test('an id may hold the trace separator: it is escaped in traces and tags', async () => {
    const dest = await bundled({ federationId: 'a,b%' });
    const src = await bundled({ federationId: 'src' });
    const conn = await amqp.connect(dest.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('q');
    await ch.bindQueue('q', 'amq.direct', 'k');
    const name = await dynamicRoute(dest, src, 'amq.direct', 'bridge');
    await until(() => linkOf(dest, name).dynamic?.size === 1, 'k mirrored');
    expect(bindingsOf(src, 'amq.direct', 'bridge')).toEqual([{ key: 'k', args: { 'x-qpid.fed.tags': 'a%2Cb%25' } }]);
    const sconn = await amqp.connect(src.url);
    const sc = await sconn.createConfirmChannel();
    sc.publish('amq.direct', 'k', Buffer.from('m'));
    await sc.waitForConfirms();
    await sconn.close();
    await until(() => linkOf(dest, name).counters.forwarded === 1, 'm forwarded');
    const got = await ch.get('q', { noAck: true });
    if (got === false) throw new Error('m not delivered');
    expect(got.properties.headers?.['x-qpid.trace']).toBe('src,a%2Cb%25');
    await conn.close();
  });
});

describe('a durable dynamic route across a restart of its broker', () => {
  test('bindings that did not survive the restart are taken back at the source', async () => {
    const dir = await tempDir();
    let dest = await bundled({ dataDir: dir });
    const src = await bundled({ federationId: 'src' });
    const conn = await amqp.connect(dest.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('kept', { durable: true });
    await ch.bindQueue('kept', 'amq.direct', 'k1');
    await ch.assertQueue('transient', { durable: false });
    await ch.bindQueue('transient', 'amq.direct', 'k2');
    await conn.close();
    const name = await dynamicRoute(dest, src, 'amq.direct', 'bridge', true);
    await until(() => linkOf(dest, name).dynamic?.size === 2, 'both keys mirrored');
    const destId = dest.broker.federation.id;

    await stop(dest);
    dest = await bundled({ dataDir: dir });
    const link = linkOf(dest, name);
    await until(() => link.state === 'running' && link.dynamic?.size === 1, 'the resync');
    expect(bindingsOf(src, 'amq.direct', 'bridge')).toEqual([{ key: 'k1', args: { 'x-qpid.fed.tags': destId } }]);
    expect(dest.broker.federation.id).toBe(destId);
  });
});

describe('qpid.dynamic in a shovel definition', () => {
  test('must be a boolean and needs dest-exchange', async () => {
    const b = await bundled();
    const base = { 'src-uri': 'amqp://guest:guest@127.0.0.1:1', 'src-queue': 'q', 'qpid.durable': false };
    expect(() => b.broker.federation.put('/', 's', { ...base, 'dest-exchange': 'x', 'qpid.dynamic': 'yes' })).toThrow(
      new ShovelDefinitionError('qpid.dynamic must be a boolean'),
    );
    expect(() => b.broker.federation.put('/', 's', { ...base, 'qpid.dynamic': true })).toThrow(
      new ShovelDefinitionError('qpid.dynamic needs dest-exchange'),
    );
    expect(b.broker.federation.list()).toHaveLength(0);
  });
});
