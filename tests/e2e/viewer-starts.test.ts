/** First e2e: the landing page is isolated, reaches the edge, gets a WebGPU adapter and shows the clear colour. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, WEBGPU_ARGS } from '../support/chromium';
import { pixelAt } from '../support/png';

describe('the landing page', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${inject('baseUrl')}/`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('is cross-origin isolated, on the page and in its render worker', async () => {
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
    await expect.poll(() => page.getByTestId('status-isolation').getAttribute('data-isolated'), { timeout: 30_000 }).toBe('true');
  });

  it('shows the edge as healthy with its build version', async () => {
    await expect
      .poll(() => page.getByTestId('status-edge').textContent(), { timeout: 30_000 })
      .toMatch(/^edge: healthy \(v\d+\.\d+\.\d+/);
  });

  it('finds a WebGPU adapter and names it in the status line', async () => {
    await expect.poll(() => page.getByTestId('status-gpu').getAttribute('data-state'), { timeout: 30_000 }).not.toBe('starting');
    const state = await page.getByTestId('status-gpu').getAttribute('data-state');
    const text = await page.getByTestId('status-gpu').textContent();
    if (state !== 'ready') {
      throw new Error(`e2e: no WebGPU adapter with flags ${WEBGPU_ARGS.join(' ')}; the page said: ${text}`);
    }
    expect(text).toMatch(/^GPU: \S+ \S+/);
  });

  it('shows the rendered test scene in a screenshot: blue sky above, a red box in the middle, green terrain below', async () => {
    const scenePage = await browser.newPage({ viewport: { width: 800, height: 600 } });
    try {
      await scenePage.goto(`${inject('baseUrl')}/?scene=test`);
      await expect.poll(() => scenePage.getByTestId('viewer').getAttribute('data-frames'), { timeout: 60_000 }).not.toBe('0');
      const png = await scenePage.screenshot();
      const sky = pixelAt(png, 400, 40);
      const box = pixelAt(png, 400, 330);
      // Right of the chat panel and above the status line: HUD panels must not cover the sampled pixels.
      const ground = pixelAt(png, 650, 480);
      const report = `sky rgb(${sky.slice(0, 3).join(',')}), box rgb(${box.slice(0, 3).join(',')}), ground rgb(${ground.slice(0, 3).join(',')}) with flags ${WEBGPU_ARGS.join(' ')}`;
      const isBlue = sky[2] > 150 && sky[2] > sky[0] + 40;
      const isRed = box[0] > 60 && box[0] > box[1] * 3 && box[0] > box[2] * 3;
      const isGreen = ground[1] > 100 && ground[1] > ground[0] + 30 && ground[1] > ground[2] + 30;
      if (!(isBlue && isRed && isGreen)) throw new Error(`e2e: the WebGPU canvas did not show the test scene: ${report}`);
    } finally {
      await scenePage.close();
    }
  });
});
