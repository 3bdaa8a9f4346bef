/**
 * The room's physics: the authority for every avatar and physical prim of a Finalverse world. It mirrors the
 * WorldState into a PhysicsWorld (terrain, one body per linkset, a capsule per avatar), steps it at the fixed
 * rate for the time that passed, and writes back where avatars and physical prims went.
 */

import type { Part } from '../../shared/physics/colliders';
import { MAX_STEPS_PER_UPDATE } from '../../shared/physics/constants';
import type { AvatarIntent } from '../../shared/physics/intent';
import { PhysicsWorld } from '../../shared/physics/physics-world';
import type { Rapier } from '../../shared/physics/rapier';
import type { Vec3 } from '../../shared/protocol';
import type { StoredEntity } from './types';
import type { WorldState } from './world-state';

/** Seconds per room physics step: one per 20 Hz tick. */
export const ROOM_DT = 1 / 20;

/** A physical prim that moved less than this (m), or turned less than this (|q·q'| above it), is not sent. */
const MOVE_EPSILON = 0.002;
const TURN_EPSILON = 0.99999;

/** A linkset's body: its root entity's pose, and every prim of the set relative to it. */
function bodyOf(world: WorldState, root: StoredEntity): { parts: Part[]; dynamic: boolean } {
  const parts: Part[] = [{ shape: root.entity.shape, scale: root.entity.scale, position: [0, 0, 0], rotation: [0, 0, 0, 1] }];
  for (const e of world.entities.values())
    if (e.entity.kind === 'prim' && e.entity.parent === root.entity.id)
      parts.push({ shape: e.entity.shape, scale: e.entity.scale, position: e.entity.position, rotation: e.entity.rotation });
  return { parts, dynamic: root.entity.physical === true };
}

/** What one update moved. */
export interface PhysicsUpdate {
  /** Physical prims that moved (their entities were updated). */
  moved: number[];
  /** Physical prims that came to rest (stored). */
  settled: number[];
  /** True while some physical prim is still moving (the room keeps ticking). */
  active: boolean;
}

export class RoomPhysics {
  readonly physics: PhysicsWorld;
  private carry = 0;
  /** Physical prims that were moving at the last update. */
  private readonly moving = new Set<number>();

  constructor(
    R: Rapier,
    private readonly world: WorldState,
  ) {
    // A crowd's character controllers are the room's main cost. Visitors with only terrain near them walk over
    // its triangles without one (openGround, as the viewers predicting them do); near prims the controller
    // runs over the terrain as a mesh (a third cheaper than the heightfield, the same triangles). The room
    // steps once per 50 ms tick (ROOM_DT); viewers predict at 60 Hz and blend toward the room's reports.
    this.physics = new PhysicsWorld(R, { bounds: world.bounds, terrainMesh: true, openGround: true, dt: ROOM_DT });
    const t = world.terrain;
    this.physics.setTerrain({ width: t.side, height: t.side, spacing: t.spacing, heights: t.heights });
    for (const e of world.entities.values()) if (e.entity.kind === 'prim' && e.entity.parent === 0) this.rebuild(e.entity.id);
  }

  /** Rebuilds the body of linkset `root` from the world (or removes it when the root is gone). */
  rebuild(root: number): void {
    const e = this.world.entities.get(root);
    if (e?.entity.kind !== 'prim') {
      this.physics.removeBody(root);
      this.moving.delete(root);
      return;
    }
    const { parts, dynamic } = bodyOf(this.world, e);
    this.physics.setBody(root, { position: e.entity.position, rotation: e.entity.rotation }, parts, dynamic);
    if (dynamic) this.moving.add(root);
  }

  /** Brings bodies up to date with what changed in the world after tick `since` (an edit or an undo). */
  syncSince(since: number): void {
    const roots = new Set<number>();
    for (const e of this.world.entities.values()) {
      if (e.entity.kind !== 'prim') continue;
      if (e.createdTick > since || e.transformTick > since || e.appearanceTick > since)
        roots.add(e.entity.parent === 0 ? e.entity.id : e.entity.parent);
    }
    for (const t of this.world.tombstones) if (t.tick > since) roots.add(t.id);
    for (const id of roots) this.rebuild(id);
  }

  addAvatar(id: number, position: Vec3): void {
    this.physics.addAvatar(id, position);
  }

  removeAvatar(id: number): void {
    this.physics.removeAvatar(id);
  }

  /**
   * Steps for `dt` seconds (whole fixed steps; the remainder carries to the next call). Avatars move by their
   * intents; their entities and the physical prims' entities take the new poses.
   */
  update(dt: number, intentOf: (avatar: number) => AvatarIntent | undefined): PhysicsUpdate {
    this.carry += dt;
    let steps = Math.floor(this.carry / ROOM_DT + 1e-6);
    this.carry -= steps * ROOM_DT;
    if (steps > MAX_STEPS_PER_UPDATE) {
      steps = MAX_STEPS_PER_UPDATE;
      this.carry = 0;
    }
    for (let i = 0; i < steps; i++) this.physics.step(intentOf);
    for (const e of this.world.entities.values()) {
      if (e.entity.kind !== 'avatar') continue;
      const a = this.physics.avatar(e.entity.id);
      if (!a) continue;
      e.entity.position = [...a.position];
      e.entity.velocity = steps > 0 ? [...a.velocity] : e.entity.velocity;
    }
    const out: PhysicsUpdate = { moved: [], settled: [], active: false };
    if (steps === 0) return out;
    for (const id of this.physics.awakeBodies()) this.moving.add(id);
    for (const id of this.moving) {
      const e = this.world.entities.get(id);
      const s = this.physics.bodyState(id);
      if (!e || !s) {
        this.moving.delete(id);
        continue;
      }
      const p = e.entity.position;
      const q = e.entity.rotation;
      const shifted = Math.hypot(s.position[0] - p[0], s.position[1] - p[1], s.position[2] - p[2]) > MOVE_EPSILON;
      const turned =
        Math.abs(s.rotation[0] * q[0] + s.rotation[1] * q[1] + s.rotation[2] * q[2] + s.rotation[3] * q[3]) < TURN_EPSILON;
      const wasMoving = e.entity.velocity.some((v) => v !== 0);
      if (s.sleeping) {
        this.moving.delete(id);
        // Asleep where it was put (a resting toy waking at the room's start) is no news.
        if (!shifted && !turned && !wasMoving) continue;
        out.settled.push(id);
      } else if (!shifted && !turned) continue;
      e.entity.position = this.world.clamp(s.position);
      e.entity.rotation = s.rotation;
      e.entity.velocity = s.sleeping ? [0, 0, 0] : s.velocity;
      out.moved.push(id);
    }
    out.active = this.moving.size > 0;
    return out;
  }
}
