/** The decode pool's queue (web/assets/priority-queue.ts): lowest first, ties in order, re-prioritise and remove. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityQueue } from '../../../../web/assets/priority-queue';

describe('PriorityQueue', () => {
  it('gives the lowest priority first, and equal priorities in the order they came', () => {
    const q = new PriorityQueue<string>();
    q.push('far', 30);
    q.push('near-a', 1);
    q.push('mid', 10);
    q.push('near-b', 1);
    expect([q.pop(), q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['near-a', 'near-b', 'mid', 'far', undefined]);
  });

  it('moves a re-prioritised entry, and removes an entry, while it waits', () => {
    const q = new PriorityQueue<string>();
    const a = q.push('a', 5);
    const b = q.push('b', 6);
    q.push('c', 7);
    expect(q.update(b, 1)).toBe(true);
    expect(q.remove(a)).toBe(true);
    expect(a.queued).toBe(false);
    expect(q.remove(a)).toBe(false);
    expect(q.peek()).toBe('b');
    expect([q.pop(), q.pop()]).toEqual(['b', 'c']);
    expect(q.update(b, 0)).toBe(false);
  });

  it('sorts NaN priorities last', () => {
    const q = new PriorityQueue<string>();
    q.push('nan', Number.NaN);
    q.push('one', 1);
    expect([q.pop(), q.pop()]).toEqual(['one', 'nan']);
  });

  it('agrees with a sorted list under random pushes, updates, removals and pops (fast-check)', () => {
    type Op = { op: 'push'; p: number } | { op: 'update'; i: number; p: number } | { op: 'remove'; i: number } | { op: 'pop' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('push' as const), p: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ op: fc.constant('update' as const), i: fc.nat(40), p: fc.integer({ min: -5, max: 5 }) }),
      fc.record({ op: fc.constant('remove' as const), i: fc.nat(40) }),
      fc.record({ op: fc.constant('pop' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const q = new PriorityQueue<number>();
        const handles: ReturnType<PriorityQueue<number>['push']>[] = [];
        // The model: each live id's priority; ties go to the earlier push (the lower id).
        const live = new Map<number, number>();
        for (const o of ops) {
          if (o.op === 'push') {
            live.set(handles.length, o.p);
            handles.push(q.push(handles.length, o.p));
          } else if (o.op === 'update') {
            const h = handles[o.i];
            if (h && q.update(h, o.p)) live.set(o.i, o.p);
          } else if (o.op === 'remove') {
            const h = handles[o.i];
            if (h && q.remove(h)) live.delete(o.i);
          } else {
            const expected = [...live].sort((x, y) => x[1] - y[1] || x[0] - y[0])[0];
            const got = q.pop();
            expect(got).toBe(expected?.[0]);
            if (expected) live.delete(expected[0]);
          }
          expect(q.size).toBe(live.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
