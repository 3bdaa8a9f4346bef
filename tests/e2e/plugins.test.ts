/**
 * Plugins in Chromium (docs/plugins.md): the three example plugins load from public/plugins and work; hostile
 * plugins (a busy loop, a memory hog, network to an origin not granted, DOM and parent access, forged host
 * messages and bus tokens, a publish flood, two plugins in a loop) are each contained and named, and the page
 * keeps running. Hostile plugins are served by a loopback server of this test; a second one is the spy that must
 * see nothing.
 */
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import type { LoadResult, PluginInfo } from '../../web/plugins/host';
import { launchChromium } from '../support/chromium';
import { type Served, serve } from '../support/plugin-fixtures';
import type { PluginPage } from './plugins.page';

const pageModule = `/@fs${fileURLToPath(new URL('./plugins.page.ts', import.meta.url))}`;

const fixtures = new Map<string, Served>();
let browser: Browser;
let page: Page;
let fixtureServer: Awaited<ReturnType<typeof serve>>;
let spy: Awaited<ReturnType<typeof serve>>;
let measurable = false;

async function openPage(
  options: { budgets?: Record<string, number>; ratePerSecond?: number; profileEveryMs?: number } = {},
): Promise<void> {
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${inject('baseUrl')}/api/health`);
  // A string, so vitest does not rewrite the import for Node.
  measurable = await page.evaluate(`import(${JSON.stringify(pageModule)}).then((m) => m.start(${JSON.stringify(options)}))`);
}

const load = (url: string, options: { consent?: boolean } = {}) =>
  page.evaluate(([u, o]) => (window.pluginPage as PluginPage).host.load(u, o), [url, options] as const) as Promise<LoadResult>;
/** Loads and expects success, showing the refusal when there is one. */
async function mustLoad(url: string, options: { consent?: boolean } = {}): Promise<LoadResult> {
  const r = await load(url, options);
  expect(r.message ?? '', `${r.name} should load`).toBe('');
  expect(r.ok).toBe(true);
  return r;
}
const list = () => page.evaluate(() => (window.pluginPage as PluginPage).host.list()) as Promise<PluginInfo[]>;
const info = async (name: string) => (await list()).find((p) => p.name === name);
const state = () =>
  page.evaluate(() => {
    const p = window.pluginPage as PluginPage;
    return { ticks: p.ticks, rafs: p.rafs, events: p.events, chatSent: p.chatSent, engineEvents: p.engineEvents };
  });
const until = async (what: string, check: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await list())}`);
};
const fixture = (name: string, code: string, manifest: Record<string, unknown> = {}) => {
  fixtures.set(name, { code, manifest });
  return `${fixtureServer.url}/${name}/storm-plugin.json`;
};

beforeAll(async () => {
  fixtureServer = await serve(fixtures);
  spy = await serve(new Map());
  browser = await launchChromium({ webgpu: false, args: ['--enable-blink-features=ForceEagerMeasureMemory'] });
});

afterAll(async () => {
  await browser?.close();
  fixtureServer?.close();
  spy?.close();
});

