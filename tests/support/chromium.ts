/** The one place that knows how to launch headless Chromium here (see ../shared/NOTES-browser.md). */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Flags every launch gets: no sandbox (root), no background traffic to a network we do not have. */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Flags that give a software WebGPU adapter AND a canvas that reaches screenshots (Skia Graphite
 * composites through Dawn). Playwright adds its own --enable-features list; Chromium keeps the last,
 * so every feature we need is in this one list.
 */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-features=Vulkan,SkiaGraphite',
  '--use-vulkan=swiftshader',
];

/** Path of the Chromium binary: CHROMIUM_PATH, else Debian's /usr/bin/chromium. Throws with the fix. */
export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `e2e: no Chromium at ${path}. Install Debian's chromium (sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  return path;
}

/** Flags that hide WebGPU from pages and workers, to test the no-WebGPU path deterministically. */
export const NO_WEBGPU_ARGS = ['--disable-blink-features=WebGPU'];

/** Launches headless Chromium (Playwright gives it a fresh temporary profile), with WebGPU unless asked not to. */
export async function launchChromium(options: { webgpu?: boolean; args?: readonly string[] } = {}): Promise<Browser> {
  const args = [...BASE_ARGS, ...(options.webgpu === false ? NO_WEBGPU_ARGS : WEBGPU_ARGS), ...(options.args ?? [])];
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/**
 * Launches headless Chromium on a profile directory of its own (kept on disk between launches: IndexedDB,
 * cookies), as one browser context. Same flags as launchChromium.
 */
export async function launchChromiumProfile(
  userDataDir: string,
  options: { webgpu?: boolean; args?: readonly string[]; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  const args = [...BASE_ARGS, ...(options.webgpu === false ? NO_WEBGPU_ARGS : WEBGPU_ARGS), ...(options.args ?? [])];
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args,
    viewport: options.viewport ?? { width: 960, height: 600 },
  });
}
