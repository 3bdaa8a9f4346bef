/** The example plugins in public/plugins: each manifest parses, its integrity matches its entry, and they resolve. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkIntegrity } from '../../../../web/plugins/integrity';
import { checkStormRange, type PluginManifest, parseManifest } from '../../../../web/plugins/manifest';
import { resolveOrder } from '../../../../web/plugins/resolve';
import { assessRisk } from '../../../../web/plugins/risk';

const base = fileURLToPath(new URL('../../../../public/plugins/', import.meta.url));

describe('the example plugins', () => {
  const names = readdirSync(base);
  const manifests = new Map<string, PluginManifest>();

  it('ship five, each with a valid manifest whose integrity matches its entry (npm run -s plugin:sri)', async () => {
    expect(names.sort()).toEqual(['chat-commands', 'chat-log', 'object-inspector', 'people-radar', 'photo-mode']);
    for (const name of names) {
      const m = parseManifest(readFileSync(`${base}${name}/storm-plugin.json`), name);
      expect(m.name).toBe(name);
      checkStormRange(m);
      const code = readFileSync(`${base}${name}/${m.entry.slice(2)}`);
      await checkIntegrity(new Uint8Array(code), m.integrity, name);
      // Examples load without asking for consent.
      expect(assessRisk(m, code.toString()).needsConsent, name).toBe(false);
      manifests.set(name, m);
    }
    expect(resolveOrder(['chat-commands'], manifests)).toEqual(['chat-log', 'chat-commands']);
  });

  it('need plugin API 1.1 for the inspector (world:select) and photo mode (camera:control), and nothing else new', () => {
    expect(manifests.get('object-inspector')?.storm).toBe('^1.1.0');
    expect(manifests.get('object-inspector')?.permissions).toContain('world:select');
    expect(manifests.get('photo-mode')?.permissions).toEqual(['camera:control', 'ui:panel']);
  });
});