describe('the example plugins', () => {
  beforeAll(() => openPage());
  afterAll(() => page.close());

  it('chat-log keeps chat lines, shows them in its panel, stores them and exports them on its button', async () => {
    const r = await load('/plugins/chat-log/storm-plugin.json');
    expect(r).toMatchObject({ ok: true, name: 'chat-log' });
    expect(r.risk).toBeLessThanOrEqual(40);
    await page.evaluate(() => {
      const h = (window.pluginPage as PluginPage).host;
      h.chatLine({ from: 'Ada', text: 'hello', at: Date.UTC(2026, 0, 1, 12, 0, 0) });
      h.chatLine({ from: 'Bo', text: 'hi Ada', at: Date.UTC(2026, 0, 1, 12, 0, 5) });
    });
    await until(
      'the panel lists two lines',
      async () => (await info('chat-log'))?.panel?.items.some((i) => i.kind === 'field' && i.value === '2') ?? false,
    );
    const panel = (await info('chat-log'))?.panel;
    expect(panel?.title).toBe('Chat log');
    expect(panel?.items).toContainEqual({ kind: 'list', items: ['12:00:00 Ada: hello', '12:00:05 Bo: hi Ada'] });
    expect((await info('chat-log'))?.events_out).toBe(2);
  });

  it('chat-commands loads after its dependency and answers !where and !lines from the world copy and the bus', async () => {
    await page.evaluate(() => {
      (window.pluginPage as PluginPage).world = {
        world: { kind: 'fv', name: 'plaza', size: [256, 256] },
        self: { name: 'You', position: [128.4, 100.2, 25] },
        people: [{ name: 'Ada', position: [130, 100, 25], self: false }],
      };
    });
    const r = await load('/plugins/chat-commands/storm-plugin.json');
    expect(r).toMatchObject({ ok: true, name: 'chat-commands' });
    await page.evaluate(() => (window.pluginPage as PluginPage).host.chatLine({ from: 'Ada', text: '!where', at: Date.now() }));
    await until('the bot answers', async () => (await state()).chatSent.length >= 1);
    expect((await state()).chatSent[0]).toEqual({ text: '[bot] plaza at 128, 100, 25', plugin: 'chat-commands' });
    // chat-log publishes chat-log/line for !where and for the answer; wait for both to pass the bus.
    await until('chat-log saw both', async () => ((await info('chat-log'))?.events_out ?? 0) >= 4);
    await page.evaluate(() => (window.pluginPage as PluginPage).host.chatLine({ from: 'Ada', text: '!lines', at: Date.now() }));
    await until('the bot counts', async () => (await state()).chatSent.length >= 2);
    // Two lines, or three when chat-log's event for !lines itself arrived before the line did (two paths race).
    expect((await state()).chatSent[1]?.text).toMatch(/^\[bot\] chat-log has seen [23] lines$/);
  });

  it('people-radar lists who is near from the world copy and publishes people-radar/near', async () => {
    const r = await load('/plugins/people-radar/storm-plugin.json');
    expect(r).toMatchObject({ ok: true, name: 'people-radar' });
    await until('the radar panel', async () => ((await info('people-radar'))?.panel?.items.length ?? 0) === 3);
    expect((await info('people-radar'))?.panel?.items).toContainEqual({ kind: 'list', items: ['Ada — 1.6 m'] });
    expect((await info('people-radar'))?.events_out).toBe(1);
    expect((await info('people-radar'))?.update_ms_p50).toBeGreaterThanOrEqual(0);
    const spans = await page.evaluate(() => (window.pluginPage as PluginPage).trace.list().map((s) => s.name));
    expect(spans).toContain('plugin people-radar update');
  });

  it('object-inspector shows what a click in the world picked, and publishes it', async () => {
    const r = await load('/plugins/object-inspector/storm-plugin.json');
    expect(r).toMatchObject({ ok: true, name: 'object-inspector' });
    await until('its first panel', async () => (await info('object-inspector'))?.panel?.items[0]?.kind === 'text');
    await page.evaluate(() =>
      (window.pluginPage as PluginPage).host.select({
        id: 30,
        kind: 'prim',
        name: 'Fountain orb',
        owner: null,
        shape: 'sphere',
        uuid: null,
        position: [128, 128, 23.5],
        scale: [1.6, 1.6, 1.6],
        distance: 7.25,
      }),
    );
    await until('the orb in its panel', async () => ((await info('object-inspector'))?.panel?.items.length ?? 0) > 3);
    const items = (await info('object-inspector'))?.panel?.items;
    expect(items).toContainEqual({ kind: 'field', label: 'name', value: 'Fountain orb' });
    expect(items).toContainEqual({ kind: 'field', label: 'shape', value: 'sphere' });
    expect(items).toContainEqual({ kind: 'field', label: 'owner', value: 'not told by this world' });
    expect(items).toContainEqual({ kind: 'field', label: 'distance', value: '7.25 m' });
    await until('its publish', async () => (await info('object-inspector'))?.events_out === 1);
    // A click on nothing says so.
    await page.evaluate(() => (window.pluginPage as PluginPage).host.select(null));
    await until(
      'nothing there',
      async () =>
        (await info('object-inspector'))?.panel?.items[0]?.kind === 'text' &&
        (await info('object-inspector'))?.panel?.items.length === 1,
    );
  });

  it("photo-mode's buttons set the camera through camera:control, and unloading puts it back", async () => {
    const r = await load('/plugins/photo-mode/storm-plugin.json');
    expect(r).toMatchObject({ ok: true, name: 'photo-mode' });
    await until('its buttons', async () => ((await info('photo-mode'))?.panel?.items.length ?? 0) === 5);
    await page.evaluate(() => (window.pluginPage as PluginPage).host.panelAction('photo-mode', 'close-up'));
    await until('a shot', async () => (await page.evaluate(() => (window.pluginPage as PluginPage).cameraShots.length)) >= 1);
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).cameraShots[0])).toEqual({
      shot: { mode: 'follow', distance: 2.5, fovDeg: 35, pitch: -0.1 },
      plugin: 'photo-mode',
    });
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('photo-mode'))).toBe(true);
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).cameraShots.at(-1))).toEqual({
      shot: null,
      plugin: 'photo-mode',
    });
  });

  it('refuses a camera shot from a plugin without camera:control, and one out of range', async () => {
    const r = await load(
      fixture(
        'sneaky-camera',
        `export async function init(ctx) {
          ctx.log.info(String(typeof ctx.camera));
        }`,
        { permissions: ['ui:panel'] },
      ),
    );
    expect(r.ok).toBe(true);
    await until('its log', async () => (await info('sneaky-camera'))?.last_log === 'info: undefined');
    const wild = await load(
      fixture(
        'wild-camera',
        `export async function init(ctx) {
          try { await ctx.camera.set({ distance: 1e9 }); ctx.log.info('set'); } catch (e) { ctx.log.info(e.code); }
        }`,
        { permissions: ['camera:control'] },
      ),
    );
    expect(wild.ok).toBe(true);
    await until('its refusal', async () => (await info('wild-camera'))?.last_log === 'info: plugin_bad_message');
    expect(
      (await page.evaluate(() => (window.pluginPage as PluginPage).cameraShots)).some((s) => s.plugin !== 'photo-mode'),
    ).toBe(false);
  });

  it('unloads a plugin, which then shows as terminated', async () => {
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('people-radar'))).toBe(true);
    expect((await state()).events.filter((e) => e.name === 'people-radar').map((e) => e.state)).toEqual([
      'loaded',
      'running',
      'terminated',
    ]);
  });
});

