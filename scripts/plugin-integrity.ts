/**
 * Writes the SRI hash (sha384) of a plugin's entry module into its storm-plugin.json (docs/plugins.md): the one
 * writer behind `npm run -s plugin:sri` (scripts/plugin-sri.ts) and hot reload under `npm start`
 * (scripts/vite-plugin-reload.ts). A manifest is written only when its integrity changed, and in the shape the
 * repository's formatter (biome) gives it, so `npm run -s lint` stays clean and an unchanged plugin leaves no diff.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What refreshing one folder did. */
export type IntegrityRefresh =
  | { status: 'none' } // no storm-plugin.json here
  | { status: 'unchanged'; name: string; integrity: string }
  | { status: 'written'; name: string; integrity: string; path: string; text: string }
  | { status: 'refused'; path: string; reason: string };

/**
 * `manifest` as JSON text in biome's shape for this repository (biome.json: 2 spaces, 130 columns; an array that
 * fits stays on one line), with a final newline. Throws when biome cannot be run (it is a devDependency).
 */
export function formatManifest(manifest: unknown): string {
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  // Any name ending in .json under the root gets the repository's JSON formatting; the text comes on stdin.
  const run = spawnSync(process.execPath, [biome, 'format', '--stdin-file-path=storm-plugin.json'], {
    cwd: root,
    input: text,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0 || !run.stdout)
    throw new Error(
      `plugin-integrity: biome could not format a manifest: ${(run.stderr || run.error?.message || '').slice(0, 300)}`,
    );
  return run.stdout;
}

/** The SRI (sha384) of a file. */
export function sriOfFile(path: string): string {
  return `sha384-${createHash('sha384').update(readFileSync(path)).digest('base64')}`;
}

/**
 * Puts the SRI of `folder`'s entry into its storm-plugin.json when it differs. Refused (nothing written): a manifest
 * that is not JSON (perhaps being edited), or whose entry is not a ./ path to a file inside the folder.
 */
export function refreshIntegrity(folder: string): IntegrityRefresh {
  const dir = resolve(folder);
  const path = join(dir, 'storm-plugin.json');
  if (!existsSync(path)) return { status: 'none' };
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { status: 'refused', path, reason: 'is not JSON' };
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest))
    return { status: 'refused', path, reason: 'is not a JSON object' };
  const fields = new Map<string, unknown>(Object.entries(manifest));
  const entryName = fields.get('entry');
  const name = String(fields.get('name') ?? dir.split(sep).pop() ?? '');
  if (typeof entryName !== 'string' || !entryName.startsWith('./'))
    return { status: 'refused', path, reason: 'entry must be a relative path such as ./index.js' };
  const entry = resolve(dir, entryName);
  if (!entry.startsWith(dir + sep) || !existsSync(entry))
    return { status: 'refused', path, reason: `entry ${entryName} is not a file in the plugin's folder` };
  const integrity = sriOfFile(entry);
  if (fields.get('integrity') === integrity) return { status: 'unchanged', name, integrity };
  const text = formatManifest({ ...manifest, integrity });
  writeFileSync(path, text);
  return { status: 'written', name, integrity, path, text };
}
