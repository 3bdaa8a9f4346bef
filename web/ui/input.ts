/**
 * Captures keyboard, mouse and touch into movement intents, sent at a steady rate and at once when a key changes
 * where you go (the room and your peers hear of a step without waiting for the next sample); never blocks rendering.
 */

import { movementKey } from '../world/world-protocol';

/** One input sample: held movement axes plus look deltas accumulated since the last sample. */
export interface InputIntent {
  move: [forward: number, strafe: number, up: number];
  yaw: number;
  pitch: number;
  run: boolean;
  fly: boolean;
  /** Set once when the camera mode should switch (C). */
  toggleCamera: boolean;
}

const LOOK_RADIANS_PER_PX = 0.004;

/** Keys that move; arrows turn instead of strafe, as in Second Life viewers. */
function axesFrom(keys: ReadonlySet<string>): { move: InputIntent['move']; turn: number } {
  const f = (keys.has('KeyW') || keys.has('ArrowUp') ? 1 : 0) - (keys.has('KeyS') || keys.has('ArrowDown') ? 1 : 0);
  const s = (keys.has('KeyD') ? 1 : 0) - (keys.has('KeyA') ? 1 : 0);
  const u = (keys.has('PageUp') || keys.has('KeyE') ? 1 : 0) - (keys.has('PageDown') || keys.has('KeyQ') ? 1 : 0);
  const turn = (keys.has('ArrowLeft') ? 1 : 0) - (keys.has('ArrowRight') ? 1 : 0);
  return { move: [f, s, u], turn };
}

/**
 * Starts capturing input on `surface` and calls `send` about `hz` times a second with the current intent, and at
 * once when a key press or release changes the movement axes or running. Typing in a text field does not move
 * you. Returns a stop function.
 */
export function captureInput(surface: HTMLElement, send: (intent: InputIntent) => void, hz = 30): () => void {
  const keys = new Set<string>();
  let yaw = 0;
  let pitch = 0;
  let fly = false;
  let toggleCamera = false;
  let dragging: { x: number; y: number; id: number } | null = null;
  let stick: { id: number; x0: number; y0: number; dx: number; dy: number } | null = null;

  let sentAxes = '';
  const running = (): boolean => keys.has('ShiftLeft') || keys.has('ShiftRight');
  const sample = (): void => {
    const { move, turn } = axesFrom(keys);
    if (stick) {
      move[0] = -stick.dy;
      move[1] = stick.dx;
    }
    const run = running();
    sentAxes = movementKey(move, run, fly);
    send({ move, yaw: yaw + turn * 0.05, pitch, run, fly, toggleCamera });
    yaw = 0;
    pitch = 0;
    toggleCamera = false;
  };
  /** A key changed where you go: the intent goes now, not at the next sample (up to 1/hz s later). */
  const sampleIfChanged = (): void => {
    if (stick) return;
    if (movementKey(axesFrom(keys).move, running(), fly) !== sentAxes) sample();
  };

  const typing = (e: Event): boolean => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  const onKeyDown = (e: KeyboardEvent): void => {
    if (typing(e)) return;
    if (e.code === 'KeyF' && !e.repeat) fly = !fly;
    if (e.code === 'KeyC' && !e.repeat) toggleCamera = true;
    keys.add(e.code);
    if (e.code.startsWith('Arrow') || e.code === 'PageUp' || e.code === 'PageDown') e.preventDefault();
    sampleIfChanged();
  };
  const onKeyUp = (e: KeyboardEvent): void => {
    keys.delete(e.code);
    sampleIfChanged();
  };
  const onBlur = (): void => keys.clear();
  const onPointerDown = (e: PointerEvent): void => {
    if (e.pointerType === 'touch' && e.clientX < surface.clientWidth * 0.35 && e.clientY > surface.clientHeight * 0.5 && !stick) {
      stick = { id: e.pointerId, x0: e.clientX, y0: e.clientY, dx: 0, dy: 0 };
    } else {
      dragging = { x: e.clientX, y: e.clientY, id: e.pointerId };
    }
    surface.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent): void => {
    if (stick && e.pointerId === stick.id) {
      stick.dx = Math.max(-1, Math.min(1, (e.clientX - stick.x0) / 60));
      stick.dy = Math.max(-1, Math.min(1, (e.clientY - stick.y0) / 60));
    } else if (dragging && e.pointerId === dragging.id) {
      yaw -= (e.clientX - dragging.x) * LOOK_RADIANS_PER_PX;
      pitch -= (e.clientY - dragging.y) * LOOK_RADIANS_PER_PX;
      dragging = { x: e.clientX, y: e.clientY, id: e.pointerId };
    }
  };
  const onPointerUp = (e: PointerEvent): void => {
    if (stick && e.pointerId === stick.id) stick = null;
    if (dragging && e.pointerId === dragging.id) dragging = null;
  };

  window.addEventListener('keydown', onKeyDown);
  window.addEventListener('keyup', onKeyUp);
  window.addEventListener('blur', onBlur);
  surface.addEventListener('pointerdown', onPointerDown);
  surface.addEventListener('pointermove', onPointerMove);
  surface.addEventListener('pointerup', onPointerUp);
  surface.addEventListener('pointercancel', onPointerUp);

  const timer = setInterval(sample, 1000 / hz);

  return () => {
    clearInterval(timer);
    window.removeEventListener('keydown', onKeyDown);
    window.removeEventListener('keyup', onKeyUp);
    window.removeEventListener('blur', onBlur);
    surface.removeEventListener('pointerdown', onPointerDown);
    surface.removeEventListener('pointermove', onPointerMove);
    surface.removeEventListener('pointerup', onPointerUp);
    surface.removeEventListener('pointercancel', onPointerUp);
  };
}
