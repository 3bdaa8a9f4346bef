/** The operator's trusted plugin list (TRUSTED_PLUGINS): what parses, what is refused and how it says so. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TRUSTED_PLUGINS, parseTrustedPlugins } from '../../../../shared/protocol';

const integrity = `sha384-${'A'.repeat(64)}`;

describe('parseTrustedPlugins', () => {
  it('reads an unset or empty list as none, and a list of manifest URLs with integrity', () => {
    expect(parseTrustedPlugins('', 'x')).toEqual({ ok: true, plugins: [] });
    expect(parseTrustedPlugins(' ', 'x')).toEqual({ ok: true, plugins: [] });
    const list = [
      { url: '/plugins/chat-log/storm-plugin.json', integrity },
      { url: 'https://plugins.example.org/p/storm-plugin.json', integrity },
    ];
    expect(parseTrustedPlugins(JSON.stringify(list), 'x')).toEqual({ ok: true, plugins: list });
  });

  it('refuses a bad list with a message that names the entry and field', () => {
    const bad = (v: unknown) => parseTrustedPlugins(JSON.stringify(v), 'edge: TRUSTED_PLUGINS');
    expect(bad([{ url: '/a', integrity: 'md5-x' }])).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^edge: TRUSTED_PLUGINS: 0.integrity/),
    });
    expect(bad([{ url: '//evil.example/a', integrity }])).toMatchObject({ ok: false, message: expect.stringMatching(/0.url/) });
    expect(bad([{ url: 'javascript:alert(1)', integrity }])).toMatchObject({ ok: false });
    expect(bad([{ url: '/a', integrity, extra: 1 }])).toMatchObject({ ok: false });
    expect(bad(Array.from({ length: MAX_TRUSTED_PLUGINS + 1 }, () => ({ url: '/a', integrity })))).toMatchObject({ ok: false });
    expect(parseTrustedPlugins('{not json', 'x')).toMatchObject({ ok: false, message: expect.stringMatching(/not JSON/) });
    expect(parseTrustedPlugins(`[${' '.repeat(20_000)}]`, 'x')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/over/),
    });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseTrustedPlugins(text, 'x');
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });
});