describe('the profile baseline', () => {
  beforeAll(() => openPage({ profileEveryMs: 1000 }));
  afterAll(() => page.close());

  /** A plugin whose update spins for `ms` (served as version `version` of "steady" from folder `folder`). */
  const steady = (folder: string, version: string, ms: number) =>
    fixture(folder, `export function update() { const end = performance.now() + ${ms}; while (performance.now() < end) {} }`, {
      name: 'steady',
      version,
    });

  it("keeps a version's profile, and shows a new version that is slower beyond noise as a regression against it", async () => {
    await mustLoad(steady('steady-1', '1.0.0', 0.2));
    // A profile is taken once a second once it has 32 updates; the unload takes one more.
    await until('two profile windows of 1.0.0', async () => ((await info('steady'))?.update_ms_p50 ?? 0) > 0, 10_000);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await info('steady'))?.profile).toBeNull(); // nothing to compare its first version with
    await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('steady'));
    await mustLoad(steady('steady-2', '1.1.0', 4));
    await until('1.1.0 compared with 1.0.0', async () => ((await info('steady'))?.profile ?? null) !== null, 10_000);
    const profile = (await info('steady'))?.profile;
    expect(profile?.baseline).toBe('1.0.0');
    expect(profile?.regressions.some((r) => /^update p50: \d+\.\d{3} ms -> \d+\.\d{3} ms \(\+\d+\.\d %\)$/.test(r))).toBe(true);
    expect(profile?.figures.some((f) => f.startsWith('update p99: '))).toBe(true);
  });
});

