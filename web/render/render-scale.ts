/**
 * Dynamic resolution: when the render worker's measured frame time is far over its budget, the canvas is drawn at a
 * lower scale of its CSS size (the browser's compositor stretches it to the page), and back at full scale once frames
 * are cheap again. The cost a scale saves is the GPU's per-pixel work, which on a software GPU (SwiftShader) or a weak
 * one is most of a frame. Pure data, updated with each frame's measured time; the render loop sizes the canvas.
 */

/** How the scale reacts. */
export interface RenderScaleOptions {
  /** The frame time aimed at, ms (start of a frame to the GPU done with it). */
  budgetMs: number;
  /** Scale down only when the median frame is more than this many budgets (far over: not a passing spike). */
  overFactor: number;
  /** Scale up only when the median frame is under this share of the budget at the next scale up. */
  underFactor: number;
  /** Lowest scale of each side (0.5: a quarter of the pixels). */
  min: number;
  /** Frames measured at the current scale before it may change again (frames measured earlier are dropped). */
  window: number;
  /**
   * Budgets past which one frame is enough to scale down (a software GPU's first frames take seconds: waiting for a
   * window of them would keep the first textured frame of a visit waiting too).
   */
  atOnceFactor: number;
  /** Scale-up step, per side. */
  upStep: number;
}

export const DEFAULT_RENDER_SCALE_OPTIONS: RenderScaleOptions = {
  budgetMs: 50,
  overFactor: 2,
  underFactor: 1,
  min: 0.5,
  window: 3,
  atOnceFactor: 10,
  upStep: 0.125,
};

/** The scale's state: pure data. */
export interface RenderScale {
  /** Each side of the canvas is drawn at this share of its CSS size × devicePixelRatio, in [min, 1]. */
  scale: number;
  /** 'auto' follows frame times; 'full' holds 1 (the person turned it off). */
  mode: 'auto' | 'full';
  /** Frame times measured at the current scale (at most `window`). */
  samples: readonly number[];
}

/** Full scale, following frame times. */
export function createRenderScale(mode: RenderScale['mode'] = 'auto'): RenderScale {
  return { scale: 1, mode, samples: [] };
}

/** Switches between following frame times and full scale (at once, in both directions). */
export function setRenderScaleMode(state: RenderScale, mode: RenderScale['mode']): RenderScale {
  return { scale: mode === 'full' ? 1 : state.scale, mode, samples: [] };
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/** Quantises a scale to 1/16 steps (so the canvas size does not change for a rounding's sake). */
function quantise(scale: number): number {
  return Math.round(scale * 16) / 16;
}

/**
 * Feeds one frame's measured time (ms, from its start to the GPU done) and returns the next state. Once `window`
 * frames were measured at the current scale (or as soon as every frame measured at it is over `atOnceFactor` budgets): a median more than `overFactor` budgets scales down as far as the pixel
 * cost suggests (time ∝ pixels ∝ scale²; at least one step, never below `min`); a median that would stay under
 * `underFactor` budgets at the next step up scales up one step. A change clears the samples, so the next decision
 * is made on frames drawn at the new size. Non-finite or negative times are ignored.
 */
export function updateRenderScale(state: RenderScale, frameMs: number, options: Partial<RenderScaleOptions> = {}): RenderScale {
  if (state.mode === 'full' || !Number.isFinite(frameMs) || frameMs < 0) return state;
  const o = { ...DEFAULT_RENDER_SCALE_OPTIONS, ...options };
  const samples = [...state.samples, frameMs].slice(-o.window);
  const atOnce = samples.every((ms) => ms > o.budgetMs * o.atOnceFactor);
  if (samples.length < o.window && !atOnce) return { ...state, samples };
  const typical = median(samples);
  if (typical > o.budgetMs * o.overFactor && state.scale > o.min) {
    const wanted = state.scale * Math.sqrt(o.budgetMs / typical);
    const scale = Math.max(o.min, quantise(Math.min(state.scale - 1 / 16, wanted)));
    return { ...state, scale, samples: [] };
  }
  if (state.scale < 1) {
    const up = Math.min(1, state.scale + o.upStep);
    const predicted = typical * (up / state.scale) ** 2;
    if (predicted < o.budgetMs * o.underFactor) return { ...state, scale: up, samples: [] };
  }
  return { ...state, samples };
}

/** The canvas's backing size for a CSS size, device pixel ratio and scale (at least 1×1). */
export function scaledCanvasSize(
  css: { width: number; height: number; dpr: number },
  scale: number,
): { width: number; height: number } {
  return {
    width: Math.max(1, Math.round(css.width * css.dpr * scale)),
    height: Math.max(1, Math.round(css.height * css.dpr * scale)),
  };
}
