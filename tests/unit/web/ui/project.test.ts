import { describe, expect, it } from 'vitest';
import { lookAt, multiplyMat4, perspective } from '../../../../web/render/cull/frustum';
import { projectToScreen } from '../../../../web/ui/project';

const viewProj = Array.from(multiplyMat4(perspective(Math.PI / 3, 2, 0.2, 1000), lookAt([0, 0, 0], [0, 10, 0], [0, 0, 1])));

describe('projecting world points for overlays', () => {
  it('puts the point the camera looks at in the middle of the screen', () => {
    const at = projectToScreen(viewProj, [0, 10, 0], 800, 400);
    expect(at?.[0]).toBeCloseTo(400);
    expect(at?.[1]).toBeCloseTo(200);
  });
  it('puts higher points higher on screen and points to the right to the right', () => {
    const up = projectToScreen(viewProj, [0, 10, 1], 800, 400);
    const right = projectToScreen(viewProj, [1, 10, 0], 800, 400);
    expect(up?.[1]).toBeLessThan(200);
    expect(right?.[0]).toBeGreaterThan(400);
  });
  it('hides points behind the camera or far off screen', () => {
    expect(projectToScreen(viewProj, [0, -10, 0], 800, 400)).toBeNull();
    expect(projectToScreen(viewProj, [100, 10, 0], 800, 400)).toBeNull();
  });
});
