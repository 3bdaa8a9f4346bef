/**
 * The live path on a recorded gradual rise: the recording's snapshots, one a second, go through the AI worker's
 * forecaster (the committed ONNX model in onnxruntime-web) and the page's live plan, as in the viewer. In the held-out
 * recording `ramp-and-restart` bots join one at a time and the load rises with them (frame p99 between 1 and 5 ms on
 * this machine, so the budget is 3 ms); the plan must have detail cut the second before the frames go over budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HORIZON, WINDOW } from '../../../../web/ai/load-features';
import { createLoadForecaster } from '../../../../web/ai/load-forecaster';
import { createOrtRunner, type OrtRunner } from '../../../../web/ai/ort-runner';
import { LoadForecast, type MetricSnapshot, type OptimPlan } from '../../../../web/engine/metrics';
import { VIEWER_FULL_DETAIL } from '../../../../web/render/render-plan';
import { createLivePlan } from '../../../../web/ui/live-plan';
import { readLoadModel } from '../../../support/load-model';
import { loadRecordings } from '../../../support/load-traces';

/** The recording with the gradual rise (bots joining one at a time), and a frame budget its crowd reaches on this machine. */
const RISE = { split: 'heldout', name: 'ramp-and-restart' } as const;
const FRAME_BUDGET_MS = 3;

const { spec, bytes } = readLoadModel();
let runner: OrtRunner;
beforeAll(async () => {
  runner = await createOrtRunner(spec, bytes);
});
afterAll(() => runner.release());

interface Replay {
  forecasts: LoadForecast[];
  plans: OptimPlan[];
}

/** Replays through the forecaster and the live plan; `bounds: false` gives the plan the forecast values alone. */
async function replay(snapshots: readonly MetricSnapshot[], bounds = true): Promise<Replay> {
  const forecaster = createLoadForecaster({ spec, runner });
  const live = createLivePlan({ hardwareConcurrency: 8, send: () => undefined, frameBudgetMs: FRAME_BUDGET_MS });
  const out: Replay = { forecasts: [], plans: [] };
  for (const s of snapshots) {
    const f = LoadForecast.parse(await forecaster.push(s));
    out.forecasts.push(f);
    const given = bounds ? f : { ...f, predictions: f.predictions.map(({ upper: _, ...p }) => p) };
    out.plans.push(live.forecast(given).plan);
  }
  return out;
}

/** Seconds where frame p99 goes over the budget after at least HORIZON seconds under it (past the first window). */
function onsets(snapshots: readonly MetricSnapshot[]): number[] {
  const over = (i: number) => (snapshots[i]?.frame_p99_ms ?? 0) > FRAME_BUDGET_MS;
  return snapshots.flatMap((_, j) =>
    j > WINDOW + HORIZON && over(j) && Array.from({ length: HORIZON }, (_, k) => !over(j - 1 - k)).every(Boolean) ? [j] : [],
  );
}

const cut = (p: OptimPlan | undefined) =>
  (p?.lod_budget_triangles ?? Number.POSITIVE_INFINITY) < VIEWER_FULL_DETAIL.lodBudgetTriangles;

describe('the live plan on a recorded gradual rise', () => {
  it('has detail cut the second before the frames go over budget, from the model, not a fallback', async () => {
    const rec = loadRecordings(RISE.split).find((r) => r.name === RISE.name);
    const snapshots = rec?.snapshots ?? [];
    const starts = onsets(snapshots);
    expect(starts.length).toBeGreaterThanOrEqual(5);
    const valueOnly = await replay(snapshots, false);
    const { forecasts, plans } = await replay(snapshots);
    const met = starts.filter((j) => cut(plans[j - 1]));
    expect(met.length / starts.length).toBeGreaterThanOrEqual(0.75);
    // The forecast's upper bound is what gets it ahead: the plan made from the values alone meets far fewer in time.
    const metByValue = starts.filter((j) => cut(valueOnly.plans[j - 1]));
    expect(metByValue.length).toBeLessThan(met.length / 2);
    // Frame p99 came from the model, not the moving average, for most of the warm forecasts.
    const warm = forecasts.slice(WINDOW);
    const fromModel = warm.filter((f) => f.predictions.find((p) => p.quantity === 'frame_p99_ms')?.source === 'model');
    expect(fromModel.length / warm.length).toBeGreaterThan(0.7);
    // And detail comes back when the crowd has gone: the plan is not simply always cut.
    expect(plans.filter((p) => !cut(p)).length).toBeGreaterThan(plans.length / 10);
  });
});
