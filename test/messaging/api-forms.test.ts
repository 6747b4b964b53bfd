/**
 * The argument forms Qpid users type: `receiver.capacity = n` (applied
 * asynchronously, errors on the next fetch), `session({ transactional })` and
 * `session(name, { transactional })`, and TypeErrors for wrong types.
 * Against the bundled broker and (with RABBITMQ_URL) RabbitMQ.
 */
import amqp from 'amqplib';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { Connection, Empty, Message, MessagingError } from '../../src/index.js';
import { messagingTargets, nodeName } from '../helpers/messaging.js';

describe.each(messagingTargets())('Qpid argument forms on $kind', (target) => {
  let url: string;
  let stop: () => Promise<void>;
  const open: Connection[] = [];
  beforeAll(async () => {
    ({ url, stop } = await target.start());
  });
  afterAll(async () => {
    await stop();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  async function connection(): Promise<Connection> {
    const c = await Connection.establish(url);
    open.push(c);
    return c;
  }

  test('receiver.capacity = n turns a polling receiver into a prefetching one', async () => {
    const s = await (await connection()).session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    for (let i = 0; i < 5; i++) await snd.send(new Message({ content: `m${i}` }));
    const r = await s.receiver(q);
    expect(r.capacity).toBe(0);
    r.capacity = 5;
    expect(r.capacity).toBe(5);
    expect((await r.fetch(5)).content).toBe('m0');
    // The subscription was made with prefetch 5: the other four are buffered without another fetch.
    const deadline = Date.now() + 5000;
    while (r.available() < 4 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(r.available()).toBe(4);
    await s.acknowledge();
    r.capacity = 0;
    for (let i = 1; i < 5; i++) expect((await r.fetch(5)).content).toBe(`m${i}`);
    await expect(r.fetch(0)).rejects.toBeInstanceOf(Empty);
  });

  test('an error applying receiver.capacity = n comes out of the next fetch', async () => {
    const s = await (await connection()).session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always}`);
    await snd.send(new Message({ content: 'x' }));
    const r = await s.receiver(q);
    // The queue goes away behind the receiver's back; subscribing to it then fails with 404.
    const conn = await amqp.connect(url);
    await (await conn.createChannel()).deleteQueue(q);
    await conn.close();
    r.capacity = 3;
    const err = await r.fetch(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingError);
    expect(err).not.toBeInstanceOf(Empty);
  });

  test('session({ transactional }) and session(name, { transactional })', async () => {
    const c = await connection();
    const a = await c.session({ transactional: true });
    expect(a.transactional).toBe(true);
    const b = await c.session('named', { transactional: true });
    expect(b.transactional).toBe(true);
    expect(b.name).toMatch(/:named$/);
    const unnamed = await c.session(null as unknown as undefined, { transactional: true });
    expect(unnamed.transactional).toBe(true);
    const plain = await c.session('plain');
    expect(plain.transactional).toBe(false);
    expect(await c.session('named')).toBe(b);
  });

  test('arguments of the wrong type are a TypeError, never silently taken', async () => {
    const c = await connection();
    await expect(c.session(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(c.session({ transactional: 'yes' as unknown as boolean })).rejects.toThrow(
      /transactional must be a boolean, got the string "yes"/,
    );
    await expect(c.session('s', [] as unknown as { transactional: boolean })).rejects.toThrow(TypeError);
    const loose = c.session.bind(c) as (a: unknown, b: unknown) => Promise<unknown>;
    await expect(loose({ transactional: true }, { transactional: true })).rejects.toThrow(TypeError);
    const s = await c.session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always, delete: always}`);
    const r = await s.receiver(q);
    expect(() => {
      r.capacity = '5' as unknown as number;
    }).toThrow(/receiver.capacity: capacity must be a non-negative integer, got the string "5"/);
    expect(() => {
      r.capacity = 1.5;
    }).toThrow(TypeError);
    expect(() => {
      r.capacity = -1;
    }).toThrow(RangeError);
    expect(() => {
      snd.capacity = Number.NaN;
    }).toThrow(TypeError);
    await expect(r.setCapacity('2' as unknown as number)).rejects.toThrow(TypeError);
    await expect(r.fetch('1' as unknown as number)).rejects.toThrow(/timeout must be a number of seconds/);
    await expect(s.receiver(q, { capacity: -2 })).rejects.toThrow(RangeError);
    expect(r.capacity).toBe(0);
    expect(snd.capacity).toBeGreaterThan(0);
  });
});
