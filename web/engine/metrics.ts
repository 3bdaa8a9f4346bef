/**
 * The performance metrics (seed 12.6): one table of metric descriptions (name, unit, range, description) from
 * which both the runtime schema of a MetricSnapshot and the published PerfSchema are made, plus the schemas of
 * the load forecast and the optimisation plan that later slices fill. A snapshot outside its schema is
 * rejected with an error that names the metric.
 */
import { z } from 'zod';
import { EngineCode, EngineError } from './errors';
import { MAX_CAPACITY } from './layout';

/** The version of the metric table (PerfSchema.version); bump it when a metric is added, removed or re-ranged. */
export const METRICS_VERSION = 2;

/** Units a metric is measured in. */
export type MetricUnit = 'ms' | 'fraction' | 'count' | 'per_s' | 'bytes' | 'bytes_per_s';

/** One metric as data: its range is inclusive; `shape` says whether it is one number, a list or a name → number map. */
export interface MetricDescription {
  readonly name: string;
  readonly unit: MetricUnit;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** May be left out of a snapshot when the recorder cannot know it (said in the description). */
  readonly optional: boolean;
  readonly shape: 'scalar' | 'list' | 'map';
  /** Most entries of a list or map metric. */
  readonly maxEntries?: number;
  readonly description: string;
}

const TIB = 2 ** 40;
/** A key of a map metric (a system's name): letters, digits, `_ . : -`, at most 64, never `__proto__`. */
export const METRIC_KEY = /^(?!__proto__$)[\w.:-]{1,64}$/;

/** The metric table: the one source of the snapshot schema and of PerfSchema. */
export const METRICS = [
  {
    name: 'timestamp_ms',
    unit: 'ms',
    min: 0,
    max: 1e13,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: "when the snapshot was taken, on the App's clock (performance.now in a worker: ms since it started)",
  },
  {
    name: 'frame_p50_ms',
    unit: 'ms',
    min: 0,
    max: 10_000,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: "median time of the App's recent frames (its own work, not the time between frames)",
  },
  {
    name: 'frame_p99_ms',
    unit: 'ms',
    min: 0,
    max: 10_000,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: "99th-percentile time of the App's recent frames; never below frame_p50_ms",
  },
  {
    name: 'worker_busy',
    unit: 'fraction',
    min: 0,
    max: 1,
    integer: false,
    optional: false,
    shape: 'list',
    maxEntries: 64,
    description: 'per worker the recorder can see, the share of the last interval spent working (the world worker: its frames)',
  },
  {
    name: 'system_ms',
    unit: 'ms',
    min: 0,
    max: 10_000,
    integer: false,
    optional: false,
    shape: 'map',
    maxEntries: 256,
    description: "per system (by name: METRIC_KEY), its mean time over the scheduler's recent runs",
  },
  {
    name: 'entities',
    unit: 'count',
    min: 0,
    max: MAX_CAPACITY,
    integer: true,
    optional: false,
    shape: 'scalar',
    description: 'entities alive in the world',
  },
  {
    name: 'visible_instances',
    unit: 'count',
    min: 0,
    max: MAX_CAPACITY,
    integer: true,
    optional: false,
    shape: 'scalar',
    description: "instances handed to the renderer (the render list, before the renderer's own culling)",
  },
  {
    name: 'query_rate_per_s',
    unit: 'per_s',
    min: 0,
    max: 1e8,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: 'ECS queries run per second over the last interval',
  },
  {
    name: 'net_in_bytes_per_s',
    unit: 'bytes_per_s',
    min: 0,
    max: 1e10,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: "bytes received per second over the last interval (the world connection's traffic; 0 when offline)",
  },
  {
    name: 'net_out_bytes_per_s',
    unit: 'bytes_per_s',
    min: 0,
    max: 1e10,
    integer: false,
    optional: false,
    shape: 'scalar',
    description: "bytes sent per second over the last interval (the world connection's traffic; 0 when offline)",
  },
  {
    name: 'js_heap_bytes',
    unit: 'bytes',
    min: 0,
    max: TIB,
    integer: true,
    optional: true,
    shape: 'scalar',
    description: 'JS heap in use; left out where the runtime does not say (performance.memory is Chromium only)',
  },
  {
    name: 'sab_bytes',
    unit: 'bytes',
    min: 0,
    max: TIB,
    integer: true,
    optional: false,
    shape: 'scalar',
    description: "shared memory the recorder's worker holds (ECS columns, command ring, sync header, render list)",
  },
  {
    name: 'gpu_memory_bytes',
    unit: 'bytes',
    min: 0,
    max: TIB,
    integer: true,
    optional: true,
    shape: 'scalar',
    description: 'estimated GPU memory (buffers and textures); only the render worker knows it, so the world leaves it out',
  },
  {
    name: 'render_frame_ms',
    unit: 'ms',
    min: 0,
    max: 10_000,
    integer: false,
    optional: true,
    shape: 'scalar',
    description:
      "median time of the render worker's recent frames from their start until the GPU finished their work (extraction, culling, encoding, submit, GPU; not the time between frames), as it last told the world worker; left out where nothing renders (visit) or it has not told for 3 s. The plan's render detail (LOD budget, draw distance) acts on it",
  },
  {
    name: 'asset_queue',
    unit: 'count',
    min: 0,
    max: 1_000_000,
    integer: true,
    optional: true,
    shape: 'scalar',
    description: 'textures and assets waiting to load or decode; left out where no loader runs (the world worker has none)',
  },
] as const satisfies readonly MetricDescription[];

