/**
 * The net plugin: one Storm connection, and the system that writes its decoded frames straight into the ECS
 * columns. There is no other copy of the world: a server entity is one ECS entity (NetIndex maps ids), a
 * motion delta writes only the motion columns (Transform pose, Motion), and only a changed shape or colour
 * list counts as a structural change for the renderer.
 */
import {
  type Entity,
  type EntitySculpt,
  type EntityUpdate,
  type FaceMaterial,
  type HoverText,
  PRIM_SHAPE_KEYS,
  type ServerMessage,
  sculptTypeByte,
  type TextureAnim,
  textureAnimModeByte,
} from '../../../shared/protocol';
import { type App, defineResource, type EntityId, NO_ENTITY, type Plugin, type World } from '../../engine';
import { type ConnectionOptions, createStormConnection, type StormConnection } from '../../net/storm-connection';
import {
  Avatar,
  Faces,
  LocalPose,
  MAX_FACE_COLORS,
  Model,
  Motion,
  NetId,
  Parent,
  Sculpt,
  Shape,
  Surface,
  setSurfaceMaterial,
  TextureAnimation,
  Transform,
} from '../../scene/components';
import { createMaterialBuffer, MaterialTableWriter } from '../../scene/material-table';
import {
  ChatHeard,
  Clock,
  Entities,
  MapReceived,
  Materials,
  type NetIndex,
  NetStateChanged,
  PeerMotionsKey,
  PeersReceived,
  RegionInfoReceived,
  RegionsReceived,
  SceneChanges,
  ServerError,
  SnapshotApplied,
  SoundChanged,
  SoundPreloaded,
  SoundTriggered,
  Spawned,
  selfEntity,
  TerrainReceived,
  TravelHeard,
  Welcomed,
  WorldReset,
} from '../keys';
import { createPeerMotions, type PeerMotions, probeArrival, roomMotionWins } from '../peer-motions';

/** What `NetLink.open` takes: a connection's options without the callbacks the plugin wires itself. */
export type OpenOptions = Omit<ConnectionOptions, 'onMessage' | 'onState' | 'resumeAt'>;

/** The connection and the frames it received since the last frame of the App. */
export class NetLink {
  conn: StormConnection | null = null;
  /** Decoded frames waiting for the apply system (in arrival order). */
  readonly inbox: ServerMessage[] = [];
  private generation = 0;

  constructor(
    private readonly app: App,
    private readonly create: (options: ConnectionOptions) => StormConnection = createStormConnection,
  ) {}

  /** Opens a new connection, closing the old one; the world the old one delivered is forgotten. */
  open(options: OpenOptions): StormConnection {
    const current = ++this.generation;
    this.conn?.close();
    this.inbox.length = 0;
    this.app.send(WorldReset, { connection: current });
    const index = this.app.resource(Entities);
    const world = this.app.world;
    const conn = this.create({
      ...options,
      resumeAt: () => {
        const self = selfEntity(world, index);
        if (self === undefined) return null;
        const p = world.column(Transform, 'position');
        const i = world.indexOf(self) * 3;
        return [p[i] ?? 0, p[i + 1] ?? 0, p[i + 2] ?? 0];
      },
      // A replaced connection's last words (its close) are not reported.
      onMessage: (msg) => {
        if (current === this.generation) this.inbox.push(msg);
      },
      onState: (state, detail) => {
        if (current === this.generation) this.app.send(NetStateChanged, { state, detail });
      },
    });
    this.conn = conn;
    return conn;
  }

  close(): void {
    this.generation++;
    const conn = this.conn;
    this.conn = null;
    conn?.close();
  }
}

/**
 * Typed views of the columns the apply step writes. Columns hold the world's whole capacity, so views taken
 * once stay valid as the world grows (docs/engine.md, "views and growth").
 */
