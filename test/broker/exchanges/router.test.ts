import { describe, expect, it } from 'vitest';
import { createRouter, isExchangeKind, validateBindingArgs } from '../../../src/broker/exchanges/create-router.js';
import { DirectRouter } from '../../../src/broker/exchanges/direct-router.js';
import { FanoutRouter } from '../../../src/broker/exchanges/fanout-router.js';
import { HeadersRouter } from '../../../src/broker/exchanges/headers-router.js';
import type { ExchangeKind, Router } from '../../../src/broker/exchanges/router.js';
import { bindingIdentity } from '../../../src/broker/exchanges/router.js';
import { TopicRouter } from '../../../src/broker/exchanges/topic-router.js';
import { Typed } from '../../../src/protocol/field-types.js';

/** Destinations are compared by identity, as the broker's queue objects are. */
class Queue {
  constructor(readonly name: string) {}
}

function routed<D>(router: Router<D>, key: string): D[] {
  const out = new Set<D>();
  router.route(key, {}, out);
  return [...out];
}

const kinds: ExchangeKind[] = ['direct', 'fanout', 'topic', 'headers'];

describe.each(kinds)('%s router — binding bookkeeping', (kind) => {
  it('adds, refuses an identical binding, and counts', () => {
    const router = createRouter<Queue>(kind);
    const q = new Queue('q');
    expect(router.size).toBe(0);
    expect(router.add(q, 'k', {})).toBe(true);
    expect(router.add(q, 'k', {})).toBe(false);
    expect(router.size).toBe(1);
  });

  it('treats key, arguments and destination as the binding identity', () => {
    const router = createRouter<Queue>(kind);
    const q = new Queue('q');
    const twin = new Queue('q'); // same name, different object: a different destination
    expect(router.add(q, 'k', { a: 1 })).toBe(true);
    expect(router.add(q, 'k2', { a: 1 })).toBe(true);
    expect(router.add(q, 'k', { a: 2 })).toBe(true);
    expect(router.add(q, 'k', { a: 1, b: 1 })).toBe(true);
    expect(router.add(q, 'k', {})).toBe(true);
    expect(router.add(twin, 'k', { a: 1 })).toBe(true);
    expect(router.size).toBe(6);
  });

  it('lists bindings in insertion order, and keeps that order across removals', () => {
    const router = createRouter<Queue>(kind);
    const [a, b, c] = [new Queue('a'), new Queue('b'), new Queue('c')];
    router.add(b, 'x', {});
    router.add(a, 'y', { n: 1 });
    router.add(c, 'z', {});
    router.remove(a, 'y', { n: 1 });
    router.add(a, 'w', {});
    expect([...router.entries()].map((e) => [e.destination.name, e.bindingKey, e.args])).toEqual([
      ['b', 'x', {}],
      ['c', 'z', {}],
      ['a', 'w', {}],
    ]);
  });

  it('removes only an existing binding', () => {
    const router = createRouter<Queue>(kind);
    const q = new Queue('q');
    router.add(q, 'k', { a: 1 });
    expect(router.remove(q, 'k', { a: 2 })).toBe(false);
    expect(router.remove(q, 'other', { a: 1 })).toBe(false);
    expect(router.remove(new Queue('q'), 'k', { a: 1 })).toBe(false);
    expect(router.remove(q, 'k', { a: 1 })).toBe(true);
    expect(router.remove(q, 'k', { a: 1 })).toBe(false);
    expect(router.size).toBe(0);
    expect([...router.entries()]).toEqual([]);
  });

  it('removes every binding of a destination and no other', () => {
    const router = createRouter<Queue>(kind);
    const [q, r] = [new Queue('q'), new Queue('r')];
    router.add(q, 'a', {});
    router.add(r, 'a', {});
    router.add(q, 'b', {});
    router.add(q, 'a', { x: 1 });
    expect(router.removeDestination(q)).toBe(3);
    expect(router.removeDestination(q)).toBe(0);
    expect(router.size).toBe(1);
    expect([...router.entries()].map((e) => e.destination)).toEqual([r]);
    expect(routed(router, 'a')).toEqual([r]);
  });

  it('can bind a destination again after it was removed', () => {
    const router = createRouter<Queue>(kind);
    const q = new Queue('q');
    router.add(q, 'a', {});
    router.removeDestination(q);
    expect(routed(router, 'a')).toEqual([]);
    expect(router.add(q, 'a', {})).toBe(true);
    expect(routed(router, 'a')).toEqual([q]);
  });
});

