/**
 * The public classes carry no internals: Session, Sender and Receiver reach the connection through
 * the host interfaces of link-host.ts, so nothing `_`-prefixed is left for users to find (autocomplete
 * lists every public member, own or inherited).
 */
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Connection } from '../../src/index.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { nodeName } from '../helpers/messaging.js';

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker.stop();
});

/** Every property name reachable on `o` (own and inherited), minus Node's own EventEmitter fields. */
function memberNames(o: object): string[] {
  const emitter = new Set(Object.getOwnPropertyNames(new EventEmitter()));
  const names = new Set<string>();
  for (let p: object | null = o; p && p !== Object.prototype && p !== EventEmitter.prototype; ) {
    for (const n of Object.getOwnPropertyNames(p)) if (!emitter.has(n)) names.add(n);
    p = Object.getPrototypeOf(p) as object | null;
  }
  return [...names];
}

test('Connection, Session, Sender and Receiver expose no _-prefixed members', async () => {
  const conn = await Connection.establish(broker.url);
  try {
    const s = await conn.session();
    const q = nodeName();
    const snd = await s.sender(`${q}; {create: always}`);
    const rcv = await s.receiver(q, { capacity: 2 });
    for (const o of [conn, s, snd, rcv]) {
      expect(
        memberNames(o).filter((n) => n.startsWith('_')),
        o.constructor.name,
      ).toEqual([]);
    }
    // Still the one set of objects, working.
    await snd.send('x');
    expect((await rcv.fetch(5)).content).toBe('x');
    await s.acknowledge();
  } finally {
    await conn.close();
  }
});
