/** The manifest contract (web/plugins/manifest.ts): schema, size limits, permissions, patterns, the storm range. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PluginError } from '../../../../web/plugins/errors';
import {
  checkStormRange,
  grantedOrigins,
  MAX_MANIFEST_BYTES,
  matchesPattern,
  parseManifest,
  parsePermission,
  publishPatterns,
} from '../../../../web/plugins/manifest';

const GOOD = {
  name: 'chat-log',
  version: '1.2.0',
  storm: '^1.0.0',
  dependencies: { other: '^2.0.0' },
  entry: './index.js',
  integrity: 'sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC',
  permissions: ['chat:read', 'bus:publish:chat-log/*', 'net:https://example.org', 'ui:panel'],
  events: ['chat-log/line'],
  endpoints: [{ name: 'export', description: 'the log as text' }],
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PluginError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('plugin manifests', () => {
  it('parses the documented example and fills defaults', () => {
    const m = parseManifest(JSON.stringify(GOOD));
    expect(m.name).toBe('chat-log');
    expect(publishPatterns(m)).toEqual(['chat-log/*']);
    expect(grantedOrigins(m)).toEqual(['https://example.org']);
    const minimal = parseManifest(
      JSON.stringify({ name: 'a', version: '0.1.0', storm: '1', entry: './a.js', integrity: GOOD.integrity }),
    );
    expect(minimal.permissions).toEqual([]);
    expect(minimal.dependencies).toEqual({});
  });

  it('refuses bad fields with plugin_bad_manifest naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Chat' }, 'name'],
      [{ version: '1.2' }, 'version'],
      [{ storm: 'not a range!' }, 'storm'],
      [{ entry: '../up.js' }, 'entry'],
      [{ entry: 'https://evil.example/x.js' }, 'entry'],
      [{ integrity: 'md5-abc' }, 'integrity'],
      [{ permissions: ['root'] }, 'permissions.0'],
      [{ permissions: ['net:http://example.org'] }, 'permissions.0'],
      [{ permissions: ['net:https://example.org/path'] }, 'permissions.0'],
      [{ permissions: ['ui:panel', 'ui:panel'] }, 'permissions'],
      [{ events: ['other/line'] }, 'events.0'],
      [{ dependencies: { 'chat-log': '1' } }, 'dependencies'],
      [{ extra: true }, '(top level)'],
    ];
    for (const [patch, field] of cases) {
      const message = codeOf(() => parseManifest(JSON.stringify({ ...GOOD, ...patch })));
      expect(message, JSON.stringify(patch)).toMatch(/^plugin_bad_manifest: plugins: /);
      expect(message, JSON.stringify(patch)).toContain(`${field}:`);
    }
    expect(codeOf(() => parseManifest('{'))).toMatch(/plugin_bad_manifest.*not JSON/);
    expect(codeOf(() => parseManifest(' '.repeat(MAX_MANIFEST_BYTES + 1)))).toMatch(/over the 16384-byte limit/);
  });

  it('knows the fixed permission set', () => {
    for (const p of [
      'world:read',
      'world:local',
      'world:select',
      'camera:control',
      'chat:read',
      'chat:send',
      'ui:panel',
      'storage',
    ])
      expect(parsePermission(p)).toEqual({ kind: p });
    expect(parsePermission('bus:publish:a/**')).toEqual({ kind: 'bus:publish', pattern: 'a/**' });
    expect(parsePermission('bus:subscribe:*/line')).toEqual({ kind: 'bus:subscribe', pattern: '*/line' });
    expect(parsePermission('net:http://127.0.0.1:8080')).toEqual({ kind: 'net', origin: 'http://127.0.0.1:8080' });
    for (const bad of ['world:write', 'bus:publish:', 'bus:publish:a//b', 'net:ftp://x.org', 'net:https://x.org/'])
      expect(parsePermission(bad), bad).toBeNull();
  });

  it('matches event patterns by segment', () => {
    expect(matchesPattern('a/*', 'a/b')).toBe(true);
    expect(matchesPattern('a/*', 'a/b/c')).toBe(false);
    expect(matchesPattern('a/**', 'a/b/c')).toBe(true);
    expect(matchesPattern('a/**', 'a')).toBe(false);
    expect(matchesPattern('**', 'x/y')).toBe(true);
    expect(matchesPattern('*/line', 'chat-log/line')).toBe(true);
    expect(matchesPattern('a/b', 'a/c')).toBe(false);
  });

  it('refuses a storm range this viewer does not meet with plugin_storm_range', () => {
    const m = parseManifest(JSON.stringify({ ...GOOD, storm: '^2.0.0' }));
    expect(codeOf(() => checkStormRange(m))).toMatch(
      /^plugin_storm_range: plugins: chat-log needs plugin API \^2\.0\.0; this viewer has 1\.1\.0/,
    );
    expect(codeOf(() => checkStormRange(parseManifest(JSON.stringify(GOOD))))).toBe('no error');
  });

  it('never throws anything but plugin_bad_manifest on arbitrary input (property)', () => {
    const fuzzValue = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...Object.keys(GOOD), 'x'), fuzzValue, { maxKeys: 12 }),
        fc.boolean(),
        (patch, keep) => {
          const input = JSON.stringify(keep ? { ...GOOD, ...patch } : patch);
          try {
            const m = parseManifest(input);
            // Whatever parses satisfies the invariants downstream code relies on.
            expect(m.permissions.every((p) => parsePermission(p) !== null)).toBe(true);
            expect(m.events.every((e) => e.startsWith(`${m.name}/`))).toBe(true);
            expect(m.entry.startsWith('./')).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(PluginError);
            expect((err as PluginError).code).toBe('plugin_bad_manifest');
          }
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseManifest(text);
        } catch (err) {
          expect((err as PluginError).code).toBe('plugin_bad_manifest');
        }
      }),
    );
  });

  it('round-trips every valid manifest it generates (property)', () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
    const manifest = fc.record({
      name: seg,
      version: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`),
      storm: fc.constantFrom('^1.0.0', '>=1 <2', '1.x', '*'),
      entry: seg.map((s) => `./${s}.js`),
      integrity: fc.constant(GOOD.integrity),
      permissions: fc.uniqueArray(fc.constantFrom('world:read', 'chat:read', 'storage', 'ui:panel', 'net:https://a.example'), {
        maxLength: 5,
      }),
    });
    fc.assert(
      fc.property(manifest, (m) => {
        const parsed = parseManifest(JSON.stringify(m));
        expect(parsed).toMatchObject(m);
        expect(parseManifest(JSON.stringify(parsed))).toEqual(parsed);
      }),
    );
  });
});
