/** Without WebGPU the page says so in plain words and keeps working. */
import { describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('a browser without WebGPU', () => {
  it('gets a plain message instead of a crash, and the rest of the status line still works', async () => {
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${inject('baseUrl')}/`);
      await expect.poll(() => page.getByTestId('status-gpu').getAttribute('data-state'), { timeout: 30_000 }).toBe('unavailable');
      expect(await page.getByTestId('status-gpu').textContent()).toMatch(/GPU: none\..*WebGPU/);
      await expect.poll(() => page.getByTestId('status-edge').getAttribute('data-state'), { timeout: 30_000 }).toBe('healthy');
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
