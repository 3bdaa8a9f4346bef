/** A click on the 3D view as a ray into the world (for the world worker's `pick`): pure, from the camera's matrix. */
import { type Mat4, mat4Invert, transformPoint } from '../render/math';

/** Most a pointer may move between down and up (CSS px) and still be a click rather than a drag. */
export const CLICK_SLOP_PX = 5;

/**
 * The ray through screen point (x, y) (CSS px of a `width`×`height` view) for the view-projection `viewProj`
 * (column-major, WebGPU depth 0–1): from the near plane towards the far plane, `dir` unit length. Null when the
 * matrix cannot be inverted or the size is empty.
 */
export function rayFromScreen(
  viewProj: readonly number[],
  x: number,
  y: number,
  width: number,
  height: number,
): { origin: [number, number, number]; dir: [number, number, number] } | null {
  if (viewProj.length !== 16 || width <= 0 || height <= 0) return null;
  const m: Mat4 = Float32Array.from(viewProj);
  const inv = mat4Invert(m);
  const nx = (x / width) * 2 - 1;
  const ny = 1 - (y / height) * 2;
  const near = transformPoint(inv, [nx, ny, 0]);
  const far = transformPoint(inv, [nx, ny, 1]);
  if (Math.abs(near[3]) < 1e-12 || Math.abs(far[3]) < 1e-12) return null;
  const a: [number, number, number] = [near[0] / near[3], near[1] / near[3], near[2] / near[3]];
  const b: [number, number, number] = [far[0] / far[3], far[1] / far[3], far[2] / far[3]];
  const d: [number, number, number] = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const len = Math.hypot(d[0], d[1], d[2]);
  if (!Number.isFinite(len) || len < 1e-9 || !a.every(Number.isFinite)) return null;
  return { origin: a, dir: [d[0] / len, d[1] / len, d[2] / len] };
}

/**
 * Calls `onRay` with the ray through each click (a primary-button press and release within CLICK_SLOP_PX, not a
 * drag) on `canvas`, while `viewProj` gives the camera's matrix. Returns the function that stops listening.
 */
export function listenForClicks(
  canvas: HTMLCanvasElement,
  viewProj: () => readonly number[] | null,
  onRay: (ray: { origin: [number, number, number]; dir: [number, number, number] }) => void,
): () => void {
  let down: { x: number; y: number; id: number } | null = null;
  const onDown = (e: PointerEvent) => {
    down = e.button === 0 ? { x: e.clientX, y: e.clientY, id: e.pointerId } : null;
  };
  const onUp = (e: PointerEvent) => {
    const d = down;
    down = null;
    const vp = viewProj();
    if (!d || d.id !== e.pointerId || !vp) return;
    if (Math.hypot(e.clientX - d.x, e.clientY - d.y) > CLICK_SLOP_PX) return;
    const box = canvas.getBoundingClientRect();
    const ray = rayFromScreen(vp, e.clientX - box.left, e.clientY - box.top, box.width, box.height);
    if (ray) onRay(ray);
  };
  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointerup', onUp);
  return () => {
    canvas.removeEventListener('pointerdown', onDown);
    canvas.removeEventListener('pointerup', onUp);
  };
}
