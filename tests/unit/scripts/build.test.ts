/** The production build (`vite build`, what `npm run deploy` ships): the viewer, and the embed SDK at /embed-sdk.js. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('the production build', () => {
  const out = mkdtempSync(join(tmpdir(), 'storm-build-'));
  beforeAll(async () => {
    await promisify(execFile)(
      process.execPath,
      [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', out, '--logLevel', 'warn'],
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
        timeout: 110_000,
      },
    );
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('emits the viewer page and the Worker config beside it', () => {
    expect(readFileSync(join(out, 'client/index.html'), 'utf8')).toContain('<script type="module"');
    expect(existsSync(join(out, 'stormcore_web/wrangler.json'))).toBe(true);
  });

  it('emits the embed SDK at a stable address, as a module a host page can import', async () => {
    const sdk = (await import(pathToFileURL(join(out, 'client/embed-sdk.js')).href)) as Record<string, unknown>;
    expect(typeof sdk.mountViewer).toBe('function');
    expect(typeof sdk.EmbedApiError).toBe('function');
    const embedUrl = sdk.embedUrl as (viewer: string, link?: string) => string;
    expect(embedUrl('https://viewer.example/app', '#/fv/plaza/1/2/3')).toBe('https://viewer.example/embed#/fv/plaza/1/2/3');
  });
});
