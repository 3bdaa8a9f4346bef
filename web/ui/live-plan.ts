/**
 * The page's live optimisation plan: each load forecast from the AI worker goes through the plan controller
 * (web/ai/plan-controller.ts); on top of it the plan bandit (web/ai/plan-bandit.ts) runs one detail variant per
 * epoch, scored by the render worker's frame times. A plan that changed is sent to the render worker (LOD bias,
 * draw distance, texture memory, decode workers). The overlay shows the plan in force and its last adjustments.
 */
import { applyPlanVariant, createPlanBandit, type PlanBandit } from '../ai/plan-bandit';
import { createPlanController, type PlanController } from '../ai/plan-controller';
import type { LoadForecast, OptimPlan } from '../engine/metrics';
import { type RenderPlan, renderPlanOf, VIEWER_FULL_DETAIL } from '../render/render-plan';

export interface LivePlan {
  /** Takes a forecast; returns the plan in force and whether it changed (then it was sent). */
  forecast(forecast: LoadForecast): { plan: OptimPlan; changed: boolean };
  /**
   * Takes the render worker's frame time (its p95 over the last second); at the end of an epoch it scores the
   * variant that ran and picks the next. Nothing until the first forecast (a world's metrics) came. Returns the plan in force and whether it changed (then it was sent).
   */
  frame(frameMs: number): { plan: OptimPlan; changed: boolean };
  readonly plan: OptimPlan;
  /** The variant running now (its share of the plan's detail). */
  readonly variant: number;
}

export function createLivePlan(options: {
  readonly hardwareConcurrency: number;
  /** Hands the render worker its part of a changed plan. */
  readonly send: (plan: RenderPlan) => void;
  /** JS heap the page may use (default: the plan's 512 MiB). */
  readonly memoryBudgetBytes?: number;
  /** The frame time to stay under, ms (default the plan's 1000 / 60). */
  readonly frameBudgetMs?: number;
  /** Frame-time reports per bandit epoch (default 5: one variant for five seconds). */
  readonly epoch?: number;
}): LivePlan {
  const controller: PlanController = createPlanController({
    hardwareConcurrency: Math.max(1, Math.floor(options.hardwareConcurrency || 1)),
    full: VIEWER_FULL_DETAIL,
    ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
    ...(options.frameBudgetMs !== undefined ? { frameBudgetMs: options.frameBudgetMs } : {}),
  });
  const bandit: PlanBandit = createPlanBandit();
  const epoch = Math.max(1, Math.floor(options.epoch ?? 5));
  let variant = 0;
  let frames: number[] = [];
  let plan = controller.plan;
  /** The bandit waits for the first forecast: no world, no load to tune for (the preview scene). */
  let forecasting = false;
  const publish = (): { plan: OptimPlan; changed: boolean } => {
    const next = applyPlanVariant(controller.plan, bandit.variants[variant] ?? 1, VIEWER_FULL_DETAIL);
    const a = renderPlanOf(plan);
    const b = renderPlanOf(next);
    const changed =
      next !== plan &&
      (a.lodBias !== b.lodBias ||
        a.drawDistanceM !== b.drawDistanceM ||
        a.textureMemoryBytes !== b.textureMemoryBytes ||
        a.decodeWorkers !== b.decodeWorkers);
    plan = next;
    if (changed) options.send(b);
    return { plan, changed };
  };
  return {
    get plan() {
      return plan;
    },
    get variant() {
      return bandit.variants[variant] ?? 1;
    },
    forecast(forecast) {
      forecasting = true;
      controller.update(forecast);
      return publish();
    },
    frame(frameMs) {
      if (!forecasting || !Number.isFinite(frameMs) || frameMs <= 0) return { plan, changed: false };
      frames.push(frameMs);
      if (frames.length < epoch) return { plan, changed: false };
      // The epoch's median frame: one hitch does not decide a variant.
      const sorted = frames.sort((x, y) => x - y);
      bandit.reward(variant, sorted[Math.floor(sorted.length / 2)] as number);
      frames = [];
      variant = bandit.choose();
      return publish();
    },
  };
}
