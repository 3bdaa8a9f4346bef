/** Shareable links in the browser: opening, copying, back/forward, and bad links. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('place links in the viewer', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a bad link as a plain message with a way back to the demo world', async () => {
    const page = await browser.newPage();
    await page.goto(`${inject('baseUrl')}/#/fv/NOT_A_WORLD/1/2/3`);
    await expect.poll(() => page.getByTestId('bad-link').isVisible()).toBe(true);
    expect(await page.getByTestId('bad-link').textContent()).toContain('world name');
    await page.getByTestId('back-to-demo').click();
    await expect.poll(() => page.getByTestId('bad-link').count()).toBe(0);
    expect(await page.getByTestId('place-title').textContent()).toContain('plaza');
    await page.close();
  });

  it('copies the link of the place and moves between visited places with back and forward', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await context.newPage();
    const base = inject('baseUrl');
    await page.goto(`${base}/#/fv/plaza/60/70/30`);
    // The link's place is where you start: your entry in the people list stands at x 60, y 70.
    const me = page.locator('[data-testid="person"][data-self="true"]');
    await expect.poll(() => me.getAttribute('data-x'), { timeout: 20_000 }).toBe('60.00');
    expect(await me.getAttribute('data-y')).toBe('70.00');
    // Copy link gives where you stand now (on the ground there, so z is the ground's).
    await page.getByTestId('copy-link').click();
    await expect
      .poll(async () => {
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        return copied.startsWith(`${base}/#/fv/plaza/60/70/`) && /^\d+$/.test(copied.split('/').pop() ?? '');
      })
      .toBe(true);
    await page.evaluate(() => {
      location.hash = '#/os/127.0.0.1:9000/StormTest/128/128/25';
    });
    await expect.poll(() => page.getByTestId('place-title').textContent()).toContain('StormTest on 127.0.0.1:9000');
    await page.goBack();
    await expect.poll(() => page.getByTestId('place-title').textContent()).toContain('plaza');
    await page.goForward();
    await expect.poll(() => page.getByTestId('place-title').textContent()).toContain('StormTest');
    await context.close();
  });
});
