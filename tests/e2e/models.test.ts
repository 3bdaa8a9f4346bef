/**
 * A Finalverse glTF model end to end: a visitor with the create permission uploads the house fixture to the edge,
 * places it in the plaza with the World Tool action create_model (over its own Storm socket), and the viewer in
 * Chromium fetches it by hash, decodes it and draws it with the renderer (its red walls appear where the camera looks).
 * The crate fixture's base colour PNG is decoded in a decoder worker and drawn on its sides (magenta and yellow
 * halves appear; untextured, the crate would be white).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RenderStats } from '../../web/render/render-protocol';
import { launchChromium } from '../support/chromium';
import { crate, creatorToken, house, root, stormClient, uploadModel } from '../support/model-placer';

/**
 * Pixels of the screenshot's upper part that are clearly red: the house's walls (12 m ahead, above the horizon's
 * middle). Your avatar, whose colours are random (red at times), stands lower in the picture and is not counted.
 */
function redPixels(png: Buffer): number {
  const img = PNG.sync.read(png);
  let n = 0;
  const rows = Math.floor(img.height * 0.5);
  for (let i = 0; i < rows * img.width * 4; i += 4) {
    const r = img.data[i] ?? 0;
    const g = img.data[i + 1] ?? 0;
    const b = img.data[i + 2] ?? 0;
    if (r > 100 && r > 1.8 * g && r > 1.8 * b) n++;
  }
  return n;
}

/** Pixels of the screenshot's upper part that are clearly magenta, and clearly yellow: the crate's two halves. */
function crateColours(png: Buffer): { magenta: number; yellow: number } {
  const img = PNG.sync.read(png);
  let magenta = 0;
  let yellow = 0;
  const rows = Math.floor(img.height * 0.5);
  for (let i = 0; i < rows * img.width * 4; i += 4) {
    const r = img.data[i] ?? 0;
    const g = img.data[i + 1] ?? 0;
    const b = img.data[i + 2] ?? 0;
    if (r > 90 && b > 90 && g < 0.55 * Math.min(r, b)) magenta++;
    if (r > 90 && g > 80 && b < 0.45 * Math.min(r, g) && g > 0.6 * r) yellow++;
  }
  return { magenta, yellow };
}

const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { stormDebug: { render: () => RenderStats | null } }).stormDebug.render());