/** A metric's name. */
export type MetricName = (typeof METRICS)[number]['name'];

/** Constraints between metrics, as data (PerfSchema lists them; the snapshot schema checks them). */
export const METRIC_CONSTRAINTS = [
  { kind: 'not-below', metric: 'frame_p99_ms', other: 'frame_p50_ms' },
] as const satisfies readonly {
  kind: 'not-below';
  metric: MetricName;
  other: MetricName;
}[];

type Entry = (typeof METRICS)[number];
type ValueSchema<M extends Entry> = M['shape'] extends 'list'
  ? z.ZodArray<z.ZodNumber>
  : M['shape'] extends 'map'
    ? z.ZodRecord<z.ZodString, z.ZodNumber>
    : z.ZodNumber;
type FieldSchema<M extends Entry> = M['optional'] extends true ? z.ZodOptional<ValueSchema<M>> : ValueSchema<M>;
type SnapshotShape = { [M in Entry as M['name']]: FieldSchema<M> };

function numberSchema(m: MetricDescription): z.ZodNumber {
  const n = z.number().min(m.min).max(m.max);
  return m.integer ? n.int() : n;
}

function fieldSchema(m: MetricDescription): z.ZodType {
  const value = numberSchema(m);
  const shaped =
    m.shape === 'list'
      ? z.array(value).max(m.maxEntries ?? 0)
      : m.shape === 'map'
        ? z
            .record(z.string().regex(METRIC_KEY), value)
            .refine((r) => Object.keys(r).length <= (m.maxEntries ?? 0), { params: { entries: m.maxEntries } })
        : value;
  return m.optional ? shaped.optional() : shaped;
}

const shape = Object.fromEntries(METRICS.map((m) => [m.name, fieldSchema(m)])) as unknown as SnapshotShape;

/** One second of the engine's performance (seed 12.6); every field as METRICS describes it. */
export const MetricSnapshot = z.strictObject(shape).superRefine((s, ctx) => {
  for (const c of METRIC_CONSTRAINTS)
    if (s[c.metric] < s[c.other])
      ctx.addIssue({ code: 'custom', path: [c.metric], message: `is below ${c.other} ${s[c.other]}` });
});
export type MetricSnapshot = z.infer<typeof MetricSnapshot>;

/** The metric descriptions as data, versioned (what a model, a tuner or a dashboard reads to know the metrics). */
export const PerfSchema = Object.freeze({
  version: METRICS_VERSION,
  metrics: METRICS as readonly MetricDescription[],
  constraints: METRIC_CONSTRAINTS,
});
export type PerfSchema = typeof PerfSchema;

const byName = new Map<string, MetricDescription>(METRICS.map((m) => [m.name, m]));

/** The description of a metric, or undefined for an unknown name. */
export function describeMetric(name: string): MetricDescription | undefined {
  return byName.get(name);
}

function metricsError(message: string): EngineError {
  return new EngineError(EngineCode.BadMetric, `metrics: ${message}`);
}

function at(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** One zod issue as a sentence naming the metric (and the entry of a list or map metric). */
function explain(issue: z.core.$ZodIssue, input: unknown, what: string): string {
  const [head, ...rest] = issue.path;
  if (head === undefined) {
    if (issue.code === 'unrecognized_keys') return `unknown metric ${issue.keys.join(', ')} (PerfSchema v${METRICS_VERSION})`;
    return `a ${what} must be an object of metrics`;
  }
  const m = byName.get(String(head));
  const name = String(head) + rest.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
  const value = at(input, issue.path);
  const unit = m ? ` ${m.unit}` : '';
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'number'
        ? `${name} ${String(value)} is above its maximum ${String(issue.maximum)}${unit}`
        : `${name} has more than ${String(issue.maximum)} entries`;
    case 'too_small':
      return issue.origin === 'number'
        ? `${name} ${String(value)} is below its minimum ${String(issue.minimum)}${unit}`
        : `${name} is too short`;
    case 'invalid_type':
      if (value === undefined) return `${name} is missing`;
      if (issue.expected === 'int') return `${name} ${String(value)} must be a whole number${unit}`;
      return `${name} must be ${issue.expected === 'number' ? `a finite number${unit}` : `a ${issue.expected}`}, got ${typeof value === 'number' ? String(value) : typeof value}`;
    case 'custom':
      return m?.shape === 'map' && rest.length === 0
        ? `${name} has more than ${String(m.maxEntries)} entries`
        : `${name} ${String(value)} ${issue.message}`;
    default:
      return `${name}: ${issue.message}`;
  }
}

