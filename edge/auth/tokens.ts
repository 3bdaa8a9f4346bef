/**
 * Signed access tokens: `v1.<claims>.<signature>`, both base64url. The claims are JSON (subject,
 * world, permission bits, issue and expiry times); the signature is HMAC-SHA-256 over `v1.<claims>`
 * with the Worker secret TOKEN_KEY, through WebCrypto.
 */
import { z } from 'zod';
import { TOKEN_TTL_S } from '../../shared/protocol';
import { EdgeError } from '../errors';

/** How long a token lives (seconds; the HTTP API's limit). */
export { TOKEN_TTL_S };
/** Shortest acceptable signing key (characters). */
export const MIN_KEY_LENGTH = 16;

/** What a token says. */
export const TokenClaims = z.object({
  /** The actor: a random id per visitor, used in version vectors and the journal. */
  sub: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  /** The world the token admits to, or '*' for any. */
  world: z.string().regex(/^(\*|[a-z0-9-]{1,32})$/),
  perm: z.number().int().min(0).max(0xffffffff),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** Why a token was refused. */
export type TokenRefusal = 'token_missing' | 'token_malformed' | 'token_forged' | 'token_expired' | 'token_wrong_world';

/** Plain messages for each refusal (they reach the client). */
export const TOKEN_REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  token_missing: 'auth: no access token; get one with POST /api/session {"world": "<name>"} and send it in the socket\'s hello',
  token_malformed: 'auth: the access token is not in the v1.<claims>.<signature> form; get a new one from POST /api/session',
  token_forged: 'auth: the access token signature does not match; it was altered or signed with another key; get a new one',
  token_expired: 'auth: the access token has expired; get a new one from POST /api/session',
  token_wrong_world: 'auth: the access token is for another world; get one for this world from POST /api/session',
};

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: TokenRefusal; message: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key for a secret (imported once per isolate). */
function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    keys.set(secret, key);
  }
  return key;
}

/** The signing secret from the environment, or a 503 that says how to set it. */
export function signingSecret(env: { TOKEN_KEY?: string }): string {
  const secret = env.TOKEN_KEY;
  if (secret === undefined || secret.length < MIN_KEY_LENGTH) {
    throw new EdgeError(
      503,
      'token_key_missing',
      `edge: TOKEN_KEY is not set (or shorter than ${MIN_KEY_LENGTH} characters); \`npm start\` writes a development key to .dev.vars, a deployment needs \`wrangler secret put TOKEN_KEY\``,
    );
  }
  return secret;
}

/** Signs claims into a token. */
export async function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const body = `v1.${toBase64Url(encoder.encode(JSON.stringify(TokenClaims.parse(claims))))}`;
  const sig = new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(body)));
  return `${body}.${toBase64Url(sig)}`;
}

/** A fresh random actor id (16 random bytes, base64url). */
export function newActorId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}

/** Issues a token for `world` with `perm`, valid for `ttlS` (default TOKEN_TTL_S) from `nowMs`. */
export function issueToken(
  world: string,
  perm: number,
  secret: string,
  nowMs = Date.now(),
  sub = newActorId(),
  ttlS = TOKEN_TTL_S,
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return signToken({ sub, world, perm, iat, exp: iat + ttlS }, secret);
}

function refuse(reason: TokenRefusal): TokenCheck {
  return { ok: false, reason, message: TOKEN_REFUSAL_MESSAGES[reason] };
}

/**
 * Verifies a token: the signature first (constant-time through WebCrypto), then the claims, the
 * expiry and, when `world` is given, that the token admits to it.
 */
export async function verifyToken(
  token: string | null | undefined,
  secret: string,
  options: { world?: string; nowMs?: number } = {},
): Promise<TokenCheck> {
  if (token === null || token === undefined || token === '') return refuse('token_missing');
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== 'v1' || token.length > 1024) return refuse('token_malformed');
  const [, claimsPart = '', sigPart = ''] = parts;
  const sig = fromBase64Url(sigPart);
  const claimBytes = fromBase64Url(claimsPart);
  if (!sig || !claimBytes || sig.length !== 32) return refuse('token_malformed');
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), sig, encoder.encode(`v1.${claimsPart}`));
  if (!valid) return refuse('token_forged');
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(claimBytes));
  } catch {
    return refuse('token_malformed');
  }
  const claims = TokenClaims.safeParse(json);
  if (!claims.success) return refuse('token_malformed');
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  if (claims.data.exp <= now) return refuse('token_expired');
  if (options.world !== undefined && claims.data.world !== '*' && claims.data.world !== options.world)
    return refuse('token_wrong_world');
  return { ok: true, claims: claims.data };
}