describe('a glTF model in the plaza', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  // Each test's viewer is closed after it: two software-rendered viewers at once starve a two-core machine.
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => undefined);
  });
  /** A fresh viewer page (closed after the test). */
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
    contexts.push(context);
    return context.newPage();
  };
  /** Hides ?debug's performance overlay, which covers the upper left of the view where the models stand. */
  const hideOverlay = (page: Page) => page.addStyleTag({ content: '[data-testid=perf] { visibility: hidden !important; }' });

  /** Opens the plaza with ?debug (its overlay hidden) and waits for your avatar and the scene: where you stand. */
  const arrive = async (page: Page, base: string): Promise<{ x: number; y: number }> => {
    await page.goto(`${base}/?debug#/fv/plaza`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    const self = page.locator('[data-testid=person][data-self=true]');
    await expect.poll(() => self.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await stats(page))?.instances ?? 0, { timeout: 30_000 }).toBeGreaterThan(10);
    await hideOverlay(page);
    return { x: Number(await self.getAttribute('data-x')), y: Number(await self.getAttribute('data-y')) };
  };
  /**
   * Places a model `ahead` metres north of `at` (where the follow camera looks) and `lift` metres above the avatar
   * standing there, with the World Tool's create_model over `builder`'s socket: prepared, then committed.
   */
  const placeAhead = async (
    builder: Awaited<ReturnType<typeof stormClient>>,
    at: { x: number; y: number },
    m: { hash: string; ahead: number; lift: number; scale: [number, number, number]; name: string },
  ): Promise<void> => {
    const avatarZ = builder.frames
      .flatMap((f) => (f.type === 'snapshot' || f.type === 'delta' ? f.entities : []))
      .find((e) => e.kind === 'avatar' && e.position && Math.hypot(e.position[0] - at.x, e.position[1] - at.y) < 3)
      ?.position?.[2];
    const prepared = await builder.operate(1, {
      op: 'prepare',
      actions: [
        {
          tool: 'create_model',
          model: m.hash,
          position: [at.x, at.y + m.ahead, (avatarZ ?? 25) + m.lift],
          scale: m.scale,
          name: m.name,
        },
      ],
    });
    if (prepared.op !== 'prepare') throw new Error(`e2e: prepare failed: ${JSON.stringify(prepared)}`);
    const committed = await builder.operate(2, { op: 'commit', planId: prepared.planId });
    expect(committed).toMatchObject({ op: 'commit', created: [expect.any(Number)] });
  };

  it('is uploaded, placed with create_model, fetched by hash and drawn by the renderer', async () => {
    const base = inject('baseUrl');
    const token = await creatorToken();
    const model = await uploadModel(base, token, house);

    const page = await newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (/^(models|render|gltf|world|net):/.test(m.text()) || m.type() === 'error') problems.push(m.text());
    });
    const { x, y } = await arrive(page, base);
    const before = redPixels(await page.screenshot());

    // The follow camera looks north (+y) from behind the avatar: the house goes 12 m ahead, 6 m wide.
    const builder = await stormClient(base, token);
    await placeAhead(builder, { x, y }, { hash: model.hash, ahead: 12, lift: 1.8, scale: [6, 6, 5.3], name: 'House' });

    await expect
      .poll(async () => (await stats(page))?.models?.ready ?? 0, { timeout: 60_000, interval: 500 })
      .toBe(1)
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}; render stats ${JSON.stringify(await stats(page))}; console ${problems.join(' | ')}`);
      });
    expect((await stats(page))?.models).toMatchObject({ failed: 0, bytesFromNetwork: house.byteLength });
    // The geometry arrived: the next extractions draw it; give the software renderer a few frames.
    let shot = await page.screenshot();
    for (let i = 0; i < 20 && redPixels(shot) - before < 5000; i++) {
      await page.waitForTimeout(500);
      shot = await page.screenshot();
    }
    mkdirSync(`${root}test-results`, { recursive: true });
    writeFileSync(`${root}test-results/model-plaza.png`, shot);
    const after = redPixels(shot);
    console.log(`model drawn: ${before} red pixels before, ${after} after (of ${960 * 600})`);
    expect(after - before).toBeGreaterThan(5000);
    expect(problems).toEqual([]);
    builder.ws.close();
  });

  it("draws a model's base colour texture: the PNG is decoded in a decoder worker and sampled with the UVs", async () => {
    const base = inject('baseUrl');
    const token = await creatorToken();
    const model = await uploadModel(base, token, crate);

    const page = await newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (/^(models|render|gltf|textures|texture|world|net):/.test(m.text()) || m.type() === 'error') problems.push(m.text());
    });
    const { x, y } = await arrive(page, base);
    const before = crateColours(await page.screenshot());

    const builder = await stormClient(base, token);
    await placeAhead(builder, { x, y }, { hash: model.hash, ahead: 8, lift: 2, scale: [4, 4, 4], name: 'Crate' });

    await expect
      .poll(async () => (await stats(page))?.models?.texturesResident ?? 0, { timeout: 60_000, interval: 500 })
      .toBe(1)
      .catch(async (err: unknown) => {
        throw new Error(`${String(err)}; render stats ${JSON.stringify(await stats(page))}; console ${problems.join(' | ')}`);
      });
    expect((await stats(page))?.models).toMatchObject({ failed: 0, texturesFailed: 0 });
    let shot = await page.screenshot();
    const grew = (c: { magenta: number; yellow: number }): boolean =>
      c.magenta - before.magenta > 3000 && c.yellow - before.yellow > 3000;
    for (let i = 0; i < 20 && !grew(crateColours(shot)); i++) {
      await page.waitForTimeout(500);
      shot = await page.screenshot();
    }
    mkdirSync(`${root}test-results`, { recursive: true });
    writeFileSync(`${root}test-results/model-crate.png`, shot);
    const after = crateColours(shot);
    console.log(`crate drawn: before ${JSON.stringify(before)}, after ${JSON.stringify(after)} (of ${960 * 600})`);
    expect(after.magenta - before.magenta).toBeGreaterThan(3000);
    expect(after.yellow - before.yellow).toBeGreaterThan(3000);
    expect(problems).toEqual([]);
    builder.ws.close();
  });
});
