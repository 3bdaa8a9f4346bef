#!/usr/bin/env node
// npm run bench [-- name ...]: runs tests/bench/<name>.bench.ts (all when no name is given), one Node
// process per suite; each writes bench/results/<name>.json.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const available = readdirSync(`${root}tests/bench`)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length));
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`bench: no suite named ${name}; available: ${available.join(', ')}`);
    process.exit(2);
  }
}
let failed = 0;
for (const name of wanted.length ? wanted : available) {
  console.error(`bench: ${name}`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', `tests/bench/${name}.bench.ts`], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) failed += 1;
}
process.exit(failed ? 1 : 0);
