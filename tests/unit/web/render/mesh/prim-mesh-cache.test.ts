import { describe, expect, it } from 'vitest';
import { primParams } from '../../../../../shared/geometry/prim-params';
import { createPrimMeshCache } from '../../../../../web/render/mesh/prim-mesh-cache';

describe('the prim mesh cache', () => {
  it('gives equal shapes one mesh id and new shapes the next one, with their bounding spheres', () => {
    const cache = createPrimMeshCache();
    expect(cache.meshIdFor(primParams('box'))).toBe(0);
    expect(cache.meshIdFor(primParams('sphere'))).toBe(1);
    expect(cache.meshIdFor(primParams('box', { hollow: 0 }))).toBe(0);
    expect(cache.size).toBe(2);
    expect(cache.lods(1)).toHaveLength(3);
    const spheres = cache.spheres();
    expect(spheres[3]).toBeCloseTo(Math.sqrt(0.75), 5);
    expect(spheres[7]).toBeCloseTo(0.5, 3);
    expect(() => cache.lods(5)).toThrow(/prim mesh: no mesh 5/);
  });
});
