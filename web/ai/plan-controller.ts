/**
 * The live optimisation plan (seed 12.1): fed each LoadForecast, it keeps the OptimPlan in force. A plan
 * with less detail or more threads — the answer to a forecast overload, 5 s before the load it forecasts —
 * takes effect at once; a plan that gives detail back waits until the forecast has been calm for `hold`
 * forecasts in a row, so one quiet second between two spikes does not make the detail flap.
 */
import type { LoadForecast, OptimPlan } from '../engine/metrics';
import { createOptimPlan, type OptimPlanInput } from '../engine/optim-plan';

export interface PlanControllerOptions extends OptimPlanInput {
  /** Calm forecasts in a row before detail comes back (default 10: ten seconds at one forecast a second). */
  readonly hold?: number;
}

/** What one forecast did to the plan. */
export interface PlanStep {
  readonly plan: OptimPlan;
  /** The plan in force changed (its adjustments say how and why). */
  readonly changed: boolean;
  /** A relaxed plan is waiting out its hold (this many calm forecasts so far). */
  readonly calm: number;
}

export interface PlanController {
  /** Takes the newest forecast; returns the plan in force after it. */
  update(forecast: LoadForecast | null): PlanStep;
  /** The plan in force. */
  readonly plan: OptimPlan;
}

const KNOBS = [
  ['threads.ecs', (p: OptimPlan) => p.threads.ecs, 1],
  ['threads.ai', (p: OptimPlan) => p.threads.ai, 1],
  ['threads.decode', (p: OptimPlan) => p.threads.decode, 1],
  ['lod_budget_triangles', (p: OptimPlan) => p.lod_budget_triangles, -1],
  ['draw_distance_m', (p: OptimPlan) => p.draw_distance_m, -1],
  ['texture_memory_bytes', (p: OptimPlan) => p.texture_memory_bytes, -1],
] as const;

/**
 * The tightest of `recent` knob by knob (most threads, least detail), as a plan whose adjustments are made
 * against `current`; the reasons are those of the newest plan that set each knob.
 */
function tightest(current: OptimPlan, recent: readonly OptimPlan[]): OptimPlan {
  const newest = recent[recent.length - 1] as OptimPlan;
  const values = KNOBS.map(([knob, get, sign]) => {
    let best = newest;
    for (const p of recent) if ((get(p) - get(best)) * sign > 0) best = p;
    const reason = best.adjustments.find((a) => a.knob === knob)?.reason ?? best.adjustments[0]?.reason;
    return { knob, value: get(best), reason };
  });
  const [ecs, ai, decode, lod, draw, texture] = values.map((v) => v.value) as [number, number, number, number, number, number];
  const plan = {
    ...newest,
    threads: { ...newest.threads, ecs, ai, decode },
    lod_budget_triangles: lod,
    draw_distance_m: draw,
    texture_memory_bytes: texture,
  };
  const adjustments = values.flatMap(({ knob, value, reason }, i) => {
    const from = (KNOBS[i] as (typeof KNOBS)[number])[1](current);
    return from === value ? [] : [{ knob, from, to: value, reason: reason ?? 'the forecast changed' }];
  });
  return { ...plan, adjustments };
}

function same(a: OptimPlan, b: OptimPlan): boolean {
  return KNOBS.every(([, get]) => get(a) === get(b));
}

/** Starts at the plan for no forecast (full detail, threads for a full load). */
export function createPlanController(options: PlanControllerOptions): PlanController {
  const hold = Math.max(0, Math.floor(options.hold ?? 10));
  let plan = createOptimPlan(options, null);
  /** The plans the last hold + 1 forecasts asked for, oldest first. */
  const recent: OptimPlan[] = [];
  let calm = 0;
  return {
    get plan() {
      return plan;
    },
    update(forecast) {
      const next = createOptimPlan(options, forecast, plan);
      recent.push(next);
      if (recent.length > hold + 1) recent.shift();
      // A cut holds while any forecast of the last `hold` asked for it: detail comes back hold forecasts after the last.
      const candidate = tightest(plan, recent);
      calm = same(next, candidate) ? 0 : calm + 1;
      if (same(plan, candidate)) return { plan, changed: false, calm };
      plan = candidate;
      return { plan, changed: true, calm };
    },
  };
}
