/**
 * A grid link opens on its login form, and the texture decoders start meanwhile: their workers run and have fetched
 * OpenJPEG's wasm before anyone logs in, so a visit's first textures do not wait for them. A Finalverse world (no
 * grid textures) starts none until a glTF model's base colour image needs one.
 */
import type { Browser, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RenderStats } from '../../web/render/render-protocol';
import { launchChromium } from '../support/chromium';
import { freePort } from '../support/dev-server';

/** The page's texture-decode workers (started by the render worker; Chromium reports nested workers to the page). */
function decoders(page: Page): Worker[] {
  return page.workers().filter((w) => w.url().includes('texture-decode'));
}

describe('texture decoders while a login form shows', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('start, and fetch OpenJPEG, before the login on a grid link', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
    const wasm: string[] = [];
    page.context().on('requestfinished', (r) => {
      if (/openjpeg.*\.wasm/.test(r.url())) wasm.push(r.url());
    });
    // No grid listens there: nothing is logged in, the form just shows.
    const port = await freePort();
    await page.goto(`${inject('baseUrl')}/#/os/127.0.0.1:${port}/StormTest/128/128/25`);
    await page.getByTestId('login-submit').waitFor({ timeout: 60_000 });
    await expect.poll(() => decoders(page).length, { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => wasm.length, { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await page.getByTestId('grid-login').count()).toBe(1);
    await page.close();
  });

  it('do not start for a Finalverse world', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 500 } });
    await page.goto(`${inject('baseUrl')}/?debug#/fv/plaza`);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    const models = async () =>
      (await page.evaluate(() => (window as unknown as { stormDebug: { render: () => RenderStats | null } }).stormDebug.render()))
        ?.models;
    await expect.poll(async () => (await models())?.loading ?? 0, { timeout: 60_000 }).toBe(0);
    // The render worker has had every command the visit sends by now; give it a moment more to act on them.
    await page.waitForTimeout(2000);
    // No decoder without a texture to decode: only a glTF model's base colour image (the crate another suite may have
    // placed in this shared plaza) starts them, on demand. Decoders while no model image is resident or failed fail.
    await expect
      .poll(
        async () => {
          const m = await models();
          return decoders(page).length === 0 || (m?.texturesResident ?? 0) + (m?.texturesFailed ?? 0) > 0;
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await page.close();
  });
});
