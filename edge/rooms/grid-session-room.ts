/**
 * GridSession: the Durable Object that holds one visitor's OpenSim session. POST /api/grid/login calls
 * `start` (XML-RPC login, the relay circuit, the handshake); the browser then connects /ws/grid/<session>
 * and receives the region as Storm protocol frames (welcome, region_info, snapshot, terrain, deltas, despawns,
 * sounds, chat, errors). Its input becomes AgentUpdate and its chat ChatFromViewer. Closing the socket logs out.
 */
import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import {
  type ClientMessage,
  HELLO_CLOSE,
  INPUT_FLAGS,
  MAX_CHAT_BYTES,
  MAX_DESPAWN_IDS,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_NAME_BYTES,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../shared/protocol';
import { hasPermission, PERMISSION } from '../auth/permissions';
import { GridAllowlist } from '../grid/allowlist';
import { ASSET_KINDS, AssetBucket, type AssetKindName, assetCapability, assetUrl } from '../grid/assets';
import { GridError, type GridErrorCode } from '../grid/errors';
import { frameParts } from '../grid/frame-parts';
import { type GridClient, type GridEvent, startGridClient } from '../grid/grid-client';
import { GridView } from '../grid/grid-view';
import { openRelayCircuit } from '../grid/relay-client';
import { clip } from '../grid/scene';
import { mapRegionHandle, WorldMap } from '../grid/world-map';
import {
  CLOSE,
  closeSocket,
  createFrameBucket,
  decodeFrame,
  echoClose,
  encodeFrame,
  type FrameBucket,
  HelloGate,
  isOversized,
  isUpgrade,
  jsonError,
  oversizedReason,
  refuse,
  sendFrame,
  takeFrameToken,
  verifyHello,
} from './room-socket';

/** The room's name in messages and logs. */
const ROOM = 'grid';

/** How long a logged-in session waits for the browser's socket before logging out. */
export const ATTACH_TIMEOUT_MS = 30_000;
/** How long the welcome waits for the visitor's own avatar before it goes out without it. */
export const AVATAR_WAIT_MS = 3000;
/** Frame period for deltas and terrain (ms). */
export const FLUSH_MS = 50;
/**
 * The session frame starts at the first region; a region you arrive in farther than this from it (metres, either
 * axis) starts a new frame (terrain patches carry coordinates within ±65536 m).
 */
export const REBASE_M = 16_384;
/** The placeholder avatar id of a welcome sent before the visitor's avatar arrived. */
export const NO_AVATAR = 0xffffffff;

/** What POST /api/grid/login passes to `start` (the password is used once and never kept). */
export interface GridStart {
  loginUri: string;
  first: string;
  last: string;
  password: string;
  region: string;
  /** Where in the region to start (a link's x/y/z). */
  position?: [number, number, number];
  /** Draw distance asked of the simulator in AgentUpdate (metres; default 256). */
  drawDistance?: number;
}

/** `start`'s answer: a plain object (errors do not keep their class across RPC). */
export type GridStartResult =
  | {
      ok: true;
      region: string;
      size: [number, number];
      agent: { id: string; first: string; last: string };
      timings: { loginMs: number; handshakeMs: number };
    }
  | { ok: false; code: GridErrorCode; message: string; status: number };

/** `assetSource`'s answer: the capability URL of one asset (kept on the edge), or why not. */
export type AssetSourceResult =
  | { ok: true; url: string }
  | { ok: false; code: GridErrorCode; message: string; status: number; retryAfterMs?: number };

const Attachment = z.object({ session: z.string().max(64), actor: z.string().max(64), perm: z.number().int() });
type Attachment = z.infer<typeof Attachment>;

interface Visitor {
  ws: WebSocket;
  perm: number;
  greeted: boolean;
  lastSeq: number;
  bucket: FrameBucket;
  /** The region (handle) and its regionInfoVersion last sent as region_info ('' / 0: none yet). */
  regionInfoSent: { key: string; version: number };
}

/** One instance per visitor session (binding GRID_SESSION, migration v2 in wrangler.toml). */
export class GridSession extends DurableObject<Env> {
  private client: GridClient | null = null;
  /** The client's regions as one Storm world (ids, region slots, the session frame). */
  private view: GridView | null = null;
  /** The world map: map_request frames and teleports by name. */
  private worldMap: WorldMap | null = null;
  /** Regions (handles) whose objects the visitor has: one that closes takes its objects with it. */
  private shownKeys = new Set<string>();
  /** The client said its regions (or the one you are in) changed: the next flush sends the regions frame. */
  private regionsChanged = false;
  private session = '';
  private visitor: Visitor | null = null;
  private regionAt = 0;
  private tick = 0;
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private attachTimer: ReturnType<typeof setTimeout> | null = null;
  private failure: GridError | null = null;
  /** Sockets that have not said hello yet. */
  private readonly gate = new HelloGate(ROOM);
  /** Asset fetches this session may still make (the asset route asks before each fetch from the grid). */
  private assetBucket: AssetBucket | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Sockets that outlived the object (eviction, deploy): the circuit is gone with it; say so.
    for (const ws of ctx.getWebSockets()) {
      this.sendTo(ws, {
        type: 'error',
        code: 'grid_circuit_lost',
        message: 'grid: the session was restarted on the edge and its circuit is gone; log in again',
      });
      ws.close(CLOSE.lost, 'grid: session lost; log in again');
    }
  }

  /** RPC from POST /api/grid/login: logs in, opens the circuit through the relay, starts the handshake. */
  async start(session: string, req: GridStart): Promise<GridStartResult> {
    if (this.client !== null) {
      return { ok: false, code: 'grid_session_taken', message: 'grid: this session is in use', status: 409 };
    }
    this.session = session;
    try {
      const allow = GridAllowlist.parse(this.env.GRID_ALLOW);
      const relayUrl = this.env.RELAY_URL;
      if (!relayUrl)
        throw new GridError('grid_relay_not_configured', 'RELAY_URL is not set; the edge cannot reach the UDP relay');
      const client = await startGridClient(
        {
          loginUri: new URL(req.loginUri),
          first: req.first,
          last: req.last,
          password: req.password,
          region: req.region,
          ...(req.position ? { position: req.position } : {}),
        },
        {
          fetch: (input, init) => fetch(input, init),
          allow,
          openCircuit: (sim, handlers) => openRelayCircuit({ url: relayUrl, token: this.env.RELAY_TOKEN }, sim, handlers),
          onEvent: (e) => this.onGridEvent(e),
          ...(req.drawDistance === undefined ? {} : { drawDistance: req.drawDistance }),
          // MapBlockReply (the only message the client leaves to its owner) goes to the world map.
          onPacket: (_link, p) => void this.worldMap?.receive(p.message),
          lookupRegion: async (name) => {
            const found = await this.worldMap?.lookup(name);
            return found ? { name: found.name, handle: mapRegionHandle(found) } : null;
          },
        },
      );
      this.client = client;
      this.worldMap = new WorldMap({
        send: (m) => client.sendRoot(m),
        agent: { agentId: client.session.agentId, sessionId: client.session.sessionId },
        onAnswer: ({ regions }) => {
          if (this.visitor?.greeted) this.send({ type: 'map', regions });
        },
      });
      this.view = new GridView(client.root.handle, client.session.agentId);
      this.flushTimer = setInterval(() => this.flush(), FLUSH_MS);
      // Answer once the simulator has greeted us: the region's name is known, and a wrong region is a login error.
      const region = await client.region;
      if (req.region !== '' && region.toLowerCase() !== req.region.toLowerCase()) {
        void this.end('unknown region');
        throw new GridError(
          'grid_unknown_region',
          `the grid has no region "${req.region}" (it offered "${region}"); check the name`,
        );
      }
      this.attachTimer = setTimeout(() => void this.end('no socket'), ATTACH_TIMEOUT_MS);
      return {
        ok: true,
        region,
        size: [client.session.sizeX, client.session.sizeY],
        agent: { id: client.session.agentId, first: client.session.firstName, last: client.session.lastName },
        timings: { loginMs: client.timings.login, handshakeMs: client.timings.handshake },
      };
    } catch (err) {
      if (this.client?.open) await this.end('login failed');
      if (err instanceof GridError) return { ok: false, code: err.code, message: err.message, status: err.status };
      console.error('grid: login failed unexpectedly', err instanceof Error ? err.message : String(err));
      return { ok: false, code: 'grid_unreachable', message: 'grid: the login failed unexpectedly; try again', status: 502 };
    }
  }

  /**
   * RPC from GET /api/grid/<session>/asset/<kind>/<id> on a cache miss: the capability URL for the asset, while
   * the session is logged in and within its asset rate (ASSET_RATE).
   */
  async assetSource(kind: AssetKindName, id: string): Promise<AssetSourceResult> {
    const client = this.client;
    if (!client?.open)
      return {
        ok: false,
        code: 'grid_session_not_found',
        message: 'grid: no such session (it ended); log in again',
        status: 404,
      };
    const now = Date.now();
    this.assetBucket ??= new AssetBucket(now);
    if (!this.assetBucket.take(now))
      return {
        ok: false,
        code: 'grid_rate_limited',
        message: 'grid: this session asks for assets faster than the edge allows; try again in a moment',
        status: 429,
        retryAfterMs: this.assetBucket.waitMs(now),
      };
    const cap = assetCapability(kind, client.assetCaps);
    if (!cap)
      return {
        ok: false,
        code: 'grid_asset_unavailable',
        message: `grid: the region offers no capability for ${kind} assets (${ASSET_KINDS[kind].capabilities.join(', ')}) (yet); try again shortly`,
        status: 503,
      };
    return { ok: true, url: assetUrl(cap.toString(), kind, id) };
  }

  private onGridEvent(e: GridEvent): void {
    switch (e.type) {
      case 'region':
        this.regionAt = Date.now();
        return;
      case 'chat':
        if (this.visitor?.greeted) {
          this.send({
            type: 'chat',
            from: this.view?.known(e.from) ?? 0,
            name: clip(e.name, MAX_NAME_BYTES),
            text: clip(e.text, MAX_CHAT_BYTES),
            time: Date.now(),
          });
        }
        return;
      case 'failed':
        void this.fail(e.error);
        return;
      case 'travel':
        if (this.visitor?.greeted)
          this.send({
            type: 'travel',
            kind: e.kind,
            region: clip(e.region, MAX_NAME_BYTES),
            message: clip(e.message, MAX_ERROR_MESSAGE_BYTES),
            ms: Math.min(3_600_000, Math.max(0, e.ms)),
          });
        return;
      case 'regions':
        // Sent with the next flush (after the objects of a region that closed are despawned).
        this.regionsChanged = true;
        return;
    }
  }

  override async fetch(request: Request): Promise<Response> {
    if (!isUpgrade(request)) {
      return jsonError(426, 'upgrade_required', 'grid: connect with a WebSocket');
    }
    // A session that failed before the browser connected still tells it why, after its hello.
    const failed = this.failure !== null && !this.visitor;
    if (!failed && !this.client?.open) {
      return jsonError(404, 'grid_session_not_found', 'grid: no such session (it ended or never began); log in again');
    }
    if (this.visitor)
      return jsonError(409, 'grid_session_taken', 'grid: this session already has a socket; log in again for another');
    const pair = new WebSocketPair();
    const [browser, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    // Admitted by its hello (the login's token), never by the URL.
    this.gate.wait(server);
    return new Response(null, { status: 101, webSocket: browser });
  }

  /** A waiting socket's first frame: a valid hello with the login's token makes it the session's socket. */
  private async hello(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const hello = this.gate.take(ws, message);
    if (!hello) return;
    const claims = await verifyHello(this.env, ws, hello, this.session, ROOM);
    // Closed while its token was checked, or refused: nothing to attach.
    if (!this.gate.admit(ws) || !claims) return;
    if (this.failure) {
      this.sendTo(ws, { type: 'error', code: this.failure.code, message: clip(this.failure.message, MAX_ERROR_MESSAGE_BYTES) });
      closeSocket(ws, CLOSE.lost, `grid: ${this.failure.code}`);
      return;
    }
    if (!this.client?.open) {
      refuse(ws, CLOSE.lost, 'grid_session_not_found', 'grid: the session ended; log in again');
      return;
    }
    if (this.visitor) {
      refuse(ws, HELLO_CLOSE.taken, 'grid_session_taken', 'grid: this session already has a socket; log in again for another');
      return;
    }
    const a: Attachment = { session: this.session, actor: claims.sub, perm: claims.perm };
    ws.serializeAttachment(a);
    this.visitor = {
      ws,
      perm: claims.perm,
      greeted: false,
      lastSeq: -1,
      bucket: createFrameBucket(Date.now()),
      regionInfoSent: { key: '', version: 0 },
    };
    if (this.attachTimer !== null) clearTimeout(this.attachTimer);
    this.attachTimer = null;
    this.flush();
  }

  private sendTo(ws: WebSocket, msg: ServerMessage): void {
    const frame = encodeFrame(msg, this.client?.bounds, ROOM);
    if (frame) sendFrame(ws, frame);
  }

  private send(msg: ServerMessage): void {
    if (this.visitor) this.sendTo(this.visitor.ws, msg);
  }

  /** The current region's ground and water, when the visitor does not have its latest RegionHandshake's yet. */
  private sendRegionInfo(v: Visitor, client: GridClient): void {
    const root = client.root;
    if (!root.regionInfo) return;
    if (v.regionInfoSent.key === root.key && v.regionInfoSent.version === root.regionInfoVersion) return;
    v.regionInfoSent = { key: root.key, version: root.regionInfoVersion };
    this.send(root.regionInfo);
  }

  /** The regions frame (the shown regions, the current one first); objects of regions gone are despawned first. */
  private sendRegions(client: GridClient, view: GridView): void {
    this.regionsChanged = false;
    const shown = client.shownLinks().filter((l) => l.name !== '');
    const keys = new Set(shown.map((l) => l.key));
    const gone: number[] = [];
    for (const key of this.shownKeys) if (!keys.has(key) && !client.links.has(key)) gone.push(...view.dropRegion(key));
    this.shownKeys = keys;
    this.despawn(gone);
    if (shown.length > 0) this.send(view.regions(shown));
  }

  /** Despawn frames for `ids` (as many as their limit takes). */
  private despawn(ids: readonly number[]): void {
    for (let i = 0; i < ids.length; i += MAX_DESPAWN_IDS)
      this.send({ type: 'despawn', tick: this.tick, ids: ids.slice(i, i + MAX_DESPAWN_IDS) });
  }

  /** Welcome, region_info, snapshot (in parts) and terrain: everything known now. */
  private greet(v: Visitor, client: GridClient, view: GridView): void {
    this.tick += 1;
    this.send({
      type: 'welcome',
      version: PROTOCOL_VERSION,
      session: this.session,
      avatar: client.avatarId === 0 ? NO_AVATAR : view.idOf(client.session.agentId),
      bounds: client.bounds,
      serverTime: Date.now(),
      tick: this.tick,
      resumed: false,
      permissions: v.perm,
    });
    // A resumed socket gets them again: its welcome may follow a region change it never saw.
    v.regionInfoSent = { key: '', version: 0 };
    this.sendRegions(client, view);
    this.sendRegionInfo(v, client);
    const links = client.shownLinks();
    // One-shots from before the visitor arrived are stale.
    for (const link of links) link.scene.takeSounds();
    const parts = frameParts(view.snapshot(links));
    for (const [p, entities] of parts.entries()) {
      this.send({ type: 'snapshot', tick: this.tick, part: p, parts: parts.length, entities });
    }
    for (const link of links) for (const patch of view.terrain(link, link.terrain.all())) this.send(patch);
    v.greeted = true;
  }

  /** Every FLUSH_MS: greet once the region (and the avatar) are known, then send what changed. */
  private flush(): void {
    const client = this.client;
    const view = this.view;
    const v = this.visitor;
    if (!client || !v || !view) return;
    if (!v.greeted) {
      if (this.regionAt === 0) return;
      if (client.avatarId === 0 && Date.now() - this.regionAt < AVATAR_WAIT_MS) return;
      this.greet(v, client, view);
      return;
    }
    // A teleport far across a large grid: a new session frame around the region you are in now (terrain patches
    // and f32 positions keep their precision), sent as a fresh welcome and snapshot.
    const [ox, oy] = view.origin(client.root);
    if (Math.abs(ox) > REBASE_M || Math.abs(oy) > REBASE_M) {
      this.view = new GridView(client.root.handle, client.session.agentId);
      this.shownKeys = new Set();
      this.greet(v, client, this.view);
      return;
    }
    if (this.regionsChanged) this.sendRegions(client, view);
    this.sendRegionInfo(v, client);
    const updates = [];
    const despawned: number[] = [];
    const links = client.shownLinks();
    for (const link of links) {
      const c = view.changes(link);
      updates.push(...c.updates);
      despawned.push(...c.despawned);
    }
    if (updates.length > 0) {
      for (const entities of frameParts(updates)) {
        const baseline = this.tick;
        this.tick += 1;
        this.send({ type: 'delta', baseline, tick: this.tick, entities });
      }
    }
    this.despawn(despawned);
    for (const link of links) {
      for (const sound of view.sounds(link, link.scene.takeSounds())) this.send(sound);
      for (const patch of view.terrain(link, link.terrain.takeChanges())) this.send(patch);
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.gate.has(ws)) {
      await this.hello(ws, message);
      return;
    }
    const v = this.visitor;
    const client = this.client;
    if (!v || v.ws !== ws || !client) {
      ws.close(CLOSE.lost, 'grid: unknown socket; log in again');
      return;
    }
    if (isOversized(message)) {
      ws.close(CLOSE.tooBig, oversizedReason(ROOM));
      await this.end('oversized frame');
      return;
    }
    // The WorldRoom's rates; a grid session drops what overflows (no warning, no close).
    if (takeFrameToken(v.bucket, Date.now()) !== 'ok') return;
    const frame = decodeFrame(message, ROOM);
    if ('error' in frame) {
      this.send(frame.error);
      return;
    }
    this.handle(v, client, frame.msg);
  }

  private handle(v: Visitor, client: GridClient, msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        if (v.greeted && this.view) this.greet(v, client, this.view);
        return;
      case 'input':
        if (msg.seq <= v.lastSeq && v.lastSeq - msg.seq < 0x80000000) return;
        v.lastSeq = msg.seq;
        client.input([msg.move[0], msg.move[1], (msg.flags & INPUT_FLAGS.jump) !== 0 ? 1 : msg.move[2]], msg.rotation, {
          run: (msg.flags & INPUT_FLAGS.run) !== 0,
          fly: (msg.flags & INPUT_FLAGS.fly) !== 0,
        });
        return;
      case 'chat':
        if (!hasPermission(v.perm, PERMISSION.chat)) {
          this.send({ type: 'error', code: 'permission_denied', message: 'grid: your token does not allow chat' });
          return;
        }
        client.say(msg.text);
        return;
      case 'action':
        this.send({
          type: 'error',
          code: 'grid_not_supported',
          message: 'grid: World Tool actions are for Finalverse worlds; OpenSim regions are edited with their own tools',
        });
        return;
      case 'ack':
        return;
      case 'ping':
        this.send({ type: 'pong', nonce: msg.nonce, clientTime: msg.clientTime, serverTime: Date.now() });
        return;
      case 'p2p':
        // OpenSim regions have no peer-to-peer: the visitor simply never hears of peers.
        return;
      case 'teleport':
        void client.teleport(msg.region, msg.position);
        return;
      case 'map_request':
        try {
          this.worldMap?.request(msg);
        } catch (err) {
          if (!(err instanceof GridError)) throw err;
          this.send({ type: 'error', code: err.code, message: clip(err.message, MAX_ERROR_MESSAGE_BYTES) });
        }
        return;
    }
  }

  /** A failure after login: an error frame to the browser, then the session ends. */
  private async fail(error: GridError): Promise<void> {
    if (this.failure) return;
    this.failure = error;
    this.send({ type: 'error', code: error.code, message: clip(error.message, MAX_ERROR_MESSAGE_BYTES) });
    await this.end(error.code);
  }

  /** Logs out (if the circuit is up), closes the socket, stops the timers. */
  private async end(reason: string): Promise<void> {
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    if (this.attachTimer !== null) clearTimeout(this.attachTimer);
    this.flushTimer = null;
    this.attachTimer = null;
    this.worldMap?.close();
    const client = this.client;
    const v = this.visitor;
    this.visitor = null;
    if (v) closeSocket(v.ws, this.failure ? CLOSE.lost : CLOSE.normal, `grid: ${reason}`);
    if (client?.open) await client.logout();
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.gate.forget(ws);
    if (this.visitor?.ws !== ws) return;
    echoClose(ws, code);
    this.visitor = null;
    await this.end('socket closed');
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.gate.forget(ws);
    if (this.visitor?.ws !== ws) return;
    this.visitor = null;
    await this.end('socket error');
  }
}
