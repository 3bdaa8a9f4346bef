/** Camera shots (camera:control): applied field by field, clamped, and undone to the camera as it was. */
import { describe, expect, it } from 'vitest';
import { applyCameraShot, cameraView, createCameraState, resetCameraShot } from '../../../../web/render/camera';

describe('camera shots', () => {
  it('sets the fields given and leaves the rest', () => {
    const c = createCameraState([0, 0, 0]);
    c.mode = 'follow';
    applyCameraShot(c, { distance: 14, fovDeg: 80 });
    expect(c.distance).toBe(14);
    expect(c.fovY).toBeCloseTo((80 * Math.PI) / 180);
    expect(c.mode).toBe('follow');
    expect(c.pitch).toBe(-0.25);
    // The follow camera then stands 14 m from its target (plus its lift).
    const view = cameraView(c, [100, 100, 20]);
    expect(Math.hypot(view.eye[0] - 100, view.eye[1] - 100)).toBeCloseTo(14 * Math.cos(0.25), 5);
  });

  it('clamps what is out of range and ignores what is not a number', () => {
    const c = createCameraState([0, 0, 0]);
    applyCameraShot(c, { distance: 1e6, fovDeg: 1, pitch: 9, yaw: Number.NaN });
    expect(c.distance).toBe(64);
    expect(c.fovY).toBeCloseTo((10 * Math.PI) / 180);
    expect(c.pitch).toBeLessThan(1.5);
    expect(c.yaw).toBe(Math.PI / 2);
  });

  it("puts back the camera as it was before the first shot (what apply's answer holds)", () => {
    const c = createCameraState([0, 0, 0]);
    const base = applyCameraShot(c, { mode: 'follow', distance: 2.5, fovDeg: 35, pitch: -0.1 });
    applyCameraShot(c, { distance: 8 });
    resetCameraShot(c, base);
    expect({ mode: c.mode, distance: c.distance, fovY: c.fovY, pitch: c.pitch }).toEqual({
      mode: 'free',
      distance: 5,
      fovY: Math.PI / 3,
      pitch: -0.25,
    });
  });
});
