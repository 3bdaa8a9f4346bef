/**
 * A trusted plugin in the viewer: the dev server's operator list (TRUSTED_PLUGINS, set by global-setup) names one
 * fixture plugin; loaded with {trusted: true} it runs in the world worker, its three local spheres are in the
 * visitor's world (the minimap's prims) and never reach the room: a second visitor, who holds what the room sent,
 * sees none of them. Its world queries hit the cache; unloading removes the spheres; an unlisted plugin is refused.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

type Info = {
  name: string;
  state: string;
  reason: string;
  trusted: boolean;
  query_hits: number;
  query_misses: number;
  local_entities: number;
};

async function join(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 960, height: 600 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${inject('baseUrl')}/?debug#/fv/plaza`);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
  return page;
}

const prims = async (page: Page): Promise<number> => Number(await page.getByTestId('viewer').getAttribute('data-prims'));
const load = (page: Page, url: string, trusted: boolean) =>
  page.evaluate(
    async ([u, t]) => {
      const host = (
        window as unknown as { stormDebug: { plugins: () => { load: (u: string, o: object) => Promise<unknown> } } }
      ).stormDebug.plugins();
      return (await host.load(u as string, { trusted: t })) as { ok: boolean; code?: string; message?: string };
    },
    [url, trusted] as const,
  );
const infoOf = (page: Page, name: string) =>
  page.evaluate((n) => {
    const host = (window as unknown as { stormDebug: { plugins: () => { list: () => Info[] } } }).stormDebug.plugins();
    return host.list().find((p) => p.name === n) ?? null;
  }, name);

describe('a trusted plugin in the viewer', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Without WebGPU: this is about the world and the room; two software-rendered pages would starve the machine.
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('runs in the world worker; its local entities are the visitor’s only, never the room’s', async () => {
    const a = await join(browser);
    const b = await join(browser);
    await expect.poll(() => prims(a), { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await prims(a);
    await expect.poll(() => prims(b), { timeout: 30_000 }).toBe(before);

    const r = await load(a, inject('trustedPlugin'), true);
    expect(r.ok, r.message).toBe(true);
    await expect.poll(() => infoOf(a, 'e2e-beacons').then((i) => i?.local_entities), { timeout: 20_000 }).toBe(3);
    const info = (await infoOf(a, 'e2e-beacons')) as Info;
    expect(info).toMatchObject({ state: 'running', trusted: true });
    await expect.poll(() => prims(a), { timeout: 20_000 }).toBe(before + 3);
    // Equivalent queries: the second spelling each frame is answered from the cache.
    await expect.poll(() => infoOf(a, 'e2e-beacons').then((i) => i?.query_hits ?? 0), { timeout: 20_000 }).toBeGreaterThan(10);
    const cost = a.locator('[data-testid=plugin][data-name=e2e-beacons] [data-testid=plugin-cost]');
    await a.getByTestId('plugins-button').click();
    await expect.poll(() => cost.textContent(), { timeout: 10_000 }).toMatch(/queries \d+ cached \/ \d+ run · 3 local entities/);

    // The room never heard of them: B (what the room sent) and a visitor joining now see the world as it was.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await prims(b)).toBe(before);
    const c = await join(browser);
    await expect.poll(() => prims(c), { timeout: 30_000 }).toBe(before);
    await c.context().close();

    // Unloading removes them; the world stays connected.
    await a.evaluate(() =>
      (window as unknown as { stormDebug: { plugins: () => { unload: (n: string) => Promise<boolean> } } }).stormDebug
        .plugins()
        .unload('e2e-beacons'),
    );
    await expect.poll(() => prims(a), { timeout: 20_000 }).toBe(before);
    expect(await a.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    await b.context().close();
    await a.context().close();
  });

  it('refuses {trusted: true} for a plugin the operator did not list', async () => {
    const a = await join(browser);
    const r = await load(a, `${inject('baseUrl')}/plugins/chat-log/storm-plugin.json`, true);
    expect(r).toMatchObject({ ok: false, code: 'plugin_not_trusted' });
    await a.context().close();
  });
});
