// Who gets a queue's next message (queue-consumers.ts), without a queue: x-priority order, round robin
// within the top priority that has credit, single active consumer, browsers kept apart.
import { describe, expect, test } from 'vitest';
import { QueueConsumers, type RotatingConsumer } from '../../../src/broker/queue-consumers.js';

class Sub implements RotatingConsumer {
  credit = true;
  constructor(
    readonly name: string,
    readonly priority = 0,
    readonly browse = false,
  ) {}
  canTake(): boolean {
    return this.credit;
  }
}

function picks(set: QueueConsumers<Sub>, n: number, singleActive = false): (string | undefined)[] {
  return Array.from({ length: n }, () => set.next(singleActive)?.name);
}

describe('queue consumers', () => {
  test('round robin among equals; a consumer without credit is skipped', () => {
    const set = new QueueConsumers<Sub>();
    const [a, b, c] = [new Sub('a'), new Sub('b'), new Sub('c')];
    for (const s of [a, b, c]) set.add(s);
    expect(picks(set, 4)).toEqual(['a', 'b', 'c', 'a']);
    b.credit = false;
    expect(picks(set, 3)).toEqual(['c', 'a', 'c']);
  });

  test('the highest priority with credit is served first; lower ones only when it has none', () => {
    const set = new QueueConsumers<Sub>();
    const low = new Sub('low', 0);
    const high1 = new Sub('high1', 5);
    const high2 = new Sub('high2', 5);
    for (const s of [low, high1, high2]) set.add(s);
    expect(set.consumers.map((s) => s.name)).toEqual(['high1', 'high2', 'low']);
    expect(picks(set, 3)).toEqual(['high1', 'high2', 'high1']);
    high1.credit = false;
    high2.credit = false;
    expect(picks(set, 1)).toEqual(['low']);
    low.credit = false;
    expect(picks(set, 1)).toEqual([undefined]);
  });

  test('single active consumer: only the first may take, and nobody while it has no credit', () => {
    const set = new QueueConsumers<Sub>();
    const first = new Sub('first');
    set.add(first);
    set.add(new Sub('second'));
    expect(picks(set, 2, true)).toEqual(['first', 'first']);
    first.credit = false;
    expect(picks(set, 1, true)).toEqual([undefined]);
    set.remove(first);
    expect(picks(set, 1, true)).toEqual(['second']);
  });

  test('browsers count as subscribers but are never picked; remove and clear report who was there', () => {
    const set = new QueueConsumers<Sub>();
    const browser = new Sub('browser', 0, true);
    const c = new Sub('c');
    set.add(browser);
    set.add(c);
    expect(set.size).toBe(2);
    expect(set.all.map((s) => s.name)).toEqual(['c', 'browser']);
    expect(picks(set, 2)).toEqual(['c', 'c']);
    expect(set.remove(new Sub('stranger'))).toBe(false);
    expect(set.clear().map((s) => s.name)).toEqual(['c', 'browser']);
    expect(set.size).toBe(0);
  });
});
