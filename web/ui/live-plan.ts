/**
 * The page's live optimisation plan: each load forecast from the AI worker goes through the plan controller
 * (web/ai/plan-controller.ts), and a plan that changed is sent to the render worker (LOD bias, draw distance,
 * texture memory, decode workers). The overlay shows the plan in force and its last adjustments.
 */
import { createPlanController, type PlanController } from '../ai/plan-controller';
import type { LoadForecast, OptimPlan } from '../engine/metrics';
import { type RenderPlan, renderPlanOf, VIEWER_FULL_DETAIL } from '../render/render-plan';

export interface LivePlan {
  /** Takes a forecast; returns the plan in force and whether it changed (then it was sent). */
  forecast(forecast: LoadForecast): { plan: OptimPlan; changed: boolean };
  readonly plan: OptimPlan;
}

export function createLivePlan(options: {
  readonly hardwareConcurrency: number;
  /** Hands the render worker its part of a changed plan. */
  readonly send: (plan: RenderPlan) => void;
  /** JS heap the page may use (default: the plan's 512 MiB). */
  readonly memoryBudgetBytes?: number;
}): LivePlan {
  const controller: PlanController = createPlanController({
    hardwareConcurrency: Math.max(1, Math.floor(options.hardwareConcurrency || 1)),
    full: VIEWER_FULL_DETAIL,
    ...(options.memoryBudgetBytes !== undefined ? { memoryBudgetBytes: options.memoryBudgetBytes } : {}),
  });
  return {
    get plan() {
      return controller.plan;
    },
    forecast(forecast) {
      const step = controller.update(forecast);
      if (step.changed) options.send(renderPlanOf(step.plan));
      return { plan: step.plan, changed: step.changed };
    },
  };
}
