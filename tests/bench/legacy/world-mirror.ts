// A saved copy of the viewer path the world App replaced (WorldMirror + WorldApplier), run by the viewer bench beside it.
/**
 * The client's copy of a world, built from Storm frames: snapshot parts, deltas, despawns, terrain.
 * Each applied frame returns what changed, which is what the ECS bridge turns into commands. Remote
 * movers are extrapolated between updates (dead reckoning) and smoothed toward each correction.
 */
import type { Entity, EntityUpdate, ServerMessage, TerrainPatch, Vec3 } from '../../../shared/protocol';

/** What one frame changed. */
export interface MirrorChange {
  spawned: number[];
  updated: number[];
  despawned: number[];
  terrain: TerrainPatch[];
  /** True when the mirror now holds a complete state (after the last snapshot part or a delta). */
  complete: boolean;
}

interface Motion {
  /** Where the entity was drawn when the last update arrived, and when (ms). */
  from: Vec3;
  at: number;
}

/** How long a correction is blended in (ms). */
const SMOOTH_MS = 100;

/** A world mirror: entities by id, the last tick applied, and your avatar. */
export class WorldMirror {
  readonly entities = new Map<number, Entity>();
  readonly terrain = new Map<string, TerrainPatch>();
  /** The newest tick applied (what the client acknowledges). */
  tick = 0;
  avatar = 0;
  private pending: Entity[] = [];
  private readonly motion = new Map<number, Motion>();

  /** Applies one frame received at `now` (ms); returns what changed. */
  apply(msg: ServerMessage, now = 0): MirrorChange {
    const change: MirrorChange = { spawned: [], updated: [], despawned: [], terrain: [], complete: false };
    switch (msg.type) {
      case 'welcome':
        this.avatar = msg.avatar;
        if (msg.resumed) {
          // Resuming: prims and terrain stay; other avatars are re-sent in full by the room.
          for (const [id, e] of this.entities) {
            if (e.kind === 'avatar' && id !== msg.avatar) {
              this.entities.delete(id);
              this.motion.delete(id);
              change.despawned.push(id);
            }
          }
        }
        return change;
      case 'snapshot': {
        if (msg.part === 0) this.pending = [];
        this.pending.push(...msg.entities);
        if (msg.part + 1 < msg.parts) return change;
        const incoming = new Map(this.pending.map((e) => [e.id, e]));
        this.pending = [];
        for (const id of this.entities.keys()) {
          if (!incoming.has(id)) {
            this.entities.delete(id);
            this.motion.delete(id);
            change.despawned.push(id);
          }
        }
        for (const [id, e] of incoming) {
          (this.entities.has(id) ? change.updated : change.spawned).push(id);
          this.entities.set(id, e);
          this.motion.set(id, { from: e.position, at: now });
        }
        this.tick = msg.tick;
        change.complete = true;
        return change;
      }
      case 'delta':
        for (const u of msg.entities) this.merge(u, now, change);
        this.tick = Math.max(this.tick, msg.tick);
        change.complete = true;
        return change;
      case 'despawn':
        for (const id of msg.ids) {
          if (this.entities.delete(id)) change.despawned.push(id);
          this.motion.delete(id);
        }
        return change;
      case 'terrain':
        this.terrain.set(`${msg.x},${msg.y}`, msg);
        change.terrain.push(msg);
        return change;
      default:
        return change;
    }
  }

  private merge(u: EntityUpdate, now: number, change: MirrorChange): void {
    const current = this.entities.get(u.id);
    if (!current) {
      // A new entity must arrive in full; a partial one for an unknown id is ignored.
      const parsed = isFull(u);
      if (!parsed) return;
      this.entities.set(u.id, parsed);
      this.motion.set(u.id, { from: parsed.position, at: now });
      change.spawned.push(u.id);
      return;
    }
    if (u.position) this.motion.set(u.id, { from: this.positionAt(u.id, now) ?? current.position, at: now });
    this.entities.set(u.id, { ...current, ...stripUndefined(u) });
    change.updated.push(u.id);
  }

  /**
   * Where to draw an entity at `now`: its last position extrapolated by its velocity, blended from
   * where it was drawn before the last correction over SMOOTH_MS so that corrections never jump.
   */
  positionAt(id: number, now: number): Vec3 | null {
    const e = this.entities.get(id);
    if (!e) return null;
    const m = this.motion.get(id);
    if (!m) return e.position;
    const dt = Math.max(0, (now - m.at) / 1000);
    const target: Vec3 = [
      e.position[0] + e.velocity[0] * dt,
      e.position[1] + e.velocity[1] * dt,
      e.position[2] + e.velocity[2] * dt,
    ];
    const t = Math.min(1, (now - m.at) / SMOOTH_MS);
    if (t >= 1) return target;
    return [
      m.from[0] + (target[0] - m.from[0]) * t,
      m.from[1] + (target[1] - m.from[1]) * t,
      m.from[2] + (target[2] - m.from[2]) * t,
    ];
  }
}

function stripUndefined(u: EntityUpdate): Partial<Entity> {
  const out: Partial<Entity> = {};
  for (const [k, v] of Object.entries(u)) if (v !== undefined) Object.assign(out, { [k]: v });
  return out;
}

function isFull(u: EntityUpdate): Entity | null {
  const { id, kind, parent, name, description, position, rotation, scale, velocity, shape, colors } = u;
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
  ) {
    return null;
  }
  return {
    id,
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
    ...(u.uuid !== undefined ? { uuid: u.uuid } : {}),
  };
}
