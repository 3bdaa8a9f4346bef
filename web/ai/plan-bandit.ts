/**
 * The high tier of the live plan (seed 12.1): a UCB1 bandit over a few discrete plan variants — the plan's
 * detail scaled by a fixed share — rewarded by the frame time each variant gave, less a penalty for the detail
 * it gave up. Every variant is applied through the plan's own constraints (never under MIN_DETAIL of full
 * detail, never over the plan it scales), so exploring can never leave them.
 */
import { type OptimPlan, OptimPlan as OptimPlanSchema } from '../engine/metrics';
import { MIN_DETAIL } from '../engine/optim-plan';
import { AiError } from './errors';

/** The variants: the share of the plan's detail each keeps (the first is the plan as made). */
export const PLAN_VARIANTS = [1, 0.8, 0.6, 0.4] as const;

export interface PlanBanditOptions {
  /** Shares of the plan's detail, each in (0, 1] (default PLAN_VARIANTS). */
  readonly variants?: readonly number[];
  /** Frame time to stay under, ms (default 1000 / 60). */
  readonly frameBudgetMs?: number;
  /** Reward lost per unit of detail given up (default 0.3: all detail is worth 30 % of the frame-time reward). */
  readonly detailPenalty?: number;
  /** UCB1's exploration weight (default √2 over rewards in [0, 1]). */
  readonly exploration?: number;
}

export interface PlanBandit {
  /** The variant to run next (each is tried once first, then the highest upper confidence bound). */
  choose(): number;
  /** Scores a variant from the frame time it ran at; returns the reward (0..1). */
  reward(variant: number, frameMs: number): number;
  /** The reward a variant would get at a frame time (the same function `reward` records). */
  score(variant: number, frameMs: number): number;
  readonly variants: readonly number[];
  /** Pulls and mean reward per variant. */
  stats(): { pulls: number[]; mean: number[] };
}

export function createPlanBandit(options: PlanBanditOptions = {}): PlanBandit {
  const variants = options.variants ?? PLAN_VARIANTS;
  const budget = options.frameBudgetMs ?? 1000 / 60;
  const penalty = options.detailPenalty ?? 0.3;
  const c = options.exploration ?? Math.SQRT2;
  if (variants.length === 0 || variants.some((v) => !(v > 0 && v <= 1)))
    throw new AiError('ai_bad_config', 'plan bandit: every variant must keep a share of detail in (0, 1]');
  if (!(budget > 0) || !(penalty >= 0) || !(c >= 0))
    throw new AiError('ai_bad_config', 'plan bandit: frameBudgetMs must be positive, detailPenalty and exploration not negative');
  const pulls = variants.map(() => 0);
  const sums = variants.map(() => 0);
  let total = 0;
  const score = (variant: number, frameMs: number): number => {
    const share = variants[variant];
    if (share === undefined) throw new AiError('ai_bad_config', `plan bandit: no variant ${variant}`);
    // 1 within the budget (the display shows no faster), falling to 0 at twice it; less the detail given up;
    // scaled back into [0, 1].
    const frame = Number.isFinite(frameMs) && frameMs >= 0 ? Math.min(1, Math.max(0, 2 - frameMs / budget)) : 0;
    return Math.max(0, (frame - penalty * (1 - share) + penalty) / (1 + penalty));
  };
  return {
    variants,
    choose() {
      const untried = pulls.indexOf(0);
      if (untried >= 0) return untried;
      let best = 0;
      let bestBound = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < variants.length; i++) {
        const n = pulls[i] as number;
        const bound = (sums[i] as number) / n + c * Math.sqrt(Math.log(total) / n);
        if (bound > bestBound) {
          bestBound = bound;
          best = i;
        }
      }
      return best;
    },
    score,
    reward(variant, frameMs) {
      const r = score(variant, frameMs);
      pulls[variant] = (pulls[variant] as number) + 1;
      sums[variant] = (sums[variant] as number) + r;
      total += 1;
      return r;
    },
    stats: () => ({ pulls: [...pulls], mean: sums.map((s, i) => (pulls[i] ? s / (pulls[i] as number) : 0)) }),
  };
}

/**
 * The plan with its detail scaled by `share`, kept inside the plan's constraints: never under MIN_DETAIL of
 * `full`, never more than the plan itself; the adjustments say which variant.
 */
export function applyPlanVariant(
  plan: OptimPlan,
  share: number,
  full: { readonly lodBudgetTriangles: number; readonly drawDistanceM: number },
): OptimPlan {
  if (share >= 1) return plan;
  const floorLod = Math.ceil(full.lodBudgetTriangles * MIN_DETAIL);
  const lod = Math.min(plan.lod_budget_triangles, Math.max(floorLod, Math.round(plan.lod_budget_triangles * share)));
  const floorDraw = Math.max(16, full.drawDistanceM * Math.sqrt(MIN_DETAIL));
  const draw = Math.min(plan.draw_distance_m, Math.max(floorDraw, plan.draw_distance_m * Math.sqrt(share)));
  const reason = `bandit variant: ${Math.round(share * 100)}% of the plan's detail`;
  const adjustments = [
    ...plan.adjustments,
    ...(lod !== plan.lod_budget_triangles
      ? [{ knob: 'lod_budget_triangles' as const, from: plan.lod_budget_triangles, to: lod, reason }]
      : []),
    ...(draw !== plan.draw_distance_m
      ? [{ knob: 'draw_distance_m' as const, from: plan.draw_distance_m, to: draw, reason }]
      : []),
  ].slice(-32);
  return OptimPlanSchema.parse({ ...plan, lod_budget_triangles: lod, draw_distance_m: draw, adjustments });
}
