import { describe, expect, it } from 'vitest';
import { AVATAR_FACES, AVATAR_LOD_COUNT, generateAvatarMesh } from '../../../../../web/render/mesh/avatar-mesh';
import { basicProblems, openEdges, signedVolume } from '../../../shared/geometry/mesh-checks';

describe('the avatar mesh', () => {
  it('is a valid closed figure of unit height at every LOD, coarser LODs cheaper', () => {
    let last = Infinity;
    for (let lod = 0; lod < AVATAR_LOD_COUNT; lod++) {
      const m = generateAvatarMesh(lod);
      expect(basicProblems(m)).toEqual([]);
      expect(openEdges(m)).toEqual([]);
      expect(signedVolume(m)).toBeGreaterThan(0);
      expect(m.bounds.min[2]).toBeCloseTo(-0.5, 5);
      expect(m.bounds.max[2]).toBeLessThanOrEqual(0.5);
      expect(m.indexCount).toBeLessThan(last);
      last = m.indexCount;
    }
  });

  it('marks head, torso, arms and legs with their own face index', () => {
    const m = generateAvatarMesh(0);
    expect(new Set(m.faces)).toEqual(new Set(Object.values(AVATAR_FACES)));
    let headMin = Infinity;
    for (let v = 0; v < m.vertexCount; v++)
      if (m.faces[v] === AVATAR_FACES.head) headMin = Math.min(headMin, m.positions[v * 3 + 2] ?? 0);
    expect(headMin).toBeGreaterThan(0.3);
  });
});
