/** The metric schemas (seed 12.6) and the recorder's ring: ranges, missing fields, the metric named, bounded memory. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMetricRecorder,
  EngineError,
  LoadForecast,
  METRIC_KEY,
  METRICS,
  type MetricDescription,
  MetricSnapshot,
  OptimPlan,
  PerfSchema,
  parseMetricSnapshot,
} from '../../../web/engine';

const scalar = (m: MetricDescription) =>
  m.integer
    ? fc.integer({ min: m.min, max: Math.min(m.max, Number.MAX_SAFE_INTEGER) })
    : fc.double({ min: m.min, max: m.max, noNaN: true });

/** Any valid snapshot: every metric in range, optional ones sometimes left out, p99 never below p50. */
const validSnapshot = fc
  .record(
    Object.fromEntries(
      METRICS.map((m) => {
        const value: fc.Arbitrary<unknown> =
          m.shape === 'list'
            ? fc.array(scalar(m), { maxLength: m.maxEntries })
            : m.shape === 'map'
              ? fc.dictionary(
                  fc.stringMatching(/^[\w.:-]{1,64}$/).filter((k) => METRIC_KEY.test(k)),
                  scalar(m),
                  { maxKeys: 8 },
                )
              : scalar(m);
        return [m.name, m.optional ? fc.option(value, { nil: undefined }) : value];
      }),
    ),
  )
  .map((s) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = v;
    const [p50, p99] = [out.frame_p50_ms as number, out.frame_p99_ms as number].sort((a, b) => a - b);
    return { ...out, frame_p50_ms: p50, frame_p99_ms: p99 };
  });

const example = (): Record<string, unknown> => ({
  timestamp_ms: 5000,
  frame_p50_ms: 2,
  frame_p99_ms: 6,
  worker_busy: [0.25],
  system_ms: { net: 0.4, 'hud-snapshot': 0.1 },
  entities: 1200,
  visible_instances: 900,
  query_rate_per_s: 600,
  net_in_bytes_per_s: 20_000,
  net_out_bytes_per_s: 800,
  sab_bytes: 4_000_000,
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('engine_-17');
    return (err as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('MetricSnapshot', () => {
  it('accepts every snapshot within the table and round-trips it through JSON', () => {
    fc.assert(
      fc.property(validSnapshot, (s) => {
        expect(parseMetricSnapshot(s)).toEqual(s);
        expect(parseMetricSnapshot(JSON.parse(JSON.stringify(s)))).toEqual(s);
      }),
    );
  });

  it('names the metric when one is above its maximum', () => {
    expect(messageOf(() => parseMetricSnapshot({ ...example(), frame_p99_ms: 12_000 }))).toBe(
      'metrics: frame_p99_ms 12000 is above its maximum 10000 ms',
    );
  });

  it('rejects any metric out of range, not whole or missing, naming it', () => {
    const numeric = METRICS.filter((m) => m.shape === 'scalar');
    fc.assert(
      fc.property(
        fc.constantFrom(...numeric),
        fc.constantFrom('above', 'below', 'missing', 'nan', 'fraction', 'string'),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (m, how, by) => {
          const s = example();
          if (how === 'missing' && m.optional) return; // leaving out an optional metric is allowed
          if (how === 'fraction' && !m.integer) return;
          if (how === 'missing') delete s[m.name];
          else if (how === 'above') s[m.name] = m.max + Math.max(by, m.max * 1e-6);
          else if (how === 'below') s[m.name] = m.min - by;
          else if (how === 'nan') s[m.name] = Number.NaN;
          else if (how === 'fraction') s[m.name] = 1.5;
          else s[m.name] = '12';
          const message = messageOf(() => parseMetricSnapshot(s));
          expect(message.startsWith(`metrics: ${m.name} `)).toBe(true);
          if (how === 'missing') expect(message).toBe(`metrics: ${m.name} is missing`);
          if (how === 'above') expect(message).toContain(`is above its maximum ${m.max}`);
          if (how === 'below') expect(message).toContain(`is below its minimum ${m.min}`);
        },
      ),
    );
  });

  it('names the entry of a list or map metric, and bounds their size', () => {
    expect(messageOf(() => parseMetricSnapshot({ ...example(), worker_busy: [0.5, 1.5] }))).toBe(
      'metrics: worker_busy[1] 1.5 is above its maximum 1 fraction',
    );
    expect(messageOf(() => parseMetricSnapshot({ ...example(), system_ms: { net: -1 } }))).toBe(
      'metrics: system_ms.net -1 is below its minimum 0 ms',
    );
    expect(messageOf(() => parseMetricSnapshot({ ...example(), worker_busy: new Array(65).fill(0) }))).toBe(
      'metrics: worker_busy has more than 64 entries',
    );
    // A `__proto__` key is dropped, never set (no prototype pollution through a snapshot).
    const proto = parseMetricSnapshot({ ...example(), system_ms: JSON.parse('{"__proto__": 1, "net": 2}') }).system_ms;
    expect(Object.keys(proto)).toEqual(['net']);
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`s${i}`, 0]));
    expect(messageOf(() => parseMetricSnapshot({ ...example(), system_ms: many }))).toBe(
      'metrics: system_ms has more than 256 entries',
    );
  });

  it('rejects unknown metrics, non-objects and a p99 below the p50', () => {
    expect(messageOf(() => parseMetricSnapshot({ ...example(), frame_p95_ms: 3 }))).toContain('unknown metric frame_p95_ms');
    expect(messageOf(() => parseMetricSnapshot(42))).toBe('metrics: a snapshot must be an object of metrics');
    expect(messageOf(() => parseMetricSnapshot({ ...example(), frame_p99_ms: 1 }))).toBe(
      'metrics: frame_p99_ms 1 is below frame_p50_ms 2',
    );
  });

  it('never throws anything but a named EngineError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = MetricSnapshot.safeParse(input);
        if (r.success) return;
        expect(messageOf(() => parseMetricSnapshot(input))).toMatch(/^metrics: /);
      }),
    );
  });

  it('publishes the table as versioned data, the same one the schema checks', () => {
    expect(PerfSchema.version).toBe(2);
    expect(PerfSchema.metrics.map((m) => m.name)).toEqual(Object.keys(MetricSnapshot.shape));
    for (const m of PerfSchema.metrics) {
      expect(m.min).toBeLessThanOrEqual(m.max);
      expect(m.description.length).toBeGreaterThan(10);
    }
    expect(JSON.parse(JSON.stringify(PerfSchema))).toEqual(PerfSchema);
  });
});

