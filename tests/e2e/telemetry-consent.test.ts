/**
 * The telemetry question in the real viewer, driven by Playwright's clock (page.clock) rather than by anything in
 * the product: nothing is sent before the answer, "Share" starts sending (the edge stores a batch), taking it back
 * stops it, and "No" sends nothing and is not asked again. The metric snapshots come from the world worker on its
 * own (real) clock, one a second, 60 to a batch: the waits for a batch, and for its absence, are real minutes.
 */
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TelemetryBatch } from '../../shared/protocol';
import { launchChromium } from '../support/chromium';
import { creatorToken } from '../support/model-placer';

/** Longer than a batch takes to fill (60 snapshots, one a second) with a margin for a loaded machine. */
const BATCH_WAIT_MS = 90_000;

interface Visit {
  page: Page;
  /** POST /api/telemetry requests the page made, with the edge's status once answered. */
  posts: { request: Request; status: number | null }[];
}

async function visit(browser: Browser, base: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 800, height: 500 } });
  const page = await context.newPage();
  // Two software-rendered viewers on a loaded machine: a click may wait long for the page's main thread.
  page.setDefaultTimeout(90_000);
  const posts: Visit['posts'] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('request', (request) => {
    if (request.method() !== 'POST' || new URL(request.url()).pathname !== '/api/telemetry') return;
    const entry: Visit['posts'][number] = { request, status: null };
    posts.push(entry);
    void request.response().then(
      (response) => {
        entry.status = response?.status() ?? -1;
      },
      () => {
        entry.status = -1;
      },
    );
  });
  // The page's timers and Date run on Playwright's clock: running at real speed until the test moves it on.
  await page.clock.install();
  await page.goto(`${base}/?debug#/fv/plaza`);
  await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
  return { page, posts };
}

const asked = (page: Page) => page.getByTestId('telemetry-ask').count();
/** The telemetry toggle's label, '' while there is none (never waits). */
const toggle = async (page: Page): Promise<string> => {
  const t = page.getByTestId('telemetry-toggle');
  return (await t.count()) > 0 ? ((await t.textContent()) ?? '').trim() : '';
};

/** Moves the page's clock a minute and a second on: the question is due. */
async function aMinuteLater(page: Page): Promise<void> {
  expect(await asked(page)).toBe(0);
  await page.clock.fastForward(30_000);
  // Not before the minute.
  expect(await asked(page)).toBe(0);
  await page.clock.fastForward(31_000);
}

async function exported(base: string): Promise<TelemetryBatch[]> {
  const res = await fetch(`${base}/api/telemetry/export?after=0`, {
    headers: { authorization: `Bearer ${await creatorToken()}` },
  });
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => TelemetryBatch.parse(JSON.parse(l)));
}

describe('the telemetry question', () => {
  let browser: Browser;
  const base = inject('baseUrl');
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('sends nothing before the answer; Share sends noisy batches, taking it back stops them; No sends nothing, asked once', async () => {
    // Each visitor in turn: not asked before a minute on the page's clock, asked after it, and nothing sent meanwhile.
    const before = (await exported(base)).length;
    const yes = await visit(browser, base);
    await aMinuteLater(yes.page);
    await expect.poll(() => asked(yes.page), { timeout: 10_000 }).toBe(1);
    const no = await visit(browser, base);
    await aMinuteLater(no.page);
    await expect.poll(() => asked(no.page), { timeout: 10_000 }).toBe(1);
    expect(yes.posts).toHaveLength(0);
    expect(no.posts).toHaveLength(0);

    await yes.page.getByTestId('telemetry-yes').click();
    await no.page.getByTestId('telemetry-no').click();
    await expect.poll(() => toggle(yes.page)).toBe('Telemetry: on');
    await expect.poll(() => toggle(no.page)).toBe('Telemetry: off');
    expect(await asked(yes.page)).toBe(0);

    // "Share": the first batch reaches the edge once 60 snapshots were taken, and the edge stored it.
    const debug = setInterval(() => {
      void yes.page
        .evaluate(() =>
          JSON.stringify((window as unknown as { stormDebug: { telemetry: () => unknown } }).stormDebug.telemetry()),
        )
        .then(
          (s) => console.log(`telemetry ${s}; posts ${yes.posts.map((p) => p.status).join(',')}`),
          () => {},
        );
    }, 10_000);
    try {
      await expect
        .poll(() => yes.posts.filter((p) => p.status !== null && p.status >= 200 && p.status < 300).length, {
          timeout: BATCH_WAIT_MS,
          interval: 1000,
        })
        .toBe(1);
    } finally {
      clearInterval(debug);
    }
    const sent = TelemetryBatch.parse(JSON.parse(yes.posts[0]?.request.postData() ?? 'null'));
    expect(sent.snapshots).toHaveLength(60);
    // Noise is added on the device: the entity count (a whole number) arrives as fractions.
    expect(sent.snapshots.filter((s) => s.entities !== null && !Number.isInteger(s.entities)).length).toBeGreaterThan(50);
    const stored = await exported(base);
    expect(stored.length).toBe(before + 1);
    expect(stored.at(-1)).toEqual(sent);

    // Taken back: the batch being filled is dropped and nothing more leaves.
    await yes.page.getByTestId('telemetry-toggle').click();
    await expect.poll(() => toggle(yes.page)).toBe('Telemetry: off');
    const after = yes.posts.length;
    await yes.page.waitForTimeout(BATCH_WAIT_MS);
    expect(yes.posts.length).toBe(after);
    // "No" sent nothing in all that time either.
    expect(no.posts).toHaveLength(0);
    expect((await exported(base)).length).toBe(before + 1);

    // "No" is remembered: after a reload and another minute, no question; the toggle says off.
    await no.page.reload();
    await expect.poll(() => no.page.getByTestId('connection').getAttribute('data-state'), { timeout: 90_000 }).toBe('in-world');
    await no.page.clock.fastForward(120_000);
    await no.page.waitForTimeout(1000);
    expect(await asked(no.page)).toBe(0);
    await expect.poll(() => toggle(no.page)).toBe('Telemetry: off');
    expect(no.posts).toHaveLength(0);
    await yes.page.context().close();
    await no.page.context().close();
  }, 400_000);

  it('shows the Build panel’s sentence box to a visitor with edit, and no model upload without create', async () => {
    // The shared dev server's guests get "join chat edit" (wrangler.toml) and its edge has a language model.
    const { page } = await visit(browser, base);
    await page.getByTestId('build-button').click();
    await expect.poll(() => page.getByTestId('build-prompt').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByTestId('build-upload').count()).toBe(0);
    await page.context().close();
  });
});
