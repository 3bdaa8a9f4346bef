/** A click as a ray: through the pixel, from the camera's eye, for the renderer's own view-projection. */
import { describe, expect, it } from 'vitest';
import { lookAt, multiplyMat4, perspective } from '../../../../web/render/math';
import { rayFromScreen } from '../../../../web/ui/pick-ray';

const eye: [number, number, number] = [10, 20, 30];
const viewProj = Array.from(multiplyMat4(perspective(Math.PI / 3, 2, 0.1, 1000), lookAt(eye, [10, 30, 30], [0, 0, 1])));

describe('rayFromScreen', () => {
  it('sends the centre of the view straight ahead, from the eye', () => {
    const ray = rayFromScreen(viewProj, 400, 200, 800, 400);
    expect(ray).not.toBeNull();
    expect(ray?.dir[1]).toBeCloseTo(1, 4);
    expect(Math.hypot(...(ray?.dir ?? [0, 0, 0]))).toBeCloseTo(1, 6);
    // From the near plane, 0.1 m ahead of the eye.
    expect(ray?.origin[0]).toBeCloseTo(10, 2);
    expect(ray?.origin[1]).toBeCloseTo(20.1, 2);
    expect(ray?.origin[2]).toBeCloseTo(30, 2);
  });

  it('sends the top edge up by half the field of view, and the right edge to the right', () => {
    const top = rayFromScreen(viewProj, 400, 0, 800, 400);
    expect(Math.atan2(top?.dir[2] ?? 0, top?.dir[1] ?? 0)).toBeCloseTo(Math.PI / 6, 3);
    const right = rayFromScreen(viewProj, 800, 200, 800, 400);
    // Looking up +Y with Z up, right is +X.
    expect(right?.dir[0]).toBeGreaterThan(0.5);
  });

  it('answers null for an empty view or a matrix that is not 4×4', () => {
    expect(rayFromScreen(viewProj, 0, 0, 0, 400)).toBeNull();
    expect(rayFromScreen([1, 2, 3], 0, 0, 800, 400)).toBeNull();
  });
});