/** Validates a snapshot; throws EngineError BadMetric ("metrics: frame_p99_ms 12000 is above its maximum 10000 ms"). */
export function parseMetricSnapshot(input: unknown): MetricSnapshot {
  const r = MetricSnapshot.safeParse(input);
  if (r.success) return r.data;
  throw metricsError(explain(r.error.issues[0] as z.core.$ZodIssue, input, 'snapshot'));
}

/** Quantities a load forecast predicts: scalar metrics, and `worker_busy` as the mean over workers. */
export const FORECAST_QUANTITIES = [
  'frame_p50_ms',
  'frame_p99_ms',
  'worker_busy',
  'entities',
  'visible_instances',
  'net_in_bytes_per_s',
  'net_out_bytes_per_s',
  'js_heap_bytes',
  'sab_bytes',
  'gpu_memory_bytes',
  'render_frame_ms',
] as const satisfies readonly MetricName[];

/** A load forecast (seed 12.3): per quantity a predicted value (in the metric's unit and range) and a confidence. */
export const LoadForecast = z
  .strictObject({
    version: z.literal(METRICS_VERSION),
    /** When it was made (the App's clock, ms). */
    timestamp_ms: z.number().min(0).max(1e13),
    /** How far ahead it predicts, seconds. */
    horizon_s: z.number().min(0.1).max(60),
    /** Snapshots it was made from. */
    window: z.number().int().min(1).max(3600),
    /** The model, or the moving average it falls back to on a cold start or low confidence. */
    source: z.enum(['model', 'moving-average']),
    /**
     * `model` when the model gave at least one quantity. Why the moving average was used (for every quantity, or with
     * source `model` for those whose predictions say so): too few snapshots yet, or the model has lately been the worse.
     */
    fallback: z.enum(['cold-start', 'low-confidence', 'no-model']).optional(),
    /** Time the model took for this forecast, ms (absent when it did not run). */
    inference_ms: z.number().min(0).max(60_000).optional(),
    predictions: z
      .array(
        z.strictObject({
          quantity: z.enum(FORECAST_QUANTITIES),
          value: z.number(),
          /** 0 (a guess) .. 1 (sure). */
          confidence: z.number().min(0).max(1),
          /**
           * A bound the value stays under about nine times in ten (the forecast plus 1.28 of its recent root-mean-square
           * error); the plan scales ahead of it, so a rise the forecast is unsure of is met before it arrives.
           */
          upper: z.number().optional(),
          /** Where this value came from, when the forecast mixes them (the model for some quantities, the average for others). */
          source: z.enum(['model', 'moving-average']).optional(),
        }),
      )
      .min(1)
      .max(FORECAST_QUANTITIES.length),
  })
  .superRefine((f, ctx) => {
    f.predictions.forEach((p, i) => {
      const m = byName.get(p.quantity);
      if (m && (p.value < m.min || p.value > m.max))
        ctx.addIssue({
          code: 'custom',
          path: ['predictions', i, 'value'],
          message: `${p.quantity} ${p.value} is outside ${m.min}..${m.max} ${m.unit}`,
        });
      if (m && p.upper !== undefined && (p.upper < p.value || p.upper > m.max))
        ctx.addIssue({
          code: 'custom',
          path: ['predictions', i, 'upper'],
          message: `${p.quantity} upper ${p.upper} is under the value or above ${m.max} ${m.unit}`,
        });
    });
  });
export type LoadForecast = z.infer<typeof LoadForecast>;

const threads = z.number().int().min(0).max(256);
const bytes = z.number().int().min(0).max(TIB);

/** Knobs an OptimPlan adjustment may turn (paths into the plan). */
export const PLAN_KNOBS = [
  'threads.ecs',
  'threads.ai',
  'threads.decode',
  'threads.render',
  'memory_budget_bytes',
  'entity_capacity',
  'lod_budget_triangles',
  'draw_distance_m',
  'texture_memory_bytes',
] as const;

/** An optimisation plan (seed 12.1): what the engine runs with, and what changed from the last plan and why. */
export const OptimPlan = z.strictObject({
  version: z.literal(METRICS_VERSION),
  /** Worker threads per role. */
  threads: z.strictObject({ ecs: threads, ai: threads, decode: threads, render: z.number().int().min(0).max(4) }),
  memory_budget_bytes: bytes,
  entity_capacity: z.number().int().min(1).max(MAX_CAPACITY),
  /** Triangles the renderer may draw per frame. */
  lod_budget_triangles: z.number().int().min(0).max(1e9),
  /** Metres (what a simulator accepts). */
  draw_distance_m: z.number().min(16).max(1024),
  texture_memory_bytes: bytes,
  adjustments: z
    .array(
      z.strictObject({
        knob: z.enum(PLAN_KNOBS),
        from: z.number(),
        to: z.number(),
        reason: z.string().min(1).max(200),
      }),
    )
    .max(32),
});
export type OptimPlan = z.infer<typeof OptimPlan>;
