/** The forecast's data: trace parsing names the bad line, normalisation round-trips, pooling as a matrix equals pooling. */

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AiError } from '../../../../web/ai/errors';
import { denormalise, FEATURES, normalise, POOLS, parseTrace, poolingMatrix, WINDOW } from '../../../../web/ai/load-features';
import { pool } from '../../../../web/ai/load-model';
import { parseMetricSnapshot } from '../../../../web/engine/metrics';
import { readLoadModel } from '../../../support/load-model';
import { LOAD_TRACES, loadRecordings } from '../../../support/load-traces';

const { spec } = readLoadModel();

describe('load-forecast data', () => {
  it('parses the committed corpus with the engine schema', () => {
    const all = [...loadRecordings('train'), ...loadRecordings('heldout')];
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const r of all) expect(r.snapshots.length).toBeGreaterThan(WINDOW + 5);
  });

  it('names the line of a trace that is not a snapshot, whatever the line holds', () => {
    const good = readFileSync(`${LOAD_TRACES}/train/${loadRecordings('train')[0]?.name}.jsonl`, 'utf8').split('\n')[0] ?? '';
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }).filter((s) => s.trim() !== '' && !s.includes('\n')),
        fc.integer({ min: 0, max: 3 }),
        (bad, at) => {
          let parsed = true;
          try {
            JSON.parse(bad);
            parsed = parseMetricSnapshot(JSON.parse(bad)) !== undefined;
          } catch {
            parsed = false;
          }
          fc.pre(!parsed);
          const lines = [good, good, good];
          lines.splice(at, 0, bad);
          expect(() => parseTrace(lines.join('\n'), parseMetricSnapshot, 't')).toThrow(AiError);
          expect(() => parseTrace(lines.join('\n'), parseMetricSnapshot, 't')).toThrow(`ai: t line ${at + 1}: `);
        },
      ),
    );
  });

  it('denormalises what it normalised', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: FEATURES.length - 1 }), fc.double({ min: 0, max: 1e9, noNaN: true }), (i, raw) => {
        const v = FEATURES[i] === 'worker_busy' ? raw / 1e9 : raw;
        expect(denormalise(spec.normalisation, i, normalise(spec.normalisation, i, v))).toBeCloseTo(v, v > 1e6 ? -1 : 4);
      }),
    );
  });

  it('pools a window by matrix exactly as by loop (the ONNX graph and the trainer agree)', () => {
    const m = poolingMatrix();
    const cols = POOLS.length * FEATURES.length;
    fc.assert(
      fc.property(
        fc.float32Array({
          minLength: WINDOW * FEATURES.length,
          maxLength: WINDOW * FEATURES.length,
          noNaN: true,
          noDefaultInfinity: true,
          min: -10,
          max: 10,
        }),
        (w) => {
          const looped = pool(w);
          for (let c = 0; c < cols; c++) {
            let v = 0;
            for (let r = 0; r < w.length; r++) v += (w[r] ?? 0) * (m[r * cols + c] ?? 0);
            expect(v).toBeCloseTo(looped[c] ?? 0, 4);
          }
        },
      ),
      { numRuns: 20 },
    );
  });
});
