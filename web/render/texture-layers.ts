/**
 * Texture layers: every texture the renderer draws lives in one 2D array texture (so a single instanced draw can
 * use any face's texture), each resampled to LAYER_SIZE² with a full mip chain made on the CPU. The array grows
 * in steps up to a memory budget; past it the least recently wanted layer is given up (texture-stream.ts).
 */

/** Side of every layer, in texels (decoded textures are resampled to it). */
export const LAYER_SIZE = 256;
/** Mip levels of a layer (256 → 1). */
export const LAYER_MIPS = Math.log2(LAYER_SIZE) + 1;
/** Bytes one layer takes with its mips (RGBA8). */
export const LAYER_BYTES = Math.round((LAYER_SIZE * LAYER_SIZE * 4 * 4) / 3);
/** The most layers the renderer asks a device for (2048 × LAYER_BYTES is 683 MiB, past any texture budget). */
export const MAX_TEXTURE_LAYERS = 2048;
/** Default GPU texture budget (bytes) for prim and terrain textures. */
export const DEFAULT_TEXTURE_BUDGET = 192 * 1024 * 1024;

/** An RGBA8 image, rows top first. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * The mip chain of a layer: the image resampled (bilinear, clamped at the edges) to LAYER_SIZE², then halved
 * with a 2×2 box filter down to 1×1. Also says whether any texel is less than opaque.
 */
export function layerMips(image: RgbaImage, size = LAYER_SIZE): { mips: Uint8Array<ArrayBuffer>[]; alpha: boolean } {
  const { width: w, height: h, rgba } = image;
  if (w < 1 || h < 1 || rgba.length < w * h * 4)
    throw new RangeError(`texture layers: a ${w}x${h} image needs ${w * h * 4} bytes`);
  const top = new Uint8Array(size * size * 4);
  let alpha = false;
  for (let y = 0; y < size; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const a = (y0 * w + x0) * 4;
      const b = (y0 * w + x1) * 4;
      const c = (y1 * w + x0) * 4;
      const d = (y1 * w + x1) * 4;
      const o = (y * size + x) * 4;
      for (let k = 0; k < 4; k++) {
        const v =
          ((rgba[a + k] ?? 0) * (1 - fx) + (rgba[b + k] ?? 0) * fx) * (1 - fy) +
          ((rgba[c + k] ?? 0) * (1 - fx) + (rgba[d + k] ?? 0) * fx) * fy;
        top[o + k] = Math.round(v);
      }
      if ((top[o + 3] ?? 255) < 255) alpha = true;
    }
  }
  const mips = [top];
  let side = size;
  let prev = top;
  while (side > 1) {
    const next = side >> 1;
    const out = new Uint8Array(next * next * 4);
    for (let y = 0; y < next; y++) {
      for (let x = 0; x < next; x++) {
        const o = (y * next + x) * 4;
        const p = (y * 2 * side + x * 2) * 4;
        const q = p + side * 4;
        for (let k = 0; k < 4; k++)
          out[o + k] = ((prev[p + k] ?? 0) + (prev[p + 4 + k] ?? 0) + (prev[q + k] ?? 0) + (prev[q + 4 + k] ?? 0) + 2) >> 2;
      }
    }
    mips.push(out);
    prev = out;
    side = next;
  }
  return { mips, alpha };
}

/** The GPU side: one array texture, a free list, growth by copying. */
export class TextureLayers {
  texture: GPUTexture;
  /** Bumped when `texture` is replaced (bind groups holding the old one must be made again). */
  version = 0;
  private capacity: number;
  private readonly free: number[] = [];
  private used = 0;

  /** The most layers one array texture may have on this device (WebGPU's default limit is 256). */
  private readonly deviceLayers: number;
  private maxLayers: number;

  constructor(
    private readonly device: GPUDevice,
    maxLayers = Math.max(1, Math.floor(DEFAULT_TEXTURE_BUDGET / LAYER_BYTES)),
    initialLayers = 8,
  ) {
    const limit = device.limits?.maxTextureArrayLayers;
    this.deviceLayers = typeof limit === 'number' && limit >= 2 ? limit : 256;
    this.maxLayers = Math.min(this.deviceLayers, maxLayers);
    this.capacity = Math.min(this.maxLayers, Math.max(1, initialLayers));
    this.texture = this.create(this.capacity);
    // Layer 0 stays white: untextured faces sample it (and multiply by 1).
    const white = new Uint8Array(LAYER_SIZE * LAYER_SIZE * 4).fill(255);
    this.upload(0, layerMips({ width: LAYER_SIZE, height: LAYER_SIZE, rgba: white }).mips);
    this.used = 1;
  }

  /** Layers in use (layer 0 included). */
  get inUse(): number {
    return this.used - this.free.length;
  }

  /** Bytes the array texture takes on the GPU. */
  get bytes(): number {
    return this.capacity * LAYER_BYTES;
  }

  /** Layers the budget allows (layer 0 included). */
  get budgetLayers(): number {
    return this.maxLayers;
  }

  /**
   * A new memory budget (the live optimisation plan's texture memory), at least two layers and at most the device's
   * array limit: the array stops growing past it, and layers past it are no longer handed out, so the caller evicts
   * to stay within it. An array already larger keeps its GPU allocation until it is made again (device loss).
   */
  setBudget(bytes: number): void {
    if (!Number.isFinite(bytes)) return;
    this.maxLayers = Math.min(this.deviceLayers, Math.max(2, Math.floor(bytes / LAYER_BYTES)));
  }

  /** A free layer, growing the array when allowed; null when the budget is reached (the caller evicts). */
  allocate(): number | null {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used >= this.maxLayers) return null;
    if (this.used >= this.capacity) {
      if (this.capacity >= this.maxLayers) return null;
      this.grow(Math.min(this.maxLayers, this.capacity * 2));
    }
    return this.used++;
  }

  /** Gives a layer back. */
  release(layer: number): void {
    if (layer > 0 && layer < this.used && !this.free.includes(layer)) this.free.push(layer);
  }

  /** Writes a layer's mip chain (from layerMips). */
  upload(layer: number, mips: readonly Uint8Array<ArrayBuffer>[]): void {
    let side = LAYER_SIZE;
    for (let level = 0; level < LAYER_MIPS && level < mips.length; level++) {
      const data = mips[level];
      if (!data) break;
      this.device.queue.writeTexture(
        { texture: this.texture, mipLevel: level, origin: [0, 0, layer] },
        data,
        { bytesPerRow: side * 4, rowsPerImage: side },
        [side, side, 1],
      );
      side = Math.max(1, side >> 1);
    }
  }

  destroy(): void {
    this.texture.destroy();
  }

  private create(layers: number): GPUTexture {
    return this.device.createTexture({
      label: `texture-layers-${layers}`,
      size: [LAYER_SIZE, LAYER_SIZE, layers],
      mipLevelCount: LAYER_MIPS,
      format: 'rgba8unorm',
      dimension: '2d',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST | GPUTextureUsage.COPY_SRC,
    });
  }

  private grow(layers: number): void {
    const next = this.create(layers);
    const encoder = this.device.createCommandEncoder({ label: 'texture-layers-grow' });
    let side = LAYER_SIZE;
    for (let level = 0; level < LAYER_MIPS; level++) {
      encoder.copyTextureToTexture({ texture: this.texture, mipLevel: level }, { texture: next, mipLevel: level }, [
        side,
        side,
        this.capacity,
      ]);
      side = Math.max(1, side >> 1);
    }
    this.device.queue.submit([encoder.finish()]);
    this.texture.destroy();
    this.texture = next;
    this.capacity = layers;
    this.version += 1;
  }
}
