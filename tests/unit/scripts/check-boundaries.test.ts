import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBoundaries } from '../../../scripts/check-boundaries.mjs';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the dependency-boundary check', () => {
  it('passes on this repository', () => {
    expect(checkBoundaries(fileURLToPath(new URL('../../..', import.meta.url)))).toEqual([]);
  });

  it('reports shared/ importing web/ or edge/', () => {
    const root = tree({
      'shared/a.ts': "import { x } from '../web/ui/x';\nexport * from '../edge/y';",
      'web/ui/x.ts': 'export const x = 1;',
      'edge/y.ts': 'export const y = 1;',
    });
    const v = checkBoundaries(root);
    expect(v).toHaveLength(2);
    expect(v.join('\n')).toContain('shared/ must not import web/ or edge/');
  });

  it('reports edge/ importing web/ and the engine importing a higher layer', () => {
    const root = tree({
      'edge/a.ts': "import { r } from '../web/render/r';",
      'web/render/r.ts': 'export const r = 1;',
      'web/engine/w.ts': "import { r } from '../render/r';",
    });
    const v = checkBoundaries(root).join('\n');
    expect(v).toContain('edge/ must not import web/');
    expect(v).toContain('web/engine may import only shared/');
  });

  it('reports an import cycle but not a type-only one', () => {
    const cyclic = tree({ 'shared/a.ts': "import { b } from './b';", 'shared/b.ts': "import { a } from './a';" });
    expect(checkBoundaries(cyclic).join('\n')).toMatch(/import cycle: shared\/(a|b)\.ts -> shared\/(a|b)\.ts/);
    const typeOnly = tree({ 'shared/a.ts': "import type { B } from './b';", 'shared/b.ts': "import { a } from './a';" });
    expect(checkBoundaries(typeOnly)).toEqual([]);
  });

  it('reports the embed reaching the login vault through any import, naming the chain', () => {
    const root = tree({
      'web/ui/EmbedApp.tsx': "import { Form } from './components/Form';",
      'web/ui/components/Form.tsx': "import type { Offer } from '../vault/remember';\nexport const Form = 1;",
      'web/ui/vault/remember.ts': 'export type Offer = 1;',
      'web/embed/bridge.ts': "const m = () => import('../ui/vault/login-vault');",
      'web/ui/vault/login-vault.ts': 'export const v = 1;',
      'web/ui/App.tsx': "import { v } from './vault/login-vault';",
    });
    const v = checkBoundaries(root).filter((l) => l.includes('login vault'));
    expect(v).toContain(
      'web/ui/EmbedApp.tsx -> web/ui/components/Form.tsx -> web/ui/vault/remember.ts: the embed must never load the login vault (web/ui/vault)',
    );
    expect(v.join('\n')).toContain('web/embed/bridge.ts -> web/ui/vault/login-vault.ts');
    // The full viewer may load it.
    expect(v.join('\n')).not.toContain('web/ui/App.tsx');
  });

  it("finds this repository's full viewer loading the vault and its embed not", () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const app = readFileSync(join(root, 'web/ui/App.tsx'), 'utf8');
    expect(app).toContain("import('./vault/remember')");
    // The same App import, made by the embed, would be refused.
    const copy = tree({
      'web/ui/EmbedApp.tsx': "const r = () => import('./vault/remember');",
      'web/ui/vault/remember.ts': 'export const r = 1;',
    });
    expect(checkBoundaries(copy)).toHaveLength(1);
  });
});
