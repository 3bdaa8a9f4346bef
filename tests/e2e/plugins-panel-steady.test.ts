/**
 * The Plugins panel refreshes its entries twice a second by updating them in place: a plugin's button (and its
 * Unload) stays the same element across refreshes, so it never moves or goes away under the pointer.
 */
import type { Browser, ElementHandle, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('the Plugins panel keeps its elements across refreshes', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${inject('baseUrl')}/`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("a plugin's panel button and its Unload are the same DOM nodes two refreshes later, and still work", async () => {
    await page.getByTestId('plugins-button').click();
    await page.getByTestId('plugin-url').fill('/plugins/photo-mode/storm-plugin.json');
    await page.getByTestId('plugin-load').click();
    const entry = page.locator('[data-testid=plugin][data-name=photo-mode]');
    await expect.poll(() => entry.getAttribute('data-state'), { timeout: 30_000 }).toBe('running');
    const wide = entry.locator('[data-testid=plugin-action][data-action=wide]');
    await expect.poll(() => wide.count(), { timeout: 10_000 }).toBe(1);
    const handle = async (l: typeof wide): Promise<ElementHandle<HTMLElement | SVGElement>> => {
      const h = await l.elementHandle();
      if (!h) throw new Error('no element');
      return h;
    };
    const held = [await handle(wide), await handle(entry.getByTestId('plugin-unload')), await handle(entry)];
    // The list refreshes every 500 ms and the plugin's cost changes with each of its updates (30 a second).
    const cost = await entry.getByTestId('plugin-cost').textContent();
    await page.waitForTimeout(1500);
    for (const [i, h] of held.entries()) expect(await h.evaluate((el) => el.isConnected), `element ${i}`).toBe(true);
    const same = await page.evaluate(
      ([button, unload, article]) =>
        button === document.querySelector('[data-testid=plugin][data-name=photo-mode] [data-action=wide]') &&
        unload === document.querySelector('[data-testid=plugin][data-name=photo-mode] [data-testid=plugin-unload]') &&
        article === document.querySelector('[data-testid=plugin][data-name=photo-mode]'),
      held,
    );
    expect(same).toBe(true);
    console.info(`plugins panel: cost "${cost}" → "${await entry.getByTestId('plugin-cost').textContent()}"`);
    // The held button still acts: photo-mode says which shot it set, in the same panel.
    await held[0]?.click();
    const panel = page.locator('[data-testid=plugin-panel][data-name=photo-mode]');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toMatch(/shot\s*wide/);
    expect(await held[0]?.evaluate((el) => el.isConnected)).toBe(true);
  });
});
