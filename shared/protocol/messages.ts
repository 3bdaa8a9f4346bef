/** Storm protocol v1 messages: tagged unions with runtime schemas, the types inferred under the same names. */
import { z } from 'zod';
import { Bounds, boundedString, Entity, EntityId, EntityUpdate, EntityUuid, Quat, uint } from './entity';
import {
  MAX_CHAT_BYTES,
  MAX_DESPAWN_IDS,
  MAX_ENTITIES_PER_FRAME,
  MAX_ERROR_CODE_BYTES,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_MAP_REGIONS,
  MAX_MAP_SPAN,
  MAX_NAME_BYTES,
  MAX_P2P_PEERS,
  MAX_REGION_SIZE,
  MAX_SESSION_BYTES,
  MAX_SESSION_REGIONS,
  MAX_START_COORDINATE,
  MAX_TERRAIN_PATCH_SIDE,
  MAX_TOKEN_BYTES,
  PROTOCOL_VERSION,
  WORLD_NAME_PATTERN,
} from './limits';
import { RegionInfo } from './material';
import { BOUND_PEER_ID_PATTERN } from './signal';
import { SoundPreload, SoundTrigger } from './sound';
import { OperationResult, WorldOperation } from './world-tool';

/** Movement flags of an input frame. */
export const INPUT_FLAGS = { run: 1, jump: 2, fly: 4 } as const;

// ---- client → edge ----

/** A start coordinate of a hello (metres; generous, the room clamps it into the world). */
const StartCoordinate = z.number().min(-MAX_START_COORDINATE).max(MAX_START_COORDINATE);

/**
 * The handshake, a socket's first frame (the room closes a socket whose first frame is not a valid hello,
 * or that sends none within HELLO_TIMEOUT_MS): protocol version, access token, the world (a GridSession's
 * name for an OpenSim region), a resume id (empty for a new session) and where a new visit starts.
 */
export const Hello = z.object({
  type: z.literal('hello'),
  version: z.literal(PROTOCOL_VERSION),
  token: boundedString(MAX_TOKEN_BYTES),
  world: z.string().regex(WORLD_NAME_PATTERN),
  /** The session id of an earlier welcome, to resume it; '' for none. */
  resumeId: boundedString(MAX_SESSION_BYTES),
  /** The last tick the client acknowledged in that session (0 for none). */
  baseline: uint(32),
  /** Where a new visit starts (a link's x/y/z); a resumed session stays where it was. */
  at: z.tuple([StartCoordinate, StartCoordinate, StartCoordinate]).optional(),
});
export type Hello = z.infer<typeof Hello>;

/** Movement intent: forward/back, left/right, up/down in [-1, 1], plus the avatar's facing. */
export const Input = z.object({
  type: z.literal('input'),
  seq: uint(32),
  move: z.tuple([z.number().min(-1).max(1), z.number().min(-1).max(1), z.number().min(-1).max(1)]),
  rotation: Quat,
  flags: uint(8),
});
export type Input = z.infer<typeof Input>;

/** A chat line from the client. */
export const ClientChat = z.object({ type: z.literal('chat'), text: boundedString(MAX_CHAT_BYTES).refine((s) => s.length > 0) });
export type ClientChat = z.infer<typeof ClientChat>;

/** A World Tool Protocol operation; `id` pairs it with its action_result. */
export const Action = z.object({ type: z.literal('action'), id: uint(32), body: WorldOperation });
export type Action = z.infer<typeof Action>;

/** The newest tick the client has applied: the baseline for the next delta. */
export const Ack = z.object({ type: z.literal('ack'), tick: uint(32) });
export type Ack = z.infer<typeof Ack>;

/** Round-trip probe. */
export const Ping = z.object({ type: z.literal('ping'), nonce: uint(32), clientTime: z.number() });
export type Ping = z.infer<typeof Ping>;

/**
 * Peer-to-peer opt-in: `on` asks the room to tell this visitor its nearby peers (and them about it). Off by
 * default: a peer connection shows the visitor's IP address to the other visitor.
 */
export const P2p = z.object({ type: z.literal('p2p'), on: z.boolean() });
export type P2p = z.infer<typeof P2p>;

/** A region-local coordinate (metres) of a teleport destination. */
const RegionCoordinate = z.number().min(0).max(MAX_REGION_SIZE);

/**
 * Grid travel: teleport to `position` in the region named `region` ('' for the region you are in). The edge
 * answers with `travel` frames (start, progress, finish or failed with the grid's reason).
 */
export const Teleport = z.object({
  type: z.literal('teleport'),
  region: boundedString(MAX_NAME_BYTES),
  position: z.tuple([RegionCoordinate, RegionCoordinate, z.number().min(0).max(4096)]),
});
export type Teleport = z.infer<typeof Teleport>;

