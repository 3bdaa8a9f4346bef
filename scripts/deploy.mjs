#!/usr/bin/env node
// `npm run deploy:check` (dry run, offline) and `npm run deploy`: build with Vite (the Cloudflare plugin
// writes dist/stormcore_web/wrangler.json beside the client assets), then hand that config to wrangler.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dryRun = process.argv.includes('--dry-run');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };

execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], { cwd: root, stdio: 'inherit', env });

// wrangler's launcher refuses Node < 22.12; its CLI itself runs fine on Node 20 for a dry run, so we call
// the CLI directly (wrangler prints a warning). A real deploy should use Node 22+.
const require = createRequire(import.meta.url);
const cli = join(dirname(require.resolve('wrangler/package.json')), 'wrangler-dist/cli.js');
const args = ['deploy', '--config', join(root, 'dist/stormcore_web/wrangler.json'), ...(dryRun ? ['--dry-run'] : [])];
execFileSync(process.execPath, ['--no-warnings', cli, ...args], { cwd: root, stdio: 'inherit', env });
