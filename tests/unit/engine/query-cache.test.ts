import { describe, expect, it } from 'vitest';
import { createLruPolicy, createPredictedReusePolicy, simulateCache } from '../../../web/engine/query-cache';

/** Per step: hot keys every step, periodic keys every `period` steps, and `scans` never-repeated keys. */
function trace(steps: number, period: number, scans: number): string[] {
  const out: string[] = [];
  let fresh = 0;
  for (let s = 0; s < steps; s++) {
    out.push('hot1', 'hot2', 'hot3');
    if (s % period === 0) out.push('p1', 'p2', 'p3');
    for (let k = 0; k < scans; k++) out.push(`scan${fresh++}`);
  }
  return out;
}

describe('query cache eviction', () => {
  it('keeps periodic queries that one-off scans flush out of an LRU cache', () => {
    const t = trace(300, 5, 4);
    const lru = simulateCache(t, 6, createLruPolicy());
    const predicted = simulateCache(t, 6, createPredictedReusePolicy());
    expect(predicted.hitRate).toBeGreaterThan(lru.hitRate);
    // The hot keys never miss after their first lookup; LRU loses them to the scans.
    expect(predicted.hits).toBeGreaterThanOrEqual(900 - 3);
    expect(lru.hits).toBeLessThan(900 - 3);
  });

  it('behaves like LRU when every key repeats (no one-offs)', () => {
    const t = trace(100, 1, 0);
    expect(simulateCache(t, 6, createPredictedReusePolicy()).hitRate).toBe(simulateCache(t, 6, createLruPolicy()).hitRate);
  });

  it('counts hits and lookups of a replayed trace', () => {
    expect(simulateCache(['a', 'b', 'a', 'c', 'a', 'b'], 2, createLruPolicy())).toEqual({
      policy: 'lru',
      capacity: 2,
      lookups: 6,
      hits: 2,
      hitRate: 2 / 6,
    });
  });
});
