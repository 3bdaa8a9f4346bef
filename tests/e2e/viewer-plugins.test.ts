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
    await page.goto(`${inject('baseUrl')}/`);
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