class Columns {
  readonly position: Float32Array;
  readonly rotation: Float32Array;
  readonly scale: Float32Array;
  readonly transformChanged: Uint32Array;
  readonly velocity: Float32Array;
  readonly anchor: Float32Array;
  readonly from: Float32Array;
  readonly at: Float64Array;
  readonly localPosition: Float32Array;
  readonly localRotation: Float32Array;
  readonly localChanged: Uint32Array;
  readonly parent: Uint32Array;
  readonly netId: Uint32Array;
  readonly netParent: Uint32Array;
  readonly faceCount: Uint8Array;
  readonly rgba: Uint8Array;
  readonly shape: (Uint8Array | Uint16Array | Int8Array)[];

  constructor(world: World) {
    this.position = world.column(Transform, 'position');
    this.rotation = world.column(Transform, 'rotation');
    this.scale = world.column(Transform, 'scale');
    this.transformChanged = world.views[world.component(Transform).changedColumn] as Uint32Array;
    this.velocity = world.column(Motion, 'velocity');
    this.anchor = world.column(Motion, 'anchor');
    this.from = world.column(Motion, 'from');
    this.at = world.column(Motion, 'at');
    this.localPosition = world.column(LocalPose, 'position');
    this.localRotation = world.column(LocalPose, 'rotation');
    this.localChanged = world.views[world.component(LocalPose).changedColumn] as Uint32Array;
    this.parent = world.column(Parent, 'entity');
    this.netId = world.column(NetId, 'id');
    this.netParent = world.column(NetId, 'parent');
    this.faceCount = world.column(Faces, 'count');
    this.rgba = world.column(Faces, 'rgba');
    this.shape = PRIM_SHAPE_KEYS.map((k) => world.column(Shape, k));
  }
}

type V3 = readonly [number, number, number];

const CHILDREN = { all: [Parent, NetId] };

function put3(col: Float32Array, i: number, v: V3): void {
  col[i * 3] = v[0];
  col[i * 3 + 1] = v[1];
  col[i * 3 + 2] = v[2];
}
/** Copies slot `i`'s three lanes of `src` into `dst`. */
function copy3(dst: Float32Array, src: Float32Array, i: number): void {
  dst[i * 3] = src[i * 3] ?? 0;
  dst[i * 3 + 1] = src[i * 3 + 1] ?? 0;
  dst[i * 3 + 2] = src[i * 3 + 2] ?? 0;
}
function put4(col: Float32Array, i: number, v: readonly [number, number, number, number]): void {
  col[i * 4] = v[0];
  col[i * 4 + 1] = v[1];
  col[i * 4 + 2] = v[2];
  col[i * 4 + 3] = v[3];
}

/** A full entity from an update, or null when fields are missing (a new entity must arrive in full). */
function fullEntity(u: EntityUpdate): Entity | null {
  const { kind, parent, name, description, position, rotation, scale, velocity, shape, colors } = u;
  if (
    kind === undefined ||
    parent === undefined ||
    name === undefined ||
    description === undefined ||
    position === undefined ||
    rotation === undefined ||
    scale === undefined ||
    velocity === undefined ||
    shape === undefined ||
    colors === undefined
  )
    return null;
  return {
    id: u.id,
    kind,
    parent,
    name,
    description,
    position,
    rotation,
    scale,
    velocity,
    shape,
    colors,
    ...(u.uuid ? { uuid: u.uuid } : {}),
    ...(u.sound ? { sound: u.sound } : {}),
    ...(u.materials ? { materials: u.materials } : {}),
    ...(u.sculpt ? { sculpt: u.sculpt } : {}),
    ...(u.text ? { text: u.text } : {}),
    ...(u.model ? { model: u.model } : {}),
    ...(u.region !== undefined ? { region: u.region } : {}),
    ...(u.owner ? { owner: u.owner } : {}),
    ...(u.textureAnim ? { textureAnim: u.textureAnim } : {}),
  };
}

/**
 * The apply step: frames in, ECS writes out. A class so that the world App's system and the viewer bench run
 * exactly the same code.
 */
export class SceneApplier {
  private readonly cols: Columns;
  /** Snapshot parts waiting for the last one (the state is complete only then). */
  private pending: Entity[] = [];
  /** Some child lacks its parent's entity (see resolveParents). */
  private orphans = false;
  structural = false;

