/**
 * Messages between the page and the AI worker, each parsed with a schema on arrival: snapshots in, forecasts
 * out, and `run` (the model's raw normalised output for one window, for parity checks between runtimes).
 */
import { z } from 'zod';
import { LoadForecast, MetricSnapshot } from '../engine/metrics';
import { FEATURES, PREDICTED, WINDOW } from './load-features';

const id = z.number().int().min(0).max(0xffff_ffff);

/** Page → AI worker. */
export const AiCommand = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('snapshot'), snapshot: MetricSnapshot }),
  z.strictObject({
    type: z.literal('run'),
    id,
    window: z.array(z.number()).length(WINDOW * FEATURES.length),
  }),
]);
export type AiCommand = z.infer<typeof AiCommand>;

/** AI worker → page. */
export const AiEvent = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('ready'),
    /** Whether the model loaded (else every forecast is the moving average). */
    model: z.boolean(),
    threads: z.number().int().min(1).max(64),
  }),
  z.strictObject({ type: z.literal('forecast'), forecast: LoadForecast }),
  z.strictObject({ type: z.literal('ran'), id, output: z.array(z.number()).length(PREDICTED.length), ms: z.number().min(0) }),
  z.strictObject({ type: z.literal('error'), code: z.string().max(64), message: z.string().max(500) }),
]);
export type AiEvent = z.infer<typeof AiEvent>;
