/** Textured faces in Chromium's WebGPU: SL's repeats and rotation on a known face, and a half-transparent face blending. */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, WEBGPU_ARGS } from '../support/chromium';
import type { TexturedFrame } from './render-texture.page';

const pageModule = `/@fs${fileURLToPath(new URL('./render-texture.page.ts', import.meta.url))}`;

/** Evaluates `m => <expr>` on the page module (a string, so vitest leaves the dynamic import alone); retries a Vite reload. */
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

describe('textured faces in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const frame = async (look: string, color = '[1, 1, 1, 1]') => {
    const f = (await inPage(page, `m.texturedFrame(${look}, ${color})`)) as TexturedFrame;
    expect(f.errors).toEqual([]);
    return f;
  };

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${inject('baseUrl')}/api/health`, { waitUntil: 'networkidle' });
    const hasGpu = await page.evaluate(() => (navigator.gpu ? navigator.gpu.requestAdapter().then((a) => a !== null) : false));
    if (!hasGpu) throw new Error(`e2e: no WebGPU adapter in Chromium with flags ${WEBGPU_ARGS.join(' ')}`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lays eight vertical stripes across the face: about 7 changes along a row, none down a column', async () => {
    const f = await frame('{}');
    console.log(`textured face on ${f.adapter}: row ${f.rowChanges}, column ${f.columnChanges}`);
    expect(f.rowChanges).toBeGreaterThanOrEqual(5);
    expect(f.rowChanges).toBeLessThanOrEqual(8);
    expect(f.columnChanges).toBe(0);
  });

  it('doubles the stripes with repeats 2, and turns them with a 90 degree rotation', async () => {
    const twice = await frame('{ repeats: [2, 1] }');
    expect(twice.rowChanges).toBeGreaterThanOrEqual(11);
    const turned = await frame('{ rotation: Math.PI / 2 }');
    expect(turned.rowChanges).toBe(0);
    expect(turned.columnChanges).toBeGreaterThanOrEqual(5);
  });

  it('shows the face colour alone where the face has no texture, and blends a half-transparent face with what is behind it', async () => {
    const plain = await frame('{ layer: -1 }', '[0, 0, 1, 1]');
    expect(plain.rowChanges).toBe(0);
    expect(plain.centre.slice(0, 3)).toEqual([0, 0, 255]);
    const glass = await frame('{ layer: -1 }', '[0, 0, 1, 0.5]');
    // Half blue over the sky: some blue, some of the sky's red and green.
    expect(glass.centre[2]).toBeGreaterThan(150);
    expect(glass.centre[0]).toBeGreaterThan(20);
    expect(glass.centre[0]).toBeLessThan(200);
  });
});
