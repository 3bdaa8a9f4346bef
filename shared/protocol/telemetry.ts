/**
 * Opt-in telemetry (POST /api/telemetry): metric snapshots with Laplace noise added on the device, under a rotating
 * random id and nothing else. Each field is clamped to [0, bound] before noise, so one snapshot changes it by at most
 * `bound` (its sensitivity); the noise scale is bound / epsilon. docs/privacy.md states the figures.
 */
import { z } from 'zod';

/** The fields a telemetry snapshot carries: clamp bound (= L1 sensitivity, in the field's unit) and epsilon. */
export const TELEMETRY_FIELDS = {
  frame_p50_ms: { bound: 100, epsilon: 1 },
  frame_p99_ms: { bound: 250, epsilon: 1 },
  worker_busy: { bound: 1, epsilon: 1 },
  entities: { bound: 65_536, epsilon: 1 },
  visible_instances: { bound: 65_536, epsilon: 1 },
  query_rate_per_s: { bound: 100_000, epsilon: 1 },
  net_in_bytes_per_s: { bound: 10_000_000, epsilon: 1 },
  net_out_bytes_per_s: { bound: 10_000_000, epsilon: 1 },
  js_heap_bytes: { bound: 4 * 2 ** 30, epsilon: 1 },
} as const;
export type TelemetryField = keyof typeof TELEMETRY_FIELDS;
export const TELEMETRY_FIELD_NAMES = Object.keys(TELEMETRY_FIELDS) as TelemetryField[];

/** Most snapshots in one POST (one a second: a minute). */
export const MAX_TELEMETRY_SNAPSHOTS = 60;
/** Largest POST /api/telemetry body (bytes). */
export const MAX_TELEMETRY_BODY_BYTES = 32 * 1024;

/** A noisy value: finite, within 40 noise scales of the field's range (Laplace tails past that are below 1e-17). */
const noisy = (field: TelemetryField) => {
  const { bound, epsilon } = TELEMETRY_FIELDS[field];
  const slack = (40 * bound) / epsilon;
  return z
    .number()
    .min(-slack)
    .max(bound + slack);
};

/** One snapshot as sent: seconds since the batch's first, and each field's noisy value (null when not measured). */
export const TelemetrySnapshot = z.strictObject({
  t_s: z.int().min(0).max(3600),
  ...(Object.fromEntries(TELEMETRY_FIELD_NAMES.map((f) => [f, noisy(f).nullable()])) as {
    [F in TelemetryField]: z.ZodNullable<z.ZodNumber>;
  }),
});
export type TelemetrySnapshot = z.infer<typeof TelemetrySnapshot>;

/** POST /api/telemetry: a batch under a rotating random id (128 bits, hex), nothing else. */
export const TelemetryBatch = z.strictObject({
  v: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  snapshots: z.array(TelemetrySnapshot).min(1).max(MAX_TELEMETRY_SNAPSHOTS),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

/** POST /api/telemetry's answer. */
export const TelemetryAnswer = z.strictObject({ stored: z.int().min(0) });
export type TelemetryAnswer = z.infer<typeof TelemetryAnswer>;
