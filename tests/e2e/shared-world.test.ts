/** Two visitors in the demo world: they see each other move, see what the other builds, and builds persist. */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

async function join(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 960, height: 600 } })).newPage();
  await page.goto(`${inject('baseUrl')}/#/fv/plaza`);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
  await expect.poll(() => page.locator('[data-testid=person][data-self=true]').count(), { timeout: 30_000 }).toBe(1);
  return page;
}

/** Prims the visitor holds (avatars come and go with sessions; prims are the world's content). */
const prims = async (page: Page): Promise<number> => Number(await page.getByTestId('viewer').getAttribute('data-prims'));

describe('the shared demo world', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Without WebGPU: this is about the world, and two software-rendered pages would starve the machine.
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows A moving to B, shows B the box A builds, and keeps the box when A reloads', async () => {
    const a = await join(browser);
    const b = await join(browser);
    const nameOfA = (await a.locator('[data-testid=person][data-self=true]').textContent())?.replace(' (you)', '') ?? '';
    expect(nameOfA).not.toBe('');
    const personAinB = b.locator('[data-testid=person][data-self=false]', { hasText: nameOfA });
    await expect.poll(() => personAinB.count(), { timeout: 30_000 }).toBe(1);
    const startY = Number(await personAinB.getAttribute('data-y'));

    await a.keyboard.down('KeyW');
    await a.waitForTimeout(2000);
    await a.keyboard.up('KeyW');
    await expect
      .poll(async () => Math.abs(Number(await personAinB.getAttribute('data-y')) - startY), { timeout: 15_000 })
      .toBeGreaterThan(2);

    const before = await prims(b);
    expect(before).toBeGreaterThan(10);
    await a.getByTestId('build-box').click();
    await expect.poll(() => prims(b), { timeout: 15_000 }).toBe(before + 1);

    await a.reload();
    await expect.poll(() => a.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    await expect.poll(() => prims(a), { timeout: 30_000 }).toBe(before + 1);
  });
});
