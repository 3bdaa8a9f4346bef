import * as d from 'typegpu/data';
import { describe, expect, it } from 'vitest';
import { CULL_WORKGROUP_SIZE, CullParamsSchema } from '../../../../../web/render/cull/cull-schema';
import { cullDispatchSize, cullLodShaderCode } from '../../../../../web/render/cull/gpu-cull-lod';

describe('the cull-lod shader (resolved without a GPU)', () => {
  it('gets its structs and bindings from the TypeScript schema', () => {
    const code = cullLodShaderCode();
    expect(code).toMatch(/struct CullParams \{/);
    expect(code).toMatch(/struct DrawIndexedArgs \{[^}]*instanceCount: atomic<u32>/);
    expect(code).toMatch(/@group\(0\) @binding\(0\) var<uniform> params: CullParams;/);
    expect(code).toMatch(/@group\(0\) @binding\(4\) var<storage, read_write> draws: array<DrawIndexedArgs>;/);
    expect(code).toMatch(/@group\(0\) @binding\(6\) var<storage, read_write> instanceLod: array<u32>;/);
    expect(code).not.toContain('layout.$');
    expect(code).toContain(`@workgroup_size(${CULL_WORKGROUP_SIZE})`);
  });

  it('has the uniform layout the CPU side writes (planes, camera, lodK, then four scalars)', () => {
    expect(d.sizeOf(CullParamsSchema)).toBe(6 * 16 + 16 + 16 + 16);
  });

  it('splits large dispatches into rows of at most 65535 workgroups', () => {
    expect(cullDispatchSize(10)).toEqual({ x: 1, y: 1, width: 64 });
    const big = cullDispatchSize(10_000_000);
    expect(big.x).toBeLessThanOrEqual(65535);
    expect(big.x * big.y * 64).toBeGreaterThanOrEqual(10_000_000);
  });
});
