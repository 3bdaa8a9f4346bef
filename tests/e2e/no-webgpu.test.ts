/** Without WebGPU the page says so in plain words and keeps working. */
import { describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('a browser without WebGPU', () => {
  it('gets a plain message and a 2D map instead of a crash, and the rest of the viewer still works', async () => {
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${inject('baseUrl')}/`);
      await expect.poll(() => page.getByTestId('status-gpu').getAttribute('data-state'), { timeout: 30_000 }).toBe('unavailable');
      expect(await page.getByTestId('status-gpu').textContent()).toMatch(/GPU: none\..*WebGPU/);
      await expect.poll(() => page.getByTestId('status-edge').getAttribute('data-state'), { timeout: 30_000 }).toBe('healthy');
      // The world is still visible: a 2D top-down map of the same entities, and you in the people list.
      expect(await page.getByTestId('map-2d').isVisible()).toBe(true);
      await expect.poll(() => page.locator('[data-testid=person][data-self=true]').count(), { timeout: 60_000 }).toBe(1);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('the dev server', () => {
  it('sends the isolation headers on the page, its scripts and the embed route', async () => {
    const base = inject('baseUrl');
    const page = await fetch(`${base}/`);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const worker = await fetch(`${base}/workers/render.worker.ts?worker_file&type=module`);
    expect(worker.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const embed = await fetch(`${base}/embed`);
    expect(embed.headers.get('document-isolation-policy')).toBe('isolate-and-require-corp');
  });
});
