/**
 * Peer-to-peer signalling routes, laid out as the PeerJS server's so the stock client connects with
 * `{host, port, path: '/p2p/<world>/'}`: GET /p2p/<world>/peerjs/id (your bound peer id, for a bearer token of
 * that world), /p2p/<world>/peerjs (the WebSocket, forwarded to the world's SignalRoom); and GET
 * /p2p/<world>/ice, the ICE servers (STUN/TURN) the operator configured in P2P_ICE_SERVERS (none by default).
 */
import { Hono } from 'hono';
import { type IceConfig, isWorldName, parseIceServers } from '../../shared/protocol';
import { peerIdFor } from '../auth/peer-id';
import { EdgeError } from '../errors';
import { WORLD_HEADER } from '../rooms/room-socket';
import { bearer, requireToken } from './access';

/** The PeerJS `path` option for a world's signalling. */
export function signalPath(world: string): string {
  return `/p2p/${world}/`;
}

function worldOf(name: string): string {
  if (!isWorldName(name)) throw new EdgeError(400, 'bad_request', 'edge: a world name is 1–32 of a-z, 0-9 and -');
  return name;
}

/** The configured ICE servers (P2P_ICE_SERVERS), checked; none when unset. A bad configuration is a clear 500. */
export function iceServersOf(env: Env): IceConfig['iceServers'] {
  const parsed = parseIceServers(env.P2P_ICE_SERVERS ?? '', 'edge: P2P_ICE_SERVERS');
  if (!parsed.ok) throw new EdgeError(500, 'p2p_ice_config', `${parsed.message}; fix the Worker's configuration`);
  return parsed.servers;
}

/** The signalling routes, mounted by the router. */
export const p2pRoutes = new Hono<{ Bindings: Env }>();

// PeerJS asks GET <path><key>/id for an id. Ours are bound to visitors: only a valid token for the world gets one.
p2pRoutes.get('/p2p/:world/peerjs/id', async (c) => {
  const world = worldOf(c.req.param('world'));
  const claims = await requireToken(c.env, bearer(c.req.header('authorization')), 'join', world);
  return c.text(await peerIdFor(world, claims.sub), 200, { 'cache-control': 'no-store' });
});

// The ICE servers for a visitor's peer connections (TURN credentials are for visitors of the world only).
p2pRoutes.get('/p2p/:world/ice', async (c) => {
  const world = worldOf(c.req.param('world'));
  await requireToken(c.env, bearer(c.req.header('authorization')), 'join', world);
  return c.json({ iceServers: iceServersOf(c.env) } satisfies IceConfig, 200, { 'cache-control': 'no-store' });
});

// Discovery (`listAllPeers`) stays off: the world room tells each visitor which peers it may connect to.
p2pRoutes.get('/p2p/:world/peerjs/peers', (c) => {
  worldOf(c.req.param('world'));
  throw new EdgeError(403, 'permission_denied', 'edge: peer discovery is off; the world room tells you your nearby peers');
});

p2pRoutes.get('/p2p/:world/peerjs', async (c) => {
  const world = worldOf(c.req.param('world'));
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new EdgeError(426, 'upgrade_required', 'edge: /p2p/<world>/peerjs takes a WebSocket upgrade');
  }
  // The room admits the socket by its token and id (edge/rooms/signal-room.ts).
  const headers = new Headers(c.req.raw.headers);
  headers.set(WORLD_HEADER, world);
  return c.env.SIGNAL_ROOM.getByName(world).fetch(new Request(c.req.raw.url, { method: 'GET', headers }));
});
