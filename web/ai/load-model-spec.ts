/**
 * The description that travels beside the load-forecast ONNX file (web/ai/model/load-forecast.json): what
 * the model reads and predicts, the normalisation it was trained with, the ONNX file's digest, and what
 * training and the held-out set measured. Parsed with a schema: a model that does not match is refused.
 */
import { z } from 'zod';
import { FEATURES, HORIZON, Normalisation, PREDICTED, WINDOW } from './load-features';

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const perQuantity = z.strictObject(
  Object.fromEntries(PREDICTED.map((q) => [q, z.number().min(0)])) as Record<(typeof PREDICTED)[number], z.ZodNumber>,
);

/** The load-forecast model's description. */
export const LoadModelSpec = z.strictObject({
  format: z.literal('stormcore-load-forecast'),
  version: z.literal(1),
  window: z.literal(WINDOW),
  horizon: z.literal(HORIZON),
  /** Exactly FEATURES and PREDICTED, in order: the model was trained on that layout. */
  features: z.array(z.string()).refine((a) => sameList(a, FEATURES), { message: `must be ${FEATURES.join(', ')}` }),
  predicted: z.array(z.string()).refine((a) => sameList(a, PREDICTED), { message: `must be ${PREDICTED.join(', ')}` }),
  normalisation: Normalisation,
  /** Snapshots the moving-average fallback averages (chosen on the training set). */
  moving_average_span: z.number().int().min(1).max(WINDOW),
  onnx: z.strictObject({
    file: z.string().regex(/^[\w.-]{1,64}\.onnx$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().min(1).max(500_000),
    opset: z.number().int().min(7).max(23),
    input: z.string().min(1).max(64),
    output: z.string().min(1).max(64),
    hidden: z.number().int().min(1).max(256),
  }),
  training: z.strictObject({
    recordings: z.array(z.string().max(64)).min(1).max(64),
    examples: z.number().int().min(1),
    epochs: z.number().int().min(1),
    seconds: z.number().min(0),
    seed: z.number().int(),
    /** The moving average the skip starts from and the L2 pulls towards, and that L2 (web/ai/load-model.ts). */
    base_span: z.number().int().min(1).max(WINDOW),
    l2: z.number().min(0),
    /** Leave-one-recording-out normalised MSE on the train set for each setting tried; the best was kept. */
    cross_validation: z.array(z.strictObject({ baseSpan: z.number().int(), l2: z.number(), mse: z.number().min(0) })).max(32),
    /** Normalised MSE per quantity on the training set: the model's and the moving average's (confidence starts from them). */
    mse_model: perQuantity,
    mse_moving_average: perQuantity,
  }),
  heldout: z.strictObject({
    recordings: z.array(z.string().max(64)).min(1).max(64),
    examples: z.number().int().min(1),
    mse_model: z.number().min(0),
    mse_moving_average: z.number().min(0),
  }),
});
export type LoadModelSpec = z.infer<typeof LoadModelSpec>;
