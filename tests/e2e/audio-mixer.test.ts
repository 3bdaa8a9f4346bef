/** The viewer's spatial mixer (web/audio) rendered in Chromium with an OfflineAudioContext: panning, falloff, radius, Ogg. */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

const pageModule = `/@fs${fileURLToPath(new URL('./audio-mixer.page.ts', import.meta.url))}`;
const oggUrl = `/@fs${fileURLToPath(new URL('../support/fixtures/tone-440.ogg', import.meta.url))}`;

/** How long one evaluation may take before the browser is replaced and it is tried again (ms). */
const EVALUATE_MS = 30_000;

/** How long closing a stalled browser may take before it is left behind (ms). */
const CLOSE_MS = 10_000;

/**
 * One headless Chromium for the audio pages (no WebGPU flags: these pages only render sound), replaced whole when a
 * page stalls. Seen twice in CI: an evaluation never answered and the stalled page could not even be reloaded
 * ("Not attached to an active page"), so a reload is not enough; a fresh browser is.
 */
class AudioBrowser {
  private browser: Browser | undefined;
  private page: Page | undefined;

  async open(): Promise<Page> {
    if (this.page && !this.page.isClosed() && this.browser?.isConnected()) return this.page;
    await this.close();
    this.browser = await launchChromium({ webgpu: false });
    this.page = await this.browser.newPage();
    await this.page.goto(`${inject('baseUrl')}/api/health`, { waitUntil: 'networkidle' });
    return this.page;
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    this.page = undefined;
    if (!browser) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stuck = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), CLOSE_MS);
    });
    // A browser that will not close in time is left behind: playwright kills it when the test process exits.
    const closed = await Promise.race([
      browser.close().then(
        () => 'closed' as const,
        () => 'closed' as const,
      ),
      stuck,
    ]);
    clearTimeout(timer);
    if (closed === 'stuck') console.warn('audio e2e: a stalled browser did not close in time; left for exit');
  }

  /**
   * Evaluates `m => <expr>` on the page module (a string, so vitest does not rewrite the import). After a Vite
   * reload it waits for the page and tries again; after an evaluation that never answers (playwright's evaluate
   * has no time limit of its own) or a page that died, it starts a fresh browser and tries again.
   */
  async inPage(expr: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const page = await this.open();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`audio e2e: the page did not answer ${expr} within ${EVALUATE_MS} ms`)),
          EVALUATE_MS,
        );
      });
      try {
        return await Promise.race([page.evaluate(`import(${JSON.stringify(pageModule)}).then((m) => ${expr})`), stalled]);
      } catch (err) {
        const text = String(err);
        const navigated = /context was destroyed|navigation/i.test(text);
        const dead = /did not answer|closed|crash|not attached|disconnected/i.test(text);
        if (attempt >= 2 || !(navigated || dead)) throw err;
        console.warn(`audio e2e: attempt ${attempt + 1} of ${expr} failed (${text.split('\n')[0]}); trying again`);
        if (dead) await this.close();
        else await page.waitForLoadState('networkidle').catch(() => this.close());
      } finally {
        clearTimeout(timer);
      }
    }
  }
}

interface Levels {
  left: number;
  right: number;
  tail: number;
  crossings: number;
}

describe('spatial mixer in Chromium (OfflineAudioContext)', () => {
  const audio = new AudioBrowser();

  beforeAll(async () => {
    await audio.inPage('true');
  }, 180_000);
  afterAll(async () => {
    await audio.close();
  });

  it('a source to the listener’s left is louder in the left channel, and one to the right in the right', async () => {
    const r = (await audio.inPage('m.panning()')) as { left: Levels; right: Levels };
    console.log('audio: panning', JSON.stringify(r));
    expect(r.left.left).toBeGreaterThan(r.left.right * 1.5);
    expect(r.right.right).toBeGreaterThan(r.right.left * 1.5);
  });

  it('gain falls with distance', async () => {
    const r = (await audio.inPage('m.falloff()')) as { d: number; level: number }[];
    console.log('audio: falloff', JSON.stringify(r));
    for (let i = 1; i < r.length; i++) expect(r[i]?.level ?? 1).toBeLessThan((r[i - 1]?.level ?? 0) * 0.8);
    expect(r[0]?.level ?? 0).toBeGreaterThan(0.05);
  });

  it('is silent beyond the radius, audible inside it', async () => {
    const r = (await audio.inPage('m.beyondRadius()')) as { far: number; outside: number; inside: number };
    console.log('audio: radius', JSON.stringify(r));
    expect(r.far).toBe(0);
    expect(r.outside).toBe(0);
    expect(r.inside).toBeGreaterThan(0.005);
  });

  it('the OpenSim looped Ogg (the StormArt tone) decodes and loops: 440 Hz still sounding after its 1.5 s', async () => {
    const r = (await audio.inPage(`m.oggLoop(${JSON.stringify(oggUrl)})`)) as Levels & {
      duration: number;
      errors: string[];
      first4: string;
    };
    console.log('audio: ogg', JSON.stringify(r));
    expect(r.first4).toBe('OggS');
    expect(r.errors).toEqual([]);
    expect(r.duration).toBeCloseTo(1.5, 1);
    // The last 0.5 s of a 3 s render is past the buffer: only a loop sounds there.
    expect(r.tail).toBeGreaterThan(0.01);
    // About 220 upward zero crossings in 0.5 s at 440 Hz.
    expect(r.crossings).toBeGreaterThan(200);
    expect(r.crossings).toBeLessThan(240);
  });

  it('undecodable bytes give a clear audio: error and silence for that source only', async () => {
    const r = (await audio.inPage('m.undecodable()')) as Levels & { errors: string[] };
    console.log('audio: undecodable', JSON.stringify(r));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^audio: sound 0bad0000-\S+ \(31 bytes\) could not be decoded/);
    // The good source is on the right; the broken one (left) is silent.
    expect(r.right).toBeGreaterThan(r.left * 1.5);
  });
});
