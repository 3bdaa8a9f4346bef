/**
 * The resources and events the world App's plugins share. Each plugin owns what it inserts; the others read
 * it through these keys.
 */
import type {
  Bounds,
  EntityOwner,
  EntitySound,
  HoverText,
  MapReply,
  OperationResult,
  Peers,
  RegionInfo,
  Regions,
  SoundPreload,
  SoundTrigger,
  TerrainPatch,
  Travel,
} from '../../shared/protocol';
import { defineEvent, defineResource, type EntityId, type World } from '../engine';
import type { ConnectionState as NetConnectionState } from '../net/storm-connection';
import type { MaterialTableWriter } from '../scene/material-table';
import type { PeerMotions } from './peer-motions';
import type { WorldCommand, WorldEvent } from './world-protocol';

/** The world App's clock, in ms (performance.now in workers; the fake clock in tests). */
export const Clock = defineResource<{ now: () => number }>('world/clock');

/** Where events for the page go (the worker's postMessage; a collector in tests; nothing in visit). */
export const Outbox = defineResource<{ post: (event: WorldEvent, transfer?: Transferable[]) => void }>('world/outbox');

/** Commands from the page, parsed at the worker's door. */
export const Commands = defineEvent<WorldCommand>('world/commands', { capacity: 1024 });

/** Which world this App shows. */
export interface Place {
  kind: 'fv' | 'os';
  name: string;
  /** The region's size (OpenSim: from the login; Finalverse: from the welcome's bounds). */
  size: [number, number];
  bounds: Bounds | null;
  /**
   * Where the region you are in lies in the session frame (OpenSim: its `regions` origin; [0, 0] until a crossing or
   * teleport moves you on, and always for Finalverse). A position in the world's columns minus this is a position in
   * that region, what a link names.
   */
  origin: [number, number];
  /** The regions shown (a grid session: the one you are in and its neighbours), in the session frame. */
  regions?: { name: string; origin: [number, number]; size: [number, number] }[];
  /** What your token lets you do here: the welcome's permission bits (0 before it, and on a grid). */
  permissions?: number;
}
export const CurrentPlace = defineResource<Place>('world/place');

/** Server entities as ECS entities: an index (the world's state lives in the columns), plus the strings columns cannot hold. */
export interface NetIndex {
  readonly byNet: Map<number, EntityId>;
  /** Names by server id (avatars: what the people list and name tags show). */
  readonly names: Map<number, string>;
  /** The source world's own ids (OpenSim object UUIDs), where the server sent one. */
  readonly uuids: Map<number, string>;
  /** Hover texts by server id (only entities that have one). */
  readonly texts: Map<number, HoverText>;
  /** Owners by server id (only entities whose world said one: OpenSim's owner UUID, a Finalverse creator's name). */
  readonly owners: Map<number, EntityOwner>;
  /** Your avatar's server id (0 until the welcome). */
  selfNetId: number;
}
export const Entities = defineResource<NetIndex>('world/entities');

/** Your avatar's ECS entity, or undefined while there is none (before the welcome, or before it arrived). */
export function selfEntity(world: World, index: NetIndex): EntityId | undefined {
  const e = index.byNet.get(index.selfNetId);
  return e !== undefined && world.isAlive(e) ? e : undefined;
}

/**
 * The material table (web/scene/material-table.ts): face materials and asset ids the Surface and Sculpt columns
 * index; its buffer goes to the render worker with the world's memory.
 */
export const Materials = defineResource<{ buffer: ArrayBufferLike; writer: MaterialTableWriter }>('world/materials');

/** Set by systems that change what the renderer must rebuild (entities, shapes, colours); cleared by render extract. */
export const SceneChanges = defineResource<{ structural: boolean }>('world/scene-changes');

/** The connection's state changed. */
export const NetStateChanged = defineEvent<{ state: NetConnectionState; detail: string | undefined }>('net/state');
/** A new connection began: everything the old one delivered is gone. */
export const WorldReset = defineEvent<{ connection: number }>('world/reset');
/** The room welcomed you. */
export const Welcomed = defineEvent<{ avatar: number; bounds: Bounds; resumed: boolean; permissions: number }>('net/welcome');
/** Entities appeared (server ids). */
export const Spawned = defineEvent<number>('net/spawned', { capacity: 1 << 20 });
/** A snapshot's last part was applied: the state is complete. */
export const SnapshotApplied = defineEvent<{ entities: number }>('net/snapshot');
/** The region's terrain textures and water arrived (or changed). */
export const RegionInfoReceived = defineEvent<RegionInfo>('net/region-info');
/** A terrain patch arrived. */
export const TerrainReceived = defineEvent<TerrainPatch>('net/terrain', { capacity: 65_536 });
/** A chat line arrived. */
export const ChatHeard = defineEvent<{ from: number; name: string; text: string; time: number }>('net/chat');
/** The server sent an error frame. */
export const ServerError = defineEvent<{ code: string; message: string }>('net/error');
/** A World Tool Protocol operation was answered (ids are the operations plugin's own). */
export const OperationAnswered = defineEvent<{ id: number; result: OperationResult }>('net/operation');
/** An entity's sound arrived or changed (server id; a NO_SOUND_ASSET asset or the stop flag: it went silent). */
export const SoundChanged = defineEvent<{ id: number; sound: EntitySound }>('net/sound', { capacity: 65_536 });
/** A one-shot sound was triggered in the world. */
export const SoundTriggered = defineEvent<SoundTrigger>('net/sound-trigger');
/** The server asked to fetch sound assets ahead of playing them. */
export const SoundPreloaded = defineEvent<SoundPreload>('net/sound-preload');

/** A grid session's regions (the one you are in and its neighbours, with their slots and origins). */
export const RegionsReceived = defineEvent<Regions>('net/regions');
/** A step of grid travel (teleport progress, a crossing, a neighbour shown, dropped or refused). */
export const TravelHeard = defineEvent<Travel>('net/travel');
/** The world map's answer to a map request. */
export const MapReceived = defineEvent<MapReply>('net/map');

/** The room's peers frame: whom this visitor may connect to peer-to-peer (the p2p plugin hands it to the page). */
export const PeersReceived = defineEvent<Peers>('net/peers');
/** Peer motion per avatar and the counters of its reconciliation with the room (web/world/peer-motions.ts). */
export const PeerMotionsKey = defineResource<PeerMotions>('world/peer-motions');
