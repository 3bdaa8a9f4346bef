/** The bench's > 5 % regression flag on real measurements: it fires on a slowed case and stays quiet on a rerun. */
import { describe, expect, it } from 'vitest';
import { findRegressions } from '../../bench/regression';
import { measure } from '../../bench/report';

let sink = 0;
/** A fixed amount of arithmetic; `n` sets how much. */
function work(n: number): void {
  let x = 0;
  for (let i = 1; i <= n; i++) x += Math.sqrt(i) * 1.0001;
  sink += x;
}

const run = (n: number) => measure([{ name: 'sqrt_sum', fn: () => work(n) }], { timeMs: 400, iterations: 200 });

describe('the regression flag', () => {
  it('stays quiet when the same case runs again, and fires when it is made 50 % slower', async () => {
    const baseline = await run(20_000);
    const rerun = await run(20_000);
    const slowed = await run(30_000);
    expect(baseline[0]?.mad_ms).toBeGreaterThanOrEqual(0);
    expect(findRegressions(rerun, baseline)).toEqual([]);
    const flagged = findRegressions(slowed, baseline);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatch(/^sqrt_sum: [\d.]+ ms -> [\d.]+ ms \(\+\d+\.\d %\)$/);
    expect(sink).toBeGreaterThan(0);
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
