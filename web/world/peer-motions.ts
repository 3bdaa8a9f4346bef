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
  /**
   * The room's latest motion report that was left out because the peer's agreed (drawn when the peer's motion
   * goes stale, so an avatar whose peer fell silent ends where the room says), or null.
   */
  room: { position: Vec3 | null; velocity: Vec3 | null; at: number } | null;
}

/** The peer motions of the avatars around you, and what became of them. */
export interface PeerMotions {
  readonly tracks: Map<number, PeerTrack>;
  /**
   * A latency probe (the p2p bench): when avatar `entity`'s first moving update arrived by each path, as
   * Date.now() (comparable across pages of one machine); 0 until it did.
   */
  probe: { entity: number; peerAt: number; roomAt: number; peerSentAt: number } | null;
  applied: number;
  roomSkipped: number;
  corrections: number;
  ignored: number;
}

export function createPeerMotions(): PeerMotions {
  return { tracks: new Map(), probe: null, applied: 0, roomSkipped: 0, corrections: 0, ignored: 0 };
}

/**
 * Whether the room's motion update (`roomPosition`) for avatar `id` is drawn at `now`: yes when no fresh peer
 * motion exists; no when fresh peer motion agrees with it (the peer's is newer); yes, as a correction, when
 * they disagree (the peer is then held off for CORRECTION_HOLD_MS).
 */
export function roomMotionWins(
  state: PeerMotions,
  id: number,
  roomPosition: Vec3 | undefined,
  now: number,
  roomVelocity?: Vec3,
): boolean {
  const t = state.tracks.get(id);
  if (!t || now - t.at > PEER_FRESH_MS || now < t.heldUntil) {
    if (t) t.room = null;
    return true;
  }
  const keep = () => {
    state.roomSkipped++;
    if (t)
      t.room = {
        position: roomPosition ?? t.room?.position ?? null,
        velocity: roomVelocity ?? t.room?.velocity ?? null,
        at: now,
      };
    return false;
  };
  if (!roomPosition) return keep();
  const dt = (now - t.at) / 1000;
  const dx = t.position[0] + t.velocity[0] * dt - roomPosition[0];
  const dy = t.position[1] + t.velocity[1] * dt - roomPosition[1];
  const dz = t.position[2] + t.velocity[2] * dt - roomPosition[2];
  const speed = Math.hypot(t.velocity[0], t.velocity[1], t.velocity[2]);
  if (Math.hypot(dx, dy, dz) <= AGREE_M + speed * ROOM_LAG_S) return keep();
  state.corrections++;
  t.heldUntil = now + CORRECTION_HOLD_MS;
  t.room = null;
  return true;
}

/**
 * The room reports left out for avatars whose peer motion went stale at `now`: each is taken (cleared) and
 * returned, so the caller draws where the room last said.
 */
export function staleRoomReports(
  state: PeerMotions,
  now: number,
): { id: number; position: Vec3 | null; velocity: Vec3 | null; at: number }[] {
  const out: { id: number; position: Vec3 | null; velocity: Vec3 | null; at: number }[] = [];
  for (const [id, t] of state.tracks) {
    if (t.room === null || now - t.at <= PEER_FRESH_MS) continue;
    out.push({ id, ...t.room });
    t.room = null;
  }
  return out;
}

/**
 * Notes the first moving update of the probed avatar by `path` (a speed over 0.1 m/s counts as moving); for a peer
 * update also when its sender stamped it (`sentAt`), which splits the path into the sender's part and the rest.
 */
export function probeArrival(
  state: PeerMotions,
  id: number,
  velocity: Vec3 | undefined,
  path: 'peer' | 'room',
  sentAt = 0,
): void {
  const p = state.probe;
  if (p === null || p.entity !== id || !velocity || Math.hypot(velocity[0], velocity[1], velocity[2]) < 0.1) return;
  if (path === 'peer' && p.peerAt === 0) {
    p.peerAt = Date.now();
    p.peerSentAt = sentAt;
  }
  if (path === 'room' && p.roomAt === 0) p.roomAt = Date.now();
}

/** Records a peer update for avatar `id`; false when it must not be drawn (held off after a correction). */
export function acceptPeerMotion(state: PeerMotions, id: number, position: Vec3, velocity: Vec3, now: number): boolean {
  const t = state.tracks.get(id);
  if (t && now < t.heldUntil) {
    state.ignored++;
    return false;
  }
  state.tracks.set(id, { at: now, position, velocity, heldUntil: 0, room: t?.room ?? null });
  state.applied++;
  return true;
}
