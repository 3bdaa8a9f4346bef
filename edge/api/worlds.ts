/** World routes: POST /api/session (a token for a world), POST /api/worlds (create one), /ws/world/<name> (join with a hello). */
import { Hono } from 'hono';
import {
  type CreateWorldAnswer,
  CreateWorldRequest,
  isWorldName,
  type SessionAnswer,
  SessionRequest,
  TOKEN_TTL_S,
} from '../../shared/protocol';
import { parsePermissions } from '../auth/permissions';
import { issueToken, signingSecret } from '../auth/tokens';
import { EdgeError } from '../errors';
import { WORLD_HEADER } from '../rooms/room-socket';
import { bearer, requireToken } from './access';
import { jsonBody } from './json-body';

function room(env: Env, name: string) {
  return env.WORLD_ROOM.getByName(name);
}

function notFound(name: string): EdgeError {
  return new EdgeError(
    404,
    'world_not_found',
    `edge: no world named "${name}"; create it with POST /api/worlds {"name": "${name}"}`,
  );
}

/** The world routes, mounted by the router. */
export const worldRoutes = new Hono<{ Bindings: Env }>();

worldRoutes.post('/api/session', async (c) => {
  const { world, perm, ttl = TOKEN_TTL_S } = await jsonBody(c.req.raw, SessionRequest, 'POST /api/session');
  const secret = signingSecret(c.env);
  if (!(await room(c.env, world).exists(world))) throw notFound(world);
  const guest = parsePermissions(c.env.GUEST_PERMISSIONS);
  if (perm !== undefined && (perm & ~guest) !== 0)
    throw new EdgeError(
      403,
      'permission_denied',
      `edge: POST /api/session: perm ${perm} asks for more than visitors get here (${guest}); ask for a subset`,
    );
  const permissions = perm ?? guest;
  const now = Date.now();
  const token = await issueToken(world, permissions, secret, now, undefined, ttl);
  return c.json({
    token,
    world,
    permissions,
    expiresAt: Math.floor(now / 1000) * 1000 + ttl * 1000,
  } satisfies SessionAnswer);
});

worldRoutes.post('/api/worlds', async (c) => {
  await requireToken(c.env, bearer(c.req.header('authorization')), 'create');
  const { name } = await jsonBody(c.req.raw, CreateWorldRequest, 'POST /api/worlds');
  if (!(await room(c.env, name).createWorld(name))) {
    throw new EdgeError(409, 'world_exists', `edge: a world named "${name}" exists already; join it or pick another name`);
  }
  return c.json({ name, created: true } satisfies CreateWorldAnswer, 201);
});

worldRoutes.get('/ws/world/:name', async (c) => {
  const name = c.req.param('name');
  if (!isWorldName(name)) throw new EdgeError(400, 'bad_request', 'edge: a world name is 1–32 of a-z, 0-9 and -');
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new EdgeError(426, 'upgrade_required', 'edge: /ws/world/<name> takes a WebSocket upgrade');
  }
  // The room admits the socket once its first frame, a hello, carries a valid token (edge/rooms/room-socket.ts).
  const headers = new Headers(c.req.raw.headers);
  headers.set(WORLD_HEADER, name);
  return room(c.env, name).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
});
