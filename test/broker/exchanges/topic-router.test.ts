import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicRouter } from '../../../src/broker/exchanges/topic-router.js';

function routeTo<D>(router: TopicRouter<D>, key: string): D[] {
  const out = new Set<D>();
  router.route(key, undefined, out);
  return [...out];
}

function sorted(xs: string[]): string[] {
  return [...xs].sort();
}

/** Reference matcher, written independently of the trie: plain recursion over word lists. */
function words(key: string): string[] {
  // RabbitMQ splits "" into zero words; every other key into (dots + 1) words.
  return key === '' ? [] : key.split('.');
}

function refMatch(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [head, ...rest] = pattern;
  if (head === '#') return refMatch(rest, key) || (key.length > 0 && refMatch(pattern, key.slice(1)));
  if (key.length === 0) return false;
  return (head === '*' || head === key[0]) && refMatch(rest, key.slice(1));
}

describe('TopicRouter — RabbitMQ 3.10 topic_matching corpus (unit_access_control_SUITE)', () => {
  const bindings: [string, string][] = [
    ['a.b.c', 't1'],
    ['a.*.c', 't2'],
    ['a.#.b', 't3'],
    ['a.b.b.c', 't4'],
    ['#', 't5'],
    ['#.#', 't6'],
    ['#.b', 't7'],
    ['*.*', 't8'],
    ['a.*', 't9'],
    ['*.b.c', 't10'],
    ['a.#', 't11'],
    ['a.#.#', 't12'],
    ['b.b.c', 't13'],
    ['a.b.b', 't14'],
    ['a.b', 't15'],
    ['b.c', 't16'],
    ['', 't17'],
    ['*.*.*', 't18'],
    ['vodka.martini', 't19'],
    ['a.b.c', 't20'],
    ['*.#', 't21'],
    ['#.*.#', 't22'],
    ['*.#.#', 't23'],
    ['#.#.#', 't24'],
    ['*', 't25'],
    ['#.b.#', 't26'],
  ];

  function build(): TopicRouter<string> {
    const router = new TopicRouter<string>();
    for (const [key, queue] of bindings) expect(router.add(queue, key, {})).toBe(true);
    expect(router.add('t27', 'args-test', { foo: 'bar' })).toBe(true);
    // Same destination and key, different arguments: a second binding.
    expect(router.add('t27', 'args-test', { foo: 'baz' })).toBe(true);
    return router;
  }

  const before: [string, string[]][] = [
    ['a.b.c', ['t1', 't2', 't5', 't6', 't10', 't11', 't12', 't18', 't20', 't21', 't22', 't23', 't24', 't26']],
    ['a.b', ['t3', 't5', 't6', 't7', 't8', 't9', 't11', 't12', 't15', 't21', 't22', 't23', 't24', 't26']],
    ['a.b.b', ['t3', 't5', 't6', 't7', 't11', 't12', 't14', 't18', 't21', 't22', 't23', 't24', 't26']],
    ['', ['t5', 't6', 't17', 't24']],
    ['b.c.c', ['t5', 't6', 't18', 't21', 't22', 't23', 't24', 't26']],
    ['a.a.a.a.a', ['t5', 't6', 't11', 't12', 't21', 't22', 't23', 't24']],
    ['vodka.gin', ['t5', 't6', 't8', 't21', 't22', 't23', 't24']],
    ['vodka.martini', ['t5', 't6', 't8', 't19', 't21', 't22', 't23', 't24']],
    ['b.b.c', ['t5', 't6', 't10', 't13', 't18', 't21', 't22', 't23', 't24', 't26']],
    ['nothing.here.at.all', ['t5', 't6', 't21', 't22', 't23', 't24']],
    ['oneword', ['t5', 't6', 't21', 't22', 't23', 't24', 't25']],
    ['args-test', ['t5', 't6', 't21', 't22', 't23', 't24', 't25', 't27']],
  ];

  const after: [string, string[]][] = [
    ['a.b.c', ['t2', 't6', 't10', 't12', 't18', 't20', 't22', 't23', 't24', 't26']],
    ['a.b', ['t3', 't6', 't7', 't8', 't9', 't12', 't15', 't22', 't23', 't24', 't26']],
    ['a.b.b', ['t3', 't6', 't7', 't12', 't14', 't18', 't22', 't23', 't24', 't26']],
    ['', ['t6', 't17', 't24']],
    ['b.c.c', ['t6', 't18', 't22', 't23', 't24', 't26']],
    ['a.a.a.a.a', ['t6', 't12', 't22', 't23', 't24']],
    ['vodka.gin', ['t6', 't8', 't22', 't23', 't24']],
    ['vodka.martini', ['t6', 't8', 't22', 't23', 't24']],
    ['b.b.c', ['t6', 't10', 't13', 't18', 't22', 't23', 't24', 't26']],
    ['nothing.here.at.all', ['t6', 't22', 't23', 't24']],
    ['oneword', ['t6', 't22', 't23', 't24', 't25']],
    ['args-test', ['t6', 't22', 't23', 't24', 't25', 't27']],
  ];

  it.each(before)('routes %j to the expected queues', (key, expected) => {
    expect(sorted(routeTo(build(), key))).toEqual(sorted(expected));
  });

  it.each(after)('after removing bindings 1, 5, 11, 19, 21 and 28, routes %j as RabbitMQ does', (key, expected) => {
    const router = build();
    // The suite removes the 1st, 5th, 11th, 19th, 21st and 28th bindings.
    for (const [key, queue] of [bindings[0]!, bindings[4]!, bindings[10]!, bindings[18]!, bindings[20]!]) {
      expect(router.remove(queue, key, {})).toBe(true);
    }
    expect(router.remove('t27', 'args-test', { foo: 'baz' })).toBe(true);
    expect(router.size).toBe(22);
    expect(sorted(routeTo(router, key))).toEqual(sorted(expected));
  });

  it('routes nothing once every binding is gone', () => {
    const router = build();
    for (const entry of [...router.entries()])
      expect(router.remove(entry.destination, entry.bindingKey, entry.args)).toBe(true);
    expect(router.size).toBe(0);
    expect(routeTo(router, 'a.b.c')).toEqual([]);
    expect(routeTo(router, 'b.b.c')).toEqual([]);
    expect(routeTo(router, '')).toEqual([]);
  });
});

