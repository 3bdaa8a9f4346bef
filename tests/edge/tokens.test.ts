import { describe, expect, it } from 'vitest';
import { DEFAULT_GUEST_PERMISSIONS, hasPermission, PERMISSION, parsePermissions } from '../../edge/auth/permissions';
import { issueToken, signToken, TOKEN_TTL_S, verifyToken } from '../../edge/auth/tokens';

const KEY = 'tokens-test-key-0123456789';

describe('access tokens', () => {
  it('verifies a token it signed and returns its claims', async () => {
    const token = await issueToken('plaza', PERMISSION.join | PERMISSION.edit, KEY, 1_700_000_000_000, 'actor-1');
    const check = await verifyToken(token, KEY, { world: 'plaza', nowMs: 1_700_000_000_000 + 1000 });
    expect(check).toEqual({
      ok: true,
      claims: { sub: 'actor-1', world: 'plaza', perm: 5, iat: 1_700_000_000, exp: 1_700_000_000 + TOKEN_TTL_S },
    });
  });

  it('refuses with a clear reason: missing, malformed, forged, expired, wrong world', async () => {
    const now = Date.now();
    const token = await issueToken('plaza', PERMISSION.join, KEY, now);
    const reason = async (t: string | null, opts: { world?: string; nowMs?: number } = {}) => {
      const r = await verifyToken(t, KEY, opts);
      return r.ok ? 'ok' : r.reason;
    };
    expect(await reason(null)).toBe('token_missing');
    expect(await reason('')).toBe('token_missing');
    expect(await reason('v2.a.b')).toBe('token_malformed');
    expect(await reason('v1.@@.##')).toBe('token_malformed');
    expect(await verifyToken(token, 'another-key-0123456789')).toMatchObject({ ok: false, reason: 'token_forged' });
    const [v, claims, sig] = token.split('.');
    const tampered = JSON.parse(atob((claims ?? '').replace(/-/g, '+').replace(/_/g, '/')));
    tampered.perm = 0xff;
    const forgedClaims = btoa(JSON.stringify(tampered)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(await reason(`${v}.${forgedClaims}.${sig}`)).toBe('token_forged');
    expect(await reason(token, { nowMs: now + (TOKEN_TTL_S + 1) * 1000 })).toBe('token_expired');
    expect(await reason(token, { world: 'garden' })).toBe('token_wrong_world');
    const refusal = await verifyToken(token, KEY, { world: 'garden' });
    expect(refusal.ok ? '' : refusal.message).toMatch(/^auth: /);
  });

  it('admits a wildcard-world token to any world', async () => {
    const token = await signToken({ sub: 'a', world: '*', perm: 1, iat: 0, exp: 2 ** 31 }, KEY);
    expect((await verifyToken(token, KEY, { world: 'anything' })).ok).toBe(true);
  });

  it('parses permission names into a bitmask', () => {
    expect(parsePermissions(undefined)).toBe(DEFAULT_GUEST_PERMISSIONS);
    expect(parsePermissions('join, chat create bogus')).toBe(PERMISSION.join | PERMISSION.chat | PERMISSION.create);
    expect(hasPermission(PERMISSION.join | PERMISSION.edit, PERMISSION.edit)).toBe(true);
    expect(hasPermission(PERMISSION.join, PERMISSION.edit)).toBe(false);
  });
});