describe('storage persists per plugin in IndexedDB', () => {
  beforeAll(() => openPage());
  afterAll(() => page.close());
  const keeper = `export async function init(ctx) {
    const n = Number((await ctx.storage.get('count')) ?? '0') + 1;
    await ctx.storage.set('count', String(n));
    let refused = '';
    // One value may be 64 KiB; five of them pass the plugin's 256 KiB.
    for (let i = 0; i < 5 && !refused; i++) {
      try { await ctx.storage.set('big' + i, 'x'.repeat(60 * 1024)); } catch (e) { refused = e.code + ' at ' + i; }
    }
    // One value over 64 KiB fails its message schema: the promise still settles, with the reason.
    let tooBig = '';
    try { await ctx.storage.set('huge', 'x'.repeat(70 * 1024)); } catch (e) { tooBig = e.code; }
    ctx.log.info(JSON.stringify({ n, refused, tooBig }));
  }`;
  const peeker = `export async function init(ctx) { ctx.log.info(JSON.stringify({ count: await ctx.storage.get('count') })); }`;
  const logOf = async (name: string) => JSON.parse(((await info(name))?.last_log ?? '').replace(/^info: /, '') || 'null');

  const databases = () => page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));

  it('opens no IndexedDB database while no plugin uses storage, and opens it when one does', async () => {
    // A fresh page (its own browser context): a plugin with a panel and an update runs frames, without storage.
    await mustLoad(
      fixture(
        'no-storage',
        `export async function init(ctx) { await ctx.ui.panel({ title: 'x', items: [] }); }\nexport function update() {}`,
        {
          permissions: ['ui:panel'],
        },
      ),
    );
    expect((await info('no-storage'))?.state).toBe('running');
    // About 60 frames (the page's loop is 60 Hz): updates, the panel, the profile window (its first take is at 5 s).
    await new Promise((r) => setTimeout(r, 1000));
    expect(await databases()).toEqual([]);
    await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('no-storage'));
    const url = fixture(
      'store-one',
      `export async function init(ctx) { await ctx.storage.set('k', 'v'); ctx.log.info('stored'); }`,
      {
        permissions: ['storage'],
      },
    );
    await mustLoad(url);
    await until('it stored', async () => (await info('store-one'))?.last_log === 'info: stored');
    expect(await databases()).toContain('stormcore-plugins');
    await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('store-one'));
  });

  it('a value outlives an unload and a page load; another plugin does not see it; past 256 KiB, or one value past 64 KiB, is refused', async () => {
    const url = fixture('keeper', keeper, { permissions: ['storage'] });
    await mustLoad(url);
    await until('keeper counted', async () => (await info('keeper'))?.last_log !== '');
    const first = await logOf('keeper');
    expect(first.refused).toBe('plugin_budget_exceeded at 4');
    expect(first.tooBig).toBe('plugin_bad_message');
    await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('keeper'));
    await mustLoad(url);
    await until('keeper counted again', async () => (await logOf('keeper'))?.n === first.n + 1);
    await mustLoad(fixture('peeker', peeker, { permissions: ['storage'] }));
    await until('peeker looked', async () => (await info('peeker'))?.last_log !== '');
    expect(await logOf('peeker')).toEqual({ count: null });
    // A new page of the same profile: the stored count is still there.
    await page.reload();
    measurable = await page.evaluate(`import(${JSON.stringify(pageModule)}).then((m) => m.start({}))`);
    await mustLoad(url);
    await until('keeper counted after the page load', async () => (await logOf('keeper'))?.n === first.n + 2);
  });
});

describe('a plugin loaded again', () => {
  beforeAll(() => openPage());
  afterAll(() => page.close());
  const kept = () => page.evaluate(() => (window.pluginPage as PluginPage).host.lastLoadMs.kept);
  const early = () => page.evaluate(() => (window.pluginPage as PluginPage).host.lastLoadMs.early);
  const requests = (name: string) => fixtureServer.seen.filter((r) => r.startsWith(`GET /${name}/`));

  it('takes its entry from the cache by integrity, fetching only the manifest; a changed entry is fetched anew', async () => {
    // Its top level counts how often it ran in its sandbox's global: each load must run in a fresh sandbox.
    const one =
      "globalThis.seen = (globalThis.seen ?? 0) + 1; export function init(ctx) { ctx.log.info('one ' + globalThis.seen); }";
    const url = fixture('again', one, { permissions: [] });
    await mustLoad(url);
    expect(await kept()).toBe(0);
    expect(await early()).toBe(0);
    expect(requests('again').sort()).toEqual(['GET /again/index.js', 'GET /again/storm-plugin.json']);
    await until('its log', async () => (await info('again'))?.last_log === 'info: one 1');
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('again'))).toBe(true);

    // Loaded again from where it ran: its sandbox imported the kept code while the manifest was read, once.
    fixtureServer.seen.length = 0;
    await mustLoad(url);
    expect(await kept()).toBe(1);
    expect(await early()).toBe(1);
    expect(requests('again')).toEqual(['GET /again/storm-plugin.json']);
    await until('its log', async () => (await info('again'))?.last_log === 'info: one 1');
    expect(await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('again'))).toBe(true);

    // A new version: a new integrity in the manifest, so the kept entry is not it; the sandbox that imported the old
    // code ahead is dropped, and the new one runs in a sandbox the old code never touched.
    fixtureServer.seen.length = 0;
    fixture('again', "export function init(ctx) { ctx.log.info('two ' + (globalThis.seen ?? 'clean')); }", { permissions: [] });
    await mustLoad(url);
    expect(await kept()).toBe(0);
    expect(await early()).toBe(0);
    expect(requests('again').sort()).toEqual(['GET /again/index.js', 'GET /again/storm-plugin.json']);
    await until('its log', async () => (await info('again'))?.last_log === 'info: two clean');
  });

  it('a later page of the same origin takes the entry from Cache Storage', async () => {
    const url = fixture('stored', "export function init(ctx) { ctx.log.info('kept'); }", { permissions: [] });
    await mustLoad(url);
    const stored = () => page.evaluate(async () => (await (await caches.open('stormcore-plugin-entries-v1')).keys()).length);
    await until('the entry stored', async () => (await stored()) > 0);
    // The page loaded anew (same origin and profile): a new host with nothing in memory.
    await page.reload();
    await page.evaluate(`import(${JSON.stringify(pageModule)}).then((m) => m.start({}))`);
    await mustLoad(url);
    expect(await kept()).toBe(1);
    await until('its log', async () => (await info('stored'))?.last_log === 'info: kept');
  });
});

