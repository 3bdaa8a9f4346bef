/**
 * WorldRoom: the Durable Object that hosts one Finalverse world (SQLite-backed, WebSocket hibernation).
 * The Worker verifies the access token and forwards the upgrade with the verified claims; the room
 * greets each socket with welcome then snapshot (or a delta when a session resumes), moves avatars
 * from input, relays chat, runs World Tool Protocol operations, and streams deltas at 20 Hz.
 */
import { DurableObject } from 'cloudflare:workers';
import { z } from 'zod';
import { createAnomalyDetector } from '../../shared/anomaly/detector';
import { AVATAR_HALF_HEIGHT } from '../../shared/physics/constants';
import type { AvatarIntent } from '../../shared/physics/intent';
import { loadRapier, type Rapier } from '../../shared/physics/rapier';
import {
  AI_MAX_ENTITIES,
  AI_RADIUS_M,
  type ClientMessage,
  type Entity,
  type EntityInfo,
  type EntityUpdate,
  encodeDeltaFrames,
  encodeEntityRecord,
  MAX_DESPAWN_IDS,
  type OperationResult,
  PROTOCOL_VERSION,
  ProtocolError,
  Quat,
  type ServerMessage,
  SHAPE_PRESETS,
  Vec3,
  type WorldAction,
  type WorldOperation,
} from '../../shared/protocol';
import { createSqlWorldStore } from '../adapters/sql-world-store';
import type { WorldStore } from '../adapters/world-store';
import { type AiBudget, AiGate, type AiLimits, type AiRefusal, spend } from '../ai/ai-gate';
import { peerIdFor } from '../auth/peer-id';
import { hasPermission, PERMISSION } from '../auth/permissions';
import type { TokenClaims } from '../auth/tokens';
import {
  type Anchor,
  type Announced,
  anchorAt,
  CellIndex,
  cellAt,
  DEFAULT_INTEREST,
  type Indexes,
  type InterestConfig,
  needsAnnouncement,
  type Owed,
  planView,
  sees,
  type Transition,
  viewReach,
} from '../world/interest';
import { defaultModelScale, findModel } from '../world/models';
import { type PeerCandidate, planPeers } from '../world/peers';
import { RoomPhysics } from '../world/room-physics';
import { DEMO_WORLD, emptySeed, plazaSeed, WORLD_BOUNDS } from '../world/seed';
import { terrainPatches } from '../world/terrain';
import { AnchorCell, type StoredEntity, type StoredSession } from '../world/types';
import { WorldState } from '../world/world-state';
import {
  CLOSE,
  closeSocket,
  createFrameBucket,
  decodeFrame,
  echoClose,
  encodeFrame,
  FLOOD_RATE,
  type FrameBucket,
  HelloGate,
  isOversized,
  isUpgrade,
  jsonError,
  oversizedReason,
  sendFrame,
  takeFrameToken,
  verifyHello,
  WORLD_HEADER,
} from './room-socket';

/** The room's name in messages and logs. */
const ROOM = 'world-room';
/** Storage key of the language tier's daily token budget. */
const AI_BUDGET_KEY = 'ai-budget';

/** How often a moving room plans who may connect peer-to-peer (ms). */
const PEERS_EVERY_MS = 500;

/** Simulation and send rate. */
export const TICK_MS = 50;
/** How long a closed session can be resumed. */
export const SESSION_RESUME_MS = 2 * 60 * 1000;
/** Most entities per snapshot frame. */
const SNAPSHOT_PART = 1000;
/** Keep ticking this long after the last movement or edit, so budget-delayed updates still go out. */
const LINGER_MS = 1000;

/** What a hibernated socket remembers. */
const Attachment = z.object({
  session: z.string(),
  actor: z.string(),
  perm: z.number(),
  avatar: z.number().int().min(1),
  name: z.string(),
  position: Vec3,
  rotation: Quat,
  acked: z.number(),
  sentTick: z.number(),
  anchor: AnchorCell,
  anchorTick: z.number(),
  /** The visitor's bound peer id (edge/auth/peer-id.ts) and whether it opted in to peer-to-peer. */
  peer: z.string().optional(),
  p2p: z.boolean().optional(),
});
type Attachment = z.infer<typeof Attachment>;

interface Client {
  ws: WebSocket;
  /** Told once that its frames are being dropped as anomalous (until they are admitted again). */
  throttleWarned?: boolean;
  session: string;
  actor: string;
  perm: number;
  avatar: number;
  name: string;
  move: Vec3;
  flags: number;
  lastSeq: number;
  acked: number;
  sentTick: number;
  /** Interest: the cell the client's view is centred on, the tick it last moved, movers held back by the budget. */
  anchor: Anchor;
  anchorTick: number;
  owed: Map<number, Owed>;
  bucket: FrameBucket;
  attachedAt: number;
  /** Its bound peer id, whether it opted in to peer-to-peer, and the peers frame last sent ('' for none). */
  peer: string;
  p2p: boolean;
  peersSent: string;
}

const randomId = (bytes: number): string =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The full wire record of an entity. */
function full(e: StoredEntity): Entity {
  return { ...e.entity };
}

/** True when a prim was created or changed after `baseline`. */
const changedSince = (e: StoredEntity, baseline: number): boolean =>
  e.entity.kind === 'prim' && (e.createdTick > baseline || e.transformTick > baseline || e.appearanceTick > baseline);

