import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../../shared/math/random';
import {
  TELEMETRY_FIELD_NAMES,
  TELEMETRY_FIELDS,
  type TelemetryBatch,
  TelemetryBatch as TelemetryBatchSchema,
} from '../../../../shared/protocol';
import { examples, fitNormalisation, HORIZON, WINDOW } from '../../../../web/ai/load-features';
import {
  createTelemetry,
  fieldValue,
  laplace,
  noisySnapshot,
  TELEMETRY_ID_ROTATE_MS,
  type TelemetryConsent,
  telemetryRecordings,
} from '../../../../web/ai/telemetry';
import { type MetricSnapshot, parseMetricSnapshot } from '../../../../web/engine/metrics';

function snapshot(t: number): MetricSnapshot {
  return parseMetricSnapshot({
    timestamp_ms: t,
    frame_p50_ms: 8.5,
    frame_p99_ms: 21,
    worker_busy: [0.2, 0.4],
    system_ms: { 'net-apply': 0.1 },
    entities: 1200,
    visible_instances: 640,
    query_rate_per_s: 3000,
    net_in_bytes_per_s: 52_000,
    net_out_bytes_per_s: 4_000,
    js_heap_bytes: 90_000_000,
    sab_bytes: 8_000_000,
  });
}

function harness(consent: TelemetryConsent, seed = 1) {
  let answer = consent;
  const sent: TelemetryBatch[] = [];
  let now = 0;
  const t = createTelemetry({
    consent: () => answer,
    send: async (b) => void sent.push(b),
    uniform: createRandom(seed),
    bytes: (n) => new Uint8Array(randomBytes(n)),
    now: () => now,
    batchSize: 10,
  });
  return {
    t,
    sent,
    set: (c: TelemetryConsent) => {
      answer = c;
      t.consentChanged();
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('telemetry on the device', () => {
  it('sends nothing before the visitor opts in, nor after saying no', () => {
    for (const c of ['unasked', 'off'] as const) {
      const h = harness(c);
      for (let i = 0; i < 100; i++) h.t.push(snapshot(i * 1000));
      expect(h.sent).toEqual([]);
      expect(h.t.sent).toBe(0);
    }
  });

  it('sends batches of noisy snapshots once opted in, and drops the unsent part when the yes is taken back', () => {
    const h = harness('unasked');
    for (let i = 0; i < 15; i++) h.t.push(snapshot(i * 1000));
    h.set('on');
    for (let i = 0; i < 25; i++) h.t.push(snapshot(i * 1000));
    expect(h.sent).toHaveLength(2);
    for (const b of h.sent) expect(TelemetryBatchSchema.parse(b)).toEqual(b);
    expect(h.sent[0]?.snapshots.map((s) => s.t_s)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Five were waiting for the third batch: revoking drops them, and nothing more goes.
    h.set('off');
    h.set('on');
    for (let i = 0; i < 5; i++) h.t.push(snapshot(i * 1000));
    expect(h.sent).toHaveLength(2);
  });

  it('carries no identifier but a random id that changes every hour', () => {
    const h = harness('on');
    for (let i = 0; i < 20; i++) h.t.push(snapshot(i * 1000));
    h.advance(TELEMETRY_ID_ROTATE_MS);
    for (let i = 0; i < 10; i++) h.t.push(snapshot(i * 1000));
    const ids = h.sent.map((b) => b.id);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(Object.keys(h.sent[0] ?? {}).sort()).toEqual(['id', 'snapshots', 'v']);
    expect(Object.keys(h.sent[0]?.snapshots[0] ?? {}).sort()).toEqual(['t_s', ...TELEMETRY_FIELD_NAMES].sort());
  });

  it('adds noise: a single value is not the true one, the mean of many stays near it', () => {
    const truth = snapshot(0);
    const uniform = createRandom(7);
    const n = 20_000;
    const sums = Object.fromEntries(TELEMETRY_FIELD_NAMES.map((f) => [f, 0])) as Record<string, number>;
    for (let i = 0; i < n; i++) {
      const s = noisySnapshot(truth, 0, uniform);
      for (const f of TELEMETRY_FIELD_NAMES) {
        const v = s[f] as number;
        if (i === 0) expect(v).not.toBe(fieldValue(truth, f));
        sums[f] = (sums[f] ?? 0) + v;
      }
    }
    for (const f of TELEMETRY_FIELD_NAMES) {
      const { bound, epsilon } = TELEMETRY_FIELDS[f];
      const scale = bound / epsilon;
      // Laplace(scale) has standard deviation scale·√2; the mean of n has scale·√2/√n: allow 5 of those.
      const tolerance = (5 * scale * Math.SQRT2) / Math.sqrt(n);
      expect(Math.abs((sums[f] ?? 0) / n - (fieldValue(truth, f) as number))).toBeLessThan(tolerance);
    }
  });

  it('draws Laplace noise with the right spread and always a finite value (property)', () => {
    const uniform = createRandom(3);
    let abs = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) abs += Math.abs(laplace(2, uniform));
    // E|X| = scale for Laplace(0, scale).
    expect(abs / n).toBeGreaterThan(1.95);
    expect(abs / n).toBeLessThan(2.05);
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e9, noNaN: true }),
        (u, scale) => {
          const x = laplace(scale, () => u);
          expect(Number.isFinite(x)).toBe(true);
          expect(Math.abs(x)).toBeLessThanOrEqual(40 * scale);
        },
      ),
    );
  });

  it('clamps a value to its bound before noise, so one snapshot moves a field by at most its sensitivity', () => {
    const huge = { ...snapshot(0), frame_p50_ms: 9000 } as MetricSnapshot;
    const zero = () => 0.5; // u = 0: no noise
    expect(noisySnapshot(huge, 0, zero).frame_p50_ms).toBe(TELEMETRY_FIELDS.frame_p50_ms.bound);
    const missing = { ...snapshot(0) } as Record<string, unknown>;
    delete missing.js_heap_bytes;
    expect(noisySnapshot(missing as MetricSnapshot, 0, zero).js_heap_bytes).toBeNull();
  });
});

