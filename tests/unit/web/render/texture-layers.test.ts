/** The texture array's memory budget, changed live: no layer past it is handed out, so the stream evicts instead. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEXTURE_BUDGET, LAYER_BYTES, TextureLayers } from '../../../../web/render/texture-layers';

/** A recording GPUDevice: textures made (by layer count) and nothing drawn; `maxLayers` is its array-layer limit. */
function recordingDevice(maxLayers?: number): { device: GPUDevice; made: number[] } {
  const made: number[] = [];
  const device = {
    ...(maxLayers === undefined ? {} : { limits: { maxTextureArrayLayers: maxLayers } }),
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

describe('texture layers within the device limit', () => {
  it('never makes an array with more layers than the device allows, whatever the budget: the stream evicts instead', () => {
    for (const limit of [256, 300, 2048]) {
      const { device, made } = recordingDevice(limit);
      const layers = new TextureLayers(device);
      const budget = Math.floor(DEFAULT_TEXTURE_BUDGET / LAYER_BYTES);
      expect(layers.budgetLayers).toBe(Math.min(limit, budget));
      const got: (number | null)[] = [];
      for (let i = 0; i < 3000; i++) got.push(layers.allocate());
      const handed = got.filter((l): l is number => l !== null);
      expect(handed.length).toBe(Math.min(limit, budget) - 1);
      expect(Math.max(...handed)).toBeLessThan(limit);
      expect(Math.max(...made)).toBeLessThanOrEqual(limit);
      // A larger budget does not pass the limit either.
      layers.setBudget(100 * DEFAULT_TEXTURE_BUDGET);
      expect(layers.budgetLayers).toBe(limit);
      let more = 0;
      while (layers.allocate() !== null) more++;
      expect(handed.length + more).toBe(limit - 1);
      expect(Math.max(...made)).toBe(limit);
    }
  });

  it("takes WebGPU's default of 256 layers from a device that states no limit", () => {
    const { device, made } = recordingDevice();
    const layers = new TextureLayers(device);
    while (layers.allocate() !== null);
    expect(Math.max(...made)).toBe(256);
  });
});
