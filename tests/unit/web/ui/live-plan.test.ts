/** The page's live plan: forecasts cut detail at once and reach the render worker; the bandit's variants follow the frames. */
import { describe, expect, it } from 'vitest';
import type { LoadForecast } from '../../../../web/engine/metrics';
import { RenderPlan } from '../../../../web/render/render-plan';
import { createLivePlan } from '../../../../web/ui/live-plan';

function forecast(frameP99: number): LoadForecast {
  return {
    version: 2,
    timestamp_ms: 0,
    horizon_s: 5,
    window: 60,
    source: 'model',
    predictions: [
      { quantity: 'frame_p99_ms', value: frameP99, confidence: 0.9 },
      { quantity: 'worker_busy', value: 0.3, confidence: 0.9 },
    ],
  };
}

describe('the live plan on the page', () => {
  it('sends the render worker a coarser plan the moment a forecast overload comes, and valid settings every time', () => {
    const sent: RenderPlan[] = [];
    const live = createLivePlan({ hardwareConcurrency: 8, send: (p) => sent.push(RenderPlan.parse(p)) });
    live.forecast(forecast(8));
    const before = sent.length;
    const step = live.forecast(forecast(40));
    expect(step.changed).toBe(true);
    expect(sent.length).toBe(before + 1);
    expect(sent.at(-1)?.lodBias).toBeGreaterThan(2);
    expect(sent.at(-1)?.drawDistanceM).toBeLessThan(1024);
  });

  it('runs one bandit variant per epoch and, with frames that overrun at full detail, settles on less detail', () => {
    const sent: RenderPlan[] = [];
    const live = createLivePlan({ hardwareConcurrency: 8, send: (p) => sent.push(p), epoch: 2 });
    // Before any forecast (no world yet) the bandit does nothing.
    for (let i = 0; i < 10; i++) expect(live.frame(30).changed).toBe(false);
    expect(sent).toEqual([]);
    live.forecast(forecast(8));
    const shares: number[] = [];
    for (let second = 0; second < 2000; second++) {
      // The renderer's frames: 30 % fixed, 70 % in proportion to the detail drawn; 30 ms at full detail.
      live.frame(30 * (0.3 + 0.7 * live.variant));
      shares.push(live.variant);
    }
    const late = shares.slice(-400);
    expect(new Set(shares.slice(0, 10)).size).toBeGreaterThan(1);
    expect(late.filter((s) => s < 1).length / late.length).toBeGreaterThan(0.9);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((p) => RenderPlan.safeParse(p).success)).toBe(true);
  });
});