describe('TopicRouter — word splitting and wildcards', () => {
  const cases: [pattern: string, key: string, matches: boolean][] = [
    ['#', '', true],
    ['#', 'a', true],
    ['#', '.', true],
    ['*', '', false], // "" is zero words
    ['*', 'a', true],
    ['*', '.', false], // "." is two empty words
    ['*.*', '.', true],
    ['', '', true],
    ['', '.', false],
    ['a.', 'a.', true],
    ['a.', 'a', false],
    ['a.*', 'a.', true], // '*' matches one empty word
    ['a..b', 'a..b', true],
    ['a.*.b', 'a..b', true],
    ['a.#', 'a', true],
    ['#.a', 'a', true],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.#.b', 'a.x.y.c', false],
    ['#.#', '', true],
    ['*.#', '', false],
    ['#.*', 'a', true],
    ['#.*', '', false],
    ['a.*.#', 'a', false],
    ['a.*.#', 'a.b', true],
    ['#.a.#', 'b.a', true],
    ['#.a.#', 'b.c', false],
    ['a', 'A', false], // case-sensitive
    ['a.*', 'a.*', true],
    ['a.b', 'a.*', false], // a '*' in a routing key is a plain word
    ['a.b', 'a.#', false],
    ['a.#', 'a.#', true],
    ['a*', 'ab', false], // wildcards are whole words only
    ['a*', 'a*', true],
    ['a#', 'a', false],
    ['#a', '#a', true],
  ];

  it.each(cases)('pattern %j against key %j → %s', (pattern, key, matches) => {
    const router = new TopicRouter<string>();
    router.add('q', pattern, {});
    expect(routeTo(router, key)).toEqual(matches ? ['q'] : []);
  });

  it('does not blow up on many "#" words against a long key', () => {
    const router = new TopicRouter<string>({ cacheSize: 0 });
    router.add('never', Array(12).fill('#').join('.') + '.x', {});
    router.add('always', Array(12).fill('#').join('.'), {});
    const key = Array(80).fill('a').join('.');
    // Exploring every way of splitting 80 words among 12 '#' would take ~10^14 steps.
    expect(routeTo(router, key)).toEqual(['always']);
  });

  it('reports each destination once even when several of its patterns match', () => {
    const router = new TopicRouter<string>();
    router.add('q', 'a.*', {});
    router.add('q', 'a.#', {});
    router.add('q', '#', {});
    router.add('r', 'a.b', {});
    expect(sorted(routeTo(router, 'a.b'))).toEqual(['q', 'r']);
  });

  it('adds to an output set that already holds destinations from elsewhere', () => {
    const router = new TopicRouter<string>();
    router.add('q', 'a', {});
    const out = new Set(['other']);
    router.route('a', undefined, out);
    expect([...out]).toEqual(['other', 'q']);
  });
});

