/**
 * The plan bandit on a recorded load: the held-out recordings' frame times, as on a device slow enough that full
 * detail runs over the frame budget, with a variant's frame time 30 % fixed cost and 70 % in proportion to the
 * detail it keeps. Regret falls, it settles on the variant that is best over the recording, and every plan it
 * makes stays inside the plan's constraints.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPlanVariant, createPlanBandit, PLAN_VARIANTS } from '../../../../web/ai/plan-bandit';
import { OptimPlan } from '../../../../web/engine/metrics';
import { createOptimPlan, MIN_DETAIL } from '../../../../web/engine/optim-plan';
import { loadRecordings } from '../../../support/load-traces';

const full = { lodBudgetTriangles: 2_000_000, drawDistanceM: 512, textureMemoryBytes: 192 * 2 ** 20 };
const BUDGET = 1000 / 60;

/** The recorded frame p99 of every held-out snapshot past the first ten (the start-up), scaled so the median is `median` ms. */
function recordedLoad(median: number): number[] {
  const frames = loadRecordings('heldout').flatMap((r) => r.snapshots.slice(10).map((s) => s.frame_p99_ms));
  const sorted = [...frames].sort((a, b) => a - b);
  const m = sorted[Math.floor(sorted.length / 2)] as number;
  return frames.map((f) => (f / m) * median);
}

const frameAt = (load: number, share: number) => load * (0.3 + 0.7 * share);

function run(median: number, steps: number, seedShift = 0) {
  const load = recordedLoad(median);
  const bandit = createPlanBandit({ frameBudgetMs: BUDGET, exploration: 0.5 });
  // The best fixed variant over the recording: its mean reward is what a bandit that knew would earn.
  const means = PLAN_VARIANTS.map(
    (_, v) => load.reduce((n, l) => n + bandit.score(v, frameAt(l, PLAN_VARIANTS[v] as number)), 0) / load.length,
  );
  const best = means.indexOf(Math.max(...means));
  const regret: number[] = [];
  const picks: number[] = [];
  for (let t = 0; t < steps; t++) {
    const v = bandit.choose();
    const l = load[(t + seedShift) % load.length] as number;
    bandit.reward(v, frameAt(l, PLAN_VARIANTS[v] as number));
    picks.push(v);
    regret.push((means[best] as number) - (means[v] as number));
  }
  return { best, means, regret, picks, bandit };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('the plan bandit', () => {
  it('on a recorded load that overruns the frame budget, regret falls and it settles on the best variant', () => {
    const { best, means, regret, picks } = run(30, 4000);
    // Over this load, giving up detail pays: the best variant beats full detail clearly.
    expect(best).not.toBe(0);
    expect(means[best]).toBeGreaterThan((means[0] as number) + 0.05);
    const first = mean(regret.slice(0, 300));
    const last = mean(regret.slice(-300));
    expect(last).toBeLessThan(first / 3);
    expect(mean(picks.slice(-500).map((p) => (p === best ? 1 : 0)))).toBeGreaterThan(0.8);
  });

  it('keeps full detail when the recorded load fits the budget', () => {
    const { best, picks } = run(6, 4000);
    expect(best).toBe(0);
    expect(mean(picks.slice(-500).map((p) => (p === 0 ? 1 : 0)))).toBeGreaterThan(0.8);
  });

  it('never leaves the plan constraints, whatever variant and plan', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (hc, frame, share) => {
          const plan = createOptimPlan(
            { hardwareConcurrency: hc, full },
            {
              version: 2,
              timestamp_ms: 0,
              horizon_s: 5,
              window: 60,
              source: 'model',
              predictions: [{ quantity: 'frame_p99_ms', value: frame, confidence: 0.9 }],
            },
          );
          const varied = applyPlanVariant(plan, share, full);
          expect(OptimPlan.parse(varied)).toEqual(varied);
          expect(varied.lod_budget_triangles).toBeGreaterThanOrEqual(full.lodBudgetTriangles * MIN_DETAIL);
          expect(varied.lod_budget_triangles).toBeLessThanOrEqual(plan.lod_budget_triangles);
          expect(varied.draw_distance_m).toBeLessThanOrEqual(plan.draw_distance_m);
          expect(varied.draw_distance_m).toBeGreaterThanOrEqual(16);
          expect(varied.threads).toEqual(plan.threads);
          expect(varied.texture_memory_bytes).toBe(plan.texture_memory_bytes);
        },
      ),
    );
  });

  it('refuses variants outside (0, 1] with a clear error', () => {
    expect(() => createPlanBandit({ variants: [1, 0] })).toThrow(/plan bandit: every variant/);
    expect(() => createPlanBandit({ variants: [] })).toThrow(/plan bandit/);
  });
});
