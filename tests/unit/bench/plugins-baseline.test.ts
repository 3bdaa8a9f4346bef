/** The committed plugins bench baseline (bench/results/baseline/plugins.json), as the regression flag reads it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRegressions, type MeasuredCase } from '../../bench/regression';

const path = fileURLToPath(new URL('../../../bench/results/baseline/plugins.json', import.meta.url));
const baseline = JSON.parse(readFileSync(path, 'utf8')) as { suite: string; cases: MeasuredCase[] };

describe('the plugins bench baseline', () => {
  it('holds every case `npm run bench -- plugins` writes, each with its median and noise', () => {
    expect(baseline.suite).toBe('plugins');
    expect(baseline.cases.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'bus_publish_in_thread',
        'eventtarget_dispatch_in_thread',
        'host_frame_10_idle_plugins',
        'load_small_plugin',
        'load_small_plugin_warm',
        'load_small_plugin_cold',
        'sandbox_round_trip',
      ]),
    );
    for (const c of baseline.cases) {
      expect(c.median_ms, c.name).toBeGreaterThan(0);
      expect(c.mad_ms, c.name).toBeGreaterThanOrEqual(0);
    }
  });

  it('is what the flag compares with: quiet for the same run, and a case made 50 % slower beyond its noise is named', () => {
    expect(findRegressions(baseline.cases, baseline.cases)).toEqual([]);
    const slower = baseline.cases.map((c) =>
      c.name === 'sandbox_round_trip' ? { ...c, median_ms: c.median_ms * 1.5 + 4 * (c.mad_ms ?? 0) } : c,
    );
    const flagged = findRegressions(slower, baseline.cases);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatch(/^sandbox_round_trip: /);
  });
});
