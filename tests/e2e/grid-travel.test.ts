/**
 * Grid travel in the browser, against a real two-region OpenSim (StormTest + StormEast; .ci/run starts it and
 * exports OPENSIM_TRAVEL_LOGIN_URI): the neighbour shows up beside you, a link to the other region teleports you
 * there without a second login (and says so), Copy link then names the region you are in, a link to a region the
 * grid does not have fails with its reason and leaves you where you were.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

const login = process.env.OPENSIM_TRAVEL_LOGIN_URI;
const run = login ? describe : describe.skip;
if (!login)
  console.warn(
    'e2e: the grid travel visit did not run: set OPENSIM_TRAVEL_LOGIN_URI (a two-region OpenSim: OPENSIM_REGIONS=2 ../shared/opensim/region.sh start; .ci/run does this)',
  );

const grid = () => new URL(login ?? 'http://127.0.0.1/').host;

async function go(page: Page, region: string, x: number, y: number, z: number): Promise<void> {
  await page.evaluate((hash) => {
    location.hash = hash;
  }, `#/os/${grid()}/${region}/${x}/${y}/${z}`);
}

run('grid travel in the browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the neighbour, teleports by link without logging in again, names the new region in Copy link, and says why a teleport failed', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    const logins: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/grid/login')) logins.push(r.url());
    });
    await page.goto(`${inject('baseUrl')}/#/os/${grid()}/StormTest/128/128/25`);
    await page.getByTestId('login-first').fill(process.env.OPENSIM_FIRST ?? 'Test');
    await page.getByTestId('login-last').fill(process.env.OPENSIM_LAST ?? 'User');
    await page.getByTestId('login-password').fill(process.env.OPENSIM_PASSWORD ?? 'password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    // The neighbour is shown: the minimap names both regions, and its 13 prims join StormTest's 66.
    await expect
      .poll(() => page.getByTestId('minimap').getAttribute('data-regions'), { timeout: 30_000 })
      .toBe('StormTest,StormEast');
    await expect
      .poll(async () => Number(await page.getByTestId('viewer').getAttribute('data-prims')), { timeout: 30_000 })
      .toBe(66 + 13);
    const me = page.locator('[data-testid=person][data-self=true]');
    await expect.poll(() => me.count(), { timeout: 30_000 }).toBe(1);

    // A link to StormEast on the same grid: a teleport, not a second login.
    await go(page, 'StormEast', 40, 120, 30);
    await expect.poll(() => page.getByTestId('notice').textContent(), { timeout: 40_000 }).toMatch(/Arrived in StormEast/);
    expect(logins).toHaveLength(1);
    // Your place in the session frame: StormEast lies 256 m east of StormTest.
    await expect.poll(async () => Number(await me.getAttribute('data-x')), { timeout: 20_000 }).toBeGreaterThan(256 + 30);
    const link = await page.getByTestId('copy-link').getAttribute('data-url');
    expect(link).toMatch(/\/StormEast\/(3\d|4\d)\/1\d\d\/\d+$/);
    await expect
      .poll(() => page.getByTestId('minimap').getAttribute('data-regions'), { timeout: 10_000 })
      .toBe('StormEast,StormTest');

    // A region the grid does not have: the grid's (or the map's) reason, and you stay in StormEast.
    await go(page, 'NoSuchRegion', 128, 128, 25);
    await expect
      .poll(() => page.getByTestId('notice').textContent(), { timeout: 40_000 })
      .toMatch(/Teleport to NoSuchRegion failed: .+/);
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    expect(Number(await me.getAttribute('data-x'))).toBeGreaterThan(256);
    expect(logins).toHaveLength(1);
    await page.close();
  }, 180_000);
});
