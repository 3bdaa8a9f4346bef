/**
 * Dynamic resolution in the viewer: the overlay says at what scale the canvas is drawn, a scale below full still fills
 * the page (the compositor stretches it), and the overlay's "auto" box holds full resolution and gives it back.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { showsTestScene } from '../support/png';

/** The scale the overlay shows (its data-scale) and the render worker's frame time it last reported. */
async function reading(page: Page): Promise<{ scale: number; text: string }> {
  const line = page.getByTestId('perf-render-scale');
  return { scale: Number(await line.getAttribute('data-scale')), text: (await line.textContent()) ?? '' };
}

describe('dynamic resolution', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(`${inject('baseUrl')}/?scene=test`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the scale it draws at, and a scale below full still fills the page with the scene', async () => {
    await expect.poll(() => page.getByTestId('viewer').getAttribute('data-frames'), { timeout: 60_000 }).not.toBe('0');
    // The render worker's stats (once a second) carry the scale; the render line says the frame time it follows.
    await expect.poll(async () => (await reading(page)).text, { timeout: 30_000 }).toMatch(/resolution \d+ %/);
    await expect.poll(() => page.getByTestId('perf-render-work').textContent(), { timeout: 30_000 }).toMatch(/render \d/);
    const work = Number((await page.getByTestId('perf-render-work').textContent())?.match(/render ([\d.]+)/)?.[1]);
    const { scale, text } = await reading(page);
    expect(scale).toBeGreaterThanOrEqual(0.5);
    expect(scale).toBeLessThanOrEqual(1);
    expect(text).toContain(`resolution ${Math.round(scale * 100)} %`);
    console.info(`render-scale: frames of ${work} ms (p50) drawn at ${scale}`);
    // The test scene's colours where they belong, whatever the scale (a smaller canvas is stretched to the page).
    const scene = showsTestScene(await page.screenshot());
    expect(scene.ok, scene.report).toBe(true);
  });

  it('holds full resolution when "auto" is unchecked, and follows the frame times again when it is checked', async () => {
    const auto = page.getByTestId('perf-render-scale-auto');
    await auto.uncheck();
    await expect.poll(async () => (await reading(page)).text, { timeout: 10_000 }).toContain('resolution 100 % (held full)');
    // The worker's next stats say the same (it holds the scale, not only the overlay).
    await page.waitForTimeout(2500);
    expect(await reading(page)).toMatchObject({ scale: 1 });
    expect((await reading(page)).text).toContain('(held full)');
    await auto.check();
    await expect.poll(async () => (await reading(page)).text, { timeout: 10_000 }).not.toContain('held full');
  });
});
