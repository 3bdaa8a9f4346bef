/** The AI worker's logic in Node: it loads the committed model, forecasts snapshots in order, and survives bad commands. */
import { describe, expect, it } from 'vitest';
import type { AiEvent } from '../../../../web/ai/ai-protocol';
import { startAiHost } from '../../../../web/ai/ai-worker-host';
import { examples } from '../../../../web/ai/load-features';
import { createOrtRunner } from '../../../../web/ai/ort-runner';
import { readLoadModel } from '../../../support/load-model';
import { loadRecordings } from '../../../support/load-traces';

function host(loadModel: () => Promise<Uint8Array>) {
  const events: AiEvent[] = [];
  const scope: { postMessage: (m: AiEvent) => void; onmessage: ((e: { data: unknown }) => void) | null } = {
    postMessage: (m) => events.push(m),
    onmessage: null,
  };
  startAiHost(scope, { loadModel, threads: 1 });
  const send = (data: unknown) => scope.onmessage?.({ data });
  const until = async (n: number) => {
    for (let i = 0; i < 500 && events.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  return { events, send, until };
}

describe('the AI worker host', () => {
  const { spec, bytes } = readLoadModel();
  const recording = loadRecordings('heldout')[0]?.snapshots ?? [];

  it('answers each snapshot with a forecast, in order, and a bad command with an error, then goes on', async () => {
    const h = host(async () => bytes);
    h.send({ type: 'snapshot', snapshot: { ...recording[0], frame_p50_ms: -1 } });
    for (const s of recording.slice(0, 3)) h.send({ type: 'snapshot', snapshot: s });
    await h.until(5);
    // A bad command is refused on arrival, before the model has even loaded.
    expect(h.events[0]).toMatchObject({ type: 'error', code: 'ai_bad_message' });
    expect((h.events[0] as { message: string }).message).toMatch(/^ai: a command failed validation at snapshot\.frame_p50_ms/);
    expect(h.events[1]).toEqual({ type: 'ready', model: true, threads: 1 });
    const forecasts = h.events.slice(2).map((e) => (e.type === 'forecast' ? e.forecast : null));
    expect(forecasts.map((f) => f?.window)).toEqual([1, 2, 3]);
    expect(forecasts.every((f) => f?.fallback === 'cold-start')).toBe(true);
  });

  it('runs the model on a window as Node does', async () => {
    const h = host(async () => bytes);
    const window = examples(spec.normalisation, recording)[0]?.window ?? new Float32Array(0);
    h.send({ type: 'run', id: 7, window: Array.from(window) });
    await h.until(2);
    const ran = h.events[1];
    const runner = await createOrtRunner(spec, bytes);
    const expected = await runner.run(window);
    await runner.release();
    expect(ran?.type).toBe('ran');
    if (ran?.type === 'ran') expect(ran.output).toEqual(Array.from(expected));
  });

  it('forecasts the moving average, saying there is no model, when the model does not load', async () => {
    const h = host(async () => new Uint8Array([1, 2, 3]));
    h.send({ type: 'snapshot', snapshot: recording[0] });
    await h.until(3);
    expect(h.events[0]).toMatchObject({ type: 'error', code: 'ai_bad_model' });
    expect(h.events[1]).toEqual({ type: 'ready', model: false, threads: 1 });
    expect(h.events[2]).toMatchObject({ type: 'forecast', forecast: { source: 'moving-average', fallback: 'no-model' } });
  });
});
