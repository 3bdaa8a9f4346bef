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
  const frame = async (look: string, color = '[1, 1, 1, 1]', scale = '[2, 2, 2]', animated = 'null') => {
    const f = (await inPage(page, `m.texturedFrame(${look}, ${color}, ${scale}, ${animated})`)) as TexturedFrame;
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

  it('planar TexGen keeps the texture density on a stretched prim; the default UVs stretch with it', async () => {
    // Repeats 0.25: planar UVs run 2 per metre, so a 2 m face shows one repeat (the eight stripes), as the default does.
    const planar = '{ planar: true, repeats: [0.25, 0.25] }';
    const planar2 = await frame(planar);
    const planar4 = await frame(planar, '[1, 1, 1, 1]', '[4, 2, 2]');
    const default2 = await frame('{}');
    const default4 = await frame('{}', '[1, 1, 1, 1]', '[4, 2, 2]');
    console.log(
      `stripes along a row: planar ${planar2.rowChanges} (2 m) / ${planar4.rowChanges} (4 m), default ${default2.rowChanges} / ${default4.rowChanges}`,
    );
    expect(planar2.rowChanges).toBeGreaterThanOrEqual(5);
    expect(Math.abs(planar4.rowChanges - planar2.rowChanges)).toBeLessThanOrEqual(1);
    expect(default4.rowChanges).toBeLessThanOrEqual(Math.ceil(default2.rowChanges / 2) + 1);
    // Planar v follows z: the stripes stay vertical.
    expect(planar4.columnChanges).toBe(0);
  });

  it('a smooth texture scroll moves the sampled stripes over time: half a stripe pair inverts the row, a whole pair restores it', async () => {
    // llSetTextureAnim(ANIM_ON | SMOOTH | LOOP, ALL_SIDES, 1, 1, 0, 1, 1/16): u moves 1/16 a second; a stripe is 1/8.
    const anim = '{ mode: 0x13, face: -1, sizeX: 1, sizeY: 1, start: 0, length: 1, rate: 0.0625 }';
    const at = (s: number) => frame('{}', '[1, 1, 1, 1]', '[2, 2, 2]', `{ anim: ${anim}, seconds: ${s} }`);
    const [t0, t2, t4] = [await at(0), await at(2), await at(4)];
    const differing = (a: TexturedFrame, b: TexturedFrame) =>
      a.row.filter((k, i) => k >= 0 && (b.row[i] ?? -1) >= 0 && k !== b.row[i]).length / a.row.length;
    console.log(`scroll: pixels changed 0->2 s ${differing(t0, t2).toFixed(2)}, 0->4 s ${differing(t0, t4).toFixed(2)}`);
    expect(differing(t0, t2)).toBeGreaterThan(0.6);
    expect(differing(t0, t4)).toBeLessThan(0.2);
  });
});
