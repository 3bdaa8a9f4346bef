/**
 * A `--walk` script as input over time: which way to move, where to face and whether to fly, at each moment
 * of the walk. Turns are instant; a jump is a short press of "up" and the time to come down; "up" takes off
 * and flying goes on until a "down" reaches the ground.
 */
import type { WalkStep } from './options';

/** How long a jump step lasts (ms), and how long "up" is pressed for it. */
export const JUMP_MS = 900;
const JUMP_PRESS_MS = 100;

/** The input at one moment of a walk. */
export interface WalkInput {
  /** Forward, right, up in −1..1 (the viewer's input axes). */
  move: [number, number, number];
  /** Facing, radians (0 = east, counter-clockwise). */
  yaw: number;
  fly: boolean;
}

const AXES: Record<'forward' | 'back' | 'left' | 'right' | 'up' | 'down', [number, number, number]> = {
  forward: [1, 0, 0],
  back: [-1, 0, 0],
  left: [0, -1, 0],
  right: [0, 1, 0],
  up: [0, 0, 1],
  down: [0, 0, -1],
};

export interface Walk {
  /** Total length (ms). */
  readonly duration: number;
  /** The input `ms` into the walk; `grounded` says whether the avatar stands on something (landing ends flight). */
  at(ms: number, grounded: boolean): WalkInput;
}

export function createWalk(steps: readonly WalkStep[], startYaw: number): Walk {
  // Each step's start (ms) and the facing it starts with.
  const timeline: { start: number; end: number; step: WalkStep; yaw: number }[] = [];
  let t = 0;
  let yaw = startYaw;
  for (const step of steps) {
    if (step.kind === 'turn') {
      yaw += (step.degrees * Math.PI) / 180;
      continue;
    }
    const length = step.kind === 'jump' ? JUMP_MS : step.seconds * 1000;
    timeline.push({ start: t, end: t + length, step, yaw });
    t += length;
  }
  const finalYaw = yaw;
  let flying = false;
  return {
    duration: t,
    at(ms, grounded) {
      const entry = timeline.find((e) => ms >= e.start && ms < e.end);
      if (!entry) return { move: [0, 0, 0], yaw: finalYaw, fly: flying };
      const { step } = entry;
      if (step.kind === 'jump') {
        return { move: ms - entry.start < JUMP_PRESS_MS ? [0, 0, 1] : [0, 0, 0], yaw: entry.yaw, fly: false };
      }
      if (step.kind !== 'move') return { move: [0, 0, 0], yaw: entry.yaw, fly: flying };
      if (step.direction === 'up') flying = true;
      // Flying down onto the ground lands.
      if (step.direction === 'down' && flying && grounded && ms - entry.start > 200) flying = false;
      const axis = AXES[step.direction];
      return { move: [axis[0], axis[1], axis[2]], yaw: entry.yaw, fly: flying };
    },
  };
}
