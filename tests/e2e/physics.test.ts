/**
 * Physics in the browser: your avatar is predicted by the viewer's physics plugin (Rapier in the world
 * worker) and stopped by what stands in the plaza, as the room (the authority, same physics) stops it.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('physics in the viewer', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Without WebGPU: this is about movement, not pixels.
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('walks you north from the spawn point into a bench, which stops you before it; the plaza keeps you there', async () => {
    const page = await (await browser.newContext({ viewport: { width: 960, height: 600 } })).newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${inject('baseUrl')}/#/fv/plaza/128/112/22`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    const me = page.locator('[data-testid=person][data-self=true]');
    await expect.poll(() => me.count(), { timeout: 30_000 }).toBe(1);
    // The physics systems run on the world App's schedule (the overlay lists them once Rapier loaded).
    await expect
      .poll(() => page.locator('[data-testid=perf-system][data-system=physics-step]').count(), { timeout: 30_000 })
      .toBe(1);
    const startY = Number(await me.getAttribute('data-y'));
    expect(startY).toBeCloseTo(112, 0);
    // Facing north: the bench at (128, 116), 0.6 m deep, is 4 m ahead.
    await page.keyboard.down('KeyW');
    await page.waitForTimeout(2500);
    await page.keyboard.up('KeyW');
    await page.waitForTimeout(1000);
    const y = Number(await me.getAttribute('data-y'));
    expect(y).toBeGreaterThan(115);
    expect(y).toBeLessThan(116 - 0.3);
    expect(errors.filter((e) => e.includes('physics'))).toEqual([]);
    await page.close();
  });
});
