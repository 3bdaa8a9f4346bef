/**
 * The load-forecast model in the viewer's AI worker (onnxruntime-web, WebAssembly, in Chromium) gives the
 * outputs Node's onnxruntime-web gives for the same held-out windows, within 1e-5, and the worker forecasts a
 * recorded trace: the moving average on a cold start, then the model.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { examples } from '../../web/ai/load-features';
import { createOrtRunner } from '../../web/ai/ort-runner';
import type { LoadForecast } from '../../web/engine/metrics';
import { launchChromium } from '../support/chromium';
import { readLoadModel } from '../support/load-model';
import { loadRecordings } from '../support/load-traces';

const pageModule = `/@fs${fileURLToPath(new URL('./ai-forecast.page.ts', import.meta.url))}`;

/**
 * Evaluates `<expr>` on the page module `m`, with `arg` (JSON). A string, so vitest does not rewrite the dynamic
 * import inside code that runs in the page. Vite may optimise a new dependency and reload the page once: retry then.
 */
async function inPage(page: Page, expr: string, arg: unknown = null): Promise<unknown> {
  const code = `(() => { const arg = ${JSON.stringify(arg)}; return import(${JSON.stringify(pageModule)}).then((m) => ${expr}); })()`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await page.evaluate(code);
    } catch (err) {
      if (attempt >= 4 || !/context was destroyed|navigation/i.test(String(err))) throw err;
      await page.waitForLoadState('networkidle');
    }
  }
}

describe('the AI worker in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const { spec, bytes } = readLoadModel();
  const recording = loadRecordings('heldout')[0]?.snapshots ?? [];

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage();
    await page.goto(`${inject('baseUrl')}/api/health`, { waitUntil: 'networkidle' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads the committed model and gives the outputs Node gives, within 1e-5', async () => {
    const ready = (await inPage(page, 'm.ready()')) as { model: boolean; threads: number; errors: string[] };
    expect(ready.errors).toEqual([]);
    expect(ready.model).toBe(true);
    const windows = examples(spec.normalisation, recording)
      .filter((_, i) => i % 4 === 0)
      .slice(0, 20)
      .map((e) => e.window);
    const node = await createOrtRunner(spec, bytes);
    const inNode = await Promise.all(windows.map((w) => node.run(w)));
    await node.release();
    const inBrowser = (await inPage(
      page,
      'm.run(arg)',
      windows.map((w) => Array.from(w)),
    )) as { outputs: number[][]; ms: number[] };
    expect(inBrowser.outputs).toHaveLength(windows.length);
    for (const [i, out] of inBrowser.outputs.entries())
      for (const [q, v] of out.entries()) expect(Math.abs(v - (inNode[i]?.[q] ?? Number.NaN))).toBeLessThan(1e-5);
    const sorted = [...inBrowser.ms].sort((a, b) => a - b);
    console.log(
      `ai e2e: browser inference median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(3)} ms over ${sorted.length} runs`,
    );
  }, 60_000);

  it('forecasts a recorded trace: the moving average on a cold start (said so), then the model', async () => {
    const forecasts = (await inPage(page, 'm.forecast(arg)', recording.slice(0, 70))) as LoadForecast[];
    expect(forecasts).toHaveLength(70);
    expect(forecasts[0]).toMatchObject({ source: 'moving-average', fallback: 'cold-start', window: 1 });
    expect(forecasts.slice(59).every((f) => f.window === 60 && f.inference_ms !== undefined)).toBe(true);
    expect(forecasts.slice(59).some((f) => f.source === 'model')).toBe(true);
  }, 60_000);
});
