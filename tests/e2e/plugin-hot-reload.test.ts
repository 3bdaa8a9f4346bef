/**
 * Hot reload under the dev server: editing a plugin's file (in the temporary plugin folder global-setup serves at
 * /dev-plugins/) reloads that plugin with the new code, while the viewer stays connected and another plugin keeps
 * running untouched (its panel still holds what it had).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

describe('plugin hot reload', () => {
  let browser: Browser;
  let page: Page;
  const entry = join(inject('devPluginDir'), 'hot-panel', 'index.js');
  const panel = (name: string) => page.locator(`[data-testid=plugin-panel][data-name=${name}]`);
  /** The instance running each plugin (a reload gives a new one). */
  const instances = () =>
    page.evaluate(() => {
      const host = (
        window as unknown as { stormDebug: { plugins: () => { list: () => { name: string; instance: string }[] } } }
      ).stormDebug.plugins();
      return Object.fromEntries(host.list().map((p) => [p.name, p.instance]));
    });
  const load = async (url: string) => {
    await page.getByTestId('plugin-url').fill(url);
    await page.getByTestId('plugin-load').click();
  };

  beforeAll(async () => {
    browser = await launchChromium({ webgpu: false });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(`${inject('baseUrl')}/?debug#/fv/plaza`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reloads the changed plugin only, with its new code', async () => {
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
    await page.getByTestId('plugins-button').click();
    await load('/plugins/chat-log/storm-plugin.json');
    await load('/dev-plugins/hot-panel/storm-plugin.json');
    await expect.poll(() => panel('hot-panel').textContent(), { timeout: 20_000 }).toContain('version one');
    await page.getByTestId('chat-input').fill('before the reload');
    await page.getByTestId('chat-input').press('Enter');
    await expect.poll(() => panel('chat-log').textContent(), { timeout: 20_000 }).toContain('before the reload');

    const before = await instances();
    // Edit the file (not the manifest: the dev server writes the new integrity itself).
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('version one', 'version two'));
    await expect.poll(() => panel('hot-panel').textContent(), { timeout: 30_000 }).toContain('version two');
    expect(await page.locator('[data-testid=plugin][data-name=hot-panel]').getAttribute('data-state')).toBe('running');
    // chat-log was not reloaded (the same sandbox runs it); the viewer never left the world.
    const after = await instances();
    expect(after['hot-panel']).not.toBe(before['hot-panel']);
    expect(after['chat-log']).toBe(before['chat-log']);
    expect(await panel('chat-log').textContent()).toContain('before the reload');
    expect(await page.locator('[data-testid=plugin][data-name=chat-log]').getAttribute('data-state')).toBe('running');
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
  });
});