  private readonly materials: MaterialTableWriter;
  /** Peer motion of the avatars around you (the p2p plugin records it; the room's motion is reconciled with it). */
  readonly peers: PeerMotions;
  /**
   * A grid session's region origins by slot (the latest `regions` frame): a root entity's position is in its
   * region's frame on the wire and is written into the columns in the session frame.
   */
  private readonly origins = new Map<number, readonly [number, number]>();

  constructor(
    private readonly app: App,
    private readonly index: NetIndex,
    private readonly now: () => number,
  ) {
    this.cols = new Columns(app.world);
    if (!app.hasResource(Materials)) {
      const buffer = createMaterialBuffer();
      app.insertResource(Materials, { buffer, writer: new MaterialTableWriter(buffer) });
    }
    this.materials = app.resource(Materials).writer;
    if (!app.hasResource(PeerMotionsKey)) app.insertResource(PeerMotionsKey, createPeerMotions());
    this.peers = app.resource(PeerMotionsKey);
  }

  /** Applies one decoded frame. */
  apply(msg: ServerMessage): void {
    const app = this.app;
    switch (msg.type) {
      case 'welcome': {
        this.setSelf(msg.avatar);
        // Resuming: prims and terrain stay; other avatars are sent again in full by the room.
        if (msg.resumed)
          for (const [netId, ecs] of [...this.index.byNet])
            if (netId !== msg.avatar && this.app.world.isAlive(ecs) && this.app.world.has(ecs, Avatar)) this.despawn(netId);
        app.send(Welcomed, { avatar: msg.avatar, bounds: msg.bounds, resumed: msg.resumed, permissions: msg.permissions });
        return;
      }
      case 'snapshot': {
        if (msg.part === 0) this.pending = [];
        for (const e of msg.entities) this.pending.push(e);
        // Parts that never end must not grow without bound: more than the world can hold is refused.
        if (this.pending.length > this.app.world.layout.capacity) {
          this.pending = [];
          app.send(ServerError, {
            code: 'world_snapshot_too_large',
            message: `world: a snapshot of more than ${this.app.world.layout.capacity} entities was dropped (the world holds at most that many)`,
          });
          return;
        }
        if (msg.part + 1 < msg.parts) return;
        const incoming = this.pending;
        this.pending = [];
        const keep = new Set<number>();
        for (const e of incoming) keep.add(e.id);
        for (const netId of [...this.index.byNet.keys()]) if (!keep.has(netId)) this.despawn(netId);
        // Parents first, so children find them (a snapshot may list a child before its root).
        for (const e of incoming) if (e.parent === 0) this.upsert(e);
        for (const e of incoming) if (e.parent !== 0) this.upsert(e);
        app.send(SnapshotApplied, { entities: this.index.byNet.size });
        return;
      }
      case 'delta':
        for (const u of msg.entities) if (u.parent === undefined || u.parent === 0) this.upsert(u);
        for (const u of msg.entities) if (u.parent !== undefined && u.parent !== 0) this.upsert(u);
        return;
      case 'despawn':
        for (const id of msg.ids) this.despawn(id);
        return;
      case 'terrain':
        app.send(TerrainReceived, msg);
        return;
      case 'chat':
        app.send(ChatHeard, { from: msg.from, name: msg.name, text: msg.text, time: msg.time });
        return;
      case 'error':
        app.send(ServerError, { code: msg.code, message: msg.message });
        return;
      case 'sound_trigger':
        app.send(SoundTriggered, msg);
        return;
      case 'sound_preload':
        app.send(SoundPreloaded, msg);
        return;
      case 'region_info':
        app.send(RegionInfoReceived, msg);
        return;
      case 'peers':
        app.send(PeersReceived, msg);
        return;
      case 'regions':
        this.origins.clear();
        for (const r of msg.regions) this.origins.set(r.slot, r.origin);
        app.send(RegionsReceived, msg);
        return;
      case 'travel':
        app.send(TravelHeard, msg);
        return;
      case 'map':
        app.send(MapReceived, msg);
        return;
      default:
        return;
    }
  }

  /** A root position from the wire in the session frame: its region's origin added (none without a region). */
  private place(u: EntityUpdate, p: readonly [number, number, number]): [number, number, number] {
    const o = u.region === undefined ? undefined : this.origins.get(u.region);
    return o ? [p[0] + o[0], p[1] + o[1], p[2]] : [p[0], p[1], p[2]];
  }

