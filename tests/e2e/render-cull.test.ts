/** GPU cull + LOD (shaders/cull-lod.wgsl) gives the same visible set and LODs as the CPU reference, in Chromium. */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, WEBGPU_ARGS } from '../support/chromium';

/**
 * Evaluates `m => <expr>` on the page module. A string, so vitest does not rewrite the dynamic import inside code
 * that runs in the page. Vite may optimise a newly seen dependency (typegpu) and reload the page once: retry then.
 */
async function inPage(page: Page, expr: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await page.evaluate(`import(${JSON.stringify(pageModule)}).then((m) => ${expr})`);
    } catch (err) {
      if (attempt >= 4 || !/context was destroyed|navigation/i.test(String(err))) throw err;
      await page.waitForLoadState('networkidle');
    }
  }
}

const pageModule = `/@fs${fileURLToPath(new URL('./render-cull.page.ts', import.meta.url))}`;

interface Parity {
  adapter: string;
  errors: string[];
  scenes: {
    seed: number;
    visibleCpu: number;
    visibleGpu: number;
    lods: number[];
    compared: number;
    borderline: number;
    mismatches: string[];
    mismatchCount: number;
  }[];
}

describe('GPU cull + LOD in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    // A page without the viewer app, so its render loop does not compete for the (software) GPU.
    await page.goto(`${inject('baseUrl')}/api/health`, { waitUntil: 'networkidle' });
    await inPage(page, 'true');
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('equals the CPU reference on random scenes of 10k instances and random cameras (visible set, LODs, draw args)', async () => {
    const hasGpu = await page.evaluate(() => (navigator.gpu ? navigator.gpu.requestAdapter().then((a) => a !== null) : false));
    if (!hasGpu) throw new Error(`e2e: no WebGPU adapter in Chromium with flags ${WEBGPU_ARGS.join(' ')}`);
    const result = (await inPage(page, 'm.cullParity([1, 2, 3, 4, 5, 6, 7, 8], 10000)')) as Parity;
    console.log(
      `cull parity on ${result.adapter}:`,
      result.scenes
        .map((s) => `seed ${s.seed}: ${s.visibleGpu} visible, LODs ${s.lods.join('/')}, ${s.borderline} borderline`)
        .join('; '),
    );
    expect(result.errors).toEqual([]);
    let visibleScenes = 0;
    const lodTotals = [0, 0, 0];
    for (const s of result.scenes) {
      expect(s.mismatches, `seed ${s.seed}`).toEqual([]);
      expect(s.compared + s.borderline).toBe(10000);
      expect(s.borderline).toBeLessThanOrEqual(2);
      if (s.visibleCpu > 0) visibleScenes++;
      s.lods.forEach((n, l) => {
        lodTotals[l] = (lodTotals[l] ?? 0) + n;
      });
    }
    // Every LOD must be exercised, or LOD agreement proves little.
    for (const n of lodTotals) expect(n).toBeGreaterThan(100);
    // The random cameras must actually see things, or the comparison proves little.
    expect(visibleScenes).toBeGreaterThanOrEqual(6);
  });

  it.each(['vertex', 'storage-offset'])(
    'leaves draw args and visible indices that drawIndexedIndirect consumes (%s binding): each visible instance drawn once',
    async (mode) => {
      const r = (await inPage(page, `m.indirectDrawCheck(11, 10000, '${mode}')`)) as {
        fragments: number;
        idSum: number;
        wantVisible: number;
        wantSum: number;
        errors: string[];
      };
      expect(r.errors).toEqual([]);
      expect(r.wantVisible).toBeGreaterThan(100);
      expect(r.fragments).toBe(r.wantVisible);
      expect(r.idSum).toBe(r.wantSum);
    },
  );
});
