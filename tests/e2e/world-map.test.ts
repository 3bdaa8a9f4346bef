/**
 * The world map in Chromium (a component test: no grid in CI can be travelled yet): WorldMap rendered with fixed
 * MapRegion data and real J2K map tiles (two StormArt textures standing in for a grid's map tiles) decoded by the
 * viewer's decode pool. Checks the tiles and their places, the names, the plain tile of a region without an image,
 * your marker, the requests it makes, and that a click and the keyboard teleport, and Escape closes.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { MapRegion } from '../../shared/protocol';
import { launchChromium } from '../support/chromium';
import { oarAsset, STORM_ART_OAR } from '../support/oar';
import type { MapRecord } from './world-map.page';

const pageModule = `/@fs${fileURLToPath(new URL('./world-map.page.tsx', import.meta.url))}`;
const CHECKER = 'ada1326f-d5c7-414a-b86b-521f4d63498e';
const RINGS = '7daa72aa-b868-46cb-bbc3-a121c2886384';
const NIL = '00000000-0000-0000-0000-000000000000';

const REGIONS: MapRegion[] = [
  { name: 'StormTest', x: 1000, y: 1000, size: [256, 256], access: 13, image: CHECKER, agents: 1 },
  { name: 'StormEast', x: 1001, y: 1000, size: [256, 256], access: 13, image: RINGS, agents: 0 },
  { name: 'Northfield', x: 1000, y: 1001, size: [256, 256], access: 21, image: NIL, agents: 0 },
  { name: 'Far Away', x: 1010, y: 1000, size: [256, 256], access: 13, image: NIL, agents: 0 },
];

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

const tile = (page: Page, name: string) => page.locator(`[data-testid="map-tile"][data-region="${name}"]`);

describe('world map in Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage({ viewport: { width: 800, height: 700 } });
    await page.goto(`${inject('baseUrl')}/api/health`, { waitUntil: 'networkidle' });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('finds your region by name, asks for the 7 x 7 regions around it, and draws them north up with names and tiles', async () => {
    const tiles = {
      [CHECKER]: Buffer.from(oarAsset(STORM_ART_OAR, `assets/${CHECKER}_texture.jp2`)).toString('base64'),
      [RINGS]: Buffer.from(oarAsset(STORM_ART_OAR, `assets/${RINGS}_texture.jp2`)).toString('base64'),
    };
    await inPage(page, `m.show('StormTest', [64, 192, 25], ${JSON.stringify(tiles)})`);
    await page.getByTestId('world-map-finding').waitFor();
    expect(((await inPage(page, 'm.recorded()')) as MapRecord).requests).toEqual([
      { min: [0, 0], max: [0, 0], name: 'StormTest' },
    ]);

    // The name search's answer, then the rectangle's.
    await inPage(page, `m.heard(${JSON.stringify(REGIONS.slice(0, 1))})`);
    await inPage(page, `m.heard(${JSON.stringify(REGIONS.slice(1))})`);
    expect(((await inPage(page, 'm.recorded()')) as MapRecord).requests).toEqual([
      { min: [0, 0], max: [0, 0], name: 'StormTest' },
      { min: [997, 997], max: [1003, 1003], name: '' },
    ]);

    // Three regions within 3 of yours; Far Away (10 east) is not drawn.
    await expect.poll(() => page.getByTestId('map-tile').count()).toBe(3);
    expect(await page.locator('.sc-map-name').allTextContents()).toEqual(['StormTest', 'StormEast', 'Northfield']);
    const home = await tile(page, 'StormTest').boundingBox();
    const east = await tile(page, 'StormEast').boundingBox();
    const north = await tile(page, 'Northfield').boundingBox();
    if (!home || !east || !north) throw new Error('a tile has no box');
    expect(east.x - home.x).toBeCloseTo(home.width, 0);
    expect(east.y).toBeCloseTo(home.y, 0);
    expect(home.y - north.y).toBeCloseTo(home.height, 0);

    // The two tiles with images show them decoded; the one without is plain.
    await expect
      .poll(() => page.locator('[data-testid="map-tile-image"][data-loaded="true"]').count(), { timeout: 20_000 })
      .toBe(2);
    expect(await tile(page, 'Northfield').locator('[data-loaded="true"]').count()).toBe(0);
    // The checker tile (red and white, mean 237/143/143) is drawn red-white, not blank.
    const pixel = await tile(page, 'StormTest')
      .locator('canvas')
      .evaluate((c: HTMLCanvasElement) => {
        const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        let r = 0;
        let g = 0;
        for (let i = 0; i < d.length; i += 4) {
          r += d[i] ?? 0;
          g += d[i + 1] ?? 0;
        }
        return { r: r / (d.length / 4), g: g / (d.length / 4), width: c.width };
      });
    expect(pixel.width).toBe(256);
    expect(pixel.r).toBeGreaterThan(200);
    expect(pixel.g).toBeGreaterThan(100);
    expect(pixel.g).toBeLessThan(180);

    // You stand at (64, 192): a quarter from the west edge, a quarter from the north edge of your tile.
    const you = await page.getByTestId('map-you').boundingBox();
    if (!you) throw new Error('no marker');
    expect(you.x + you.width / 2 - home.x).toBeCloseTo(home.width / 4, 0);
    expect(you.y + you.height / 2 - home.y).toBeCloseTo(home.height / 4, 0);

    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/world-map.png' });
  });

  it('teleports to the spot clicked in another region, to your own region by "", and by the keyboard to the centre', async () => {
    const east = await tile(page, 'StormEast').boundingBox();
    if (!east) throw new Error('no StormEast tile');
    await page.mouse.click(east.x + east.width * 0.75, east.y + east.height * 0.25);
    const home = await tile(page, 'StormTest').boundingBox();
    if (!home) throw new Error('no StormTest tile');
    await page.mouse.click(home.x + home.width / 2, home.y + home.height / 2);
    await tile(page, 'Northfield').focus();
    await page.keyboard.press('Enter');
    const { teleports } = (await inPage(page, 'm.recorded()')) as MapRecord;
    expect(teleports).toHaveLength(3);
    expect(teleports[0]?.region).toBe('StormEast');
    const [x, y, z] = teleports[0]?.position ?? [0, 0, -1];
    expect(Math.abs(x - 192)).toBeLessThanOrEqual(4);
    expect(Math.abs(y - 192)).toBeLessThanOrEqual(4);
    expect(z).toBe(0);
    expect(teleports[1]?.region).toBe('');
    expect(teleports[2]).toEqual({ region: 'Northfield', position: [128, 128, 0] });
  });

  it('is reachable by Tab and closes on Escape', async () => {
    await page.getByTestId('world-map').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    expect(['world-map-close', 'map-tile']).toContain(focused);
    await page.keyboard.press('Escape');
    expect(((await inPage(page, 'm.recorded()')) as MapRecord).closed).toBe(1);
  });
});
