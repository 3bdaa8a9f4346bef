/**
 * Interest management for one client: which moving entities (avatars) to send this tick. Entities
 * within a radius only; an entity the client already has is re-sent only when dead reckoning (its last
 * sent position + velocity × elapsed time) drifts past a threshold or its velocity or facing changed;
 * the nearest go first under a per-client byte budget. Prims are not filtered: edits always arrive.
 */
import type { EntityUpdate, Quat, Vec3 } from '../../shared/protocol';
import { rotationAngle } from '../../shared/protocol';

/** Tuning of interest management. */
export interface InterestConfig {
  /** Entities farther than this from the client's avatar are not sent (metres). */
  radius: number;
  /** Re-send a known entity when the client's extrapolation is off by more than this (metres). */
  driftThreshold: number;
  /** Re-send when the facing differs by more than this (radians). */
  turnThreshold: number;
  /** Bytes a client may receive per second for moving entities. */
  bytesPerSecond: number;
  /** When false, every change is sent (for comparison in benchmarks). */
  deadReckoning: boolean;
}

export const DEFAULT_INTEREST: InterestConfig = {
  radius: 128,
  driftThreshold: 0.25,
  turnThreshold: 0.1,
  bytesPerSecond: 64 * 1024,
  deadReckoning: true,
};

/** What the client was last told about a moving entity. */
export interface KnownMover {
  position: Vec3;
  velocity: Vec3;
  rotation: Quat;
  /** When it was sent (ms). */
  at: number;
}

/** A moving entity as the room sees it now. */
export interface Mover {
  id: number;
  position: Vec3;
  velocity: Vec3;
  rotation: Quat;
  /** The full record, sent when the client does not know the entity yet. */
  full: () => EntityUpdate;
}

/** Approximate wire sizes (bytes) used against the budget. */
const FULL_BYTES = 96;
const MOTION_BYTES = 6 + 6 + 4 + 6;

/** The outcome of one selection: updates to send and ids to despawn. The `known` map is updated in place. */
export interface Selection {
  updates: EntityUpdate[];
  despawn: number[];
  bytes: number;
}

/**
 * Chooses what one client receives this tick. `self` (the client's own avatar) always goes first and
 * is never filtered by distance. `budget` is this tick's byte allowance.
 */
export function selectMovers(
  viewer: Vec3,
  self: number,
  movers: Iterable<Mover>,
  known: Map<number, KnownMover>,
  now: number,
  budget: number,
  config: InterestConfig,
): Selection {
  const despawn: number[] = [];
  const seen = new Set<number>();
  const candidates: { mover: Mover; distance: number; full: boolean }[] = [];
  for (const m of movers) {
    seen.add(m.id);
    const distance =
      m.id === self ? -1 : Math.hypot(m.position[0] - viewer[0], m.position[1] - viewer[1], m.position[2] - viewer[2]);
    const k = known.get(m.id);
    if (distance > config.radius) {
      if (k) {
        known.delete(m.id);
        despawn.push(m.id);
      }
      continue;
    }
    if (!k) {
      candidates.push({ mover: m, distance, full: true });
      continue;
    }
    if (!config.deadReckoning) {
      const same =
        k.position.every((v, i) => v === m.position[i]) &&
        k.rotation.every((v, i) => v === m.rotation[i]) &&
        k.velocity.every((v, i) => v === m.velocity[i]);
      if (!same) candidates.push({ mover: m, distance, full: false });
      continue;
    }
    const dt = (now - k.at) / 1000;
    const predicted = [0, 1, 2].map((i) => (k.position[i] ?? 0) + (k.velocity[i] ?? 0) * dt);
    const drift = Math.hypot(...m.position.map((v, i) => v - (predicted[i] ?? 0)));
    const dv = Math.hypot(...m.velocity.map((v, i) => v - (k.velocity[i] ?? 0)));
    const turn = rotationAngle(k.rotation, m.rotation);
    if (drift > config.driftThreshold || dv > 0.05 || turn > config.turnThreshold)
      candidates.push({ mover: m, distance, full: false });
  }
  for (const id of [...known.keys()]) {
    if (!seen.has(id)) {
      known.delete(id);
      despawn.push(id);
    }
  }
  candidates.sort((a, b) => a.distance - b.distance);
  const updates: EntityUpdate[] = [];
  let bytes = 0;
  for (const c of candidates) {
    const cost = c.full ? FULL_BYTES : MOTION_BYTES;
    if (bytes + cost > budget && c.mover.id !== self) break;
    bytes += cost;
    const m = c.mover;
    updates.push(c.full ? m.full() : { id: m.id, position: m.position, rotation: m.rotation, velocity: m.velocity });
    known.set(m.id, { position: [...m.position], velocity: [...m.velocity], rotation: [...m.rotation], at: now });
  }
  return { updates, despawn, bytes };
}
