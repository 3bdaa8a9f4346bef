/** Projection of world points to the screen, for overlays drawn by the UI over the 3D view. */

/** Screen position (CSS px) of a world point, or null when it is behind the camera or off screen. */
export function projectToScreen(
  viewProj: readonly number[],
  p: readonly [number, number, number],
  width: number,
  height: number,
): [number, number] | null {
  const m = (i: number) => viewProj[i] ?? 0;
  const x = m(0) * p[0] + m(4) * p[1] + m(8) * p[2] + m(12);
  const y = m(1) * p[0] + m(5) * p[1] + m(9) * p[2] + m(13);
  const w = m(3) * p[0] + m(7) * p[1] + m(11) * p[2] + m(15);
  if (w <= 0.01) return null;
  const sx = (x / w) * 0.5 + 0.5;
  const sy = 1 - ((y / w) * 0.5 + 0.5);
  if (sx < -0.05 || sx > 1.05 || sy < -0.05 || sy > 1.05) return null;
  return [sx * width, sy * height];
}
