/** Avatar movement on the server: intent (forward, left, up) and facing → velocity → position on the terrain. */
import { quatRotate as rotate } from '../../shared/math/quat';
import type { Quat, Vec3 } from '../../shared/protocol';
import { INPUT_FLAGS } from '../../shared/protocol';

export const WALK_SPEED = 3;
export const RUN_SPEED = 6;
export const FLY_SPEED = 4;
/** Half an avatar's height: its centre stands this far above the ground. */
export const AVATAR_HALF_HEIGHT = 0.9;

/** Rotates (x, y, z) by a unit quaternion (one implementation for edge and viewer: shared/math/quat). */
export { rotate };

/** World velocity from intent: forward is the avatar's +x, left its +y, both kept horizontal. */
export function velocityFor(move: Vec3, rotation: Quat, flags: number): Vec3 {
  const fwd = rotate(rotation, [1, 0, 0]);
  const left = rotate(rotation, [0, 1, 0]);
  let vx = fwd[0] * move[0] + left[0] * move[1];
  let vy = fwd[1] * move[0] + left[1] * move[1];
  const len = Math.hypot(vx, vy);
  const speed = flags & INPUT_FLAGS.run ? RUN_SPEED : WALK_SPEED;
  const mag = Math.min(1, Math.hypot(move[0], move[1]));
  if (len > 1e-6) {
    vx = (vx / len) * speed * mag;
    vy = (vy / len) * speed * mag;
  } else {
    vx = 0;
    vy = 0;
  }
  const vz = flags & INPUT_FLAGS.fly ? move[2] * FLY_SPEED : 0;
  return [vx, vy, vz];
}

/** Advances a position by `dt` seconds; walkers stay on the ground, flyers stay above it. */
export function step(
  position: Vec3,
  velocity: Vec3,
  dt: number,
  flying: boolean,
  ground: (x: number, y: number) => number,
): Vec3 {
  const x = position[0] + velocity[0] * dt;
  const y = position[1] + velocity[1] * dt;
  const floor = ground(x, y) + AVATAR_HALF_HEIGHT;
  const z = flying ? Math.max(floor, position[2] + velocity[2] * dt) : floor;
  return [x, y, z];
}
