/** SegmentRefs (recovery's per-record queue references) behaves as one Map<queue id, delivered> per record. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SegmentRefs } from '../../src/broker/store/segment-refs.js';

type Op = { kind: 'set' | 'delete'; record: number; queue: number; delivered: boolean };

const op = fc.record({
  kind: fc.constantFrom<'set' | 'delete'>('set', 'delete'),
  record: fc.integer({ min: 0, max: 3 }),
  queue: fc.integer({ min: 1, max: 4 }),
  delivered: fc.boolean(),
});

describe('SegmentRefs', () => {
  it('answers has/forEach as a Map per record would, through any sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops: Op[]) => {
        const refs = new SegmentRefs();
        const maps = [0, 1, 2, 3].map(() => new Map<number, boolean>());
        for (let i = 0; i < maps.length; i++) expect(refs.add()).toBe(i);
        for (const o of ops) {
          if (o.kind === 'set') {
            refs.set(o.record, o.queue, o.delivered);
            maps[o.record]?.set(o.queue, o.delivered);
          } else {
            refs.delete(o.record, o.queue);
            maps[o.record]?.delete(o.queue);
          }
        }
        maps.forEach((m, i) => {
          const got: [number, boolean][] = [];
          refs.forEach(i, (q, d) => got.push([q, d]));
          expect(got).toEqual([...m]);
          for (let q = 1; q <= 4; q++) expect(refs.has(i, q)).toBe(m.has(q));
        });
      }),
    );
  });
});