/**
 * The world map: ask for the regions whose grid coordinates (region units, not metres) lie in [min, max], at most
 * MAX_MAP_SPAN a side (the decoder checks the span), or, with `name` set, for the regions whose names start with it.
 */
export const MapRequest = z.object({
  type: z.literal('map_request'),
  min: z.tuple([uint(16), uint(16)]),
  max: z.tuple([uint(16), uint(16)]),
  name: boundedString(MAX_NAME_BYTES),
});
export type MapRequest = z.infer<typeof MapRequest>;

/** Whether a map request's rectangle is well-formed (max not below min, at most MAX_MAP_SPAN a side). */
export function mapRequestProblem(m: Pick<MapRequest, 'min' | 'max'>): string | null {
  if (m.max[0] < m.min[0] || m.max[1] < m.min[1]) return 'max lies below min';
  if (m.max[0] - m.min[0] >= MAX_MAP_SPAN || m.max[1] - m.min[1] >= MAX_MAP_SPAN)
    return `it spans more than ${MAX_MAP_SPAN} regions a side`;
  return null;
}

/** Every message a client sends. */
export const ClientMessage = z.discriminatedUnion('type', [
  Hello,
  Input,
  ClientChat,
  Action,
  Ack,
  Ping,
  P2p,
  Teleport,
  MapRequest,
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---- edge → client ----

/** The answer to hello: the session (keep it to resume), your avatar, the world's bounds, the clock. */
export const Welcome = z.object({
  type: z.literal('welcome'),
  version: z.literal(PROTOCOL_VERSION),
  session: boundedString(MAX_SESSION_BYTES),
  avatar: EntityId,
  bounds: Bounds,
  /** Milliseconds since the Unix epoch on the edge. */
  serverTime: z.number(),
  tick: uint(32),
  /** True when the session resumed from the client's baseline (no snapshot follows). */
  resumed: z.boolean(),
  /** The token's permission bits (see edge/auth). */
  permissions: uint(32),
});
export type Welcome = z.infer<typeof Welcome>;

/** Entities in full. `part`/`parts` split large snapshots; the state is complete after the last part. */
export const Snapshot = z.object({
  type: z.literal('snapshot'),
  tick: uint(32),
  part: uint(16),
  parts: uint(16).min(1),
  entities: z.array(Entity).max(MAX_ENTITIES_PER_FRAME),
});
export type Snapshot = z.infer<typeof Snapshot>;

/** Changes since `baseline` (a tick the client acknowledged); entities new to the client come in full. */
export const Delta = z.object({
  type: z.literal('delta'),
  baseline: uint(32),
  tick: uint(32),
  entities: z.array(EntityUpdate).max(MAX_ENTITIES_PER_FRAME),
});
export type Delta = z.infer<typeof Delta>;

/** Entities gone (deleted, left, or out of interest). */
export const Despawn = z.object({ type: z.literal('despawn'), tick: uint(32), ids: z.array(EntityId).max(MAX_DESPAWN_IDS) });
export type Despawn = z.infer<typeof Despawn>;

/** A square of terrain heights: `size`×`size` samples, row-major (y rows of x), `spacing` metres apart, from (x, y). */
export const TerrainPatch = z
  .object({
    type: z.literal('terrain'),
    x: z.number().min(-65536).max(65536),
    y: z.number().min(-65536).max(65536),
    size: z.number().int().min(1).max(MAX_TERRAIN_PATCH_SIDE),
    spacing: z.number().positive().max(1024),
    heights: z.array(z.number()),
  })
  .refine((p) => p.heights.length === p.size * p.size, { message: 'heights must hold size×size samples' });
export type TerrainPatch = z.infer<typeof TerrainPatch>;

/** A chat line heard in the world. */
export const ServerChat = z.object({
  type: z.literal('chat'),
  from: uint(32),
  name: boundedString(MAX_NAME_BYTES),
  text: boundedString(MAX_CHAT_BYTES),
  time: z.number(),
});
export type ServerChat = z.infer<typeof ServerChat>;

/** The result of an action, paired by id. */
export const ActionResult = z.object({ type: z.literal('action_result'), id: uint(32), result: OperationResult });
export type ActionResult = z.infer<typeof ActionResult>;

/** A refusal: stable code (docs/errors.md) and a plain message. */
export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: boundedString(MAX_ERROR_CODE_BYTES),
  message: boundedString(MAX_ERROR_MESSAGE_BYTES),
});
export type ErrorFrame = z.infer<typeof ErrorFrame>;

/** The answer to ping. */
export const Pong = z.object({ type: z.literal('pong'), nonce: uint(32), clientTime: z.number(), serverTime: z.number() });
export type Pong = z.infer<typeof Pong>;