describe('the contract refuses with a code', () => {
  beforeAll(() => openPage());
  afterAll(() => page.close());

  it('a bad manifest, an integrity mismatch, an unmet storm range, a missing dependency and a cycle', async () => {
    expect(await load(fixture('bad', 'export function init() {}', { permissions: ['root'] }))).toMatchObject({
      ok: false,
      code: 'plugin_bad_manifest',
    });
    fixtures.set('tampered', {
      code: 'export function init() {}',
      manifest: { integrity: `sha384-${createHash('sha384').update('other').digest('base64')}` },
    });
    expect(await load(`${fixtureServer.url}/tampered/storm-plugin.json`)).toMatchObject({
      ok: false,
      code: 'plugin_integrity_mismatch',
    });
    expect(await load(fixture('future', 'export function init() {}', { storm: '^2.0.0' }))).toMatchObject({
      ok: false,
      code: 'plugin_storm_range',
    });
    const missing = await load(fixture('lonely', 'export function init() {}', { dependencies: { nowhere: '^1.0.0' } }));
    expect(missing).toMatchObject({ ok: false, code: 'plugin_missing_dependency' });
    expect(missing.message).toContain('lonely needs nowhere ^1.0.0');
    fixture('cyc-a', 'export function init() {}', { dependencies: { 'cyc-b': '^1.0.0' } });
    fixture('cyc-b', 'export function init() {}', { dependencies: { 'cyc-a': '^1.0.0' } });
    const cycle = await load(`${fixtureServer.url}/cyc-a/storm-plugin.json`);
    expect(cycle).toMatchObject({
      ok: false,
      code: 'plugin_dependency_cycle',
      message: 'plugins: dependency cycle: cyc-a -> cyc-b -> cyc-a',
    });
  });

  it('a risky plugin without consent, and loads it with consent', async () => {
    const url = fixture('risky', 'export function init() { const f = "x"; try { eval(f); } catch {} }', {
      permissions: [`net:${spy.url}`, 'chat:send'],
    });
    const refused = await load(url);
    expect(refused).toMatchObject({ ok: false, code: 'plugin_risk_refused' });
    expect(refused.risk).toBeGreaterThan(40);
    expect(refused.reasons.join('; ')).toContain('calls eval');
    expect((await state()).events.at(-1)).toMatchObject({ name: 'risky', state: 'refused', code: 'plugin_risk_refused' });
    expect(await load(url, { consent: true })).toMatchObject({ ok: true, name: 'risky' });
  });

  it('a capability not granted: absent from ctx, and refused when asked for anyway', async () => {
    const url = fixture(
      'nosy',
      `export async function init(ctx) {
        const out = { chat: typeof ctx.chat, world: typeof ctx.world, fetch: typeof ctx.fetch, storage: typeof ctx.storage, ui: typeof ctx.ui };
        ctx.onError((e) => ctx.log.info(JSON.stringify({ ...out, code: e.code, message: e.message })));
        ctx.bus.subscribe('secret/**', () => {});
      }`,
      { permissions: ['bus:publish:nosy/*'] },
    );
    await mustLoad(url);
    await until('nosy reports', async () => ((await info('nosy'))?.last_log ?? '').startsWith('info: '));
    const seen = JSON.parse(((await info('nosy'))?.last_log ?? '').slice('info: '.length));
    expect(seen).toEqual({
      chat: 'undefined',
      world: 'undefined',
      fetch: 'undefined',
      storage: 'undefined',
      ui: 'undefined',
      code: 'plugin_permission_denied',
      message: 'plugins: nosy may not subscribe to secret/** (granted: none)',
    });
  });

  it('world requests without world:read or world:local are refused by the host, even from a compromised sandbox', async () => {
    // The sandbox gives ctx.world.query/local only with the permission; this one posts the requests anyway.
    const forger = `onmessage = (e) => {
      const port = e.ports[0];
      const replies = [];
      port.onmessage = (m) => {
        const d = m.data;
        if (d.t === 'load') {
          port.postMessage({ t: 'loaded', hooks: { init: false, update: false, shutdown: false } });
          port.postMessage({ t: 'batch', items: [
            { t: 'request', id: 1, op: 'query', spec: { all: ['Transform'] } },
            { t: 'request', id: 2, op: 'local-create', spec: { position: [0, 0, 0] } },
            { t: 'request', id: 3, op: 'local-remove', entity: 1 },
            { t: 'request', id: 4, op: 'local-count' },
          ] });
        } else if (d.t === 'reply' || d.t === 'replies') {
          // The host answers one turn's requests as one 'replies' message.
          for (const r of d.t === 'reply' ? [d] : d.items) replies.push({ id: r.id, ok: r.ok, code: r.code, message: r.message });
          if (replies.length === 4) port.postMessage({ t: 'log', level: 'info', text: JSON.stringify(replies) });
        }
      };
    };`;
    await page.evaluate((f) => {
      (window.pluginPage as PluginPage).forgers['world-forger'] = f;
    }, forger);
    await mustLoad(fixture('world-forger', 'export function init() {}', { permissions: ['world:read'] }));
    const replies = (await report('world-forger')) as unknown as { id: number; ok: boolean; code: string; message: string }[];
    expect(replies).toEqual([
      // world:read is granted: the host forwards it, but this page runs no world.
      { id: 1, ok: false, code: 'plugin_failed', message: 'plugins: world-forger: this viewer has no world to ask' },
      {
        id: 2,
        ok: false,
        code: 'plugin_permission_denied',
        message: 'plugins: world-forger may not local-create (it needs world:local)',
      },
      {
        id: 3,
        ok: false,
        code: 'plugin_permission_denied',
        message: 'plugins: world-forger may not local-remove (it needs world:local)',
      },
      {
        id: 4,
        ok: false,
        code: 'plugin_permission_denied',
        message: 'plugins: world-forger may not local-count (it needs world:local)',
      },
    ]);
    expect((await info('world-forger'))?.local_entities).toBe(0);
  });
});