  /** Forgets every entity (a new connection starts from its own snapshot). */
  clear(): void {
    for (const netId of [...this.index.byNet.keys()]) this.despawn(netId);
    this.index.selfNetId = 0;
    this.pending = [];
    this.peers.tracks.clear();
    this.origins.clear();
  }

  private setSelf(netId: number): void {
    const world = this.app.world;
    const old = this.index.byNet.get(this.index.selfNetId);
    if (old !== undefined && world.isAlive(old) && world.has(old, Avatar)) world.set(old, Avatar, { self: 0 });
    this.index.selfNetId = netId;
    const ecs = this.index.byNet.get(netId);
    if (ecs !== undefined && world.isAlive(ecs)) {
      world.add(ecs, Avatar, { self: 1 });
      this.structural = true;
    }
  }

  private despawn(netId: number): void {
    const world = this.app.world;
    const ecs = this.index.byNet.get(netId);
    if (ecs === undefined) return;
    this.index.byNet.delete(netId);
    this.index.names.delete(netId);
    this.index.uuids.delete(netId);
    this.index.texts.delete(netId);
    this.index.owners.delete(netId);
    if (world.isAlive(ecs)) {
      const i = world.indexOf(ecs);
      const cols = this.cols;
      // Children stay (the server removes them itself); their parent id goes stale and is found again if it
      // comes back (resolveParents).
      if ((cols.netParent[i] ?? 0) === 0) this.orphans = true;
      world.destroy(ecs);
    }
    this.structural = true;
  }

  private upsert(u: EntityUpdate): void {
    const world = this.app.world;
    const known = this.index.byNet.get(u.id);
    const alive = known !== undefined && world.isAlive(known);
    const avatar = alive && world.has(known, Avatar);
    if (known === undefined || !alive || (u.kind !== undefined && (u.kind === 'avatar') !== avatar)) {
      const full = fullEntity(u);
      if (!full) return;
      if (known !== undefined) this.despawn(u.id);
      this.spawn(full);
      return;
    }
    const i = world.indexOf(known);
    const cols = this.cols;
    const tick = world.tick;
    if (u.name !== undefined) this.index.names.set(u.id, u.name);
    if (u.uuid !== undefined) this.index.uuids.set(u.id, u.uuid);
    if (u.owner !== undefined) this.index.owners.set(u.id, u.owner);
    if (u.parent !== undefined && u.parent !== cols.netParent[i]) {
      this.reparent(known, u.parent);
    }
    const child = (cols.netParent[i] ?? 0) !== 0;
    const now = this.now();
    if (avatar) probeArrival(this.peers, u.id, u.velocity, 'room');
    // An avatar whose peer sends motion directly: the room's motion is drawn only when it corrects the peer's.
    const peerDrawn =
      avatar &&
      !child &&
      (u.position !== undefined || u.velocity !== undefined) &&
      !roomMotionWins(this.peers, u.id, u.position && this.place(u, u.position), now, u.velocity);
    if (child) {
      if (u.position) put3(cols.localPosition, i, u.position);
      if (u.rotation) put4(cols.localRotation, i, u.rotation);
      if (u.position || u.rotation) cols.localChanged[i] = tick;
    } else if (peerDrawn) {
      // Fresher peer motion agrees with the room's (web/world/peer-motions.ts): the peer's stays drawn.
    } else {
      if (u.position || u.velocity) {
        // Blend from where it is drawn now toward the new report (or the current estimate when only the velocity changed).
        copy3(cols.from, cols.position, i);
        if (u.position) put3(cols.anchor, i, this.place(u, u.position));
        else copy3(cols.anchor, cols.position, i);
        cols.at[i] = now;
      }
      if (u.rotation) {
        put4(cols.rotation, i, u.rotation);
        cols.transformChanged[i] = tick;
      }
    }
    if (u.velocity && !peerDrawn) put3(cols.velocity, i, u.velocity);
    if (u.scale) {
      put3(cols.scale, i, u.scale);
      cols.transformChanged[i] = tick;
    }
    if (u.shape && !avatar && this.writeShape(i, u.shape)) this.structural = true;
    if (u.colors && this.writeColors(i, u.colors)) this.structural = true;
    if (u.materials && !avatar && this.writeMaterials(known, u.materials)) this.structural = true;
    if (u.sculpt !== undefined && !avatar && this.writeSculpt(known, u.sculpt)) this.structural = true;
    if (u.model !== undefined && !avatar && this.writeModel(known, u.model)) this.structural = true;
    if (u.textureAnim !== undefined && !avatar && this.writeTextureAnim(known, u.textureAnim)) this.structural = true;
    if (u.text !== undefined) this.writeText(u.id, u.text);
    // The sound plugin owns the Sound component; it learns of changes by event.
    if (u.sound) this.app.send(SoundChanged, { id: u.id, sound: u.sound });
  }

