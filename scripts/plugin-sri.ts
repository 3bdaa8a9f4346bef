/**
 * `npm run -s plugin:sri [-- <plugin folder>…]` (default: every folder under public/plugins): writes the SRI hash of
 * each plugin's entry module into its storm-plugin.json (docs/plugins.md), formatted as the linter wants it
 * (scripts/plugin-integrity.ts); an unchanged plugin is not written.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { refreshIntegrity } from './plugin-integrity';

const base = fileURLToPath(new URL('../public/plugins/', import.meta.url));
const args = process.argv.slice(2);
const folders = args.length > 0 ? args.map((f) => resolve(f)) : readdirSync(base).map((n) => join(base, n));
let failed = false;
for (const folder of folders) {
  const done = refreshIntegrity(folder);
  if (done.status === 'refused') {
    console.error(`plugin-sri: ${done.path}: ${done.reason}`);
    failed = true;
  } else if (done.status === 'written') console.log(`plugin-sri: ${done.name}: ${done.integrity}`);
}
process.exit(failed ? 1 : 0);
