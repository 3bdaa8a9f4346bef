/**
 * Peer motion and the room, reconciled: the latest motion each peer sent (shown first, it is fresher than the
 * room's), and the rule that decides whether a room motion update for the same avatar is drawn. The room is the
 * authority: when its report disagrees with where the peer's motion puts the avatar by more than latency can
 * explain, the room's state is drawn and that peer's motion is ignored for CORRECTION_HOLD_MS.
 */
import type { Vec3 } from '../../shared/protocol';

/** Peer motion this recent (ms) is fresher than anything the room can say. */
export const PEER_FRESH_MS = 300;
/** Disagreement the room's latency explains: this many metres, plus the speed times ROOM_LAG_S. */
export const AGREE_M = 1;
export const ROOM_LAG_S = 0.25;
/** After a correction, that peer's motion is ignored this long (ms). */
export const CORRECTION_HOLD_MS = 1000;

/** The latest peer motion of one avatar (by server id). */
export interface PeerTrack {
  /** When it arrived (the world's clock, ms). */
  at: number;
  position: Vec3;
  velocity: Vec3;
  /** Peer motion for this avatar is ignored until then (after a correction). */
  heldUntil: number;
}

/** The peer motions of the avatars around you, and what became of them. */
export interface PeerMotions {
  readonly tracks: Map<number, PeerTrack>;
  applied: number;
  roomSkipped: number;
  corrections: number;
  ignored: number;
}

export function createPeerMotions(): PeerMotions {
  return { tracks: new Map(), applied: 0, roomSkipped: 0, corrections: 0, ignored: 0 };
}

/**
 * Whether the room's motion update (`roomPosition`) for avatar `id` is drawn at `now`: yes when no fresh peer
 * motion exists; no when fresh peer motion agrees with it (the peer's is newer); yes, as a correction, when
 * they disagree (the peer is then held off for CORRECTION_HOLD_MS).
 */
export function roomMotionWins(state: PeerMotions, id: number, roomPosition: Vec3 | undefined, now: number): boolean {
  const t = state.tracks.get(id);
  if (!t || now - t.at > PEER_FRESH_MS || now < t.heldUntil) return true;
  if (!roomPosition) {
    state.roomSkipped++;
    return false;
  }
  const dt = (now - t.at) / 1000;
  const dx = t.position[0] + t.velocity[0] * dt - roomPosition[0];
  const dy = t.position[1] + t.velocity[1] * dt - roomPosition[1];
  const dz = t.position[2] + t.velocity[2] * dt - roomPosition[2];
  const speed = Math.hypot(t.velocity[0], t.velocity[1], t.velocity[2]);
  if (Math.hypot(dx, dy, dz) <= AGREE_M + speed * ROOM_LAG_S) {
    state.roomSkipped++;
    return false;
  }
  state.corrections++;
  t.heldUntil = now + CORRECTION_HOLD_MS;
  return true;
}

/** Records a peer update for avatar `id`; false when it must not be drawn (held off after a correction). */
export function acceptPeerMotion(state: PeerMotions, id: number, position: Vec3, velocity: Vec3, now: number): boolean {
  const t = state.tracks.get(id);
  if (t && now < t.heldUntil) {
    state.ignored++;
    return false;
  }
  state.tracks.set(id, { at: now, position, velocity, heldUntil: 0 });
  state.applied++;
  return true;
}
