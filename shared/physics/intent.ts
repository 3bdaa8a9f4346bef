/** Movement intent (forward, left, up, and the run/fly/jump flags) and facing → velocity: one rule for room and viewer. */
import { quatRotate } from '../math/quat';
import { INPUT_FLAGS, type Quat, type Vec3 } from '../protocol';
import { FLY_SPEED, RUN_SPEED, WALK_SPEED } from './constants';

/** What a visitor asks of their avatar: `move` is (forward, left, up) in −1..1, facing `rotation`, INPUT_FLAGS. */
export interface AvatarIntent {
  move: Vec3;
  rotation: Quat;
  flags: number;
  /** Scales the walking, running and flying speeds (1 unless given): a viewer matches another world's pace. */
  pace?: number;
}

/** Standing still, facing +x. */
export const IDLE: AvatarIntent = { move: [0, 0, 0], rotation: [0, 0, 0, 1], flags: 0 };

/** World velocity from intent: forward is the avatar's +x, left its +y, both kept horizontal; up counts only when flying. */
export function velocityFor(move: Vec3, rotation: Quat, flags: number, pace = 1): Vec3 {
  const fwd = quatRotate(rotation, [1, 0, 0]);
  const left = quatRotate(rotation, [0, 1, 0]);
  let vx = fwd[0] * move[0] + left[0] * move[1];
  let vy = fwd[1] * move[0] + left[1] * move[1];
  const len = Math.hypot(vx, vy);
  const speed = (flags & INPUT_FLAGS.run ? RUN_SPEED : WALK_SPEED) * pace;
  const mag = Math.min(1, Math.hypot(move[0], move[1]));
  if (len > 1e-6) {
    vx = (vx / len) * speed * mag;
    vy = (vy / len) * speed * mag;
  } else {
    vx = 0;
    vy = 0;
  }
  const vz = flags & INPUT_FLAGS.fly ? Math.max(-1, Math.min(1, move[2])) * FLY_SPEED * pace : 0;
  return [vx, vy, vz];
}

/** True when the intent asks for a jump: the jump flag, or "up" while walking (as native viewers do). */
export function wantsJump(intent: AvatarIntent): boolean {
  return (intent.flags & INPUT_FLAGS.fly) === 0 && ((intent.flags & INPUT_FLAGS.jump) !== 0 || intent.move[2] > 0);
}
