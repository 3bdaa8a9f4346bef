/** Seeded random scenes for cull tests and benchmarks (the same seed gives the same scene in Node and the browser). */

import { createRandom } from '../../../shared/math/random';
import type { CullInstances, CullView } from './cull-types';
import { lookAt, multiplyMat4, perspective, projectionScale } from './frustum';

export { createRandom };

/** `count` spheres scattered over a square world `size` metres wide (Z up), radii 0.1..8 m, over `meshCount` meshes. */
export function createRandomInstances(seed: number, count: number, meshCount: number, size = 1024): CullInstances {
  const rnd = createRandom(seed);
  const spheres = new Float32Array(count * 4);
  const meshIds = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    spheres[i * 4] = rnd() * size;
    spheres[i * 4 + 1] = rnd() * size;
    spheres[i * 4 + 2] = rnd() * 64;
    const u = rnd();
    spheres[i * 4 + 3] = 0.1 + u * u * 8;
    meshIds[i] = Math.floor(rnd() * meshCount) % meshCount;
  }
  return { count, spheres, meshIds };
}

/** A random camera over that world: eye somewhere above it, looking at a random point, 60° vertical FOV, 1920×1080. */
export function createRandomView(seed: number, size = 1024): CullView {
  const rnd = createRandom(seed ^ 0x9e3779b9);
  const eye = [rnd() * size, rnd() * size, 2 + rnd() * 100];
  const target = [rnd() * size, rnd() * size, rnd() * 20];
  const fovY = Math.PI / 3;
  const proj = perspective(fovY, 16 / 9, 0.5, 1000);
  const view = lookAt(eye, target, [0, 0, 1]);
  return { viewProj: multiplyMat4(proj, view), eye, projScale: projectionScale(fovY, 1080) };
}
