/** Camera controller: third-person follow and free-fly, driven by input intents (Z up, yaw 0 = +X). */
import type { Vec3 } from './math';
import type { CameraView } from './world-renderer';

/** What the input layer asks for; all values are per update, already scaled by the UI. */
export interface CameraIntent {
  /** Forward/back (+1/-1), strafe right/left (+1/-1), up/down (+1/-1). */
  move: Vec3;
  /** Radians to turn this update (mouse look). */
  yaw: number;
  pitch: number;
  run: boolean;
}

export type CameraMode = 'follow' | 'free';

/** Camera state; `target` is what follow mode orbits (your avatar). */
export interface CameraState {
  mode: CameraMode;
  eye: Vec3;
  yaw: number;
  pitch: number;
  /** Follow distance in metres. */
  distance: number;
  fovY: number;
}

export function createCameraState(eye: Vec3, yaw = Math.PI / 2, pitch = -0.25): CameraState {
  return { mode: 'free', eye: [...eye], yaw, pitch, distance: 5, fovY: Math.PI / 3 };
}

/** The unit view direction for a yaw/pitch. */
export function viewDirection(yaw: number, pitch: number): Vec3 {
  const c = Math.cos(pitch);
  return [Math.cos(yaw) * c, Math.sin(yaw) * c, Math.sin(pitch)];
}

const LIMIT_PITCH = 1.45;

/** Applies an intent over `dt` seconds; in follow mode only the look angles change (the avatar moves). */
export function updateCamera(state: CameraState, intent: CameraIntent, dt: number): void {
  state.yaw = (state.yaw + intent.yaw) % (Math.PI * 2);
  state.pitch = Math.max(-LIMIT_PITCH, Math.min(LIMIT_PITCH, state.pitch + intent.pitch));
  if (state.mode !== 'free') return;
  const speed = (intent.run ? 24 : 8) * dt;
  const fwd = viewDirection(state.yaw, state.pitch);
  const right: Vec3 = [Math.sin(state.yaw), -Math.cos(state.yaw), 0];
  const [f, s, u] = intent.move;
  for (let k = 0; k < 3; k++) {
    state.eye[k] = (state.eye[k] ?? 0) + (fwd[k] ?? 0) * f * speed + (right[k] ?? 0) * s * speed + (k === 2 ? u * speed : 0);
  }
}

/** The view for this frame: free mode looks from `eye`; follow mode sits behind and above `target`. */
export function cameraView(state: CameraState, target: Vec3 | null): CameraView {
  const dir = viewDirection(state.yaw, state.pitch);
  if (state.mode === 'follow' && target) {
    const eye: Vec3 = [
      target[0] - dir[0] * state.distance,
      target[1] - dir[1] * state.distance,
      target[2] - dir[2] * state.distance + 1.5,
    ];
    state.eye = eye;
    return { eye, target: [target[0], target[1], target[2] + 1.2], fovY: state.fovY };
  }
  const eye = state.eye;
  return { eye, target: [eye[0] + dir[0], eye[1] + dir[1], eye[2] + dir[2]], fovY: state.fovY };
}

/**
 * A camera setting asked for from outside the input (a plugin's `ctx.camera.set`, docs/plugins.md camera:control):
 * each field given replaces the camera's, clamped to sane ranges; absent fields stay.
 */
export interface CameraShot {
  mode?: CameraMode;
  /** Follow distance (m), 0.5–64. */
  distance?: number;
  /** Vertical field of view in degrees, 10–120. */
  fovDeg?: number;
  /** Look angles (radians); pitch is clamped as the mouse's is. */
  yaw?: number;
  pitch?: number;
}

/** The camera's settings that a shot may change, as they stand (what `resetCameraShot` restores). */
export type CameraShotBase = Pick<CameraState, 'mode' | 'distance' | 'fovY' | 'pitch'>;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Applies a shot to the camera; returns what it changed from, so the shot can be undone. */
export function applyCameraShot(state: CameraState, shot: CameraShot): CameraShotBase {
  const before: CameraShotBase = { mode: state.mode, distance: state.distance, fovY: state.fovY, pitch: state.pitch };
  if (shot.mode === 'follow' || shot.mode === 'free') state.mode = shot.mode;
  if (shot.distance !== undefined && Number.isFinite(shot.distance)) state.distance = clamp(shot.distance, 0.5, 64);
  if (shot.fovDeg !== undefined && Number.isFinite(shot.fovDeg)) state.fovY = (clamp(shot.fovDeg, 10, 120) * Math.PI) / 180;
  if (shot.yaw !== undefined && Number.isFinite(shot.yaw)) state.yaw = shot.yaw % (Math.PI * 2);
  if (shot.pitch !== undefined && Number.isFinite(shot.pitch)) state.pitch = clamp(shot.pitch, -LIMIT_PITCH, LIMIT_PITCH);
  return before;
}

/** Puts back the settings a shot changed (`applyCameraShot`'s answer for the first shot). */
export function resetCameraShot(state: CameraState, base: CameraShotBase): void {
  state.mode = base.mode;
  state.distance = base.distance;
  state.fovY = base.fovY;
  state.pitch = base.pitch;
}
