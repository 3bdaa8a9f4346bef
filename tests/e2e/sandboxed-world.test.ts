/**
 * A sandboxed plugin's world (docs/plugins.md, world:read and world:local for sandboxed plugins): in the viewer, a
 * plugin in its own sandbox asks the world worker, by message through the host, for a query and local entities. The
 * viewer draws its local boxes (the HUD's prims) and a second visitor, who holds what the room sent, sees none; its
 * queries are cache hits in the panel; unloading removes the boxes. A plugin that floods world requests is limited,
 * then stopped and named, and the world keeps rendering and stays connected.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { type Served, serve } from '../support/plugin-fixtures';

type Info = {
  name: string;
  state: string;
  reason: string;
  trusted: boolean;
  query_hits: number;
  query_misses: number;
  local_entities: number;
  last_log: string;
};

const fixtures = new Map<string, Served>([
  [
    'sandbox-boxes',
    {
      manifest: { permissions: ['world:read', 'world:local'] },
      code: `const ids = [];
let t = 0;
export async function init(ctx) {
  for (let i = 0; i < 3; i++) ids.push(await ctx.world.local.create({ color: [0, 0, 1], position: [110 + 3 * i, 128, 30] }));
  const [a, b] = await Promise.all([ctx.world.query({ all: ['Transform', 'Shape'] }), ctx.world.query({ all: ['Shape', 'Transform', 'Shape'] })]);
  const locals = await ctx.world.query({ all: ['Local'] });
  ctx.log.info(JSON.stringify({ count: await ctx.world.local.count(), prims: a.count, rows: a.rows.length, sameKey: a.key === b.key,
    frozen: Object.isFrozen(a.rows), mine: ids.every((id) => locals.rows.some((r) => r.id === id && r.kind === 'local')) }));
}
// Not awaited: an update answers at once (its budget is the host's), the world answers when its tick comes.
export function update(dt, ctx) {
  t += dt;
  const fail = (e) => ctx.log.error(e.code + ' ' + e.message);
  ids.forEach((id, i) => ctx.world.local.update(id, { position: [110 + 3 * i, 128, 30 + Math.sin(t + i)] }).catch(fail));
  ctx.world.query({ all: ['Avatar', 'Transform'] }).catch(fail);
  ctx.world.query({ all: ['Transform', 'Avatar', 'Avatar'] }).catch(fail);
}`,
    },
  ],
  [
    'world-flood',
    {
      manifest: { permissions: ['world:read', 'world:local'] },
      code: `export function update(dt, ctx) {
  for (let i = 0; i < 3000; i++) {
    ctx.world.query({ all: ['Transform'] }).catch(() => {});
    ctx.world.local.create({ position: [0, 0, -50] }).catch(() => {});
  }
}`,
    },
  ],
]);

async function join(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 960, height: 600 } })).newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${inject('baseUrl')}/?debug#/fv/plaza`);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
  return page;
}

/** Where the test is, on stderr with the time (a timeout says which step was slow). */
const began = Date.now();
const step = (what: string) => console.error(`sandboxed-world +${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);

const prims = async (page: Page): Promise<number> => Number(await page.getByTestId('viewer').getAttribute('data-prims'));
const frames = async (page: Page): Promise<number> => Number(await page.getByTestId('viewer').getAttribute('data-frames'));
type Host = {
  load: (u: string, o: object) => Promise<unknown>;
  unload: (n: string) => Promise<boolean>;
  list: () => Info[];
};
const load = (page: Page, url: string) =>
  page.evaluate(
    async (u) =>
      (await (window as unknown as { stormDebug: { plugins: () => Host } }).stormDebug.plugins().load(u, {})) as {
        ok: boolean;
        code?: string;
        message?: string;
      },
    url,
  );
const infoOf = (page: Page, name: string) =>
  page.evaluate(
    (n) =>
      (window as unknown as { stormDebug: { plugins: () => Host } }).stormDebug
        .plugins()
        .list()
        .find((p) => p.name === n) ?? null,
    name,
  );

describe('a sandboxed plugin’s world in the viewer', () => {
  let rendering: Browser;
  let plain: Browser;
  let files: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    files = await serve(fixtures);
    // The visitor whose frames are counted renders (software WebGPU); the second one need not.
    rendering = await launchChromium({ webgpu: true });
    plain = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await rendering?.close();
    await plain?.close();
    files?.close();
  });

  it('queries the world and makes local entities this viewer draws and the room never hears of; a flood is stopped and named', async () => {
    step('joining');
    const a = await join(rendering);
    const b = await join(plain);
    step('both in the world');
    await expect.poll(() => prims(a), { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await prims(a);
    await expect.poll(() => prims(b), { timeout: 30_000 }).toBe(before);

    const r = await load(a, `${files.url}/sandbox-boxes/storm-plugin.json`);
    expect(r.ok, r.message).toBe(true);
    step('sandbox-boxes loaded');
    await expect.poll(() => infoOf(a, 'sandbox-boxes').then((i) => i?.last_log ?? ''), { timeout: 20_000 }).toMatch(/^info: /);
    const said = JSON.parse(((await infoOf(a, 'sandbox-boxes')) as Info).last_log.slice('info: '.length));
    expect(said).toMatchObject({ count: 3, sameKey: true, frozen: true, mine: true });
    expect(said.prims).toBeGreaterThanOrEqual(before);
    expect(said.rows).toBe(Math.min(said.prims, 1024));
    const info = (await infoOf(a, 'sandbox-boxes')) as Info;
    expect(info).toMatchObject({ state: 'running', trusted: false, local_entities: 3 });
    await expect.poll(() => prims(a), { timeout: 20_000 }).toBe(before + 3);
    step('its boxes are drawn');
    // Equivalent queries asked together are answered in one world tick: the second from the cache.
    await expect.poll(() => infoOf(a, 'sandbox-boxes').then((i) => i?.query_hits ?? 0), { timeout: 20_000 }).toBeGreaterThan(10);
    const cost = a.locator('[data-testid=plugin][data-name=sandbox-boxes] [data-testid=plugin-cost]');
    await a.getByTestId('plugins-button').click();
    await expect.poll(() => cost.textContent(), { timeout: 10_000 }).toMatch(/queries \d+ cached \/ \d+ run · 3 local entities/);

    // The room never heard of them: B, who holds what the room sent, sees the world as it was.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await prims(b)).toBe(before);

    // A plugin that floods world requests: refused past its rate, then stopped as a flood and named; nothing of its
    // burst stays (its local entities go with it), and the world keeps rendering and stays connected.
    step('the room never heard of them');
    const flood = await load(a, `${files.url}/world-flood/storm-plugin.json`);
    expect(flood.ok, flood.message).toBe(true);
    step('world-flood loaded');
    await expect.poll(() => infoOf(a, 'world-flood').then((i) => i?.state), { timeout: 20_000 }).toBe('failed');
    expect(((await infoOf(a, 'world-flood')) as Info).reason).toMatch(
      /^plugins: world-flood: world request flood \(\d+ refused in a second\); terminated$/,
    );
    await expect.poll(() => prims(a), { timeout: 20_000 }).toBe(before + 3);
    step('world-flood stopped, its entities gone');
    // Frames go on (a software GPU drawing two viewers here takes 1-2 s a frame: a few frames, not a rate).
    const drawn = await frames(a);
    await expect.poll(() => frames(a), { timeout: 30_000 }).toBeGreaterThan(drawn + 3);
    expect(await a.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    expect((await infoOf(a, 'sandbox-boxes'))?.state).toBe('running');

    // Unloading removes its boxes.
    await a.evaluate(() =>
      (window as unknown as { stormDebug: { plugins: () => Host } }).stormDebug.plugins().unload('sandbox-boxes'),
    );
    await expect.poll(() => prims(a), { timeout: 20_000 }).toBe(before);
    expect(await prims(b)).toBe(before);
    expect(await a.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    await b.context().close();
    await a.context().close();
    step('done');
  }, 300_000);
});