  private spawn(e: Entity): void {
    const world = this.app.world;
    const ecs =
      e.kind === 'avatar'
        ? world.create(Transform, Motion, Faces, NetId, Avatar)
        : world.create(Transform, Motion, Shape, Faces, NetId);
    if (e.parent !== 0) {
      world.add(ecs, LocalPose);
      world.add(ecs, Parent);
    }
    const cols = this.cols;
    const i = world.indexOf(ecs);
    const tick = world.tick;
    this.index.byNet.set(e.id, ecs);
    this.index.names.set(e.id, e.name);
    if (e.uuid !== undefined) this.index.uuids.set(e.id, e.uuid);
    if (e.owner !== undefined) this.index.owners.set(e.id, e.owner);
    else this.index.owners.delete(e.id);
    cols.netId[i] = e.id;
    cols.netParent[i] = e.parent;
    put3(cols.scale, i, e.scale);
    put3(cols.velocity, i, e.velocity);
    put4(cols.rotation, i, e.rotation);
    if (e.parent !== 0) {
      put3(cols.localPosition, i, e.position);
      put4(cols.localRotation, i, e.rotation);
      cols.localChanged[i] = tick;
      const parent = this.index.byNet.get(e.parent);
      cols.parent[i] = parent !== undefined && world.isAlive(parent) ? parent : NO_ENTITY;
      if (cols.parent[i] === NO_ENTITY) this.orphans = true;
    } else {
      const at = this.place(e, e.position);
      put3(cols.position, i, at);
      put3(cols.anchor, i, at);
      put3(cols.from, i, at);
      // Spawned where it is: nothing to blend in; only a mover is extrapolated (at = 0 marks "settled").
      cols.at[i] = e.velocity[0] !== 0 || e.velocity[1] !== 0 || e.velocity[2] !== 0 ? this.now() : 0;
    }
    cols.transformChanged[i] = tick;
    if (e.kind === 'prim') {
      this.writeShape(i, e.shape);
      if (e.materials) this.writeMaterials(ecs, e.materials);
      if (e.sculpt) this.writeSculpt(ecs, e.sculpt);
      if (e.model) this.writeModel(ecs, e.model);
      if (e.textureAnim) this.writeTextureAnim(ecs, e.textureAnim);
    }
    this.writeColors(i, e.colors);
    if (e.text) this.writeText(e.id, e.text);
    if (e.id === this.index.selfNetId) world.add(ecs, Avatar, { self: 1 });
    this.structural = true;
    this.app.send(Spawned, e.id);
    if (e.sound) this.app.send(SoundChanged, { id: e.id, sound: e.sound });
  }

  private reparent(ecs: EntityId, parentNet: number): void {
    const world = this.app.world;
    const cols = this.cols;
    const i = world.indexOf(ecs);
    cols.netParent[i] = parentNet;
    if (parentNet === 0) {
      world.remove(ecs, LocalPose);
      world.remove(ecs, Parent);
      return;
    }
    world.add(ecs, LocalPose);
    world.add(ecs, Parent);
    const parent = this.index.byNet.get(parentNet);
    cols.parent[i] = parent !== undefined && world.isAlive(parent) ? parent : NO_ENTITY;
    cols.localChanged[i] = world.tick;
    if (cols.parent[i] === NO_ENTITY) this.orphans = true;
  }

