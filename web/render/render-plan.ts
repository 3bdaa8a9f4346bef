/**
 * What the live optimisation plan (web/engine/optim-plan.ts) asks of the render worker: a LOD bias from the
 * plan's share of the full triangle budget (the renderer picks LODs by screen size, so a budget of half the
 * triangles becomes thresholds twice as coarse), the far plane from the draw distance, the texture memory
 * budget, and how many decode workers to run. Parsed with a schema where the render worker receives it.
 */
import { z } from 'zod';
import type { OptimPlan } from '../engine/metrics';
import { DEFAULT_TEXTURE_BUDGET } from './texture-layers';

/** The most decode workers the plan may ask for (decodePoolSize's own ceiling). */
export const MAX_DECODE_WORKERS = 4;

/** The render worker's part of a plan. */
export const RenderPlan = z.strictObject({
  /** Multiplies the adaptive LOD bias: 1 at full detail, up to 8 (coarser). */
  lodBias: z.number().min(1).max(8),
  /** The far plane, metres; null: the renderer's own (full draw distance). */
  drawDistanceM: z.number().min(16).max(4096).nullable(),
  /** GPU bytes the prim and terrain texture array may grow to. */
  textureMemoryBytes: z
    .number()
    .int()
    .min(0)
    .max(2 ** 34),
  decodeWorkers: z.number().int().min(1).max(MAX_DECODE_WORKERS),
});
export type RenderPlan = z.infer<typeof RenderPlan>;

/** Detail at no load: what the viewer draws when the plan cuts nothing (OptimPlanInput's `full`). */
export const VIEWER_FULL_DETAIL = {
  /** A nominal figure: the plan's LOD budget is read as a share of it. */
  lodBudgetTriangles: 2_000_000,
  /** The plan's ceiling (a simulator's largest draw distance); at it the renderer keeps its own far plane. */
  drawDistanceM: 1024,
  textureMemoryBytes: DEFAULT_TEXTURE_BUDGET,
} as const;

/** The render worker's settings for `plan`, made against the full detail it was planned from. */
export function renderPlanOf(
  plan: OptimPlan,
  full: { readonly lodBudgetTriangles: number; readonly drawDistanceM: number } = VIEWER_FULL_DETAIL,
): RenderPlan {
  const share = plan.lod_budget_triangles / Math.max(1, full.lodBudgetTriangles);
  return RenderPlan.parse({
    lodBias: Math.min(8, Math.max(1, share > 0 ? 1 / share : 8)),
    drawDistanceM: plan.draw_distance_m >= full.drawDistanceM ? null : plan.draw_distance_m,
    textureMemoryBytes: plan.texture_memory_bytes,
    decodeWorkers: Math.min(MAX_DECODE_WORKERS, Math.max(1, plan.threads.decode)),
  });
}
