/**
 * Plugins in the viewer itself: the Plugins panel loads the example plugins from public/plugins, draws their panels
 * and cost; a risky plugin waits for consent; a hostile one (a busy loop) is stopped and named while the world keeps
 * rendering and stays connected; "Save trace" carries the plugins' spans.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';
import { type Served, serve } from '../support/plugin-fixtures';

describe('the Plugins panel in the viewer', () => {
  let browser: Browser;
  let page: Page;
  const fixtures = new Map<string, Served>([
    ['busy', { code: 'export function update() { for (;;) {} }', manifest: {} }],
    // The test model (tests/support/fake-llm.ts) answers its review with a rewritten plugin, which is refused.
    ['rewritten', { code: '// [review:patch]\nexport function init() {}', manifest: {} }],
    [
      'risky',
      {
        code: 'export function init() { try { eval("1"); } catch {} }',
        manifest: { permissions: ['chat:send', 'net:https://a.example', 'net:https://b.example'] },
      },
    ],
  ]);
  let files: Awaited<ReturnType<typeof serve>>;

  const load = async (url: string) => {
    await page.getByTestId('plugin-url').fill(url);
    await page.getByTestId('plugin-load').click();
  };
  const plugin = (name: string) => page.locator(`[data-testid=plugin][data-name=${name}]`);
  /** Waits for a plugin's state, naming its reason when it ends up elsewhere. */
  const stateOf = async (name: string, state: string, timeout = 20_000) => {
    await expect
      .poll(
        async () => {
          const now = await plugin(name).getAttribute('data-state');
          if (now === 'failed' && state !== 'failed')
            throw new Error(`${name} failed: ${await plugin(name).getByTestId('plugin-reason').textContent()}`);
          return now;
        },
        { timeout },
      )
      .toBe(state);
  };

  beforeAll(async () => {
    files = await serve(fixtures);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    page.on('pageerror', (e) => console.error('page error:', e.message));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) console.error('viewer page navigated:', f.url());
    });
    // ?debug: stormDebug.camera() reads the renderer's view-projection (photo-mode's test).
    await page.goto(`${inject('baseUrl')}/?debug`);
  });
  afterAll(async () => {
    await browser?.close();
    files?.close();
  });

  it('joins the demo world and opens the Plugins panel', async () => {
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
    await page.getByTestId('plugins-button').click();
    expect(await page.getByTestId('plugins-panel').count()).toBe(1);
  });

  it('loads chat-log, which logs what you say in its own panel', async () => {
    await load('/plugins/chat-log/storm-plugin.json');
    await stateOf('chat-log', 'running');
    await page.getByTestId('chat-input').fill('hello plugins');
    await page.getByTestId('chat-input').press('Enter');
    const panel = page.locator('[data-testid=plugin-panel][data-name=chat-log]');
    await expect.poll(() => panel.textContent(), { timeout: 20_000 }).toContain(': hello plugins');
  });

  it('loads people-radar, which reads the world copy (the region you are in)', async () => {
    await load('/plugins/people-radar/storm-plugin.json');
    const panel = page.locator('[data-testid=plugin-panel][data-name=people-radar]');
    await expect.poll(() => panel.textContent(), { timeout: 20_000 }).toMatch(/region\s*plaza/);
    // Its cost is in the panel and in the performance overlay.
    await expect
      .poll(() => page.locator('[data-testid=perf-plugin][data-plugin=people-radar]').count(), { timeout: 10_000 })
      .toBe(1);
    expect(await plugin('people-radar').getByTestId('plugin-cost').textContent()).toMatch(/^update \d+\.\d\d ms · \d+ events\/s/);
  });

  it('loads object-inspector, which names the object you click in the world (name, owner, shape)', async () => {
    await load('/plugins/object-inspector/storm-plugin.json');
    await stateOf('object-inspector', 'running');
    const panel = page.locator('[data-testid=plugin-panel][data-name=object-inspector]');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toContain('Click an object');
    // The plaza's paving (48 m square) and fountain lie all around you: a click below your avatar meets one of them.
    const box = await page.locator('canvas').first().boundingBox();
    if (!box) throw new Error('no canvas');
    const spots = [
      [0.45, 0.8],
      [0.55, 0.8],
      [0.4, 0.65],
      [0.5, 0.9],
      [0.35, 0.75],
    ];
    let text = '';
    for (const [fx, fy] of spots) {
      await page.mouse.click(box.x + box.width * (fx ?? 0), box.y + box.height * (fy ?? 0));
      await expect.poll(async () => (await panel.textContent()) ?? '', { timeout: 5_000 }).not.toContain('Click an object');
      text = (await panel.textContent()) ?? '';
      if (/kind\s*prim/.test(text)) break;
    }
    expect(text).toMatch(/name\s*(Plaza paving|Fountain basin|Fountain rim|Fountain orb)/);
    expect(text).toMatch(/shape\s*(box|cylinder|torus|sphere)/);
    expect(text).toMatch(/owner\s*not told by this world/);
    expect(text).toMatch(/distance\s*\d+\.\d\d m/);
  });

  it('loads photo-mode, whose shots move the camera and whose Reset puts it back', async () => {
    const camera = () =>
      page.evaluate(() => (window as unknown as { stormDebug: { camera(): number[] | null } }).stormDebug.camera());
    await load('/plugins/photo-mode/storm-plugin.json');
    await stateOf('photo-mode', 'running');
    const before = await camera();
    if (!before) throw new Error('the renderer has not said where its camera is');
    const photo = plugin('photo-mode');
    await photo.locator('[data-testid=plugin-action][data-action=wide]').click();
    const panel = page.locator('[data-testid=plugin-panel][data-name=photo-mode]');
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toMatch(/shot\s*wide/);
    // A wider field of view: the projection's vertical scale (1/tan(fov/2)) drops; the camera stands farther back.
    const far = (m: number[]) => Math.hypot(m[1] ?? 0, m[5] ?? 0, m[9] ?? 0);
    await expect.poll(async () => far((await camera()) ?? before) < far(before) * 0.8, { timeout: 10_000 }).toBe(true);
    await photo.locator('[data-testid=plugin-action][data-action=reset]').click();
    await expect.poll(() => panel.textContent(), { timeout: 10_000 }).toMatch(/shot\s*your camera/);
    await expect
      .poll(async () => Math.abs(far((await camera()) ?? []) - far(before)) < far(before) * 0.02, { timeout: 10_000 })
      .toBe(true);
  });

  it("reviews a plugin with the language tier: the model's risks and suggestions, to read; a bad answer is a clear error", async () => {
    // The answer replaces "Reviewing…" in place (the entry is not redrawn, so the result must follow the outcome).
    await plugin('chat-log').getByTestId('plugin-review').dispatchEvent('click');
    const result = plugin('chat-log').getByTestId('plugin-review-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 30_000 }).toBe('true');
    expect(await result.getByTestId('plugin-review-risks').textContent()).toContain(
      'low: It is granted chat:read. (manifest.permissions)',
    );
    expect(await result.getByTestId('plugin-review-suggestions').textContent()).toContain(
      'Ask only for the permissions the code uses.',
    );
    expect(await result.textContent()).toContain('nothing has been changed');
    await load(`${files.url}/rewritten/storm-plugin.json`);
    await stateOf('rewritten', 'running');
    await plugin('rewritten').getByTestId('plugin-review').dispatchEvent('click');
    const refused = plugin('rewritten').getByTestId('plugin-review-result');
    await expect.poll(() => refused.getAttribute('data-code'), { timeout: 30_000 }).toBe('ai_invalid_answer');
    expect(await refused.textContent()).toMatch(/^ai: the model's review was refused: .*patched_code/);
    // The plugin runs on as it was loaded.
    expect(await plugin('rewritten').getAttribute('data-state')).toBe('running');
  });

  it('asks for consent before loading a risky plugin, with the score and reasons', async () => {
    await load(`${files.url}/risky/storm-plugin.json`);
    const result = page.getByTestId('plugin-result');
    await expect.poll(() => result.getAttribute('data-code'), { timeout: 20_000 }).toBe('plugin_risk_refused');
    expect(await result.textContent()).toContain('calls eval');
    await page.getByTestId('plugin-consent').click();
    await stateOf('risky', 'running');
  });

  it('stops a busy plugin and says why, while the world keeps rendering and stays connected', async () => {
    const framesBefore = Number(await page.getByTestId('viewer').getAttribute('data-frames'));
    await load(`${files.url}/busy/storm-plugin.json`);
    await expect.poll(() => plugin('busy').getAttribute('data-state'), { timeout: 20_000 }).toBe('failed');
    expect(await plugin('busy').getByTestId('plugin-reason').textContent()).toMatch(
      /^plugins: busy: update ran over its 250 ms budget/,
    );
    await expect
      .poll(async () => Number(await page.getByTestId('viewer').getAttribute('data-frames')), { timeout: 20_000 })
      .toBeGreaterThan(framesBefore + 10);
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    expect(await plugin('chat-log').getAttribute('data-state')).toBe('running');
  });

  it("puts the plugins' spans in the Chrome trace beside the engine's", async () => {
    const [download] = await Promise.all([
      // Save trace downloads the trace and the metrics JSONL; the browser may hand over either first.
      page.waitForEvent('download', { timeout: 90_000, predicate: (d) => d.suggestedFilename().startsWith('stormcore-trace-') }),
      page.getByTestId('save-trace').click(),
    ]);
    const trace = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      traceEvents: { ph: string; name: string; cat?: string; pid: number; args?: { name?: string } }[];
    };
    expect(trace.traceEvents.some((e) => e.ph === 'M' && e.pid === 2 && e.args?.name === 'stormcore plugins')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.pid === 2 && e.name === 'plugin people-radar update')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.pid === 1 && e.cat === 'system')).toBe(true);
  });

  it('unloads a plugin from the panel', async () => {
    expect(await plugin('people-radar').getAttribute('data-state')).toBe('running');
    await plugin('people-radar').getByTestId('plugin-unload').click();
    await expect.poll(() => plugin('people-radar').count(), { timeout: 10_000 }).toBe(0);
  });
});
