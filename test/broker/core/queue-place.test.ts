// A message's first queue entry is the message itself (queue-place.ts); every further queue of a
// fanout gets a FanoutEntry. These pin that each queue's entry keeps its own position, priority
// bucket, redelivered flag and delivery count, exactly as when every queue had an entry of its own.
import { describe, expect, test } from 'vitest';
import { FanoutEntry } from '../../../src/broker/queue-entry.js';
import { declareQueue, message, newVhost } from './helpers.js';

describe('queue places', () => {
  test('the first queue holds the message itself, a second one a FanoutEntry of the same message', () => {
    const v = newVhost();
    const a = declareQueue(v, 'a');
    const b = declareQueue(v, 'b');
    const m = message('x', 'one');
    a.enqueue(m, Date.now(), undefined);
    b.enqueue(m, Date.now(), undefined);
    const ea = a.get(false);
    const eb = b.get(false);
    expect(ea).toBe(m);
    expect(eb).toBeInstanceOf(FanoutEntry);
    expect(eb?.message).toBe(m);
    expect(m.refs).toBe(2);
  });

  test("each queue's entry keeps its own position, redelivered flag and delivery count", () => {
    const v = newVhost();
    const a = declareQueue(v, 'a');
    const b = declareQueue(v, 'b');
    a.enqueue(message('x', 'only-a'), Date.now(), undefined);
    const m = message('x', 'both');
    a.enqueue(m, Date.now(), undefined);
    b.enqueue(m, Date.now(), undefined);
    a.get(true);
    const ea = a.get(false);
    const eb = b.get(false);
    if (ea === undefined || eb === undefined) throw new Error('expected two entries');
    expect([ea.seq, eb.seq]).toEqual([2, 1]);
    a.requeue(ea);
    const again = a.get(false);
    expect(again).toBe(ea);
    expect([ea.redelivered, ea.deliveries]).toEqual([true, 2]);
    expect([eb.redelivered, eb.deliveries]).toEqual([false, 1]);
    a.ack(ea);
    b.requeue(eb);
    expect([eb.redelivered, eb.seq]).toEqual([true, 1]);
    expect(b.get(true)).toBe(eb);
    expect(m.refs).toBe(0);
  });

  test('priority buckets are per queue (capped by each x-max-priority) and survive a requeue', () => {
    const v = newVhost();
    const a = declareQueue(v, 'a', { 'x-max-priority': 3 });
    const b = declareQueue(v, 'b', { 'x-max-priority': 9 });
    const m = message('x', 'p', { priority: 7 });
    a.enqueue(m, Date.now(), undefined);
    b.enqueue(m, Date.now(), undefined);
    const ea = a.get(false);
    const eb = b.get(false);
    if (ea === undefined || eb === undefined) throw new Error('expected two entries');
    expect([ea.priority, eb.priority]).toEqual([3, 7]);
    a.requeue(ea);
    expect([ea.priority, ea.redelivered]).toEqual([3, true]);
  });

  test('the delivery count goes past what fits beside the flag bits without disturbing them', () => {
    const v = newVhost();
    const q = declareQueue(v, 'q', { 'x-max-priority': 5 });
    q.enqueue(message('x', 'p', { priority: 4 }), Date.now(), undefined);
    const e = q.get(false);
    if (e === undefined) throw new Error('expected an entry');
    e.deliveries = 2 ** 40;
    e.redelivered = true;
    e.deliveries++;
    expect([e.deliveries, e.redelivered, e.priority]).toEqual([2 ** 40 + 1, true, 4]);
    e.redelivered = false;
    expect([e.deliveries, e.redelivered, e.priority]).toEqual([2 ** 40 + 1, false, 4]);
  });

  test('message and queue TTL give each queue its own expiry', () => {
    const v = newVhost();
    const a = declareQueue(v, 'a', { 'x-message-ttl': 1000 });
    const b = declareQueue(v, 'b');
    const m = message('x', 't', { expiration: '5000' });
    const now = Date.now();
    a.enqueue(m, now, undefined);
    b.enqueue(m, now, undefined);
    expect([a.get(false)?.expiresAt, b.get(false)?.expiresAt]).toEqual([now + 1000, now + 5000]);
  });
});