describe('binding identity (RabbitMQ sorts top-level arguments and compares terms exactly)', () => {
  it('ignores the order of top-level arguments', () => {
    expect(bindingIdentity('k', { a: 1, b: 'x' })).toBe(bindingIdentity('k', { b: 'x', a: 1 }));
    const router = new DirectRouter<string>();
    expect(router.add('q', 'k', { a: 1, b: 'x' })).toBe(true);
    expect(router.add('q', 'k', { b: 'x', a: 1 })).toBe(false);
    expect(router.remove('q', 'k', { b: 'x', a: 1 })).toBe(true);
  });

  it('keeps the order of nested table keys', () => {
    expect(bindingIdentity('k', { t: { a: 1, b: 2 } })).not.toBe(bindingIdentity('k', { t: { b: 2, a: 1 } }));
  });

  it('tells wire types apart', () => {
    const ids = [
      bindingIdentity('k', { a: 1 }),
      bindingIdentity('k', { a: new Typed('int64', 1) }),
      bindingIdentity('k', { a: new Typed('uint8', 1) }),
      bindingIdentity('k', { a: new Typed('double', 1) }),
      bindingIdentity('k', { a: '1' }),
      bindingIdentity('k', { a: Buffer.from('1') }),
      bindingIdentity('k', { a: true }),
      bindingIdentity('k', { a: null }),
      bindingIdentity('k', { a: [1] }),
      bindingIdentity('k', { a: { 0: 1 } }),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('equates values that encode to the same bytes', () => {
    expect(bindingIdentity('k', { a: 2 ** 40 })).toBe(bindingIdentity('k', { a: BigInt(2 ** 40) }));
    expect(bindingIdentity('k', { a: new Typed('int64', 5) })).toBe(bindingIdentity('k', { a: 5n }));
    expect(bindingIdentity('k', { a: null })).toBe(bindingIdentity('k', { a: undefined }));
    expect(bindingIdentity('k', { a: Buffer.from([1, 2]) })).toBe(bindingIdentity('k', { a: new Uint8Array([1, 2]) }));
    expect(bindingIdentity('k', { a: new Date(5000) })).toBe(bindingIdentity('k', { a: new Typed('timestamp', 5) }));
  });

  it('cannot be fooled by keys and values that run together', () => {
    expect(bindingIdentity('a', { b: 'c' })).not.toBe(bindingIdentity('ab', { '': 'c' }));
    expect(bindingIdentity('k', { a: 'b:c' })).not.toBe(bindingIdentity('k', { 'a:b': 'c' }));
    expect(bindingIdentity('k', { a: ['x', 'y'] })).not.toBe(bindingIdentity('k', { a: ['xy'] }));
  });
});

describe('DirectRouter', () => {
  it('routes on an exactly equal key only', () => {
    const router = new DirectRouter<string>();
    router.add('q1', 'orders', {});
    router.add('q2', 'orders', {});
    router.add('q3', 'orders.eu', {});
    router.add('q4', '', {});
    expect(routed(router, 'orders').sort()).toEqual(['q1', 'q2']);
    expect(routed(router, 'Orders')).toEqual([]);
    expect(routed(router, 'orders.*')).toEqual([]);
    expect(routed(router, '')).toEqual(['q4']);
    expect(routed(router, '#')).toEqual([]);
  });

  it('keeps a destination while any of its bindings with that key remains', () => {
    const router = new DirectRouter<string>();
    router.add('q', 'k', { n: 1 });
    router.add('q', 'k', { n: 2 });
    router.remove('q', 'k', { n: 1 });
    expect(routed(router, 'k')).toEqual(['q']);
    router.remove('q', 'k', { n: 2 });
    expect(routed(router, 'k')).toEqual([]);
  });
});

describe('FanoutRouter', () => {
  it('routes to every destination whatever the key and headers', () => {
    const router = new FanoutRouter<string>();
    router.add('q1', 'ignored', {});
    router.add('q2', '', { any: 'thing' });
    router.add('q2', 'other', {});
    expect(routed(router, 'whatever').sort()).toEqual(['q1', 'q2']);
    const out = new Set<string>();
    router.route('', undefined, out);
    expect([...out].sort()).toEqual(['q1', 'q2']);
  });

  it('stops routing to a destination once its last binding goes', () => {
    const router = new FanoutRouter<string>();
    router.add('q', 'a', {});
    router.add('q', 'b', {});
    router.remove('q', 'a', {});
    expect(routed(router, 'x')).toEqual(['q']);
    router.remove('q', 'b', {});
    expect(routed(router, 'x')).toEqual([]);
  });
});

describe('createRouter / isExchangeKind / validateBindingArgs', () => {
  it('makes the router for each kind', () => {
    expect(createRouter('direct')).toBeInstanceOf(DirectRouter);
    expect(createRouter('fanout')).toBeInstanceOf(FanoutRouter);
    expect(createRouter('topic')).toBeInstanceOf(TopicRouter);
    expect(createRouter('headers')).toBeInstanceOf(HeadersRouter);
  });

  it('knows the four built-in kinds only', () => {
    for (const kind of kinds) expect(isExchangeKind(kind)).toBe(true);
    for (const other of ['x-delayed-message', 'Direct', '', 'match', 'system'])
      expect(isExchangeKind(other)).toBe(false);
  });

  it('checks x-match on headers exchanges only', () => {
    const args = { 'x-match': 'sometimes' };
    expect(validateBindingArgs('headers', args)).toBe(
      'Invalid x-match field value <<"sometimes">>; expected all, any, all-with-x, or any-with-x',
    );
    for (const kind of ['direct', 'fanout', 'topic'] as const) expect(validateBindingArgs(kind, args)).toBeUndefined();
    expect(validateBindingArgs('headers', { 'x-match': 'any', a: 1 })).toBeUndefined();
  });
});
