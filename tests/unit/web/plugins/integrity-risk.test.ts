/** SRI of a plugin's entry (WebCrypto) and the risk score with its reasons. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PluginError } from '../../../../web/plugins/errors';
import { checkIntegrity, sriOf } from '../../../../web/plugins/integrity';
import { parseManifest } from '../../../../web/plugins/manifest';
import { assessRisk, RISK_THRESHOLD } from '../../../../web/plugins/risk';

const code = new TextEncoder().encode('export function init(ctx) { ctx.log.info("hi"); }\n');

describe('plugin integrity', () => {
  it('computes the same SRI as the standard (sha384 base64 of the bytes)', async () => {
    expect(await sriOf(code)).toBe(`sha384-${createHash('sha384').update(code).digest('base64')}`);
    expect(await sriOf(code, 'sha256')).toBe(`sha256-${createHash('sha256').update(code).digest('base64')}`);
  });

  it('accepts matching bytes and refuses one changed byte with plugin_integrity_mismatch', async () => {
    const sri = await sriOf(code);
    await expect(checkIntegrity(code, sri)).resolves.toBeUndefined();
    const changed = code.slice();
    changed[5] = (changed[5] ?? 0) ^ 1;
    const err = await checkIntegrity(changed, sri, 'x entry').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginError);
    expect((err as PluginError).code).toBe('plugin_integrity_mismatch');
    expect((err as PluginError).message).toMatch(/^plugins: x entry does not match its integrity: the manifest says sha384-/);
  });
});

const manifest = (permissions: string[]) =>
  parseManifest(
    JSON.stringify({ name: 'p', version: '1.0.0', storm: '^1', entry: './i.js', integrity: 'sha256-AAAA', permissions }),
  );

describe('plugin risk score', () => {
  it('scores a quiet plugin low, with its reasons', () => {
    const r = assessRisk(manifest(['ui:panel']), 'export function init(ctx) { ctx.ui.panel({title: "x", items: []}); }');
    expect(r.score).toBe(0);
    expect(r.needsConsent).toBe(false);
    const chat = assessRisk(manifest(['chat:read', 'storage']), 'export function init() {}');
    expect(chat.reasons.map((x) => x.reason)).toEqual(['reads chat (chat:read)', 'keeps data in this browser (storage)']);
    expect(chat.score).toBe(8);
  });

  it('adds points for network origins and for eval, dynamic import and obfuscation, above the threshold', () => {
    const r = assessRisk(
      manifest(['net:https://a.example', 'net:https://b.example', 'chat:send']),
      'const _0x1a2b3c = atob("ZXZhbA=="); eval(_0x1a2b3c); import("https://x.example/m.js");',
    );
    const reasons = r.reasons.map((x) => x.reason);
    expect(reasons).toContain('network access to 2 origin(s): https://a.example, https://b.example');
    expect(reasons).toContain('calls eval (runs text as code)');
    expect(reasons).toContain('loads code at run time (dynamic import)');
    expect(reasons).toContain('obfuscated names (_0x…)');
    expect(r.score).toBe(100);
    expect(r.score).toBeGreaterThan(RISK_THRESHOLD);
    expect(r.needsConsent).toBe(true);
  });

  it('flags packed code and escape-heavy strings', () => {
    const packed = `export const x = "${'a'.repeat(3000)}";`;
    expect(assessRisk(manifest([]), packed).reasons.map((x) => x.reason)).toContain(
      'minified or packed code (a line of 3020 characters)',
    );
    const escaped = `const s = "${'\\x41'.repeat(50)}";`;
    expect(assessRisk(manifest([]), escaped).reasons.some((x) => x.reason.startsWith('many escaped characters'))).toBe(true);
  });
});
