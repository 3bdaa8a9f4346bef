/** First e2e: the landing page is isolated, reaches the edge, gets a WebGPU adapter and shows the clear colour. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLEAR_COLOR } from '../../web/render/render-protocol';
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

  it('shows the clear colour on the canvas in a screenshot', async () => {
    await expect.poll(() => page.getByTestId('viewer').getAttribute('data-frames'), { timeout: 30_000 }).not.toBe('0');
    const png = await page.screenshot({ clip: { x: 600, y: 300, width: 40, height: 40 } });
    const [r, g, b] = pixelAt(png, 20, 20);
    const want = [CLEAR_COLOR.r, CLEAR_COLOR.g, CLEAR_COLOR.b].map((c) => Math.round(c * 255));
    const close = Math.abs(r - (want[0] ?? 0)) <= 3 && Math.abs(g - (want[1] ?? 0)) <= 3 && Math.abs(b - (want[2] ?? 0)) <= 3;
    if (!close) {
      throw new Error(
        `e2e: the canvas pixel is rgb(${r},${g},${b}), not the clear colour rgb(${want.join(',')}). The WebGPU canvas did not reach the screenshot with flags: ${WEBGPU_ARGS.join(' ')}`,
      );
    }
  });
});