describe('a telemetry export for train:load', () => {
  it('joins the batches of one id into one recording of valid snapshots, a minute apart, clamped into range', () => {
    const h = harness('on', 9);
    for (let i = 0; i < 30; i++) h.t.push(snapshot(i * 1000));
    h.advance(TELEMETRY_ID_ROTATE_MS);
    for (let i = 0; i < 10; i++) h.t.push(snapshot(i * 1000));
    const jsonl = `${h.sent.map((b) => JSON.stringify(b)).join('\n')}\n`;
    const recordings = telemetryRecordings(jsonl, 'export.jsonl');
    expect(recordings.map((r) => r.snapshots.length)).toEqual([30, 10]);
    const first = recordings[0]?.snapshots ?? [];
    expect(first.map((s) => s.timestamp_ms).slice(8, 12)).toEqual([8000, 9000, 60_000, 61_000]);
    for (const s of first) {
      expect(s.frame_p50_ms).toBeGreaterThanOrEqual(0);
      expect(s.frame_p99_ms).toBeGreaterThanOrEqual(s.frame_p50_ms);
      expect(s.worker_busy[0]).toBeLessThanOrEqual(1);
    }
  });

  it('gives the trainer examples: two minutes of one id make windows with targets', () => {
    const h = harness('on', 11);
    for (let i = 0; i < 120; i++) h.t.push(snapshot(i * 1000));
    const recordings = telemetryRecordings(h.sent.map((b) => JSON.stringify(b)).join('\n'), 'export.jsonl');
    const snapshots = recordings[0]?.snapshots ?? [];
    const norm = fitNormalisation([snapshots]);
    expect(examples(norm, snapshots).length).toBe(120 - WINDOW - HORIZON + 1);
  });

  it('refuses a line that is not a batch, naming it', () => {
    expect(() => telemetryRecordings('\n{"v":1}\n', 'x.jsonl')).toThrow(/x\.jsonl line 2/);
  });
});