/** A prim's change since `baseline`: in full when created since, else its changed field groups. */
function primChange(e: StoredEntity, baseline: number): EntityUpdate {
  if (e.createdTick > baseline) return full(e);
  const u: EntityUpdate = { id: e.entity.id };
  if (e.transformTick > baseline) {
    u.position = e.entity.position;
    u.rotation = e.entity.rotation;
    // A physical prim moves on its own: viewers dead-reckon it between updates.
    u.velocity = e.entity.velocity;
  }
  if (e.appearanceTick > baseline) {
    u.name = e.entity.name;
    u.description = e.entity.description;
    u.scale = e.entity.scale;
    u.shape = e.entity.shape;
    u.colors = e.entity.colors;
    u.parent = e.entity.parent;
    u.physical = e.entity.physical ?? false;
    if (e.entity.sound) u.sound = e.entity.sound;
    if (e.entity.model) u.model = e.entity.model;
  }
  return u;
}

/** Client `c`'s session as it stands (its avatar `e`), last seen at `lastSeen`: what a resume continues. */
function sessionOf(c: Client, e: StoredEntity, lastSeen: number): StoredSession {
  return {
    id: c.session,
    actor: c.actor,
    avatar: c.avatar,
    position: e.entity.position,
    rotation: e.entity.rotation,
    acked: c.acked,
    lastSeen,
    anchor: c.anchor,
    anchorTick: c.anchorTick,
  };
}

/** One colour per visitor, from their actor id. */
function avatarColor(actor: string): [number, number, number, number] {
  let h = 0;
  for (let i = 0; i < actor.length; i++) h = (h * 31 + actor.charCodeAt(i)) >>> 0;
  const hue = (h % 360) / 60;
  const f = hue - Math.floor(hue);
  const rgb = [
    [1, f, 0],
    [1 - f, 1, 0],
    [0, 1, f],
    [0, 1 - f, 1],
    [f, 0, 1],
    [1, 0, 1 - f],
  ][Math.floor(hue) % 6] ?? [1, 1, 1];
  return [Math.round(60 + (rgb[0] ?? 1) * 180), Math.round(60 + (rgb[1] ?? 1) * 180), Math.round(60 + (rgb[2] ?? 1) * 180), 255];
}

