/** The texture array's memory budget, changed live: no layer past it is handed out, so the stream evicts instead. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYER_BYTES, TextureLayers } from '../../../../web/render/texture-layers';

/** A recording GPUDevice: textures made (by layer count) and nothing drawn. */
function recordingDevice(): { device: GPUDevice; made: number[] } {
  const made: number[] = [];
  const device = {
    createTexture: (d: GPUTextureDescriptor) => {
      made.push((d.size as number[])[2] ?? 1);
      return { destroy() {}, createView: () => ({}) };
    },
    createCommandEncoder: () => ({ copyTextureToTexture() {}, finish: () => ({}) }),
    queue: { writeTexture() {}, submit() {} },
  };
  return { device: device as unknown as GPUDevice, made };
}

const g = globalThis as { GPUTextureUsage?: unknown };
const had = 'GPUTextureUsage' in g;
beforeAll(() => {
  if (!had) g.GPUTextureUsage = { TEXTURE_BINDING: 4, COPY_DST: 2, COPY_SRC: 1 };
});
afterAll(() => {
  if (!had) delete g.GPUTextureUsage;
});

describe('texture layers under a live budget', () => {
  it('stops handing out new layers at a lowered budget, reuses released ones, and grows again when it is raised', () => {
    const { device, made } = recordingDevice();
    const layers = new TextureLayers(device, 64, 4);
    const got = Array.from({ length: 11 }, () => layers.allocate());
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    layers.setBudget(12 * LAYER_BYTES);
    expect(layers.budgetLayers).toBe(12);
    expect(layers.allocate()).toBeNull();
    layers.release(5);
    expect(layers.allocate()).toBe(5);
    expect(layers.allocate()).toBeNull();
    layers.setBudget(20 * LAYER_BYTES);
    expect(layers.allocate()).toBe(12);
    expect(made.at(-1)).toBeLessThanOrEqual(20);
    // Never under two layers (white and one texture), and a nonsense budget is ignored.
    layers.setBudget(0);
    expect(layers.budgetLayers).toBe(2);
    layers.setBudget(Number.NaN);
    expect(layers.budgetLayers).toBe(2);
  });
});