/** Reads what a hostile plugin reported with ctx.log.info(JSON). */
async function report(name: string): Promise<Record<string, unknown>> {
  await until(`${name} reports`, async () => ((await info(name))?.last_log ?? '').startsWith('info: '));
  return JSON.parse(((await info(name))?.last_log ?? '').slice('info: '.length));
}

/** What the witness has heard, once it stopped changing (its report is a few frames behind). */
async function settledHeard(): Promise<number> {
  let last = (await report('witness')).heard as number;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 600));
    const now = (await report('witness')).heard as number;
    if (now === last) return now;
    last = now;
  }
  throw new Error('the witness never settled');
}

/** A well-behaved plugin that counts its updates and the events it hears, to show the rest keeps running. */
const WITNESS = `let updates = 0; let heard = 0;
export function init(ctx) { ctx.bus.subscribe('**', () => { heard++; }); }
export function update(dt, ctx) { updates++; if (updates % 10 === 0) ctx.log.info(JSON.stringify({ updates, heard })); }`;

describe('hostile plugins are contained, named, and the page keeps running', () => {
  beforeAll(() => openPage({ budgets: { callMs: 300, memoryBytes: 48 * 1024 * 1024, floodRefusals: 2000 }, ratePerSecond: 500 }));
  afterAll(() => page.close());
  beforeEach(() => {
    spy.seen.length = 0;
  });

  it('starts a witness', async () => {
    await mustLoad(fixture('witness', WITNESS, { permissions: ['bus:subscribe:**'] }));
    expect(measurable).toBe(true);
  });

  // Before the busy loop: Chromium never completes a memory measurement that started while a sandbox was in a busy
  // loop (nor any later one in that page); the host then reports memory as 'stuck' (docs/plugins.md).
  it('a memory hog is terminated at its memory budget', async () => {
    const hog =
      'const keep = []; export function update() { const a = new Float64Array(131072); a.fill(Math.random()); keep.push(a); }';
    await mustLoad(fixture('hog', hog));
    await until('hog fails', async () => (await info('hog'))?.state === 'failed', 30_000);
    expect((await info('hog'))?.reason).toMatch(/^plugins: hog: uses \d+ MiB, over its 48 MiB memory budget; terminated$/);
  });

  it('a busy loop is terminated at its time budget while the page keeps drawing', async () => {
    await mustLoad(fixture('busy', 'export function update() { for (;;) {} }'));
    const before = await state();
    await until('busy fails', async () => (await info('busy'))?.state === 'failed');
    const busy = await info('busy');
    expect(busy?.reason).toMatch(/^plugins: busy: update ran over its 300 ms budget \(\d+ ms\); terminated$/);
    expect((await state()).events.find((e) => e.name === 'busy' && e.state === 'failed')?.code).toBe('plugin_budget_exceeded');
    const after = await state();
    expect(after.rafs - before.rafs).toBeGreaterThan(5);
    expect(after.ticks - before.ticks).toBeGreaterThan(10);
  });

  it('network to an origin not granted is blocked and the server sees nothing', async () => {
    const target = spy.url;
    const code = `export async function init(ctx) {
      const out = {};
      const t = async (name, f) => { try { await f(); out[name] = 'reached'; } catch (e) { out[name] = 'blocked'; } };
      const F = self.constructor.prototype.constructor;
      await t('fetch', () => (globalThis.fetch ?? WorkerGlobalScope.prototype.fetch).call(self, '${target}/fetch'));
      await t('proto-fetch', () => WorkerGlobalScope.prototype.fetch.call(self, '${target}/proto-fetch'));
      await t('xhr', () => new Promise((res, rej) => { const x = new (globalThis.XMLHttpRequest ?? Object.getPrototypeOf(self).XMLHttpRequest)(); x.open('GET', '${target}/xhr'); x.onload = res; x.onerror = rej; x.send(); }));
      await t('websocket', () => new Promise((res, rej) => { const w = new WebSocket('${target.replace('http', 'ws')}/ws'); w.onopen = res; w.onerror = rej; }));
      await t('import', () => import('${target}/import.js'));
      await t('importScripts', () => WorkerGlobalScope.prototype.importScripts.call(self, '${target}/is.js'));
      await t('eventsource', () => new Promise((res, rej) => { const e = new EventSource('${target}/es'); e.onopen = res; e.onerror = rej; }));
      await t('ctx.fetch', () => { if (!ctx.fetch) throw new Error('no ctx.fetch'); return ctx.fetch('${target}/ctx'); });
      ctx.log.info(JSON.stringify(out));
    }`;
    await mustLoad(fixture('leaky', code, { permissions: [] }), { consent: true });
    const out = await report('leaky');
    expect(
      Object.values(out).every((v) => v === 'blocked'),
      JSON.stringify(out),
    ).toBe(true);
    expect(Object.keys(out).length).toBe(8);
    await new Promise((r) => setTimeout(r, 300));
    expect(spy.seen).toEqual([]);
  });

  it('ctx.fetch reaches a granted origin through the host, and only it', async () => {
    const code = `export async function init(ctx) {
      const r = await ctx.fetch('${spy.url}/granted');
      let other = 'reached';
      try { await ctx.fetch('http://127.0.0.1:9/elsewhere'); } catch (e) { other = e.code; }
      ctx.log.info(JSON.stringify({ status: r.status, body: r.body, other }));
    }`;
    await mustLoad(fixture('proxied', code, { permissions: [`net:${spy.url}`] }), { consent: true });
    expect(await report('proxied')).toEqual({ status: 200, body: 'spy', other: 'plugin_permission_denied' });
    expect(spy.seen).toEqual(['GET /granted']);
  });

  it('the DOM and the parent are out of reach', async () => {
    const code = `export function init(ctx) {
      ctx.log.info(JSON.stringify({
        document: typeof document, window: typeof window, parent: typeof parent, top: typeof top,
        localStorage: typeof localStorage, indexedDB: typeof indexedDB, broadcast: typeof BroadcastChannel,
        postMessage: typeof postMessage, worker: typeof Worker,
        sab: typeof SharedArrayBuffer !== 'undefined' && ctx.world === undefined,
      }));
    }`;
    await mustLoad(fixture('dom', code));
    expect(await report('dom')).toEqual({
      document: 'undefined',
      window: 'undefined',
      parent: 'undefined',
      top: 'undefined',
      localStorage: 'undefined',
      indexedDB: 'undefined',
      broadcast: 'undefined',
      postMessage: 'undefined',
      worker: 'undefined',
      sab: true,
    });
  });

  it('the worker channel is closed and forged host messages change nothing', async () => {
    const code = `export function init(ctx) {
      const closed = typeof self.postMessage === 'undefined' && typeof DedicatedWorkerGlobalScope.prototype.postMessage === 'undefined';
      // A forged host message on the global: the sandbox no longer listens there.
      self.dispatchEvent(new MessageEvent('message', { data: { t: 'token', token: 'forged' } }));
      self.dispatchEvent(new MessageEvent('message', { data: { t: 'ui-action', id: 'x' } }));
      ctx.log.info(JSON.stringify({ closed }));
    }
    export function update(dt, ctx) { ctx.bus.publish('sneaky/ok', 1); }`;
    const before = (await report('witness')).heard as number;
    await mustLoad(fixture('sneaky', code, { permissions: ['bus:publish:sneaky/*'] }));
    expect(await report('sneaky')).toEqual({ closed: true });
    // Its token still works (the forged one was never taken): the witness hears it.
    await until('the witness hears sneaky', async () => ((await report('witness')).heard as number) > before);
    expect((await info('sneaky'))?.publishes_refused).toBe(0);
    await page.evaluate(() => (window.pluginPage as PluginPage).host.unload('sneaky'));
  });

  it('a compromised sandbox: forged and altered bus tokens and nonsense are refused; nothing reaches the others', async () => {
    const forger = `onmessage = (e) => {
      const port = e.ports[0];
      port.onmessage = (m) => {
        const d = m.data;
        if (d.t !== 'load') return;
        port.postMessage({ t: 'loaded', hooks: { init: false, update: false, shutdown: false } });
        const [body, sig] = d.token.split('.');
        const claims = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/')));
        const wider = btoa(JSON.stringify({ ...claims, s: ['**'] })).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
        port.postMessage({ t: 'publish', event: 'forger/x', payload: 1, token: 'eyJwIjoiZm9yZ2VyIn0.AAAA' });
        port.postMessage({ t: 'publish', event: 'witness/x', payload: 1, token: wider + '.' + sig });
        port.postMessage({ t: 'publish', event: 'witness/x', payload: 1, token: d.token });
        port.postMessage({ t: 'done', id: 999, ms: 1 });
        port.postMessage({ t: 'request', id: 1, op: 'format-disk' });
        port.postMessage('nonsense');
        postMessage({ t: 'done', id: 1, ms: 0 });
      };
    };`;
    await page.evaluate((f) => {
      (window.pluginPage as PluginPage).forgers.forger = f;
    }, forger);
    const before = await settledHeard();
    await mustLoad(fixture('forger', 'export function init() {}', { permissions: ['bus:publish:forger/*'] }));
    await until('the refusals are counted', async () => {
      const f = await info('forger');
      return (f?.publishes_refused ?? 0) >= 3 && (f?.messages_refused ?? 0) >= 4;
    });
    const f = await info('forger');
    expect(f?.events_out).toBe(0);
    expect(await settledHeard()).toBe(before);
  });

  it('a publish flood is rate-limited, then stopped; the witness heard at most the bucket and its refill', async () => {
    const before = await settledHeard();
    const code = `export function init(ctx) { for (let i = 0; i < 100000; i++) ctx.bus.publish('flood/x', i); }`;
    const started = Date.now();
    await load(fixture('flood', code, { permissions: ['bus:publish:flood/*'] }));
    await until('flood fails', async () => (await info('flood'))?.state === 'failed', 30_000);
    const seconds = (Date.now() - started) / 1000;
    expect((await info('flood'))?.reason).toMatch(/^plugins: flood: publish flood \(2000 refused in a second\); terminated$/);
    await until('the witness reports what it heard', async () => ((await report('witness')).heard as number) > before);
    const heard = (await settledHeard()) - before;
    // At most the bucket (500) and what it refilled (500 a second) until the flood was stopped.
    expect(heard).toBeLessThanOrEqual(500 + Math.ceil(500 * seconds));
    expect((await info('witness'))?.state).toBe('running');
  });

  it('two plugins in a loop: the loop is cut and both are told, and both keep running', async () => {
    const ping = `export function init(ctx) {
      ctx.onError((e) => ctx.log.info(JSON.stringify({ code: e.code, message: e.message })));
      ctx.bus.subscribe('pong/*', () => ctx.bus.publish('ping/x', 1));
      ctx.bus.publish('ping/x', 0);
    }`;
    const pong = `export function init(ctx) {
      ctx.onError((e) => ctx.log.info(JSON.stringify({ code: e.code, message: e.message })));
      ctx.bus.subscribe('ping/*', () => ctx.bus.publish('pong/x', 1));
    }`;
    await mustLoad(fixture('pong', pong, { permissions: ['bus:publish:pong/*', 'bus:subscribe:ping/*'] }));
    await mustLoad(fixture('ping', ping, { permissions: ['bus:publish:ping/*', 'bus:subscribe:pong/*'] }));
    const cut = 'plugins: loop cut: ping:ping/x -> pong:pong/x -> ping:ping/x';
    expect(await report('ping')).toEqual({ code: 'plugin_loop_cut', message: cut });
    expect(await report('pong')).toEqual({ code: 'plugin_loop_cut', message: cut });
    expect(
      (await state()).events
        .filter((e) => e.code === 'plugin_loop_cut')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['ping', 'pong']);
    expect((await info('ping'))?.state).toBe('running');
    expect((await info('pong'))?.state).toBe('running');
    expect((await info('witness'))?.state).toBe('running');
  });
});
