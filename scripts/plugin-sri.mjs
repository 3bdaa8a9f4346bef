#!/usr/bin/env node
// Writes the SRI hash (sha384) of each plugin's entry module into its storm-plugin.json (docs/plugins.md).
//   npm run -s plugin:sri [-- <plugin folder>…]    (default: every folder under public/plugins)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const base = join(root, 'public', 'plugins');
const folders =
  process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) : readdirSync(base).map((n) => join(base, n));
let failed = false;
for (const folder of folders) {
  const path = join(folder, 'storm-plugin.json');
  if (!existsSync(path)) continue;
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof manifest.entry !== 'string' || !manifest.entry.startsWith('./')) {
    console.error(`plugin-sri: ${path}: entry must be a relative path such as ./index.js`);
    failed = true;
    continue;
  }
  const integrity = `sha384-${createHash('sha384')
    .update(readFileSync(join(folder, manifest.entry)))
    .digest('base64')}`;
  if (manifest.integrity !== integrity) {
    manifest.integrity = integrity;
    writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`plugin-sri: ${manifest.name}: ${integrity}`);
  }
}
process.exit(failed ? 1 : 0);
