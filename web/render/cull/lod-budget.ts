/** Adaptive LOD budget: a bias on the LOD thresholds that moves with measured frame time toward a target. */

/** How the budget reacts. */
export interface LodBudgetOptions {
  /** Frame time to aim for, ms (16.6 for 60 fps). */
  targetMs: number;
  /** Finest bias (thresholds × minBias: more detail when frames are cheap). */
  minBias: number;
  /** Coarsest bias. */
  maxBias: number;
  /** Fraction of the relative error applied per frame, in log space. */
  gain: number;
  /** Weight of the newest frame in the smoothed frame time (0..1]. */
  smoothing: number;
  /** Relative error below which the bias holds still (no oscillation around the target). */
  deadband: number;
}

/** The budget's state: pure data, updated once per frame. */
export interface LodBudget {
  /** Multiplies the LOD pixel thresholds: > 1 picks coarser LODs, < 1 finer. */
  bias: number;
  /** Smoothed frame time, ms. */
  smoothedMs: number;
}

export const DEFAULT_LOD_BUDGET_OPTIONS: LodBudgetOptions = {
  targetMs: 16.6,
  minBias: 0.5,
  maxBias: 8,
  gain: 0.25,
  smoothing: 0.2,
  deadband: 0.05,
};

/** A budget at bias 1, assuming frames are on target. */
export function createLodBudget(options: Partial<LodBudgetOptions> = {}): LodBudget {
  const o = { ...DEFAULT_LOD_BUDGET_OPTIONS, ...options };
  return { bias: Math.min(o.maxBias, Math.max(o.minBias, 1)), smoothedMs: o.targetMs };
}

/**
 * Feeds one measured frame time and returns the next budget: slower than target raises the bias (coarser LODs),
 * faster lowers it, within [minBias, maxBias]. Non-finite or negative times are ignored.
 */
export function updateLodBudget(budget: LodBudget, frameMs: number, options: Partial<LodBudgetOptions> = {}): LodBudget {
  const o = { ...DEFAULT_LOD_BUDGET_OPTIONS, ...options };
  if (!Number.isFinite(frameMs) || frameMs < 0) return budget;
  const smoothedMs = budget.smoothedMs + (frameMs - budget.smoothedMs) * o.smoothing;
  const error = (smoothedMs - o.targetMs) / o.targetMs;
  if (Math.abs(error) <= o.deadband) return { bias: budget.bias, smoothedMs };
  // Clamp the step so one spike cannot throw the LODs across the whole range.
  const step = Math.max(-0.5, Math.min(0.5, o.gain * error));
  const bias = Math.min(o.maxBias, Math.max(o.minBias, budget.bias * Math.exp(step)));
  return { bias, smoothedMs };
}