describe('LoadForecast and OptimPlan', () => {
  it('accept a bounded forecast and plan, and refuse values outside the metric or knob ranges', () => {
    const forecast = {
      version: 2,
      timestamp_ms: 60_000,
      horizon_s: 5,
      window: 60,
      source: 'moving-average',
      predictions: [{ quantity: 'frame_p99_ms', value: 8, confidence: 0.4 }],
    };
    expect(LoadForecast.parse(forecast)).toEqual(forecast);
    expect(
      LoadForecast.safeParse({ ...forecast, predictions: [{ quantity: 'worker_busy', value: 2, confidence: 1 }] }).success,
    ).toBe(false);
    expect(
      LoadForecast.safeParse({ ...forecast, predictions: [{ quantity: 'entities', value: 1, confidence: 1.5 }] }).success,
    ).toBe(false);
    const plan = {
      version: 2,
      threads: { ecs: 4, ai: 1, decode: 2, render: 1 },
      memory_budget_bytes: 1 << 30,
      entity_capacity: 262_144,
      lod_budget_triangles: 2_000_000,
      draw_distance_m: 128,
      texture_memory_bytes: 512 << 20,
      adjustments: [{ knob: 'draw_distance_m', from: 256, to: 128, reason: 'a frame-time spike is forecast' }],
    };
    expect(OptimPlan.parse(plan)).toEqual(plan);
    expect(OptimPlan.safeParse({ ...plan, draw_distance_m: 4 }).success).toBe(false);
    expect(OptimPlan.safeParse({ ...plan, adjustments: new Array(33).fill(plan.adjustments[0]) }).success).toBe(false);
  });
});

describe('the metric recorder', () => {
  it('keeps the last `capacity` snapshots in order and never grows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 200 }), (capacity, n) => {
        let t = 0;
        const r = createMetricRecorder({ now: () => t, capacity });
        for (let i = 0; i < n; i++) {
          t += 1000;
          r.record({ ...example(), timestamp_ms: t });
          expect(r.size).toBe(Math.min(i + 1, capacity));
        }
        const times = r.snapshots().map((s) => s.timestamp_ms);
        const expected = Array.from({ length: Math.min(n, capacity) }, (_, k) => (n - Math.min(n, capacity) + k + 1) * 1000);
        expect(times).toEqual(expected);
        expect(r.latest()?.timestamp_ms ?? null).toBe(n === 0 ? null : n * 1000);
        const lines = r.toJsonl().split('\n');
        expect(lines.pop()).toBe('');
        expect(lines.map((l) => parseMetricSnapshot(JSON.parse(l)).timestamp_ms)).toEqual(expected);
      }),
    );
  });

  it('asks for a snapshot once an interval has passed, and keeps nothing it rejects', () => {
    let t = 0;
    const r = createMetricRecorder({ now: () => t });
    expect(r.capacity).toBe(3600);
    expect(r.due()).toBe(true);
    r.record(example());
    t = 999;
    expect(r.due()).toBe(false);
    t = 1000;
    expect(r.due()).toBe(true);
    expect(() => r.record({ ...example(), entities: -1 })).toThrow('metrics: entities -1 is below its minimum 0 count');
    expect(r.size).toBe(1);
    expect(() => createMetricRecorder({ now: () => 0, capacity: 0 })).toThrow(/capacity/);
  });
});
