/** Sound in the viewer, as a visitor meets it: off at first, switched on by a click, the plaza fountain audible near it. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

type AudioDebug = { context: string; voices: number; decoded: number };

describe('sound in the viewer', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    // Beside the plaza fountain (its sound reaches 24 m).
    await page.goto(`${inject('baseUrl')}/?debug#/fv/plaza/132/126/30`);
    await page.getByTestId('connection').and(page.locator('[data-state="in-world"]')).waitFor({ timeout: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  const audio = () => page.evaluate(() => (window as unknown as { stormDebug: { audio: () => AudioDebug } }).stormDebug.audio());

  it('starts with sound off and no audio context (autoplay rules), the volume slider disabled', async () => {
    const toggle = page.getByTestId('sound-toggle');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await toggle.textContent()).toContain('Sound off');
    expect(await page.getByTestId('sound-volume').isDisabled()).toBe(true);
    expect(await audio()).toEqual({ context: 'none', voices: 0, decoded: 0 });
  });

  it('a click switches sound on: the context runs and the fountain plays as a voice; volume can be set; a click switches it off', async () => {
    await page.getByTestId('sound-toggle').click();
    expect(await page.getByTestId('sound-toggle').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => (await audio()).context, { timeout: 10_000 }).toBe('running');
    await expect.poll(async () => (await audio()).voices, { timeout: 10_000 }).toBe(1);
    // The fountain's built-in water sound was made.
    await expect.poll(async () => (await audio()).decoded, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await page.getByTestId('sound-volume').fill('30');
    expect(await page.getByTestId('sound-volume').inputValue()).toBe('30');
    await page.getByTestId('sound-toggle').click();
    expect(await page.getByTestId('sound-toggle').textContent()).toContain('Sound off');
  });
});
