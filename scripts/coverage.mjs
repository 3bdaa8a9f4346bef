#!/usr/bin/env node
// npm run coverage [-- --record] [-- --summary-only]: vitest's v8 coverage over the unit and edge projects, reported
// per folder (shared/<x>, edge/<x>, web/<x>: lines covered), against the floors recorded in tests/coverage-floor.json.
// A folder whose line coverage falls under its floor fails the run (exit 1). `--record` writes the floors from this
// run, one point under what it measured (so run-to-run wobble does not fail it); `--summary-only` reads the last
// run's summary instead of running the tests again.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}.tmp/coverage`;
const floorFile = `${root}tests/coverage-floor.json`;
const record = process.argv.includes('--record');
const summaryOnly = process.argv.includes('--summary-only');

const run = summaryOnly
  ? { status: 0 }
  : spawnSync(
      process.execPath,
      [
        `${root}node_modules/vitest/vitest.mjs`,
        'run',
        '--project',
        'unit',
        '--project',
        'edge',
        '--coverage.enabled',
        '--coverage.provider=v8',
        '--coverage.reporter=json-summary',
        `--coverage.reportsDirectory=${out}`,
        // Source files only: a glob that also reaches web/index.html or a stylesheet makes the provider try to
        // parse it as JavaScript and print a parse error for each.
        '--coverage.include=shared/**/*.{ts,tsx,mts,js,mjs}',
        '--coverage.include=edge/**/*.{ts,tsx,mts,js,mjs}',
        '--coverage.include=web/**/*.{ts,tsx,mts,js,mjs}',
      ],
      { cwd: root, stdio: 'inherit' },
    );
if (run.status !== 0) {
  console.error(`coverage: the tests failed (exit ${run.status}); no report`);
  process.exit(run.status ?? 1);
}
const summary = JSON.parse(readFileSync(`${out}/coverage-summary.json`, 'utf8'));
/** @type {Map<string, {covered: number, total: number}>} */
const folders = new Map();
for (const [file, s] of Object.entries(summary)) {
  if (file === 'total') continue;
  const parts = relative(root, file).split(sep);
  // Only the product's folders (the include globs also reach tests/edge and build output like web/.wrangler).
  if (!['shared', 'edge', 'web'].includes(parts[0] ?? '') || parts.some((p) => p.startsWith('.'))) continue;
  const folder = parts.length > 2 ? `${parts[0]}/${parts[1]}` : (parts[0] ?? '');
  const f = folders.get(folder) ?? { covered: 0, total: 0 };
  f.covered += s.lines.covered;
  f.total += s.lines.total;
  folders.set(folder, f);
}
const pct = (f) => (f.total ? Math.round((f.covered / f.total) * 1000) / 10 : 100);
const floors = existsSync(floorFile) ? JSON.parse(readFileSync(floorFile, 'utf8')) : {};
const rows = [...folders].sort(([a], [b]) => a.localeCompare(b));
const failed = [];
console.table(
  Object.fromEntries(
    rows.map(([folder, f]) => {
      const floor = floors[folder];
      if (!record && typeof floor === 'number' && pct(f) < floor) failed.push(`${folder}: ${pct(f)} % < floor ${floor} %`);
      return [folder, { 'lines %': pct(f), lines: f.total, floor: floor ?? '-' }];
    }),
  ),
);
const total = rows.reduce((t, [, f]) => ({ covered: t.covered + f.covered, total: t.total + f.total }), { covered: 0, total: 0 });
console.log(`coverage: lines ${pct(total)} % (${total.covered} of ${total.total})`);
if (record) {
  const floor = (f) => Math.max(0, Math.round((pct(f) - 1) * 10) / 10);
  writeFileSync(floorFile, `${JSON.stringify(Object.fromEntries(rows.map(([folder, f]) => [folder, floor(f)])), null, 2)}\n`);
  console.log(`coverage: floors recorded in ${relative(root, floorFile)}`);
} else if (failed.length) {
  for (const f of failed) console.error(`coverage: DROPPED ${f}`);
  process.exit(1);
}
