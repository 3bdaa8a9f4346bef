/** OpenSim routes: POST /api/grid/login (a GridSession logs into a region) and /ws/grid/<session> (the Storm socket). */
import { Hono } from 'hono';
import { z } from 'zod';
import { parsePermissions } from '../auth/permissions';
import { issueToken, signingSecret } from '../auth/tokens';
import { EdgeError } from '../errors';
import { checkGridUrl, GridAllowlist } from '../grid/allowlist';
import { GridError } from '../grid/errors';
import { CLAIMS_HEADER } from '../rooms/world-room';
import { requireToken } from './access';

/** Largest login body (bytes). */
const MAX_LOGIN_BODY = 8 * 1024;
/** A GridSession name: "g-" and 24 hex digits (it is also the token's world). */
export const GRID_SESSION_PATTERN = /^g-[0-9a-f]{24}$/;

/** POST /api/grid/login's body. Names follow OpenSim's rules (letters, digits, a few marks; no spaces). */
export const GridLoginRequest = z.strictObject({
  loginUri: z.string().min(1).max(2048),
  first: z.string().regex(/^[A-Za-z0-9._-]{1,31}$/, 'a first name is 1–31 letters, digits, "." "_" "-"'),
  last: z.string().regex(/^[A-Za-z0-9._-]{1,31}$/, 'a last name is 1–31 letters, digits, "." "_" "-"'),
  password: z.string().min(1).max(256),
  region: z
    .string()
    .max(64)
    .regex(/^[^&<>\0]*$/, 'a region name has no & < > or NUL')
    .optional(),
  /** Where in the region to start (metres; a link's x/y/z); needs a region. */
  position: z.tuple([z.number().min(-1e7).max(1e7), z.number().min(-1e7).max(1e7), z.number().min(-1e7).max(1e7)]).optional(),
  /** Draw distance asked of the simulator (metres). */
  drawDistance: z.number().int().min(16).max(1024).optional(),
});
export type GridLoginRequest = z.infer<typeof GridLoginRequest>;

function gridErrorResponse(err: GridError): Response {
  return Response.json({ error: { code: err.code, message: err.message } }, { status: err.status });
}

async function readBody(req: Request): Promise<GridLoginRequest> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_LOGIN_BODY) throw new GridError('grid_bad_request', `the login body is larger than ${MAX_LOGIN_BODY} bytes`);
  const text = await req.text();
  if (text.length > MAX_LOGIN_BODY)
    throw new GridError('grid_bad_request', `the login body is larger than ${MAX_LOGIN_BODY} bytes`);
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
    if (!result.ok) return Response.json({ error: { code: result.code, message: result.message } }, { status: result.status });
    // Grid visitors move and chat; editing is the grid's own business.
    const permissions = parsePermissions(c.env.GUEST_PERMISSIONS) & 3;
    const token = await issueToken(session, permissions, secret);
    return c.json({
      session,
      token,
      socket: `/ws/grid/${session}`,
      region: result.region,
      size: result.size,
      agent: result.agent,
      timings: result.timings,
    });
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
  const claims = await requireToken(c.env, c.req.query('token'), 'join', session);
  const headers = new Headers(c.req.raw.headers);
  headers.set(CLAIMS_HEADER, JSON.stringify(claims));
  return c.env.GRID_SESSION.getByName(session).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
});
