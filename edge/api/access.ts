/** Token checks shared by the API routes: verify, or throw the EdgeError that says why not. */

import { hasPermission, PERMISSION, type PermissionName } from '../auth/permissions';
import { signingSecret, type TokenClaims, verifyToken } from '../auth/tokens';
import { EdgeError } from '../errors';

/** Verifies `token` (for `world` when given) and the permission `needed`; throws 401/403 otherwise. */
export async function requireToken(
  env: Env,
  token: string | null | undefined,
  needed: PermissionName,
  world?: string,
): Promise<TokenClaims> {
  const check = await verifyToken(token, signingSecret(env), world === undefined ? {} : { world });
  if (!check.ok) throw new EdgeError(check.reason === 'token_wrong_world' ? 403 : 401, check.reason, check.message);
  if (!hasPermission(check.claims.perm, PERMISSION[needed])) {
    throw new EdgeError(403, 'permission_denied', `auth: this token lacks the "${needed}" permission`);
  }
  return check.claims;
}

/** The bearer token of an Authorization header, or null. */
export function bearer(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1] ?? null;
}
