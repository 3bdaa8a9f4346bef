// A saved copy of the viewer path the world App replaced (WorldMirror + WorldApplier), run by the viewer bench beside it.
/**
 * Applies the world as the network sees it (full entities in, ids out) to the ECS: one ECS entity per server
 * entity, linkset children posed against their parent, versions bumped so the renderer rebuilds only on change.
 */
import { quatMultiply, quatRotate } from '../../../shared/math/quat';
import type { Entity } from '../../../shared/protocol';
import type { EntityId, World } from '../../../web/engine';
import { Avatar, Faces, MAX_FACE_COLORS, Motion, NetId, Shape, Transform } from '../../../web/scene/components';
import type { SyncWriter } from '../../../web/scene/sync-header';

type V3 = readonly [number, number, number];
type Q = readonly [number, number, number, number];

/** What the HUD needs that does not live in columns. */
export interface EntityInfo {
  ecs: EntityId;
  kind: Entity['kind'];
  name: string;
  parent: number;
  /** Pose relative to the parent (children only); world pose otherwise. */
  local: { position: V3; rotation: Q };
}

/** The mapping between server entities and ECS entities, and the apply step. */
export class WorldApplier {
  readonly byNet = new Map<number, EntityInfo>();
  private readonly children = new Map<number, Set<number>>();
  selfNetId = 0;

  constructor(
    private readonly world: World,
    private readonly sync: SyncWriter,
  ) {}

  /** Applies upserts and despawns from one network frame. */
  apply(upserted: readonly Entity[], despawned: readonly number[]): void {
    let structural = false;
    this.sync.begin();
    try {
      for (const id of despawned) structural = this.despawn(id) || structural;
      // Parents first, so children find them (a snapshot may list a child before its root).
      const ordered = [...upserted].sort((a, b) => Number(a.parent !== 0) - Number(b.parent !== 0));
      for (const e of ordered) structural = this.upsert(e) || structural;
    } finally {
      this.sync.end();
    }
    if (structural) this.sync.structureChanged();
  }

  /** Marks which server entity is you. */
  setSelf(netId: number): void {
    this.selfNetId = netId;
    const info = this.byNet.get(netId);
    if (info) {
      this.world.add(info.ecs, Avatar, { self: 1 });
      this.sync.setSelf(this.world.indexOf(info.ecs));
    }
  }

  /** Moves every entity with a velocity by dt seconds (dead reckoning between updates). */
  extrapolate(dt: number): void {
    if (dt <= 0) return;
    this.sync.begin();
    try {
      for (const info of this.byNet.values()) {
        if (info.kind !== 'avatar' || info.parent !== 0) continue;
        const v = this.world.get(info.ecs, Motion).velocity;
        const vx = v[0] ?? 0;
        const vy = v[1] ?? 0;
        const vz = v[2] ?? 0;
        if (vx === 0 && vy === 0 && vz === 0) continue;
        const p = this.world.get(info.ecs, Transform).position;
        this.world.add(info.ecs, Transform, { position: [(p[0] ?? 0) + vx * dt, (p[1] ?? 0) + vy * dt, (p[2] ?? 0) + vz * dt] });
      }
    } finally {
      this.sync.end();
    }
  }

  private despawn(netId: number): boolean {
    const info = this.byNet.get(netId);
    if (!info) return false;
    this.byNet.delete(netId);
    this.children.get(info.parent)?.delete(netId);
    if (this.world.isAlive(info.ecs)) this.world.destroy(info.ecs);
    if (netId === this.selfNetId) this.sync.setSelf(-1);
    return true;
  }

  private upsert(e: Entity): boolean {
    let info = this.byNet.get(e.id);
    let structural = false;
    if (!info || !this.world.isAlive(info.ecs)) {
      const ecs =
        e.kind === 'avatar'
          ? this.world.create(Transform, Motion, Faces, NetId, Avatar)
          : this.world.create(Transform, Motion, Shape, Faces, NetId);
      info = { ecs, kind: e.kind, name: e.name, parent: e.parent, local: { position: e.position, rotation: e.rotation } };
      this.byNet.set(e.id, info);
      structural = true;
      if (e.id === this.selfNetId) {
        this.world.add(ecs, Avatar, { self: 1 });
        this.sync.setSelf(this.world.indexOf(ecs));
      }
    }
    if (info.parent !== e.parent) {
      this.children.get(info.parent)?.delete(e.id);
      structural = true;
    }
    if (e.parent !== 0) {
      let set = this.children.get(e.parent);
      if (!set) {
        set = new Set();
        this.children.set(e.parent, set);
      }
      set.add(e.id);
    }
    info.name = e.name;
    info.parent = e.parent;
    info.local = { position: e.position, rotation: e.rotation };
    const ecs = info.ecs;
    this.world.add(ecs, NetId, { id: e.id, parent: e.parent });
    this.world.add(ecs, Motion, { velocity: e.velocity });
    this.pose(e.id, info, e.scale);
    if (e.kind === 'prim') {
      const before = this.world.get(ecs, Shape);
      const changed = (Object.keys(e.shape) as (keyof Entity['shape'])[]).some((k) => before[k] !== e.shape[k]);
      if (changed) {
        this.world.add(ecs, Shape, e.shape);
        structural = true;
      }
    }
    const rgba = new Uint8Array(MAX_FACE_COLORS * 4);
    const count = Math.min(MAX_FACE_COLORS, e.colors.length);
    for (let i = 0; i < count; i++) rgba.set(e.colors[i] ?? [255, 255, 255, 255], i * 4);
    const faces = this.world.get(ecs, Faces);
    let same = faces.count === count;
    for (let i = 0; same && i < count * 4; i++) same = faces.rgba[i] === rgba[i];
    if (!same) {
      this.world.add(ecs, Faces, { count, rgba });
      structural = true;
    }
    return structural;
  }

  /** Writes the world pose of `netId` (and, recursively, of its children) from its local pose and its parent. */
  private pose(netId: number, info: EntityInfo, scale?: V3): void {
    let position: V3 = info.local.position;
    let rotation: Q = info.local.rotation;
    const parent = info.parent !== 0 ? this.byNet.get(info.parent) : undefined;
    if (parent) {
      const pt = this.world.get(parent.ecs, Transform);
      const pp: V3 = [pt.position[0] ?? 0, pt.position[1] ?? 0, pt.position[2] ?? 0];
      const pr: Q = [pt.rotation[0] ?? 0, pt.rotation[1] ?? 0, pt.rotation[2] ?? 0, pt.rotation[3] ?? 1];
      const offset = quatRotate(pr, position);
      position = [pp[0] + offset[0], pp[1] + offset[1], pp[2] + offset[2]];
      rotation = quatMultiply(pr, rotation);
    }
    this.world.add(info.ecs, Transform, scale ? { position, rotation, scale } : { position, rotation });
    for (const child of this.children.get(netId) ?? []) {
      const c = this.byNet.get(child);
      if (c) this.pose(child, c);
    }
  }
}
