/**
 * The StormArt region in the browser: its textures, sculpt maps and meshes come through the edge's asset route,
 * are decoded in the viewer's workers and drawn; a second visit takes every asset from the browser's asset cache.
 * Runs when OPENSIM_ART_LOGIN_URI is set (a region started with OPENSIM_OAR=StormArt.oar).
 */
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AssetStats } from '../../web/render/render-protocol';
import { launchChromium } from '../support/chromium';

const login = process.env.OPENSIM_ART_LOGIN_URI;
const run = login ? describe : describe.skip;
if (!login) {
  console.warn(
    'e2e: the StormArt textures visit DID NOT RUN: start the art region (OPENSIM_OAR=../shared/opensim/StormArt.oar OPENSIM_PORT=9500 OPENSIM_FRESH=1 ../shared/opensim/region.sh start) and set OPENSIM_ART_LOGIN_URI',
  );
}

/** Face and terrain textures the art region's prims and RegionHandshake name (README: 10 + 4 library + 4 terrain, less shared ones). */
const TEXTURES = 14;
/** 4 sculpties and 3 meshes. */
const GEOMETRY = 7;

async function visit(page: Page): Promise<void> {
  const grid = new URL(login ?? '').host;
  await page.goto(`${inject('baseUrl')}/?debug#/os/${grid}/StormTest/128/126/25`);
  await page.getByTestId('login-first').fill(process.env.OPENSIM_FIRST ?? 'Test');
  await page.getByTestId('login-last').fill(process.env.OPENSIM_LAST ?? 'User');
  await page.getByTestId('login-password').fill(process.env.OPENSIM_PASSWORD ?? 'password');
  await page.getByTestId('login-submit').click();
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
}

const assets = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { stormDebug: { render: () => { assets?: AssetStats } | null } }).stormDebug.render()?.assets ?? null,
  );

run('an OpenSim region with textures, sculpties and meshes in the browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('fetches, decodes and draws every texture, sculpt map and mesh once; a revisit fetches nothing from the grid', async () => {
    const context = await browser.newContext({ viewport: { width: 960, height: 600 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (/^(textures|geometry|render):/.test(m.text())) problems.push(m.text());
    });
    await visit(page);
    await expect
      .poll(async () => (await assets(page))?.texturesResident ?? 0, { timeout: 90_000, interval: 1000 })
      .toBe(TEXTURES);
    await expect.poll(async () => (await assets(page))?.geometryReady ?? 0, { timeout: 60_000, interval: 1000 }).toBe(GEOMETRY);
    const first = await assets(page);
    expect(first).toMatchObject({ texturesFailed: 0, geometryFailed: 0, texturesLoading: 0 });
    expect(first?.bytesFromNetwork ?? 0).toBeGreaterThan(100_000);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/opensim-art.png', timeout: 120_000 });
    expect(problems).toEqual([]);
    // Log out (close the page), come back in the same browser profile: the asset cache answers.
    await page.close();
    const again = await context.newPage();
    await visit(again);
    await expect
      .poll(async () => (await assets(again))?.texturesResident ?? 0, { timeout: 90_000, interval: 1000 })
      .toBe(TEXTURES);
    await expect.poll(async () => (await assets(again))?.geometryReady ?? 0, { timeout: 60_000, interval: 1000 }).toBe(GEOMETRY);
    const second = await assets(again);
    expect(second?.bytesFromNetwork).toBe(0);
    expect(second?.bytesFromCache ?? 0).toBeGreaterThan(100_000);
    await context.close();
  });
});
