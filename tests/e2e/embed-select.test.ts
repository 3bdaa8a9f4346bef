/**
 * Selection and camera in the embedded viewer, driven from the example host page (public/embed-host.html): the page
 * subscribes to `select`, a click on an object in the frame names it on the page, "Frame it" (setCamera) changes the
 * picture and "Reset camera" puts it back, and a bad shot answers -45 while the viewer keeps running.
 */
import type { Browser, Frame, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

/** Mean absolute difference of two same-sized screenshots, per RGB channel (0..255). */
function difference(a: Buffer, b: Buffer): number {
  const x = PNG.sync.read(a);
  const y = PNG.sync.read(b);
  if (x.width !== y.width || x.height !== y.height) return 255;
  let sum = 0;
  for (let i = 0; i < x.data.length; i += 4)
    for (let c = 0; c < 3; c++) sum += Math.abs((x.data[i + c] ?? 0) - (y.data[i + c] ?? 0));
  return sum / ((x.data.length / 4) * 3);
}

describe('selection and camera in the embedded viewer (example host page)', () => {
  let browser: Browser;
  let page: Page;
  let frame: Frame;
  const log = () => page.locator('#log').textContent();
  const shot = () => page.locator('#viewer').screenshot();

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    page.on('pageerror', (e) => console.error('host page error:', e.message));
    await page.goto(`${inject('baseUrl')}/embed-host.html`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('mounts the viewer from the host page, which subscribes to select; the frame stands in the world with WebGPU', async () => {
    await expect.poll(log, { timeout: 90_000 }).toContain('subscribe → ["select"]');
    // The frame at /embed (the host page's own address, /embed-host.html, starts the same way).
    const found = page.frames().find((f) => f !== page.mainFrame() && new URL(f.url()).pathname === '/embed');
    if (!found) throw new Error('no embed frame');
    frame = found;
    await expect
      .poll(() => frame.getByTestId('embed-world').getAttribute('data-connection'), { timeout: 60_000 })
      .toBe('in-world');
    const chip = frame.getByTestId('embed-isolation');
    await expect.poll(() => chip.getAttribute('data-gpu'), { timeout: 60_000 }).not.toBe('starting');
    expect(await chip.getAttribute('data-gpu'), 'the embedded viewer needs a WebGPU adapter').toBe('ready');
  });

  it('a click on an object in the frame reaches the host page as a select event with its name and shape', async () => {
    const box = await page.locator('#viewer').boundingBox();
    if (!box) throw new Error('no viewer');
    // The plaza's paving (48 m square) and fountain lie all around where you arrive: a click below your avatar meets one
    // (or a model the models suite placed in the same plaza on this shared server).
    const spots = [
      [0.5, 0.85],
      [0.45, 0.8],
      [0.55, 0.8],
      [0.4, 0.7],
      [0.6, 0.9],
    ];
    const selected = page.locator('#selected');
    let text = '';
    for (const [fx, fy] of spots) {
      await page.mouse.click(box.x + box.width * (fx ?? 0), box.y + box.height * (fy ?? 0));
      await expect.poll(async () => (await selected.textContent()) ?? '', { timeout: 5_000 }).not.toContain('click an object');
      text = (await selected.textContent()) ?? '';
      if (text !== 'nothing there') break;
    }
    // The plaza's own prims, or a model another suite placed there (a crate or house, with its maker as owner).
    expect(text).toMatch(
      /^(Plaza paving|Fountain basin|Fountain rim|Fountain orb) · (box|cylinder|torus|sphere)$|^\S.* · model · owned by Visitor \S+$/,
    );
    expect(Number(await selected.getAttribute('data-id'))).toBeGreaterThan(0);
  });

  it('setCamera changes the picture and resetCamera puts it back; a bad shot answers -45 and the viewer keeps running', async () => {
    const frames = async () => Number((await frame.getByTestId('embed-overlay').getAttribute('data-frames')) ?? 0);
    // Let the scene settle first (models and textures other suites placed in this shared plaza still arriving).
    let before = await shot();
    await expect
      .poll(
        async () => {
          await page.waitForTimeout(1000);
          const now = await shot();
          const d = difference(before, now);
          before = now;
          return d;
        },
        { timeout: 30_000 },
      )
      .toBeLessThan(4);
    await page.waitForTimeout(1000);
    // What changes on its own in a second (water, people, dead reckoning): the floor for "the picture changed".
    const noise = difference(before, await shot());
    await page.click('#frame');
    await expect.poll(log, { timeout: 10_000 }).toContain('setCamera → "framed"');
    let framed = 0;
    await expect
      .poll(
        async () => {
          framed = difference(before, await shot());
          return framed;
        },
        { timeout: 15_000 },
      )
      .toBeGreaterThan(Math.max(4, noise * 4));
    const running = await frames();
    await page.click('#bad-shot');
    await expect
      .poll(log, { timeout: 10_000 })
      .toMatch(/setCamera failed → \{"code":-45,"message":"embed: setCamera: params\.shot\.fovDeg/);
    await expect.poll(frames, { timeout: 10_000 }).toBeGreaterThan(running);
    expect(await frame.getByTestId('embed-world').getAttribute('data-connection')).toBe('in-world');
    await page.click('#reset-camera');
    await expect.poll(log, { timeout: 10_000 }).toContain('resetCamera → "reset"');
    let back = 0;
    await expect
      .poll(
        async () => {
          back = difference(before, await shot());
          return back;
        },
        { timeout: 15_000 },
      )
      .toBeLessThan(framed / 2);
    console.info(`embed camera: noise ${noise.toFixed(2)}, framed ${framed.toFixed(2)}, reset ${back.toFixed(2)} (mean |ΔRGB|)`);
  });
});
