/**
 * The StormArt region's looped sound in the browser: log in through the form next to its `sound-emitter`,
 * switch sound on, and the emitter's Ogg comes through the edge's asset route, decodes and plays as a voice.
 * Runs when OPENSIM_ART_LOGIN_URI is set (a region started with OPENSIM_OAR=StormArt.oar).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

const login = process.env.OPENSIM_ART_LOGIN_URI;
type AudioDebug = { context: string; voices: number; decoded: number };

const run = login ? describe : describe.skip;
if (!login) {
  console.warn(
    'e2e: the StormArt sound visit DID NOT RUN: start the art region (OPENSIM_OAR=../shared/opensim/StormArt.oar OPENSIM_PORT=9500 OPENSIM_FRESH=1 ../shared/opensim/region.sh start) and set OPENSIM_ART_LOGIN_URI',
  );
}

run('an OpenSim looped sound in the browser', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage({ viewport: { width: 960, height: 600 } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('plays the sound-emitter’s Ogg, fetched through the edge and decoded, once sound is switched on', async () => {
    const grid = new URL(login ?? '').host;
    await page.goto(`${inject('baseUrl')}/?debug#/os/${grid}/StormTest/128/128/25`);
    await page.getByTestId('login-first').fill(process.env.OPENSIM_FIRST ?? 'Test');
    await page.getByTestId('login-last').fill(process.env.OPENSIM_LAST ?? 'User');
    await page.getByTestId('login-password').fill(process.env.OPENSIM_PASSWORD ?? 'password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.text().startsWith('audio:')) warnings.push(m.text());
    });
    await page.getByTestId('sound-toggle').click();
    const audio = () =>
      page.evaluate(() => (window as unknown as { stormDebug: { audio: () => AudioDebug } }).stormDebug.audio());
    await expect.poll(async () => (await audio()).voices, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await audio()).decoded, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    expect((await audio()).context).toBe('running');
    expect(warnings).toEqual([]);
  });
});