  /**
   * After a frame that left children without their parent's entity (a child before its root, a root gone or
   * back): one pass over the children finds each parent by its server id. Children are an ECS query, not a
   * second index.
   */
  resolveParents(): void {
    if (!this.orphans) return;
    this.orphans = false;
    const world = this.app.world;
    const cols = this.cols;
    const tick = world.tick;
    for (const i of world.query(CHILDREN).entities()) {
      const current = cols.parent[i] ?? NO_ENTITY;
      if (current !== NO_ENTITY && world.isAlive(current)) continue;
      const parent = this.index.byNet.get(cols.netParent[i] ?? 0);
      const next = parent !== undefined && world.isAlive(parent) ? parent : NO_ENTITY;
      if (next === current) continue;
      cols.parent[i] = next;
      cols.localChanged[i] = tick;
      if (next === NO_ENTITY) this.orphans = true;
    }
  }

  /** Writes a prim's shape; returns whether any field changed. */
  private writeShape(i: number, shape: Entity['shape']): boolean {
    const cols = this.cols.shape;
    let changed = false;
    for (let k = 0; k < PRIM_SHAPE_KEYS.length; k++) {
      const col = cols[k];
      const v = shape[PRIM_SHAPE_KEYS[k] as keyof Entity['shape']];
      if (col && col[i] !== v) {
        col[i] = v;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Writes face materials as material-table indices (the Surface component only where a face differs from the
   * default); returns whether anything the renderer draws changed.
   */
  private writeMaterials(ecs: EntityId, materials: readonly FaceMaterial[]): boolean {
    const world = this.app.world;
    const count = Math.min(MAX_FACE_COLORS, materials.length);
    const indices: number[] = [];
    for (let f = 0; f < count; f++) {
      const m = materials[f];
      indices.push(m ? this.materials.material(m) : 0);
    }
    if (indices.every((k) => k === 0)) {
      if (!world.has(ecs, Surface)) return false;
      world.remove(ecs, Surface);
      return true;
    }
    let changed = false;
    if (!world.has(ecs, Surface)) {
      world.add(ecs, Surface);
      changed = true;
    }
    const i = world.indexOf(ecs);
    const countCol = world.column(Surface, 'count');
    const bytes = world.column(Surface, 'material');
    if (countCol[i] !== count) changed = true;
    countCol[i] = count;
    indices.forEach((k, f) => {
      if (setSurfaceMaterial(bytes, i, f, k)) changed = true;
    });
    return changed;
  }

  /** Writes a prim's glTF model (its hash); returns whether it changed. */
  private writeModel(ecs: EntityId, hash: string): boolean {
    const world = this.app.world;
    const bytes = new Uint8Array(32);
    for (let k = 0; k < 32; k++) bytes[k] = Number.parseInt(hash.slice(k * 2, k * 2 + 2), 16) || 0;
    if (!world.has(ecs, Model)) world.add(ecs, Model);
    const column = world.column(Model, 'hash');
    const o = world.indexOf(ecs) * 32;
    let changed = false;
    for (let k = 0; k < 32; k++) {
      if (column[o + k] !== bytes[k]) {
        column[o + k] = bytes[k] ?? 0;
        changed = true;
      }
    }
    return changed;
  }

  /** Writes (or removes, for null) a prim's sculpt or mesh; returns whether it changed. */
  private writeSculpt(ecs: EntityId, sculpt: EntitySculpt | null): boolean {
    const world = this.app.world;
    if (sculpt === null) {
      if (!world.has(ecs, Sculpt)) return false;
      world.remove(ecs, Sculpt);
      return true;
    }
    const type = sculptTypeByte(sculpt);
    const asset = this.materials.intern(sculpt.map);
    if (world.has(ecs, Sculpt)) {
      const i = world.indexOf(ecs);
      if (world.column(Sculpt, 'type')[i] === type && world.column(Sculpt, 'asset')[i] === asset) return false;
      world.set(ecs, Sculpt, { type, asset });
      return true;
    }
    world.add(ecs, Sculpt, { type, asset });
    return true;
  }

  /** Writes (or removes, for null) a prim's texture animation; returns whether it changed. */
  private writeTextureAnim(ecs: EntityId, anim: TextureAnim | null): boolean {
    const world = this.app.world;
    if (anim === null) {
      if (!world.has(ecs, TextureAnimation)) return false;
      world.remove(ecs, TextureAnimation);
      return true;
    }
    const value = {
      mode: textureAnimModeByte(anim),
      face: anim.face,
      sizeX: anim.sizeX,
      sizeY: anim.sizeY,
      start: Math.fround(anim.start),
      length: Math.fround(anim.length),
      rate: Math.fround(anim.rate),
    };
    if (!world.has(ecs, TextureAnimation)) {
      world.add(ecs, TextureAnimation, value);
      return true;
    }
    const was = world.get(ecs, TextureAnimation);
    if ((Object.keys(value) as (keyof typeof value)[]).every((k) => was[k] === value[k])) return false;
    world.set(ecs, TextureAnimation, value);
    return true;
  }

  private writeText(netId: number, text: HoverText): void {
    if (text.text.trim() === '') this.index.texts.delete(netId);
    else this.index.texts.set(netId, text);
  }

  /** Writes face colours; returns whether they changed. */
  private writeColors(i: number, colors: Entity['colors']): boolean {
    const { faceCount, rgba } = this.cols;
    const count = Math.min(MAX_FACE_COLORS, colors.length);
    let changed = faceCount[i] !== count;
    faceCount[i] = count;
    const base = i * MAX_FACE_COLORS * 4;
    for (let f = 0; f < count; f++) {
      const c = colors[f];
      if (!c) continue;
      for (let l = 0; l < 4; l++) {
        const at = base + f * 4 + l;
        if (rgba[at] !== c[l]) {
          rgba[at] = c[l] ?? 0;
          changed = true;
        }
      }
    }
    return changed;
  }
}

/** The net plugin (see the module comment). `create` replaces the connection factory (tests, bench). */
export function netPlugin(create?: (options: ConnectionOptions) => StormConnection): Plugin {
  return {
    name: 'net',
    build(app) {
      const index: NetIndex = {
        byNet: new Map(),
        names: new Map(),
        uuids: new Map(),
        texts: new Map(),
        owners: new Map(),
        selfNetId: 0,
      };
      app.insertResource(Entities, index);
      app.insertResource(SceneChanges, { structural: false });
      app.insertResource(NetLinkKey, new NetLink(app, create));
      app.addEvent(NetStateChanged).addEvent(WorldReset).addEvent(Welcomed).addEvent(Spawned);
      app.addEvent(SnapshotApplied).addEvent(TerrainReceived).addEvent(ChatHeard).addEvent(ServerError);
      app.addEvent(SoundChanged).addEvent(SoundTriggered).addEvent(SoundPreloaded).addEvent(RegionInfoReceived);
      app.addEvent(PeersReceived).addEvent(RegionsReceived).addEvent(TravelHeard).addEvent(MapReceived);
      const applier = new SceneApplier(app, index, app.resource(Clock).now);
      app.insertResource(Applier, applier);
      const resets = app.reader(WorldReset);
      app.addSystem({
        name: 'net-apply',
        phase: 'update',
        exclusive: true,
        writes: [Transform, Motion, Shape, Faces, NetId, Avatar, LocalPose, Parent, Surface, Sculpt, Model, TextureAnimation],
        run: () => {
          if (resets.read().length > 0) applier.clear();
          const link = app.resource(NetLinkKey);
          if (link.inbox.length > 0) {
            const frames = link.inbox.splice(0, link.inbox.length);
            for (const msg of frames) applier.apply(msg);
          }
          applier.resolveParents();
          if (applier.structural) {
            app.resource(SceneChanges).structural = true;
            applier.structural = false;
          }
        },
      });
    },
  };
}

/** The net plugin's connection. */
export const NetLinkKey = defineResource<NetLink>('net/link');
/** The net plugin's apply step (the viewer bench drives it directly). */
export const Applier = defineResource<SceneApplier>('net/applier');
