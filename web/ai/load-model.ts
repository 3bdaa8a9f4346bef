/**
 * The load-forecast network and its trainer: the window averaged over POOLS, then a one-hidden-layer tanh MLP
 * with a linear skip, y = tanh(x·W1 + b1)·W2 + x·Ws + b2, trained with Adam on the normalised MSE (plus a
 * little L2). Pure TypeScript, seeded, so `npm run train:load` gives the same model on every run.
 */

import { createRandom } from '../../shared/math/random';
import { FEATURES, POOLS, PREDICTED, WINDOW } from './load-features';

/** The trained weights, row-major (in × out). */
export interface LoadModelWeights {
  readonly inputs: number;
  readonly hidden: number;
  readonly outputs: number;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly ws: Float32Array;
  readonly b2: Float32Array;
}

/** Training options. */
export interface TrainOptions {
  readonly hidden: number;
  readonly epochs: number;
  readonly batch: number;
  readonly learningRate: number;
  readonly l2: number;
  readonly seed: number;
  /**
   * Snapshots the skip starts as the moving average of (1, 3, 8 or 20: spans the pools add up to), and
   * the L2 pulls it back towards: the network learns a correction to the average, and keeps the average
   * where the data does not support one.
   */
  readonly baseSpan: number;
}

export const DEFAULT_TRAIN: TrainOptions = {
  hidden: 8,
  epochs: 300,
  batch: 32,
  learningRate: 3e-3,
  l2: 1e-2,
  seed: 20,
  baseSpan: 3,
};

/** The skip weights that make the output the moving average of each predicted quantity over `span` snapshots. */
export function averageSkip(span: number): Float32Array {
  const F = FEATURES.length;
  const Q = PREDICTED.length;
  const ws = new Float32Array(POOLS.length * F * Q);
  let covered = 0;
  POOLS.forEach(([from, to], p) => {
    if (to > span) return;
    covered = to;
    for (let q = 0; q < Q; q++) ws[(p * F + q) * Q + q] = (to - from) / span;
  });
  if (covered !== span) throw new Error(`load-model: no pools add up to a span of ${span}`);
  return ws;
}

/** The pooled inputs of one window (WINDOW × FEATURES, oldest first): per pool, per feature, the mean. */
export function pool(window: Float32Array): Float32Array {
  const F = FEATURES.length;
  const out = new Float32Array(POOLS.length * F);
  POOLS.forEach(([from, to], p) => {
    for (let age = from; age < to; age++) {
      const t = WINDOW - 1 - age;
      for (let f = 0; f < F; f++) out[p * F + f] = (out[p * F + f] ?? 0) + (window[t * F + f] ?? 0) / (to - from);
    }
  });
  return out;
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Runs the network on pooled inputs (the trainer's and the tests' reference forward pass). */
export function forward(w: LoadModelWeights, x: Float32Array, hiddenOut?: Float32Array): Float32Array {
  const { inputs: D, hidden: H, outputs: Q } = w;
  const h = hiddenOut ?? new Float32Array(H);
  for (let j = 0; j < H; j++) {
    let a = w.b1[j] ?? 0;
    for (let i = 0; i < D; i++) a += (x[i] ?? 0) * (w.w1[i * H + j] ?? 0);
    h[j] = Math.tanh(a);
  }
  const y = new Float32Array(Q);
  for (let q = 0; q < Q; q++) {
    let v = w.b2[q] ?? 0;
    for (let j = 0; j < H; j++) v += (h[j] ?? 0) * (w.w2[j * Q + q] ?? 0);
    for (let i = 0; i < D; i++) v += (x[i] ?? 0) * (w.ws[i * Q + q] ?? 0);
    y[q] = v;
  }
  return y;
}

/** Trains on pooled inputs and normalised targets; returns the weights and the loss per epoch. */
export function train(
  xs: readonly Float32Array[],
  ts: readonly Float32Array[],
  options: TrainOptions = DEFAULT_TRAIN,
): { weights: LoadModelWeights; losses: number[] } {
  const D = POOLS.length * FEATURES.length;
  const H = options.hidden;
  const Q = PREDICTED.length;
  // Seeded: the same weights on every training run.
  const rand = createRandom(options.seed);
  const w: LoadModelWeights = {
    inputs: D,
    hidden: H,
    outputs: Q,
    w1: Float32Array.from({ length: D * H }, () => gaussian(rand) / Math.sqrt(D)),
    b1: new Float32Array(H),
    w2: Float32Array.from({ length: H * Q }, () => (gaussian(rand) * 0.1) / Math.sqrt(H)),
    ws: averageSkip(options.baseSpan),
    b2: new Float32Array(Q),
  };
  const anchor = w.ws.slice();
  const params = [w.w1, w.b1, w.w2, w.ws, w.b2];
  const decayed = new Set([w.w1, w.w2, w.ws]);
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const grads = params.map((p) => new Float64Array(p.length));
  const [gw1, gb1, gw2, gws, gb2] = grads as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const order = xs.map((_, i) => i);
  const h = new Float32Array(H);
  const dh = new Float64Array(H);
  const losses: number[] = [];
  let step = 0;
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    let epochLoss = 0;
    for (let start = 0; start < order.length; start += options.batch) {
      const batch = order.slice(start, start + options.batch);
      for (const g of grads) g.fill(0);
      for (const k of batch) {
        const x = xs[k] as Float32Array;
        const t = ts[k] as Float32Array;
        const y = forward(w, x, h);
        dh.fill(0);
        for (let q = 0; q < Q; q++) {
          const err = (y[q] ?? 0) - (t[q] ?? 0);
          epochLoss += err * err;
          const dy = (2 * err) / (batch.length * Q);
          gb2[q] = (gb2[q] ?? 0) + dy;
          for (let j = 0; j < H; j++) {
            gw2[j * Q + q] = (gw2[j * Q + q] ?? 0) + (h[j] ?? 0) * dy;
            dh[j] = (dh[j] ?? 0) + (w.w2[j * Q + q] ?? 0) * dy;
          }
          for (let i = 0; i < D; i++) gws[i * Q + q] = (gws[i * Q + q] ?? 0) + (x[i] ?? 0) * dy;
        }
        for (let j = 0; j < H; j++) {
          const da = (dh[j] ?? 0) * (1 - (h[j] ?? 0) ** 2);
          gb1[j] = (gb1[j] ?? 0) + da;
          for (let i = 0; i < D; i++) gw1[i * H + j] = (gw1[i * H + j] ?? 0) + (x[i] ?? 0) * da;
        }
      }
      step += 1;
      const lr = (options.learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
      params.forEach((p, n) => {
        const g = grads[n] as Float64Array;
        const mn = m[n] as Float64Array;
        const vn = v[n] as Float64Array;
        const l2 = decayed.has(p) ? options.l2 : 0;
        for (let i = 0; i < p.length; i++) {
          const toward = p === w.ws ? (anchor[i] ?? 0) : 0;
          const gi = (g[i] ?? 0) + 2 * l2 * ((p[i] ?? 0) - toward);
          mn[i] = beta1 * (mn[i] ?? 0) + (1 - beta1) * gi;
          vn[i] = beta2 * (vn[i] ?? 0) + (1 - beta2) * gi * gi;
          p[i] = (p[i] ?? 0) - (lr * (mn[i] ?? 0)) / (Math.sqrt(vn[i] ?? 0) + 1e-8);
        }
      });
    }
    losses.push(epochLoss / (order.length * Q));
  }
  return { weights: w, losses };
}
