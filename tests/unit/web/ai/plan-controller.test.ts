/** The live plan: cuts detail when a forecast overload is 5 s away, gives it back after a calm hold, never leaves its constraints. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featureValue, HORIZON, PREDICTED } from '../../../../web/ai/load-features';
import { createLoadForecaster } from '../../../../web/ai/load-forecaster';
import { createOrtRunner } from '../../../../web/ai/ort-runner';
import { createPlanController } from '../../../../web/ai/plan-controller';
import { type LoadForecast, type MetricSnapshot, OptimPlan } from '../../../../web/engine/metrics';
import { MIN_DETAIL } from '../../../../web/engine/optim-plan';
import { readLoadModel } from '../../../support/load-model';
import { loadRecordings } from '../../../support/load-traces';

const full = { lodBudgetTriangles: 2_000_000, drawDistanceM: 512, textureMemoryBytes: 192 * 2 ** 20 };

/** What a forecaster that is always right says at `now`: the values recorded HORIZON snapshots later. */
function oracle(at: MetricSnapshot, future: MetricSnapshot): LoadForecast {
  return {
    version: 2,
    timestamp_ms: at.timestamp_ms,
    horizon_s: HORIZON,
    window: 60,
    source: 'model',
    predictions: PREDICTED.map((quantity) => ({ quantity, value: featureValue(future, quantity), confidence: 0.9 })),
  };
}

function constant(values: { frame_p99_ms: number; worker_busy: number }, at = 0): LoadForecast {
  return {
    version: 2,
    timestamp_ms: at,
    horizon_s: HORIZON,
    window: 60,
    source: 'model',
    predictions: [
      { quantity: 'frame_p99_ms', value: values.frame_p99_ms, confidence: 0.9 },
      { quantity: 'worker_busy', value: values.worker_busy, confidence: 0.9 },
    ],
  };
}

function checkConstraints(plan: OptimPlan, hc: number): void {
  expect(OptimPlan.parse(plan)).toEqual(plan);
  expect(plan.threads.ecs + plan.threads.ai).toBeLessThanOrEqual(Math.max(1, hc - 2));
  expect(plan.lod_budget_triangles).toBeGreaterThanOrEqual(Math.floor(full.lodBudgetTriangles * MIN_DETAIL));
  expect(plan.lod_budget_triangles).toBeLessThanOrEqual(full.lodBudgetTriangles);
  expect(plan.draw_distance_m).toBeLessThanOrEqual(full.drawDistanceM);
  expect(plan.texture_memory_bytes).toBeLessThanOrEqual(full.textureMemoryBytes);
  expect(plan.texture_memory_bytes).toBeGreaterThanOrEqual(Math.floor(full.textureMemoryBytes * MIN_DETAIL));
}

describe('the live plan', () => {
  it('on a replayed recording, has detail cut at every overload five seconds before it arrives', () => {
    // The held-out recording with a restart and build bursts: its frame p99 runs over 5 ms a few times after the start.
    const rec = loadRecordings('heldout').find((r) => r.name === 'restart-and-build');
    const snapshots = rec?.snapshots ?? [];
    const frameBudgetMs = 5;
    const controller = createPlanController({ hardwareConcurrency: 8, full, frameBudgetMs, hold: 5 });
    const plans: OptimPlan[] = [];
    for (let i = 0; i + HORIZON < snapshots.length; i++) {
      const now = snapshots[i] as MetricSnapshot;
      plans.push(controller.update(oracle(now, snapshots[i + HORIZON] as MetricSnapshot)).plan);
      checkConstraints(controller.plan, 8);
    }
    const overloads = snapshots.flatMap((s, i) => (i >= HORIZON + 10 && s.frame_p99_ms > frameBudgetMs ? [i] : []));
    expect(overloads.length).toBeGreaterThanOrEqual(5);
    for (const j of overloads) {
      // The plan made HORIZON seconds before the overload already has less detail, and it is still in force when it comes.
      const before = plans[j - HORIZON] as OptimPlan;
      expect(before.lod_budget_triangles, `snapshot ${j}`).toBeLessThan(full.lodBudgetTriangles);
      expect(before.draw_distance_m).toBeLessThan(full.drawDistanceM);
      if (j < plans.length) expect((plans[j] as OptimPlan).lod_budget_triangles).toBeLessThan(full.lodBudgetTriangles);
    }
    // And between the overloads it gives the detail back.
    const fullDetail = plans.filter((p) => p.lod_budget_triangles === full.lodBudgetTriangles).length;
    expect(fullDetail).toBeGreaterThan(plans.length / 3);
  });

  it('follows the committed model on a held-out recording: every forecast overload is met by a cut the same second', async () => {
    const { spec, bytes } = readLoadModel();
    const runner = await createOrtRunner(spec, bytes);
    const forecaster = createLoadForecaster({ spec, runner });
    const frameBudgetMs = 2;
    const controller = createPlanController({ hardwareConcurrency: 4, full, frameBudgetMs });
    let forecastOverloads = 0;
    for (const s of loadRecordings('heldout')[0]?.snapshots ?? []) {
      const forecast = await forecaster.push(s);
      const step = controller.update(forecast);
      checkConstraints(step.plan, 4);
      const p99 = forecast.predictions.find((p) => p.quantity === 'frame_p99_ms');
      if (p99 && p99.confidence >= 0.3 && p99.value > frameBudgetMs) {
        forecastOverloads++;
        expect(step.plan.lod_budget_triangles).toBeLessThan(full.lodBudgetTriangles);
      }
    }
    expect(forecastOverloads).toBeGreaterThan(0);
    await runner.release();
  });

  it('gives detail back only after the forecast has been calm for the hold, and says why it changed', () => {
    const controller = createPlanController({ hardwareConcurrency: 8, full, hold: 3 });
    const calm = { frame_p99_ms: 8, worker_busy: 0.3 };
    controller.update(constant(calm));
    const cut = controller.update(constant({ frame_p99_ms: 40, worker_busy: 0.9 }));
    expect(cut.changed).toBe(true);
    expect(cut.plan.adjustments.find((a) => a.knob === 'lod_budget_triangles')?.reason).toMatch(/frame p99 forecast 40\.0 ms/);
    const steps = [1, 2, 3, 4].map(() => controller.update(constant(calm)));
    expect(steps.map((s) => s.changed)).toEqual([false, false, false, true]);
    expect(steps[2]?.plan.lod_budget_triangles).toBe(cut.plan.lod_budget_triangles);
    expect(steps[3]?.plan.lod_budget_triangles).toBe(full.lodBudgetTriangles);
    // A second spike inside the hold cuts again at once and restarts the count.
    controller.update(constant({ frame_p99_ms: 40, worker_busy: 0.9 }));
    controller.update(constant(calm));
    const spike = controller.update(constant({ frame_p99_ms: 80, worker_busy: 1 }));
    expect(spike.changed).toBe(true);
    expect(spike.plan.lod_budget_triangles).toBeLessThan(cut.plan.lod_budget_triangles);
    expect(spike.calm).toBe(0);
  });

  it('never leaves its constraints, whatever the forecasts', () => {
    const forecastArb = fc.record({
      frame_p99_ms: fc.double({ min: 0, max: 10_000, noNaN: true }),
      worker_busy: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(forecastArb, { minLength: 1, maxLength: 40 }), (hc, values) => {
        const controller = createPlanController({ hardwareConcurrency: hc, full, hold: 2 });
        for (const v of values) checkConstraints(controller.update(constant(v)).plan, hc);
      }),
    );
  });
});