describe('TopicRouter — cache', () => {
  it('sees a binding added after a key was routed and cached', () => {
    const router = new TopicRouter<string>();
    router.add('q1', 'a.*', {});
    expect(routeTo(router, 'a.b')).toEqual(['q1']);
    expect(routeTo(router, 'a.b')).toEqual(['q1']);
    router.add('q2', '#.b', {});
    expect(sorted(routeTo(router, 'a.b'))).toEqual(['q1', 'q2']);
  });

  it('forgets a removed binding', () => {
    const router = new TopicRouter<string>();
    router.add('q1', 'a.*', {});
    router.add('q2', 'a.b', {});
    expect(sorted(routeTo(router, 'a.b'))).toEqual(['q1', 'q2']);
    expect(router.remove('q2', 'a.b', {})).toBe(true);
    expect(routeTo(router, 'a.b')).toEqual(['q1']);
  });

  it('forgets a removed destination', () => {
    const router = new TopicRouter<string>();
    router.add('q1', 'a.*', {});
    router.add('q1', '#', {});
    router.add('q2', 'a.b', {});
    expect(sorted(routeTo(router, 'a.b'))).toEqual(['q1', 'q2']);
    expect(router.removeDestination('q1')).toBe(2);
    expect(routeTo(router, 'a.b')).toEqual(['q2']);
  });

  it('keeps a destination routable while another of its bindings with the same key remains', () => {
    const router = new TopicRouter<string>();
    router.add('q', 'a.b', { n: 1 });
    router.add('q', 'a.b', { n: 2 });
    expect(routeTo(router, 'a.b')).toEqual(['q']);
    expect(router.remove('q', 'a.b', { n: 1 })).toBe(true);
    expect(routeTo(router, 'a.b')).toEqual(['q']);
    expect(router.remove('q', 'a.b', { n: 2 })).toBe(true);
    expect(routeTo(router, 'a.b')).toEqual([]);
  });

  it('stays correct after more distinct keys than the cache holds', () => {
    const router = new TopicRouter<string>({ cacheSize: 4 });
    router.add('even', '*.even', {});
    router.add('odd', '*.odd', {});
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) {
        const parity = i % 2 === 0 ? 'even' : 'odd';
        expect(routeTo(router, `${i}.${parity}`)).toEqual([parity]);
      }
    }
  });

  it('does not let a caller-held result change what is routed next', () => {
    const router = new TopicRouter<string>();
    router.add('q', 'a', {});
    const first = new Set<string>();
    router.route('a', undefined, first);
    first.add('intruder');
    expect(routeTo(router, 'a')).toEqual(['q']);
  });
});

describe('TopicRouter — trie against a reference matcher (property)', () => {
  const word = fc.constantFrom('a', 'b', '', '*', '#');
  const key = fc.array(word, { maxLength: 5 }).map((ws) => ws.join('.'));
  const binding = fc.record({ pattern: key, destination: fc.integer({ min: 0, max: 5 }) });

  function expected(bindings: { pattern: string; destination: number }[], routingKey: string): number[] {
    const hits = new Set<number>();
    for (const b of bindings) if (refMatch(words(b.pattern), words(routingKey))) hits.add(b.destination);
    return [...hits].sort((x, y) => x - y);
  }

  function actual(router: TopicRouter<number>, routingKey: string): number[] {
    return routeTo(router, routingKey).sort((x, y) => x - y);
  }

  it('routes every key exactly as the reference does, cached or not, before and after removals', () => {
    fc.assert(
      fc.property(
        fc.array(binding, { maxLength: 20 }),
        fc.array(key, { minLength: 1, maxLength: 15 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        (drawn, keys, drop) => {
          // A repeated (destination, pattern) is one binding.
          const bindings = [...new Map(drawn.map((b) => [`${b.destination}|${b.pattern}`, b])).values()];
          const cached = new TopicRouter<number>();
          const uncached = new TopicRouter<number>({ cacheSize: 0 });
          for (const b of bindings) {
            cached.add(b.destination, b.pattern, {});
            uncached.add(b.destination, b.pattern, {});
          }
          for (const k of [...keys, ...keys]) {
            expect(actual(cached, k)).toEqual(expected(bindings, k));
            expect(actual(uncached, k)).toEqual(expected(bindings, k));
          }
          const kept = bindings.filter((b, i) => {
            if (!drop[i]) return true;
            cached.remove(b.destination, b.pattern, {});
            uncached.remove(b.destination, b.pattern, {});
            return false;
          });
          for (const k of keys) {
            expect(actual(cached, k)).toEqual(expected(kept, k));
            expect(actual(uncached, k)).toEqual(expected(kept, k));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
