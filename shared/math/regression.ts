/**
 * The > 5 % regression flag: a case is a regression when its median is more than 5 % over the baseline's AND the
 * gap is larger than the noise both runs measured (twice the sum of their median absolute deviations), so a rerun
 * on a busy machine does not cry wolf while a real slowdown still shows. Cases measured once (no spread known) are
 * compared on the median alone.
 */

/** What the flag needs of a case. */
export interface MeasuredCase {
  readonly name: string;
  readonly median_ms: number;
  /** Median absolute deviation of the samples, when the case has several. */
  readonly mad_ms?: number;
  readonly samples: number;
}

/** How much slower than the baseline counts (0.05: 5 %). */
export const REGRESSION_THRESHOLD = 0.05;

/** The cases of `current` that regressed against `baseline`, each said as `name: before -> after (+x %)`. */
export function findRegressions(
  current: readonly MeasuredCase[],
  baseline: readonly MeasuredCase[],
  threshold = REGRESSION_THRESHOLD,
): string[] {
  return current.flatMap((c) => {
    const before = baseline.find((b) => b.name === c.name);
    if (!before || !(before.median_ms > 0) || !Number.isFinite(c.median_ms)) return [];
    const gap = c.median_ms - before.median_ms;
    if (gap <= before.median_ms * threshold) return [];
    const noise = c.mad_ms !== undefined && before.mad_ms !== undefined ? 2 * (c.mad_ms + before.mad_ms) : 0;
    if (gap <= noise) return [];
    return [
      `${c.name}: ${before.median_ms.toFixed(3)} ms -> ${c.median_ms.toFixed(3)} ms (+${((c.median_ms / before.median_ms - 1) * 100).toFixed(1)} %)`,
    ];
  });
}
