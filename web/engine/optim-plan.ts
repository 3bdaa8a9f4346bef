/**
 * The optimisation plan (seed 12.1) from the allocation plan and a load forecast: threads per role from the
 * hardware and the predicted busy share, and detail (LOD budget, draw distance, texture memory) scaled down
 * ahead of a predicted overload — the world's or the render worker's frame time over its budget, workers near
 * saturation, the heap near the memory budget — with each change listed and its reason. Only predictions with enough confidence count.
 */
import { createAllocationPlan } from './allocation';
import { EngineCode, ecsError } from './errors';
import { type LoadForecast, METRICS_VERSION, OptimPlan } from './metrics';

/** What the plan is made from besides the forecast. */
export interface OptimPlanInput {
  readonly hardwareConcurrency: number;
  /** Bytes the engine may use (default 512 MiB). */
  readonly memoryBudgetBytes?: number;
  /** The frame time to stay under, ms (default 1000 / 60). */
  readonly frameBudgetMs?: number;
  /** Busy share a worker should stay under (default 0.7). */
  readonly busyTarget?: number;
  /** Detail at no load: the plan never asks for more. */
  readonly full: { readonly lodBudgetTriangles: number; readonly drawDistanceM: number; readonly textureMemoryBytes: number };
  /** Predictions less sure than this are ignored (default 0.3). */
  readonly minConfidence?: number;
}

/** The least detail the plan scales down to (a quarter of full). */
export const MIN_DETAIL = 0.25;

/** A prediction sure enough to act on: its upper bound where the forecast gives one (scale ahead of a rise it is unsure of), else its value. */
function predicted(forecast: LoadForecast | null, quantity: string, minConfidence: number): number | null {
  const p = forecast?.predictions.find((x) => x.quantity === quantity);
  return p && p.confidence >= minConfidence ? (p.upper ?? p.value) : null;
}

/** Makes the plan; `previous` (the plan in force) gives the adjustments' `from`. */
export function createOptimPlan(
  input: OptimPlanInput,
  forecast: LoadForecast | null,
  previous: OptimPlan | null = null,
): OptimPlan {
  const budget = input.memoryBudgetBytes ?? 512 * 1024 * 1024;
  const frameBudget = input.frameBudgetMs ?? 1000 / 60;
  const busyTarget = input.busyTarget ?? 0.7;
  const minConfidence = input.minConfidence ?? 0.3;
  if (!(frameBudget > 0 && busyTarget > 0 && busyTarget <= 1))
    throw ecsError(EngineCode.InvalidConfig, 'optim plan: frameBudgetMs must be positive and busyTarget in (0, 1]');
  const busy = predicted(forecast, 'worker_busy', minConfidence);
  const frame = predicted(forecast, 'frame_p99_ms', minConfidence);
  // The render worker's own frame time: the quantity the plan's render detail (LOD budget, draw distance) changes.
  const render = predicted(forecast, 'render_frame_ms', minConfidence);
  const heap = predicted(forecast, 'js_heap_bytes', minConfidence);
  // Threads: the allocation plan at the predicted load (at least a quarter of the spare cores).
  const alloc = createAllocationPlan({
    hardwareConcurrency: input.hardwareConcurrency,
    memoryBudgetBytes: budget,
    cpuLoad: busy === null ? 1 : Math.min(1, Math.max(0.25, busy / busyTarget)),
  });
  const reasons: string[] = [];
  let pressure = 1;
  if (frame !== null && frame > frameBudget) {
    pressure = Math.max(pressure, frame / frameBudget);
    reasons.push(`frame p99 forecast ${frame.toFixed(1)} ms > ${frameBudget.toFixed(1)} ms`);
  }
  if (render !== null && render > frameBudget) {
    pressure = Math.max(pressure, render / frameBudget);
    reasons.push(`render frame forecast ${render.toFixed(1)} ms > ${frameBudget.toFixed(1)} ms`);
  }
  if (busy !== null && busy > busyTarget) {
    pressure = Math.max(pressure, busy / busyTarget);
    reasons.push(`busy forecast ${Math.round(busy * 100)}% > ${Math.round(busyTarget * 100)}%`);
  }
  const detail = Math.max(MIN_DETAIL, 1 / pressure);
  const heapShare = heap === null ? 0 : heap / budget;
  const textureScale = heapShare > 0.8 ? Math.max(MIN_DETAIL, 1 - (heapShare - 0.8) * 2.5) : 1;
  if (textureScale < 1) reasons.push(`heap forecast ${Math.round(heapShare * 100)}% of the budget`);
  const why = reasons.length ? reasons.join('; ') : 'no overload forecast';
  const plan = {
    version: METRICS_VERSION,
    threads: { ecs: alloc.ecsWorkers, ai: alloc.aiWorkers, decode: Math.max(1, Math.floor(alloc.workerThreads / 2)), render: 1 },
    memory_budget_bytes: budget,
    entity_capacity: alloc.entityCapacity,
    lod_budget_triangles: Math.round(input.full.lodBudgetTriangles * detail),
    // Area drawn grows with the square of the distance: scale the distance by the root of the detail.
    draw_distance_m: Math.min(1024, Math.max(16, input.full.drawDistanceM * Math.sqrt(detail))),
    texture_memory_bytes: Math.round(input.full.textureMemoryBytes * textureScale),
  };
  const adjustments: OptimPlan['adjustments'] = [];
  if (previous) {
    const knobs = [
      ['threads.ecs', previous.threads.ecs, plan.threads.ecs],
      ['threads.ai', previous.threads.ai, plan.threads.ai],
      ['threads.decode', previous.threads.decode, plan.threads.decode],
      ['lod_budget_triangles', previous.lod_budget_triangles, plan.lod_budget_triangles],
      ['draw_distance_m', previous.draw_distance_m, plan.draw_distance_m],
      ['texture_memory_bytes', previous.texture_memory_bytes, plan.texture_memory_bytes],
    ] as const;
    for (const [knob, from, to] of knobs) if (from !== to) adjustments.push({ knob, from, to, reason: why.slice(0, 200) });
  }
  return OptimPlan.parse({ ...plan, adjustments });
}