/** One instance per world name (the binding and its SQLite migration are in wrangler.toml). */
export class WorldRoom extends DurableObject<Env> {
  private readonly store: WorldStore;
  private world: WorldState | null = null;
  /** Rapier, loaded before the room handles anything (blockConcurrencyWhile in the constructor). */
  private rapier: Rapier | null = null;
  /** The world's physics: the authority for avatars and physical prims. */
  private physics: RoomPhysics | null = null;
  private readonly clients = new Map<WebSocket, Client>();
  /** Sockets that have not said hello yet. */
  private readonly gate = new HelloGate(ROOM);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastStep = Date.now();
  private lastActivity = 0;
  private lastFlushTick = 0;
  /** True when an operation changed prims since the last flush. */
  private editsPending = false;
  private readonly interest: InterestConfig;
  /** Prims and movers by the cell they were last announced in (what every client's view is made of). */
  private readonly indexes: Indexes = { prims: new CellIndex(), movers: new CellIndex() };
  /** What was last announced about each mover (dead reckoning is decided once for the whole room). */
  private readonly announced = new Map<number, Announced>();
  /** Avatars that left since the last flush. */
  private departed: number[] = [];
  /** When the peer-to-peer plan was last made (edge/world/peers.ts). */
  private peersPlannedAt = 0;
  /** Peer ids of opted-in visitors that left since the plan was last shared (the SignalRoom forgets their lists). */
  private readonly peersLeft = new Set<string>();
  /** The language tier's rate limits for this world (its daily budget is in storage). */
  private readonly aiGate = new AiGate();
  /**
   * Anomaly scores per connection (shared/anomaly): Storm frames and bytes a second against the connection's own
   * baseline. Under three quarters of the flood rate nothing is anomalous (walking sends inputs in bursts); a
   * connection far over its baseline for two seconds is logged with what drove it and its frames are dropped.
   */
  private readonly anomaly = createAnomalyDetector({
    now: () => Date.now(),
    floor: { events_per_s: FLOOD_RATE * 0.75, bytes_per_s: 64 * 1024 },
    onAnomaly: (s) =>
      console.warn(
        JSON.stringify({
          event: 'anomaly',
          room: ROOM,
          connection: s.source,
          score: Number(s.score.toFixed(1)),
          features: s.features.map((f) => ({ ...f, z: Number(f.z.toFixed(1)) })),
        }),
      ),
  });

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = createSqlWorldStore(ctx.storage);
    this.interest = { ...DEFAULT_INTEREST, deadReckoning: env.STORM_DEAD_RECKONING !== 'off' };
    // Rapier's module is instantiated when imported (no compiling at run time); nothing runs before it is ready.
    void ctx.blockConcurrencyWhile(async () => {
      this.rapier = await loadRapier();
      this.setWorld(WorldState.open(this.store));
      // Sockets that survived hibernation come back with their attachments (or still waiting for their hello).
      for (const ws of ctx.getWebSockets()) if (!this.gate.restore(ws)) this.restore(ws);
    });
  }

  /** Adopts a world and indexes its prims. */
  private setWorld(world: WorldState | null): WorldState | null {
    this.world = world;
    this.physics?.physics.free();
    this.physics = world && this.rapier ? new RoomPhysics(this.rapier, world) : null;
    this.lastFlushTick = world?.tick ?? 0;
    this.editsPending = false;
    this.indexes.prims.clear();
    this.indexes.movers.clear();
    this.announced.clear();
    if (world)
      for (const e of world.entities.values())
        if (e.entity.kind === 'prim') this.indexes.prims.set(e.entity.id, cellAt(e.entity.position, this.interest));
    return world;
  }

  /** The world, created on first use when it is the demo world. */
  private ensureWorld(name: string): WorldState | null {
    if (!this.world && name === DEMO_WORLD)
      this.setWorld(WorldState.create(this.store, name, WORLD_BOUNDS, plazaSeed()) ?? WorldState.open(this.store));
    return this.world;
  }

  /** RPC: does this world exist? (The demo world always does.) */
  async exists(name: string): Promise<boolean> {
    return this.ensureWorld(name) !== null;
  }

  /** RPC: creates an empty world; false when it already exists. */
  async createWorld(name: string): Promise<boolean> {
    if (this.ensureWorld(name)) return false;
    return this.setWorld(WorldState.create(this.store, name, WORLD_BOUNDS, emptySeed())) !== null;
  }

  /**
   * RPC for the language tier (edge/api/ai.ts): counts a request of `actor` against the world's limits and budget and
   * gives the entities within the inspection radius of `center` (what the model is shown), or why not.
   */
  async aiBegin(
    name: string,
    actor: string,
    center: Vec3,
    limits: AiLimits,
  ): Promise<{ ok: true; nearby: EntityInfo[] } | ({ ok: false } & AiRefusal) | { ok: false; code: 'world_not_found' }> {
    const world = this.ensureWorld(name);
    if (!world) return { ok: false, code: 'world_not_found' };
    const budget = (await this.ctx.storage.get<AiBudget>(AI_BUDGET_KEY)) ?? { day: '', used: 0 };
    const refusal = this.aiGate.admit(actor, Date.now(), budget, limits);
    if (refusal) return { ok: false, ...refusal };
    const found = world.inspect(center, AI_RADIUS_M, AI_MAX_ENTITIES);
    return { ok: true, nearby: found.op === 'inspect' ? found.entities : [] };
  }

  /** RPC: the language tier spent `tokens` of today's budget. */
  async aiSpend(tokens: number): Promise<void> {
    const budget = (await this.ctx.storage.get<AiBudget>(AI_BUDGET_KEY)) ?? { day: '', used: 0 };
    await this.ctx.storage.put(AI_BUDGET_KEY, spend(budget, tokens, Date.now()));
  }

  /** RPC: prepares the model's actions as `actor` (holding `perm`), exactly as that visitor's own prepare would. */
  async aiPrepare(name: string, actor: string, perm: number, actions: WorldAction[]): Promise<OperationResult> {
    const world = this.ensureWorld(name);
    if (!world) return { op: 'failed', code: 'world_not_found', message: `world-room: no world named "${name}"` };
    return world.operate({ op: 'prepare', actions }, actor, perm).result;
  }

  override async fetch(request: Request): Promise<Response> {
    const name = request.headers.get(WORLD_HEADER) ?? '';
    if (name === '') return jsonError(400, 'bad_request', 'world-room: requests must come through the edge router');
    const world = this.ensureWorld(name);
    if (!world) return jsonError(404, 'world_not_found', `world-room: no world named "${name}"; create it with POST /api/worlds`);
    if (!isUpgrade(request)) {
      return jsonError(426, 'upgrade_required', 'world-room: connect with a WebSocket');
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    // Admitted by its hello (token, resume, baseline, start place), never by the URL.
    this.gate.wait(server);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A waiting socket's first frame: a valid hello with a valid token joins it to the world. */
  private async hello(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const hello = this.gate.take(ws, message);
    const world = this.world;
    if (!hello || !world) return;
    const claims = await verifyHello(this.env, ws, hello, world.name, ROOM);
    const peer = claims ? await peerIdFor(world.name, claims.sub) : '';
    // Closed while its token was checked, or refused: nothing to join.
    if (!this.gate.admit(ws) || !claims || this.world !== world) return;
    this.join(ws, world, claims, hello.resumeId, hello.baseline, hello.at ?? null, peer);
    this.tickIfDue();
  }

  private newClient(ws: WebSocket, a: Attachment): Client {
    const now = Date.now();
    return {
      ws,
      session: a.session,
      actor: a.actor,
      perm: a.perm,
      avatar: a.avatar,
      name: a.name,
      move: [0, 0, 0],
      flags: 0,
      lastSeq: -1,
      acked: a.acked,
      sentTick: a.sentTick,
      anchor: { ...a.anchor },
      anchorTick: a.anchorTick,
      owed: new Map(),
      bucket: createFrameBucket(now),
      attachedAt: now,
      peer: a.peer ?? '',
      p2p: a.p2p ?? false,
      peersSent: '',
    };
  }

  private spawnAvatar(world: WorldState, c: Client, position: Vec3, rotation: Quat): void {
    world.entities.set(c.avatar, {
      entity: {
        id: c.avatar,
        kind: 'avatar',
        parent: 0,
        name: c.name,
        description: '',
        position,
        rotation,
        scale: [0.6, 0.6, AVATAR_HALF_HEIGHT * 2],
        velocity: [0, 0, 0],
        shape: SHAPE_PRESETS.cylinder,
        colors: [avatarColor(c.actor)],
      },
      shapeName: 'avatar',
      version: {},
      createdTick: world.tick,
      transformTick: world.tick,
      appearanceTick: world.tick,
    });
    this.physics?.addAvatar(c.avatar, position);
  }

  private restore(ws: WebSocket): void {
    const a = Attachment.safeParse(ws.deserializeAttachment());
    if (!a.success || !this.world) {
      ws.close(CLOSE.lost, 'world-room: the session could not be restored; reconnect');
      return;
    }
    const c = this.newClient(ws, a.data);
    this.clients.set(ws, c);
    // Never behind a tick this socket was sent (a crash while avatars moved loses the unsaved ticks).
    if (a.data.sentTick >= this.world.tick) this.world.tick = a.data.sentTick + 1;
    this.spawnAvatar(this.world, c, a.data.position, a.data.rotation);
    // Everyone was last told this avatar stood here (the room only hibernates when nothing moves).
    this.announce(c.avatar, a.data.position, [0, 0, 0], a.data.rotation, Date.now());
  }

  private attach(c: Client): void {
    const e = this.world?.entities.get(c.avatar);
    if (!e) return;
    const a: Attachment = {
      session: c.session,
      actor: c.actor,
      perm: c.perm,
      avatar: c.avatar,
      name: c.name,
      position: e.entity.position,
      rotation: e.entity.rotation,
      acked: c.acked,
      sentTick: c.sentTick,
      anchor: c.anchor,
      anchorTick: c.anchorTick,
      peer: c.peer,
      p2p: c.p2p,
    };
    c.ws.serializeAttachment(a);
    c.attachedAt = Date.now();
  }

  private send(c: Client, msg: ServerMessage): void {
    const frame = encodeFrame(msg, this.world?.bounds, ROOM);
    if (frame) sendFrame(c.ws, frame);
  }

  private sendFrame(c: Client, frame: Uint8Array): void {
    sendFrame(c.ws, frame);
  }

  /** An entity's wire record. Entities are validated when stored, so one that will not encode is a bug: logged, skipped. */
  private record(u: EntityUpdate, bounds: WorldState['bounds']): Uint8Array | null {
    try {
      return encodeEntityRecord(u, bounds);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      console.error(`world-room: entity ${u.id} does not encode: ${err.message}`);
      return null;
    }
  }

  /** Delta frames of pre-encoded entity records (split where a frame would be too large). */
  private sendDelta(c: Client, baseline: number, tick: number, records: Uint8Array[]): void {
    for (const frame of encodeDeltaFrames(baseline, tick, records)) this.sendFrame(c, frame);
  }

  /** Despawn frames for `ids`, split at the per-frame limit. */
  private sendDespawn(c: Client, tick: number, ids: number[]): void {
    for (let i = 0; i < ids.length; i += MAX_DESPAWN_IDS)
      this.send(c, { type: 'despawn', tick, ids: ids.slice(i, i + MAX_DESPAWN_IDS) });
  }

  /** Admits a socket: a resumed session gets welcome + delta, a new one welcome + snapshot + terrain. */
  private join(
    ws: WebSocket,
    world: WorldState,
    claims: TokenClaims,
    resumeId: string,
    baseline: number,
    at: Vec3 | null,
    peer: string,
  ): void {
    const now = Date.now();
    this.store.dropSessionsBefore(now - SESSION_RESUME_MS);
    // The same visitor coming back: same session, avatar and place, whatever its baseline. A session
    // whose old socket the room still holds (a reconnect that beat the old socket's close, or a socket
    // that died without one) is taken over, so the visitor does not come back as a second avatar.
    const live = resumeId ? [...this.clients.values()].find((c) => c.session === resumeId) : undefined;
    const previous = live ? this.takeOver(live, claims.sub, now) : resumeId ? this.store.getSession(resumeId) : null;
    const resumed = previous !== null && previous.actor === claims.sub ? previous : null;
    const session = resumed ? resumed.id : `s_${randomId(12)}`;
    const avatar = resumed ? resumed.avatar : world.allocateId();
    const name = `Visitor ${claims.sub.slice(0, 4)}`;
    // A fresh visit starts where its link points (on the ground there, inside the world), else at the spawn point.
    const position = resumed ? resumed.position : at ? this.standAt(world, at) : world.spawn;
    const rotation: Quat = resumed ? resumed.rotation : [0, 0, 0, 1];
    // The view a resumed client holds is the one around its stored anchor (see edge/world/interest.ts).
    const anchor = resumed?.anchor ? resumed.anchor : anchorAt(position, this.interest);
    // The tick the anchor last moved at, 0 when not since the last snapshot (applied whole or not at all).
    const anchorTick = resumed?.anchor ? (resumed.anchorTick ?? 0) : 0;
    // A delta is right only when the room still holds the history since the baseline (deletions are
    // remembered from minBaseline on) and the client's view has not moved since. The changes of the
    // baseline's own tick are sent again (a client acks a tick on its first frame, and a drop can cut the
    // rest of that tick's frames). Otherwise: a snapshot, still in the same session.
    const deltaFrom =
      resumed?.anchor &&
      Number.isInteger(baseline) &&
      baseline >= world.minBaseline &&
      baseline <= world.tick &&
      anchorTick < baseline
        ? baseline - 1
        : null;
    const c = this.newClient(ws, {
      session,
      actor: claims.sub,
      perm: claims.perm,
      avatar,
      name,
      position,
      rotation,
      acked: 0,
      sentTick: 0,
      anchor,
      anchorTick,
      peer,
    });
    this.clients.set(ws, c);
    this.spawnAvatar(world, c, position, rotation);
    this.greet(c, world, deltaFrom, resumed !== null);
    this.attach(c);
    this.lastActivity = now;
    this.schedule();
  }

  /**
   * Hands a session still held by socket `c` to a new connection of the same visitor (`actor`): the old
   * socket is closed and forgotten without a departure (the avatar stays); the session as it stands now.
   * Null when `actor` is someone else (their session is not theirs to take).
   */
  private takeOver(c: Client, actor: string, now: number): StoredSession | null {
    const e = this.world?.entities.get(c.avatar);
    if (c.actor !== actor || !e) return null;
    this.clients.delete(c.ws);
    closeSocket(c.ws, CLOSE.normal, 'world-room: this session resumed on another connection');
    return sessionOf(c, e, now);
  }

  /** `at` moved inside the world's bounds and no lower than standing on the ground. */
  private standAt(world: WorldState, at: Vec3): Vec3 {
    const [x, y, z] = world.clamp(at);
    return world.clamp([x, y, Math.max(z, world.groundAt(x, y) + AVATAR_HALF_HEIGHT)]);
  }

  /**
   * Welcome, then the state of the client's view: a delta from `baseline` when resuming (prims changed
   * since then in full, or despawned when out of view), else a snapshot and the terrain.
   */
  private greet(c: Client, world: WorldState, baseline: number | null, resumed = baseline !== null): void {
    this.send(c, {
      type: 'welcome',
      version: PROTOCOL_VERSION,
      session: c.session,
      avatar: c.avatar,
      bounds: world.bounds,
      serverTime: Date.now(),
      tick: world.tick,
      resumed,
      permissions: c.perm,
    });
    c.owed.clear();
    const reach = viewReach(this.interest);
    // Other avatars in view (a resumed client dropped its copies) and your own, as they are now.
    const avatars: Entity[] = [];
    for (const id of this.indexes.movers.visible(c.anchor, reach)) {
      const e = world.entities.get(id);
      if (e && id !== c.avatar) avatars.push(full(e));
    }
    const self = world.entities.get(c.avatar);
    if (self) avatars.push(full(self));
    if (baseline !== null) {
      const records: EntityUpdate[] = [];
      // Deleted since (an undo can bring an id back: what exists now is sent, not despawned).
      const gone = world.tombstones.filter((t) => t.tick > baseline && !world.entities.has(t.id)).map((t) => t.id);
      for (const e of world.entities.values()) {
        if (!changedSince(e, baseline)) continue;
        const key = this.indexes.prims.get(e.entity.id);
        if (key !== null && sees(c.anchor, key, reach)) records.push(full(e));
        else gone.push(e.entity.id);
      }
      this.sendDelta(
        c,
        baseline,
        world.tick,
        [...records, ...avatars].flatMap((u) => this.record(u, world.bounds) ?? []),
      );
      if (gone.length > 0) this.sendDespawn(c, world.tick, gone);
    } else {
      const all: Entity[] = [];
      for (const id of this.indexes.prims.visible(c.anchor, reach)) {
        const e = world.entities.get(id);
        if (e) all.push(full(e));
      }
      all.push(...avatars);
      const parts = Math.max(1, Math.ceil(all.length / SNAPSHOT_PART));
      for (let p = 0; p < parts; p++) {
        this.send(c, {
          type: 'snapshot',
          tick: world.tick,
          part: p,
          parts,
          entities: all.slice(p * SNAPSHOT_PART, (p + 1) * SNAPSHOT_PART),
        });
      }
      for (const patch of terrainPatches(world.terrain)) this.send(c, patch);
      c.anchorTick = 0;
    }
    c.sentTick = world.tick;
  }

  /** Records what everyone is told about a mover and indexes it in its cell; returns the move. */
  private announce(id: number, position: Vec3, velocity: Vec3, rotation: Quat, now: number): Transition {
    const from = this.indexes.movers.get(id);
    const to = cellAt(position, this.interest);
    this.indexes.movers.set(id, to);
    this.announced.set(id, { position: [...position], velocity: [...velocity], rotation: [...rotation], at: now });
    return { id, mover: true, from, to };
  }

  /**
   * Arms the tick timer. Under load the runtime fires timers late (at 1,000+ frames/s workerd ran the
   * 50 ms timer only 5–7 times a second), so busy rooms tick from their own traffic instead: see
   * tickIfDue, called after every frame. The timer is the fallback for a quiet room.
   */
  private schedule(): void {
    if (this.timer !== null || this.clients.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, TICK_MS);
  }

  /** Runs the tick now when it is due (TICK_MS since the last), so a busy room keeps its rate. */
  private tickIfDue(): void {
    if (Date.now() - this.lastStep < TICK_MS) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.tick();
  }

  /** One simulation step: move avatars, then send each client what changed for it. */
  private tick(): void {
    const world = this.world;
    if (!world) return;
    const now = Date.now();
    const dt = Math.min(0.25, (now - this.lastStep) / 1000);
    this.lastStep = now;
    let walking = false;
    const intents = new Map<number, AvatarIntent>();
    const was = new Map<number, { position: Vec3; velocity: Vec3 }>();
    for (const c of this.clients.values()) {
      if (c.move[0] !== 0 || c.move[1] !== 0 || c.move[2] !== 0) walking = true;
      const e = world.entities.get(c.avatar);
      if (!e) continue;
      intents.set(c.avatar, { move: c.move, rotation: e.entity.rotation, flags: c.flags });
      was.set(c.avatar, { position: e.entity.position, velocity: e.entity.velocity });
    }
    const physics = this.physics?.update(dt, (id) => intents.get(id));
    let moved = (physics?.moved.length ?? 0) > 0;
    for (const [id, before] of was) {
      const e = world.entities.get(id)?.entity;
      if (!e) continue;
      if (
        e.position.some((p, i) => Math.abs(p - (before.position[i] ?? 0)) > 1e-6) ||
        e.velocity.some((v, i) => v !== before.velocity[i])
      )
        moved = true;
    }
    if (moved) {
      world.advance();
      this.lastActivity = now;
    }
    if (physics && physics.moved.length > 0) {
      // Physical prims travel as prim changes (pose and velocity), and are stored once they come to rest.
      for (const id of physics.moved) {
        const e = world.entities.get(id);
        if (e) e.transformTick = world.tick;
      }
      for (const id of physics.settled) {
        const e = world.entities.get(id);
        if (e) world.persist(e);
      }
      this.editsPending = true;
    }
    this.flush(now);
    if (now - this.lastActivity < LINGER_MS || walking || physics?.active) this.schedule();
    // Going quiet: save the tick movement advanced (a write per quiet spell, not per tick), so that it
    // survives the hibernation that may follow.
    else world.saveTick();
  }

  /** This flush's changes: prims edited since the last flush, movers dead reckoning says to announce, departures. */
  private transitions(world: WorldState, now: number): { transitions: Transition[]; primUpdates: Map<number, EntityUpdate> } {
    const transitions: Transition[] = [];
    const primUpdates = new Map<number, EntityUpdate>();
    const since = this.lastFlushTick;
    if (this.editsPending) {
      this.editsPending = false;
      for (const e of world.entities.values()) {
        if (!changedSince(e, since)) continue;
        const id = e.entity.id;
        const from = this.indexes.prims.get(id);
        const to = cellAt(e.entity.position, this.interest);
        this.indexes.prims.set(id, to);
        primUpdates.set(id, primChange(e, since));
        transitions.push({ id, mover: false, from, to });
      }
      for (const t of world.tombstones) {
        if (t.tick <= since) continue;
        const from = this.indexes.prims.delete(t.id);
        if (from !== null) transitions.push({ id: t.id, mover: false, from, to: null });
      }
    }
    this.lastFlushTick = world.tick;
    // Departures. An avatar whose session resumed since is no departure: it is announced afresh below
    // (one transition per id and flush).
    for (const id of this.departed) {
      this.announced.delete(id);
      if (world.entities.has(id)) continue;
      const from = this.indexes.movers.delete(id);
      if (from !== null) transitions.push({ id, mover: true, from, to: null });
    }
    this.departed = [];
    for (const c of this.clients.values()) {
      const e = world.entities.get(c.avatar)?.entity;
      if (!e) continue;
      const last = this.announced.get(c.avatar);
      if (
        !last ||
        needsAnnouncement(last, e.position, e.velocity, e.rotation, now, this.interest) ||
        cellAt(e.position, this.interest) !== this.indexes.movers.get(c.avatar)
      )
        transitions.push(this.announce(c.avatar, e.position, e.velocity, e.rotation, now));
    }
    return { transitions, primUpdates };
  }

  /**
   * Sends every client what changed in its view (edge/world/interest.ts plans it): each changed entity is
   * encoded once per flush and the records are shared by all the frames that carry it.
   */
  private flush(now: number): void {
    const world = this.world;
    if (!world) return;
    const { transitions, primUpdates } = this.transitions(world, now);
    const changedIds = new Set(transitions.map((t) => t.id));
    const budget = (this.interest.bytesPerSecond * TICK_MS) / 1000;
    const bounds = world.bounds;
    // Each kind of record is encoded at most once per entity and flush.
    const once = (make: (id: number) => EntityUpdate | null): ((id: number) => Uint8Array | null) => {
      const cache = new Map<number, Uint8Array | null>();
      return (id) => {
        let r = cache.get(id);
        if (r === undefined) {
          const u = make(id);
          r = u ? this.record(u, bounds) : null;
          cache.set(id, r);
        }
        return r;
      };
    };
    const entity = (id: number) => world.entities.get(id);
    const fullRecord = once((id) => {
      const e = entity(id);
      return e ? full(e) : null;
    });
    const motionRecord = once((id) => {
      const e = entity(id)?.entity;
      return e ? { id, position: e.position, rotation: e.rotation, velocity: e.velocity } : null;
    });
    const changedRecord = once((id) => {
      const u = primUpdates.get(id);
      if (u) return u;
      const e = entity(id);
      return e ? full(e) : null;
    });
    const locate = (id: number): Vec3 | null => world.entities.get(id)?.entity.position ?? null;
    const shared = new Map<string, Uint8Array[]>();
    for (const c of this.clients.values()) {
      const position = locate(c.avatar);
      if (!position) continue;
      const plan = planView(
        { avatar: c.avatar, position, anchor: c.anchor, owed: c.owed },
        transitions,
        changedIds,
        this.indexes,
        locate,
        budget,
        this.interest,
      );
      if (plan.anchorMoved) c.anchorTick = world.tick;
      if (plan.changed.length + plan.full.length + plan.motion.length > 0) {
        // Visitors who see the same changes from the same baseline get the same bytes: in a crowd that is
        // nearly everyone, so those frames are assembled once.
        const key = `${c.sentTick}|${plan.changed.join(',')}|${plan.full.join(',')}|${plan.motion.join(',')}`;
        let frames = shared.get(key);
        if (!frames) {
          const records: Uint8Array[] = [];
          for (const id of plan.changed) {
            const r = changedRecord(id);
            if (r) records.push(r);
          }
          for (const id of plan.full) {
            const r = fullRecord(id);
            if (r) records.push(r);
          }
          for (const id of plan.motion) {
            const r = motionRecord(id);
            if (r) records.push(r);
          }
          frames = encodeDeltaFrames(c.sentTick, world.tick, records);
          shared.set(key, frames);
        }
        for (const frame of frames) this.sendFrame(c, frame);
        if (frames.length > 0) c.sentTick = world.tick;
      }
      if (plan.despawn.length > 0) this.sendDespawn(c, world.tick, plan.despawn);
      if (now - c.attachedAt > 1000) this.attach(c);
    }
    if (now - this.peersPlannedAt >= PEERS_EVERY_MS) this.sharePeers(now);
  }

  /**
   * Tells every opted-in visitor the nearby opted-in visitors it may open DataChannels to (edge/world/peers.ts),
   * when its list changed; a visitor that opted out hears an empty list once. The world's SignalRoom gets the
   * changed lists first (it relays an OFFER, ANSWER or CANDIDATE only between two visitors named to each
   * other), and the visitors hear once it has them, so their first OFFER passes.
   */
  private sharePeers(now: number): void {
    const world = this.world;
    if (!world) return;
    this.peersPlannedAt = now;
    const candidates: PeerCandidate[] = [];
    for (const c of this.clients.values()) {
      const position = c.p2p && c.peer !== '' ? world.entities.get(c.avatar)?.entity.position : undefined;
      if (position) candidates.push({ entity: c.avatar, peer: c.peer, position });
    }
    const plan = planPeers(candidates);
    const lists: Record<string, string[]> = {};
    // Departed first: a visitor that came back under the same peer id gets its new list below.
    for (const peer of this.peersLeft) lists[peer] = [];
    this.peersLeft.clear();
    const tell: { c: Client; msg: ServerMessage }[] = [];
    for (const c of this.clients.values()) {
      const links = plan.get(c.avatar);
      const msg: ServerMessage = links ? { type: 'peers', self: c.peer, peers: links } : { type: 'peers', self: '', peers: [] };
      const key = links ? `${c.peer}|${links.map((l) => l.entity).join(',')}` : '';
      if (key === c.peersSent) continue;
      c.peersSent = key;
      if (c.peer !== '') lists[c.peer] = links ? links.map((l) => l.peer) : [];
      tell.push({ c, msg });
    }
    if (Object.keys(lists).length === 0) {
      for (const t of tell) this.send(t.c, t.msg);
      return;
    }
    const told = () => {
      for (const t of tell) if (this.clients.get(t.c.ws) === t.c) this.send(t.c, t.msg);
    };
    this.env.SIGNAL_ROOM.getByName(world.name)
      .allow(lists)
      .then(
        (r) => {
          if (!r.ok) console.error(`world-room: the SignalRoom refused the peer lists: ${r.message}`);
          told();
        },
        (err: unknown) => {
          // Signalling refuses these visitors' offers meanwhile: their motion keeps coming from the room.
          console.error(
            `world-room: the SignalRoom did not take the peer lists: ${err instanceof Error ? err.message : String(err)}`,
          );
          told();
        },
      );
  }

  /** Token bucket per socket: true when the frame may be handled. Closes a repeat offender with CLOSE.flood. */
  private admit(c: Client): boolean {
    const verdict = takeFrameToken(c.bucket, Date.now());
    if (verdict === 'ok') return true;
    if (verdict === 'flood') {
      c.ws.close(CLOSE.flood, 'world-room: too many frames; closed after a warning');
      this.leave(c.ws);
      return false;
    }
    this.send(c, {
      type: 'error',
      code: 'rate_limited',
      message: `world-room: more than ${FLOOD_RATE} frames per second; frames are being dropped, and the socket closes if this goes on`,
    });
    return false;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (this.gate.has(ws)) {
      await this.hello(ws, message);
      return;
    }
    const c = this.clients.get(ws);
    if (!c || !this.world) {
      ws.close(CLOSE.lost, 'world-room: unknown socket; reconnect');
      return;
    }
    if (isOversized(message)) {
      ws.close(CLOSE.tooBig, oversizedReason(ROOM));
      this.leave(ws);
      return;
    }
    const source = String(c.avatar);
    if (!this.anomaly.observe(source, typeof message === 'string' ? message.length : message.byteLength)) {
      const s = this.anomaly.score(source);
      if (s && !c.throttleWarned) {
        c.throttleWarned = true;
        const top = s.features[0];
        this.send(c, {
          type: 'error',
          code: 'world_throttled',
          message: `world-room: your frames are far over this connection's usual rate${top ? ` (${top.feature} ${Math.round(top.value)}, usually ${Math.round(top.mean)})` : ''}; they are dropped for a while`,
        });
      }
      return;
    }
    c.throttleWarned = false;
    if (!this.admit(c)) return;
    const frame = decodeFrame(message, ROOM);
    if ('error' in frame) {
      this.send(c, frame.error);
      return;
    }
    this.handle(c, this.world, frame.msg);
    this.tickIfDue();
  }

  private handle(c: Client, world: WorldState, msg: ClientMessage): void {
    switch (msg.type) {
      case 'hello':
        if (msg.world !== world.name) {
          this.send(c, {
            type: 'error',
            code: 'world_mismatch',
            message: `world-room: this socket is in "${world.name}", not "${msg.world}"`,
          });
          return;
        }
        this.greet(c, world, null);
        return;
      case 'input': {
        if (msg.seq <= c.lastSeq && c.lastSeq - msg.seq < 0x80000000) return; // stale or repeated
        c.lastSeq = msg.seq;
        c.move = msg.move;
        c.flags = msg.flags;
        const e = world.entities.get(c.avatar);
        if (e) e.entity.rotation = msg.rotation;
        this.lastActivity = Date.now();
        this.schedule();
        return;
      }
      case 'chat': {
        if (!hasPermission(c.perm, PERMISSION.chat)) {
          this.send(c, { type: 'error', code: 'permission_denied', message: 'world-room: your token does not allow chat' });
          return;
        }
        const line: ServerMessage = { type: 'chat', from: c.avatar, name: c.name, text: msg.text, time: Date.now() };
        for (const other of this.clients.values()) this.send(other, line);
        return;
      }
      case 'action': {
        const body = msg.body;
        if (body.op === 'prepare' && body.actions.some((a) => a.tool === 'create_model')) {
          void this.prepareModels(c, msg.id, body);
          return;
        }
        this.act(c, world, msg.id, body);
        return;
      }
      case 'ack':
        if (msg.tick <= c.sentTick) c.acked = Math.max(c.acked, msg.tick);
        return;
      case 'ping':
        this.send(c, { type: 'pong', nonce: msg.nonce, clientTime: msg.clientTime, serverTime: Date.now() });
        return;
      case 'p2p':
        // Opting in shows this visitor's IP address to its peers: only ever on the visitor's own request.
        if (c.p2p === msg.on) return;
        c.p2p = msg.on;
        this.attach(c);
        this.sharePeers(Date.now());
        return;
      case 'teleport':
      case 'map_request':
        this.send(c, {
          type: 'error',
          code: 'world_not_supported',
          message: 'world: teleports and the world map are for OpenSim grids; a Finalverse world is one place',
        });
        return;
    }
  }

  /** Runs one World Tool operation for `c` and answers it; a change is broadcast at once. */
  private act(c: Client, world: WorldState, id: number, body: WorldOperation): void {
    const since = world.tick;
    const change = world.operate(body, c.actor, c.perm, c.name);
    if (change.changed) this.physics?.syncSince(since);
    this.send(c, { type: 'action_result', id, result: change.result });
    if (change.changed) {
      this.lastActivity = Date.now();
      this.editsPending = true;
      this.flush(Date.now());
    }
  }

  /**
   * A plan that places models: each model must be stored (R2), and one placed without a scale gets its own size
   * (edge/world/models.ts); then it is prepared like any plan.
   */
  private async prepareModels(c: Client, id: number, body: Extract<WorldOperation, { op: 'prepare' }>): Promise<void> {
    const failed = (code: string, message: string): void =>
      this.send(c, { type: 'action_result', id, result: { op: 'failed', code, message } });
    const actions: WorldAction[] = [];
    for (const a of body.actions) {
      if (a.tool !== 'create_model') {
        actions.push(a);
        continue;
      }
      let info: Awaited<ReturnType<typeof findModel>>;
      try {
        info = await findModel(this.env.MODELS, a.model);
      } catch {
        failed('world_model_unavailable', 'world-room: the model store did not answer; try again');
        return;
      }
      if (!info) {
        failed('world_model_not_found', `world-room: no model ${a.model}; upload it with POST /api/models first`);
        return;
      }
      actions.push(a.scale ? a : { ...a, scale: defaultModelScale(info.size) });
    }
    const world = this.world;
    if (!world || !this.clients.has(c.ws)) return;
    this.act(c, world, id, { ...body, actions });
  }

  /** Forgets a socket: its avatar leaves the world, its session stays resumable for a while. */
  private leave(ws: WebSocket): void {
    const c = this.clients.get(ws);
    if (!c) return;
    this.clients.delete(ws);
    this.anomaly.forget(String(c.avatar));
    const world = this.world;
    const e = world?.entities.get(c.avatar);
    this.departed.push(c.avatar);
    if (world && e) {
      world.entities.delete(c.avatar);
      this.physics?.removeAvatar(c.avatar);
      this.store.putSession(sessionOf(c, e, Date.now()));
    }
    this.lastActivity = Date.now();
    if (c.p2p) {
      this.peersPlannedAt = 0; // its peers hear at the next flush that it is gone
      if (c.peer !== '') this.peersLeft.add(c.peer);
    }
    if (this.clients.size > 0) this.flush(Date.now());
    else world?.saveTick(); // the last one out: nothing ticks any more
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.gate.forget(ws);
    this.leave(ws);
    echoClose(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.gate.forget(ws);
    this.leave(ws);
  }
}
