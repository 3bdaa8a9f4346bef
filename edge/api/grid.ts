/** OpenSim routes: POST /api/grid/login (a GridSession logs into a region) and /ws/grid/<session> (the Storm socket). */
import { Hono } from 'hono';
import {
  type ApiError,
  GRID_SESSION_PATTERN,
  type GridLoginAnswer,
  GridLoginRequest,
  MAX_GRID_LOGIN_BODY_BYTES,
  RETRY_AFTER_MS_HEADER,
} from '../../shared/protocol';
import { parsePermissions } from '../auth/permissions';
import { issueToken, signingSecret } from '../auth/tokens';
import { EdgeError } from '../errors';
import { checkGridUrl, GridAllowlist } from '../grid/allowlist';
import {
  ASSET_CACHE_CONTROL,
  ASSET_KINDS,
  type AssetKindName,
  assetCacheKey,
  assetId,
  fetchAsset,
  isAssetKind,
} from '../grid/assets';
import { GridError } from '../grid/errors';
import { bearer, requireToken } from './access';

function gridErrorResponse(err: GridError): Response {
  return Response.json({ error: { code: err.code, message: err.message } } satisfies ApiError, { status: err.status });
}

async function readBody(req: Request): Promise<GridLoginRequest> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_GRID_LOGIN_BODY_BYTES)
    throw new GridError('grid_bad_request', `the login body is larger than ${MAX_GRID_LOGIN_BODY_BYTES} bytes`);
  const text = await req.text();
  if (text.length > MAX_GRID_LOGIN_BODY_BYTES)
    throw new GridError('grid_bad_request', `the login body is larger than ${MAX_GRID_LOGIN_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new GridError('grid_bad_request', 'POST /api/grid/login expects a JSON body {loginUri, first, last, password}');
  }
  const r = GridLoginRequest.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new GridError(
      'grid_bad_request',
      `POST /api/grid/login: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}

function sessionName(): string {
  return `g-${[...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** The OpenSim routes, mounted by the router. */
export const gridRoutes = new Hono<{ Bindings: Env }>();

gridRoutes.post('/api/grid/login', async (c) => {
  try {
    const body = await readBody(c.req.raw);
    const loginUri = checkGridUrl(body.loginUri, GridAllowlist.parse(c.env.GRID_ALLOW), 'the login URI');
    const secret = signingSecret(c.env);
    const session = sessionName();
    const result = await c.env.GRID_SESSION.getByName(session).start(session, {
      loginUri: loginUri.toString(),
      first: body.first,
      last: body.last,
      password: body.password,
      region: body.region ?? '',
      ...(body.position && body.region ? { position: body.position } : {}),
      ...(body.drawDistance === undefined ? {} : { drawDistance: body.drawDistance }),
    });
    if (!result.ok)
      return Response.json({ error: { code: result.code, message: result.message } } satisfies ApiError, {
        status: result.status,
      });
    // Grid visitors move and chat; editing is the grid's own business.
    const permissions = parsePermissions(c.env.GUEST_PERMISSIONS) & 3;
    const token = await issueToken(session, permissions, secret);
    // The RPC stub widens the size tuple to an array.
    const [sizeX = 256, sizeY = 256] = result.size;
    return c.json({
      session,
      token,
      socket: `/ws/grid/${session}`,
      region: result.region,
      size: [sizeX, sizeY],
      agent: result.agent,
      timings: result.timings,
    } satisfies GridLoginAnswer);
  } catch (err) {
    if (err instanceof GridError) return gridErrorResponse(err);
    throw err;
  }
});

gridRoutes.get('/ws/grid/:session', async (c) => {
  const session = c.req.param('session');
  if (!GRID_SESSION_PATTERN.test(session)) {
    return gridErrorResponse(
      new GridError('grid_session_not_found', 'a grid session id is "g-" and 24 hex digits, from POST /api/grid/login'),
    );
  }
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new EdgeError(426, 'upgrade_required', 'edge: /ws/grid/<session> takes a WebSocket upgrade');
  }
  // The session admits the socket once its first frame, a hello, carries the login's token.
  return c.env.GRID_SESSION.getByName(session).fetch(
    new Request(c.req.raw.url, { method: 'GET', headers: new Headers(c.req.raw.headers) }),
  );
});

/**
 * GET /api/grid/<session>/asset/<kind>/<uuid> (Authorization: Bearer <the login's token>): one asset of the
 * session's grid, fetched from the region's capability on the visitor's behalf and kept in the edge cache by id.
 */
gridRoutes.get('/api/grid/:session/asset/:kind/:id', async (c) => {
  try {
    const session = c.req.param('session');
    const kind = c.req.param('kind');
    if (!GRID_SESSION_PATTERN.test(session))
      throw new GridError('grid_session_not_found', 'a grid session id is "g-" and 24 hex digits, from POST /api/grid/login');
    if (!isAssetKind(kind))
      throw new GridError(
        'grid_bad_request',
        `the asset kind "${kind.slice(0, 20)}" is unknown; one of: ${Object.keys(ASSET_KINDS).join(', ')}`,
      );
    const id = assetId(c.req.param('id'));
    if (id === null) throw new GridError('grid_bad_request', 'an asset id is a UUID (8-4-4-4-12 hex digits)');
    await requireToken(c.env, bearer(c.req.header('authorization')), 'join', session);
    return await serveAsset(c.env, session, kind, id);
  } catch (err) {
    if (err instanceof GridError) return gridErrorResponse(err);
    throw err;
  }
});

function assetAnswer(kind: AssetKindName, bytes: Uint8Array, cacheControl: string, hit: boolean): Response {
  return new Response(bytes, {
    headers: {
      'content-type': ASSET_KINDS[kind].answerType,
      'content-length': String(bytes.byteLength),
      'cache-control': cacheControl,
      'x-storm-cache': hit ? 'hit' : 'miss',
    },
  });
}

async function serveAsset(env: Env, session: string, kind: AssetKindName, id: string): Promise<Response> {
  const key = new Request(assetCacheKey(kind, id));
  const cache = caches.default;
  const cached = await cache.match(key);
  if (cached) {
    const bytes = new Uint8Array(await cached.arrayBuffer());
    return assetAnswer(kind, bytes, ASSET_CACHE_CONTROL.browser, true);
  }
  const source = await env.GRID_SESSION.getByName(session).assetSource(kind, id);
  if (!source.ok) {
    // A rate-limited session is told when to ask again: Retry-After in whole seconds (the standard's unit), and the
    // milliseconds themselves (a token comes every 25 ms: a second would leave the viewer idle).
    const headers: Record<string, string> =
      source.retryAfterMs === undefined
        ? {}
        : {
            'retry-after': String(Math.max(1, Math.ceil(source.retryAfterMs / 1000))),
            [RETRY_AFTER_MS_HEADER]: String(Math.max(0, Math.ceil(source.retryAfterMs))),
          };
    return Response.json({ error: { code: source.code, message: source.message } } satisfies ApiError, {
      status: source.status,
      headers,
    });
  }
  // The capability came from the grid: it must be on the allowlist like every grid URL.
  const url = checkGridUrl(source.url, GridAllowlist.parse(env.GRID_ALLOW), `the ${kind} asset capability`);
  const bytes = await fetchAsset((input, init) => fetch(input, init), url.toString(), kind, id);
  await cache.put(key, assetAnswer(kind, bytes, ASSET_CACHE_CONTROL.edge, false));
  return assetAnswer(kind, bytes, ASSET_CACHE_CONTROL.browser, false);
}
