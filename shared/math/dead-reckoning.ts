/**
 * Dead reckoning, the one prediction the room and the viewer share: where a mover is `seconds` after it was
 * announced at `position` with `velocity`. The room announces a mover again when this drifts from the truth
 * (edge/world/interest.ts); the viewer draws movers where it says (web/world/plugins/motion.ts).
 */

/** Writes position + velocity·seconds into `out` at `o` (3 numbers); inputs are read at `i`. */
export function predictPosition(
  position: ArrayLike<number>,
  velocity: ArrayLike<number>,
  seconds: number,
  out: { [k: number]: number },
  o = 0,
  i = 0,
): void {
  out[o] = (position[i] ?? 0) + (velocity[i] ?? 0) * seconds;
  out[o + 1] = (position[i + 1] ?? 0) + (velocity[i + 1] ?? 0) * seconds;
  out[o + 2] = (position[i + 2] ?? 0) + (velocity[i + 2] ?? 0) * seconds;
}
