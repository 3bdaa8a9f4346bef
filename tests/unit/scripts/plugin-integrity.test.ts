/**
 * The plugin manifest integrity writer (scripts/plugin-integrity.ts, behind `npm run -s plugin:sri` and hot reload):
 * it writes a manifest in the linter's shape, only when the integrity changed, and refuses what it cannot hash.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatManifest, refreshIntegrity, sriOfFile } from '../../../scripts/plugin-integrity';

const examples = fileURLToPath(new URL('../../../public/plugins/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'storm-plugin-sri-'));

/** A copy of example plugin `name` in a temporary folder, its manifest rewritten by `edit`. */
function copyOf(name: string, edit: (manifest: Record<string, unknown>) => unknown = (m) => m, raw?: string): string {
  const dir = join(tmp, `${name}-${readdirSync(tmp).length}`);
  mkdirSync(dir);
  copyFileSync(join(examples, name, 'index.js'), join(dir, 'index.js'));
  const manifest = JSON.parse(readFileSync(join(examples, name, 'storm-plugin.json'), 'utf8'));
  writeFileSync(join(dir, 'storm-plugin.json'), raw ?? `${JSON.stringify(edit(manifest))}\n`);
  return dir;
}

describe('the plugin manifest integrity writer', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('formats each example manifest exactly as it is committed (the shape the linter keeps)', () => {
    const names = readdirSync(examples);
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const text = readFileSync(join(examples, name, 'storm-plugin.json'), 'utf8');
      expect(formatManifest(JSON.parse(text)), name).toBe(text);
    }
  });

  it('writes a stale integrity back in the committed shape, then leaves the file alone', () => {
    for (const name of ['chat-log', 'people-radar']) {
      const dir = copyOf(name, (m) => ({ ...m, integrity: 'sha384-stale' }));
      const path = join(dir, 'storm-plugin.json');
      const done = refreshIntegrity(dir);
      expect(done).toMatchObject({ status: 'written', name, integrity: sriOfFile(join(dir, 'index.js')) });
      expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(examples, name, 'storm-plugin.json'), 'utf8'));
      const before = statSync(path).mtimeMs;
      expect(refreshIntegrity(dir)).toMatchObject({ status: 'unchanged', name });
      expect(statSync(path).mtimeMs).toBe(before);
    }
  });

  it('adds a missing integrity', () => {
    const dir = copyOf('photo-mode', ({ integrity: _, ...m }) => m);
    expect(refreshIntegrity(dir)).toMatchObject({ status: 'written', integrity: sriOfFile(join(dir, 'index.js')) });
    expect(JSON.parse(readFileSync(join(dir, 'storm-plugin.json'), 'utf8')).integrity).toBe(sriOfFile(join(dir, 'index.js')));
  });

  it('refuses a manifest it cannot hash for, and writes nothing', () => {
    const cases: [string, string][] = [
      [copyOf('chat-log', undefined, '{"name": "half-typed",'), 'is not JSON'],
      [copyOf('chat-log', undefined, '[1, 2]\n'), 'is not a JSON object'],
      [copyOf('chat-log', (m) => ({ ...m, entry: 'index.js' })), 'entry must be a relative path'],
      [copyOf('chat-log', (m) => ({ ...m, entry: './../outside.js' })), 'is not a file in the plugin'],
      [copyOf('chat-log', (m) => ({ ...m, entry: './missing.js' })), 'is not a file in the plugin'],
    ];
    for (const [dir, reason] of cases) {
      const before = readFileSync(join(dir, 'storm-plugin.json'), 'utf8');
      const done = refreshIntegrity(dir);
      expect(done.status === 'refused' && done.reason, reason).toContain(reason);
      expect(readFileSync(join(dir, 'storm-plugin.json'), 'utf8')).toBe(before);
    }
    expect(refreshIntegrity(tmp)).toEqual({ status: 'none' });
  });
});
