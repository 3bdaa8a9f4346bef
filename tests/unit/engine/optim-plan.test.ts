/** The optimisation plan from a load forecast: less detail ahead of a forecast overload, never outside its constraints. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FORECAST_QUANTITIES, type LoadForecast, OptimPlan } from '../../../web/engine/metrics';
import { createOptimPlan, MIN_DETAIL } from '../../../web/engine/optim-plan';

const full = { lodBudgetTriangles: 2_000_000, drawDistanceM: 256, textureMemoryBytes: 256 * 2 ** 20 };
const input = { hardwareConcurrency: 8, full };

function forecast(values: Partial<Record<(typeof FORECAST_QUANTITIES)[number], number>>, confidence = 0.9): LoadForecast {
  return {
    version: 2,
    timestamp_ms: 1000,
    horizon_s: 5,
    window: 60,
    source: 'model',
    predictions: Object.entries(values).map(([quantity, value]) => ({
      quantity: quantity as (typeof FORECAST_QUANTITIES)[number],
      value,
      confidence,
    })),
  };
}

describe('the optimisation plan', () => {
  it('keeps full detail when no overload is forecast, and lists no change', () => {
    const calm = createOptimPlan(input, forecast({ frame_p99_ms: 8, worker_busy: 0.3 }));
    const again = createOptimPlan(input, forecast({ frame_p99_ms: 9, worker_busy: 0.35 }), calm);
    expect(again).toMatchObject({ lod_budget_triangles: full.lodBudgetTriangles, draw_distance_m: 256, adjustments: [] });
  });

  it('cuts detail ahead of a forecast frame-time spike, says why, and restores it when the forecast clears', () => {
    const calm = createOptimPlan(input, forecast({ frame_p99_ms: 8, worker_busy: 0.3 }));
    const spike = createOptimPlan(input, forecast({ frame_p99_ms: 33, worker_busy: 0.9 }), calm);
    expect(spike.lod_budget_triangles).toBeLessThan(calm.lod_budget_triangles / 1.9);
    expect(spike.draw_distance_m).toBeLessThan(calm.draw_distance_m);
    expect(spike.threads.ecs + spike.threads.ai).toBeGreaterThanOrEqual(calm.threads.ecs + calm.threads.ai);
    const lod = spike.adjustments.find((a) => a.knob === 'lod_budget_triangles');
    expect(lod?.reason).toMatch(/frame p99 forecast 33\.0 ms > 16\.7 ms/);
    const after = createOptimPlan(input, forecast({ frame_p99_ms: 8, worker_busy: 0.3 }), spike);
    expect(after.lod_budget_triangles).toBe(full.lodBudgetTriangles);
    expect(after.adjustments.some((a) => a.knob === 'lod_budget_triangles' && a.to === full.lodBudgetTriangles)).toBe(true);
  });

  it("cuts render detail ahead of a forecast render-worker overload (its own frame time) and says so, the world's frame calm", () => {
    const calm = createOptimPlan(input, forecast({ frame_p99_ms: 4, render_frame_ms: 9 }));
    expect(calm.lod_budget_triangles).toBe(full.lodBudgetTriangles);
    const heavy = createOptimPlan(input, forecast({ frame_p99_ms: 4, render_frame_ms: 40 }), calm);
    expect(heavy.lod_budget_triangles).toBeLessThan(calm.lod_budget_triangles / 2);
    expect(heavy.draw_distance_m).toBeLessThan(calm.draw_distance_m);
    expect(heavy.adjustments.find((a) => a.knob === 'draw_distance_m')?.reason).toMatch(
      /render frame forecast 40\.0 ms > 16\.7 ms/,
    );
  });

  it('ignores predictions it is not sure of', () => {
    const unsure = createOptimPlan(input, forecast({ frame_p99_ms: 100, worker_busy: 1 }, 0.1));
    expect(unsure.lod_budget_triangles).toBe(full.lodBudgetTriangles);
  });

  it('shrinks texture memory when the heap is forecast near the memory budget', () => {
    const plan = createOptimPlan(input, forecast({ js_heap_bytes: 0.95 * 512 * 2 ** 20 }));
    expect(plan.texture_memory_bytes).toBeLessThan(full.textureMemoryBytes);
  });

  it('never leaves its constraints, whatever the forecast', () => {
    const value = fc.double({ min: 0, max: 10_000, noNaN: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 256 }),
        fc.record({
          frame_p99_ms: value,
          render_frame_ms: value,
          worker_busy: fc.double({ min: 0, max: 1, noNaN: true }),
          js_heap_bytes: fc.integer({ min: 0, max: 2 ** 40 }),
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (hc, values, confidence) => {
          const plan = createOptimPlan({ hardwareConcurrency: hc, full }, forecast(values, confidence));
          expect(OptimPlan.parse(plan)).toEqual(plan);
          expect(plan.threads.ecs + plan.threads.ai).toBeLessThanOrEqual(Math.max(1, hc - 2));
          expect(plan.lod_budget_triangles).toBeGreaterThanOrEqual(Math.floor(full.lodBudgetTriangles * MIN_DETAIL));
          expect(plan.lod_budget_triangles).toBeLessThanOrEqual(full.lodBudgetTriangles);
          expect(plan.texture_memory_bytes).toBeGreaterThanOrEqual(Math.floor(full.textureMemoryBytes * MIN_DETAIL));
        },
      ),
    );
  });
});