/** A peer the room lets a visitor connect to: the other visitor's avatar and its bound PeerJS id. */
export const PeerLink = z.object({ entity: EntityId, peer: z.string().regex(BOUND_PEER_ID_PATTERN) });
export type PeerLink = z.infer<typeof PeerLink>;

/**
 * The visitor's own peer id and the nearby opted-in visitors it may open DataChannels to (at most
 * MAX_P2P_PEERS, nearest first). Sent when the list changes; `self` is '' and `peers` empty when p2p is off.
 */
export const Peers = z.object({
  type: z.literal('peers'),
  self: z.union([z.literal(''), z.string().regex(BOUND_PEER_ID_PATTERN)]),
  peers: z.array(PeerLink).max(MAX_P2P_PEERS),
});
export type Peers = z.infer<typeof Peers>;

/** A grid region's handle: its south-west corner in global metres, (x << 32) | y, as decimal digits (a u64). */
export const RegionHandle = z.string().regex(/^\d{1,20}$/, 'a region handle is a u64 in decimal digits');

/** One region of a grid session: its slot (what entities' `region` names), name, handle, size and origin. */
export const SessionRegion = z.object({
  slot: uint(16),
  name: boundedString(MAX_NAME_BYTES),
  handle: RegionHandle,
  size: z.tuple([z.number().int().min(1).max(MAX_REGION_SIZE), z.number().int().min(1).max(MAX_REGION_SIZE)]),
  /** Where the region's (0, 0) lies in the session frame (metres): a neighbour east of a 256 m frame region is (256, 0). */
  origin: z.tuple([
    z.number().min(-MAX_START_COORDINATE).max(MAX_START_COORDINATE),
    z.number().min(-MAX_START_COORDINATE).max(MAX_START_COORDINATE),
  ]),
});
export type SessionRegion = z.infer<typeof SessionRegion>;

/**
 * The regions a grid session shows now (the one you are in and the neighbours within draw distance), sent when
 * the set or the current one changes. Terrain patches are in the session frame; root entities' positions are in
 * their region's frame (Entity.region). A teleport far away starts a new frame (a new welcome and snapshot).
 */
export const Regions = z.object({
  type: z.literal('regions'),
  current: uint(16),
  regions: z.array(SessionRegion).min(1).max(MAX_SESSION_REGIONS),
});
export type Regions = z.infer<typeof Regions>;

/** What a travel frame reports. */
export const TRAVEL_KINDS = [
  'teleport_start',
  'teleport_progress',
  'teleport_finish',
  'teleport_failed',
  'teleport_local',
  'crossed',
  'neighbour_added',
  'neighbour_removed',
  'neighbour_refused',
] as const;

/**
 * A step of grid travel: a teleport's progress (with the grid's own words), its end or failure (with the reason);
 * a border crossed; a neighbour region shown, dropped or refused (e.g. outside the relay's allowlist).
 */
export const Travel = z.object({
  type: z.literal('travel'),
  kind: z.enum(TRAVEL_KINDS),
  region: boundedString(MAX_NAME_BYTES),
  message: boundedString(MAX_ERROR_MESSAGE_BYTES),
  /** Milliseconds since the teleport was asked for (teleports) or since the last update from the old region (crossings); 0 otherwise. */
  ms: z.number().min(0).max(3_600_000),
});
export type Travel = z.infer<typeof Travel>;

/** A region on the world map (MapBlockReply). */
export const MapRegion = z.object({
  name: boundedString(MAX_NAME_BYTES),
  /** Grid coordinates (region units: the handle divided by 256). */
  x: uint(16),
  y: uint(16),
  size: z.tuple([z.number().int().min(1).max(MAX_REGION_SIZE), z.number().int().min(1).max(MAX_REGION_SIZE)]),
  /** SL maturity/access byte (13 PG, 21 mature, 42 adult, 254 down, 255 none). */
  access: uint(8),
  /** The map tile texture (a J2K asset, fetched through the asset route); the nil UUID for none. */
  image: EntityUuid,
  agents: uint(8),
});
export type MapRegion = z.infer<typeof MapRegion>;

/** The answer to a map_request (and a name lookup): the regions found. */
export const MapReply = z.object({ type: z.literal('map'), regions: z.array(MapRegion).max(MAX_MAP_REGIONS) });
export type MapReply = z.infer<typeof MapReply>;

/** Every message the edge sends. */
export const ServerMessage = z.discriminatedUnion('type', [
  Welcome,
  Snapshot,
  Delta,
  Despawn,
  TerrainPatch,
  ServerChat,
  ActionResult,
  ErrorFrame,
  Pong,
  SoundTrigger,
  SoundPreload,
  RegionInfo,
  Peers,
  Regions,
  Travel,
  MapReply,
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Default bounds (one 256 m OpenSim-sized region, -64…448 m high) when a world names none. */
export const DEFAULT_BOUNDS: Bounds = { min: [0, 0, -64], max: [256, 256, 448] };
