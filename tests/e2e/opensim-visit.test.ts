/** Visiting the real OpenSim region in the browser: log in through the form, see the region, people and chat. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../support/chromium';

const login = process.env.OPENSIM_LOGIN_URI;
const regionScript = fileURLToPath(new URL('../../../shared/opensim/region.sh', import.meta.url));

async function logIn(page: Page, password = process.env.OPENSIM_PASSWORD ?? 'password'): Promise<void> {
  const grid = new URL(login ?? '').host;
  await page.goto(`${inject('baseUrl')}/#/os/${grid}/${process.env.OPENSIM_REGION ?? 'StormTest'}/128/128/25`);
  await page.getByTestId('login-first').fill(process.env.OPENSIM_FIRST ?? 'Test');
  await page.getByTestId('login-last').fill(process.env.OPENSIM_LAST ?? 'User');
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}
const run = login ? describe : describe.skip;
if (!login) {
  console.warn(
    'e2e: the OpenSim browser visit did not run: set OPENSIM_LOGIN_URI (../shared/opensim/region.sh start prints it; .ci/run does this)',
  );
}

run('visiting an OpenSim region in the browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    // No WebGPU: this is about the OpenSim path (the rendered region is checked by eye and in the screenshot
    // test); software rendering would only slow the simulator's traffic on a 2-core machine.
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('refuses a wrong password with a plain message on the form', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await logIn(page, 'not-the-password');
    await expect.poll(() => page.getByTestId('login-error').textContent(), { timeout: 30_000 }).toMatch(/\S/);
    await page.close();
  });

  it('logs in through the form and shows the region: its 66 prims, you in the people list, chat both ways, walking moves you', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await logIn(page);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    // The region's 66 prims arrive (README of the test region), and you are listed.
    await expect
      .poll(async () => Number(await page.getByTestId('viewer').getAttribute('data-prims')), { timeout: 30_000 })
      .toBe(66);
    const me = page.locator('[data-testid=person][data-self=true]');
    await expect.poll(() => me.count(), { timeout: 30_000 }).toBe(1);
    // Chat: what you say comes back from the simulator.
    const text = `hello from the browser ${Date.now()}`;
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-input').press('Enter');
    await expect
      .poll(() => page.getByTestId('chat-line').allTextContents(), { timeout: 30_000 })
      .toContainEqual(expect.stringContaining(text));
    // Walking changes your position on the simulator (it sends your avatar's new position back).
    // Click on the world first to leave the chat field, or W would be typed into it.
    await page.mouse.click(480, 330);
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('INPUT');
    const x0 = Number(await me.getAttribute('data-x'));
    const y0 = Number(await me.getAttribute('data-y'));
    await page.keyboard.down('KeyW');
    await page.waitForTimeout(2500);
    await page.keyboard.up('KeyW');
    await expect
      .poll(async () => Math.hypot(Number(await me.getAttribute('data-x')) - x0, Number(await me.getAttribute('data-y')) - y0), {
        timeout: 20_000,
      })
      .toBeGreaterThan(1);
    expect(await page.getByTestId('connection').getAttribute('data-state')).toBe('in-world');
    await page.close();
  });

  it('says so when the simulator restarts during a visit, and comes back', async () => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await logIn(page);
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 }).toBe('in-world');
    // Walk a few metres away from the link's place, so that coming back where you stood can be told apart.
    const me = page.locator('[data-testid="person"][data-self="true"]');
    await expect.poll(() => me.count(), { timeout: 30_000 }).toBe(1);
    const where = async () => [Number(await me.getAttribute('data-x')), Number(await me.getAttribute('data-y'))];
    const [x0 = 0, y0 = 0] = await where();
    await page.mouse.click(480, 330);
    await page.keyboard.down('KeyW');
    await page.waitForTimeout(2500);
    await page.keyboard.up('KeyW');
    await expect
      .poll(async () => Math.hypot(...(await where()).map((v, i) => v - [x0, y0][i]!)), { timeout: 20_000 })
      .toBeGreaterThan(3);
    await page.waitForTimeout(1500);
    const [x1 = 0, y1 = 0] = await where();
    execFileSync(regionScript, ['stop'], { env: process.env, stdio: 'ignore', timeout: 90_000 });
    try {
      await expect
        .poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 60_000 })
        .not.toBe('in-world');
    } finally {
      execFileSync(regionScript, ['start'], { env: process.env, stdio: 'ignore', timeout: 180_000 });
    }
    await expect.poll(() => page.getByTestId('connection').getAttribute('data-state'), { timeout: 120_000 }).toBe('in-world');
    await expect
      .poll(async () => Number(await page.getByTestId('viewer').getAttribute('data-prims')), { timeout: 30_000 })
      .toBe(66);
    // Back where you stood before the restart, not at the link's place.
    await expect
      .poll(async () => Math.hypot(...(await where()).map((v, i) => v - [x1, y1][i]!)), { timeout: 30_000 })
      .toBeLessThan(2);
    await page.close();
  }, 400_000);
});
