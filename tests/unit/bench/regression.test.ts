/**
 * The bench's > 5 % regression flag. Wall-clock runs inside the unit suite are not used: a CI machine busy with
 * other work moved a rerun from 0.117 ms to 0.398 ms, which no rule can tell from a real slowdown. The flag is
 * checked instead on seeded sample sets shaped like a bench's (jitter around the true cost, a few slow outliers).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../shared/math/random';
import { findRegressions, type MeasuredCase } from '../../bench/regression';

/** Median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** `n` timings of a case whose true cost is `costMs`, with ±`jitter` spread and 3 % outliers up to 4x. */
function sampled(name: string, costMs: number, seed: number, jitter: number, n = 200): MeasuredCase {
  const rand = createRandom(seed);
  const xs = Array.from({ length: n }, () => {
    const t = costMs * (1 + (rand() * 2 - 1) * jitter);
    return rand() < 0.03 ? t * (1 + rand() * 3) : t;
  });
  const m = median(xs);
  return { name, median_ms: m, mad_ms: median(xs.map((x) => Math.abs(x - m))), samples: n };
}

describe('the regression flag', () => {
  it('stays quiet when the same case is measured again, and fires when it is made 50 % slower', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 0.15, noNaN: true }),
        (seed, cost, jitter) => {
          const baseline = [sampled('case', cost, seed, jitter)];
          expect(findRegressions([sampled('case', cost, seed + 1, jitter)], baseline)).toEqual([]);
          const flagged = findRegressions([sampled('case', cost * 1.5, seed + 2, jitter)], baseline);
          expect(flagged).toHaveLength(1);
          expect(flagged[0]).toMatch(/^case: [\d.]+ ms -> [\d.]+ ms \(\+\d+\.\d %\)$/);
        },
      ),
    );
  });

  it('needs both: more than 5 % slower and more than the noise both runs measured', () => {
    const base = [{ name: 'a', median_ms: 10, mad_ms: 0.1, samples: 100 }];
    expect(findRegressions([{ name: 'a', median_ms: 10.4, mad_ms: 0.01, samples: 100 }], base)).toEqual([]);
    expect(findRegressions([{ name: 'a', median_ms: 11, mad_ms: 0.1, samples: 100 }], base)).toHaveLength(1);
    expect(findRegressions([{ name: 'a', median_ms: 11, mad_ms: 1, samples: 100 }], base)).toEqual([]);
    // Measured once: no spread, the median alone decides; a case the baseline lacks is not a regression.
    expect(
      findRegressions([{ name: 'a', median_ms: 10.6, samples: 1 }], [{ name: 'a', median_ms: 10, samples: 1 }]),
    ).toHaveLength(1);
    expect(findRegressions([{ name: 'b', median_ms: 99, samples: 1 }], base)).toEqual([]);
  });
});
