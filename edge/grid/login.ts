/** XML-RPC login_to_simulator: the request (password only as "$1$"+md5), and the answer parsed with a schema. */
import { z } from 'zod';
import { readAtMost } from '../../shared/bytes/read-limited';
import { GridError } from './errors';
import { md5Hex } from './md5';
import { decodeMethodResponse, encodeMethodCall } from './xmlrpc';

/** What the visitor gives to log in. */
export interface LoginRequest {
  loginUri: URL;
  first: string;
  last: string;
  /** Plain text; hashed here and never kept. */
  password: string;
  /** Region to start in, or '' for the last/home location. */
  region: string;
  /** Where in that region (metres; a link's x/y/z); default the region's centre, 30 m up. */
  position?: readonly [number, number, number];
}

/** The login `start` value: "last", or "uri:Region&x&y&z" (OpenSim reads non-negative decimals; regions are at most 8192 m). */
export function startLocation(region: string, position?: readonly [number, number, number]): string {
  if (region === '') return 'last';
  const [x = 128, y = 128, z = 30] = position ?? [];
  const at = (v: number, max: number): number => Math.round(Math.min(max, Math.max(0, v)) * 100) / 100;
  return `uri:${region}&${at(x, 8192)}&${at(y, 8192)}&${at(z, 10_000)}`;
}

const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const U32 = z
  .number()
  .int()
  .min(-0x80000000)
  .max(0xffffffff)
  .transform((v) => v >>> 0);
const Name = z
  .string()
  .max(64)
  .transform((s) => s.replace(/^"|"$/g, ''));

/** A successful login answer: the fields the gateway uses, validated. */
export const LoginAnswer = z.object({
  login: z.literal('true'),
  agent_id: Uuid,
  session_id: Uuid,
  secure_session_id: Uuid,
  circuit_code: U32,
  sim_ip: z.string().regex(/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, 'must be an IPv4 address'),
  sim_port: z.number().int().min(1).max(65535),
  region_x: z.number().int().min(0).max(0xffffffff),
  region_y: z.number().int().min(0).max(0xffffffff),
  region_size_x: z.number().int().min(16).max(8192).optional(),
  region_size_y: z.number().int().min(16).max(8192).optional(),
  seed_capability: z.string().min(1).max(2048),
  first_name: Name.optional(),
  last_name: Name.optional(),
  look_at: z.string().max(200).optional(),
});
export type LoginAnswer = z.infer<typeof LoginAnswer>;

/** A refused login: the grid's reason code and message. */
const LoginRefusal = z.object({
  login: z.union([z.literal('false'), z.boolean()]),
  reason: z.string().max(100).optional(),
  message: z.string().max(4096).optional(),
});

/** The login session the gateway keeps (no password, no secure session id). */
export interface GridLogin {
  agentId: string;
  sessionId: string;
  circuitCode: number;
  simIp: string;
  simPort: number;
  seedCapability: string;
  /** Region corner in global metres (region_x, region_y). */
  regionX: number;
  regionY: number;
  sizeX: number;
  sizeY: number;
  firstName: string;
  lastName: string;
}

/** Largest login answer read (bytes). */
export const MAX_LOGIN_BYTES = 4 * 1024 * 1024;
/** How long the login server may take. */
export const LOGIN_TIMEOUT_MS = 20_000;

/** The XML-RPC body of login_to_simulator. */
export function loginCall(req: LoginRequest): string {
  return encodeMethodCall('login_to_simulator', {
    first: req.first,
    last: req.last,
    passwd: `$1$${md5Hex(req.password)}`,
    start: startLocation(req.region, req.position),
    channel: 'StormCore Web',
    version: '0.1.0',
    platform: 'Lin',
    platform_version: 'web',
    mac: '00:00:00:00:00:00',
    id0: '00000000-0000-0000-0000-000000000000',
    agree_to_tos: true,
    read_critical: true,
    viewer_digest: '00000000-0000-0000-0000-000000000000',
    options: ['login-flags', 'max-agent-groups'],
  });
}

/** Reads a response body as text, refusing more than `max` bytes. */
export async function readLimited(res: Response, max: number, what: string): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(res, max, what));
}

/** A response body of at most `max` bytes (the Content-Length is checked first); throws `code` when larger. */
export async function readLimitedBytes(
  res: Response,
  max: number,
  what: string,
  code: 'grid_bad_response' | 'grid_asset_too_large' = 'grid_bad_response',
): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel();
    throw new GridError(code, `${what} is ${declared} bytes, more than ${max}`);
  }
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  return readAtMost(reader, max, { tooLarge: () => new GridError(code, `${what} is more than ${max} bytes`) });
}

/** Maps a refused login to a code: "key" is a bad name or password; region reasons are an unknown region. */
function refusal(reason: string, message: string): GridError {
  const text = message.replace(/\s+/g, ' ').trim().slice(0, 300);
  if (reason === 'key')
    return new GridError('grid_bad_credentials', `the grid refused the name or password (${text || 'reason "key"'})`);
  if (/region|destination/i.test(reason) || /no (such )?region|region .*not found|unknown region/i.test(text)) {
    return new GridError('grid_unknown_region', `the grid has no such region (${text || reason})`);
  }
  return new GridError('grid_login_refused', `the grid refused the login: ${reason || 'no reason'}${text ? ` (${text})` : ''}`);
}

/** Logs in with XML-RPC; resolves the session or throws a GridError with a stable code. */
export async function login(req: LoginRequest, fetcher: typeof fetch): Promise<GridLogin> {
  let res: Response;
  try {
    res = await fetcher(req.loginUri.toString(), {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: loginCall(req),
      signal: AbortSignal.timeout(LOGIN_TIMEOUT_MS),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 200) : 'no answer';
    throw new GridError(
      'grid_unreachable',
      `the login server ${req.loginUri.host} did not answer (${why}); check the URI and that the grid is up`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new GridError(
      res.status >= 500 ? 'grid_unreachable' : 'grid_bad_response',
      `the login server ${req.loginUri.host} answered HTTP ${res.status}; is this a grid's login URI?`,
    );
  }
  const value = decodeMethodResponse(await readLimited(res, MAX_LOGIN_BYTES, 'the login answer'), 'the login answer');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new GridError('grid_bad_response', 'the login answer is not a struct');
  if (value.login !== 'true') {
    const r = LoginRefusal.safeParse(value);
    throw refusal(r.success ? (r.data.reason ?? '') : '', r.success ? (r.data.message ?? '') : '');
  }
  const parsed = LoginAnswer.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GridError(
      'grid_bad_response',
      `the login answer's ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  const a = parsed.data;
  return {
    agentId: a.agent_id.toLowerCase(),
    sessionId: a.session_id.toLowerCase(),
    circuitCode: a.circuit_code,
    simIp: a.sim_ip,
    simPort: a.sim_port,
    seedCapability: a.seed_capability,
    regionX: a.region_x,
    regionY: a.region_y,
    sizeX: a.region_size_x ?? 256,
    sizeY: a.region_size_y ?? 256,
    firstName: a.first_name ?? req.first,
    lastName: a.last_name ?? req.last,
  };
}
