/** Texture layers on the CPU side and the texture stream's loading, placing, failing and eviction. */
import { describe, expect, it } from 'vitest';
import { AssetStoreError, RETRY_DELAY_MS, TRANSIENT_RETRIES } from '../../../../web/assets/errors';
import { LAYER_MIPS, LAYER_SIZE, layerMips, type RgbaImage, type TextureLayers } from '../../../../web/render/texture-layers';
import {
  dimensionFor,
  FIRST_PASS_DIMENSION,
  STREAM_MAX_DIMENSION,
  TextureStream,
  UPLOADS_PER_PUMP,
} from '../../../../web/render/texture-stream';

function image(width: number, height: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { width, height, rgba: data };
}

/** Layers without a GPU: counts uploads, a fixed number of layers. */
function fakeLayers(max: number) {
  const uploads: number[] = [];
  let used = 1;
  const free: number[] = [];
  const layers = {
    version: 0,
    get inUse() {
      return used - free.length;
    },
    bytes: 0,
    budgetLayers: max,
    allocate: () => free.pop() ?? (used < max ? used++ : null),
    release: (l: number) => free.push(l),
    upload: (layer: number) => uploads.push(layer),
  };
  return { layers: layers as unknown as TextureLayers, uploads };
}

/** A stream whose loads succeed at once with an 8x8 image, recording the order they were asked in. */
function recordingStream(layers: TextureLayers) {
  const order: string[] = [];
  const stream = new TextureStream(layers, async (uuid) => {
    order.push(uuid);
    return image(8, 8, [1, 2, 3, 255]);
  });
  return { stream, order };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('texture layers', () => {
  it('resamples any image to a full mip chain down to 1x1, keeping a flat colour exact', () => {
    const { mips, alpha } = layerMips(image(512, 128, [200, 100, 50, 255]));
    expect(mips).toHaveLength(LAYER_MIPS);
    expect(mips[0]?.length).toBe(LAYER_SIZE * LAYER_SIZE * 4);
    expect(Array.from(mips.at(-1) ?? [])).toEqual([200, 100, 50, 255]);
    expect(alpha).toBe(false);
  });

  it('says when a texture has alpha, and averages it down the chain', () => {
    const { mips, alpha } = layerMips(image(4, 4, [255, 140, 26, 64]));
    expect(alpha).toBe(true);
    expect(mips.at(-1)?.[3]).toBe(64);
  });

  it('refuses an image whose bytes do not match its size', () => {
    expect(() => layerMips({ width: 8, height: 8, rgba: new Uint8Array(10) })).toThrow(/needs 256 bytes/);
  });
});

describe('texture stream', () => {
  it('loads what is asked for, nearest first, and makes it resident on a later pump', async () => {
    const { layers, uploads } = fakeLayers(8);
    const { stream, order } = recordingStream(layers);
    stream.beginPass();
    expect(stream.layerOf('far', 50)).toBeNull();
    expect(stream.layerOf('near', 5)).toBeNull();
    stream.pump();
    expect(order).toEqual(['near', 'far']);
    await flush();
    const before = stream.version;
    stream.pump();
    expect(stream.version).toBeGreaterThan(before);
    expect(stream.layerOf('near', 5)).toEqual({ layer: expect.any(Number), alpha: false });
    expect(uploads).toHaveLength(2);
  });

  it('startLoads starts what a pass asked for at once and places nothing: placing waits for the next pump', async () => {
    const { layers, uploads } = fakeLayers(8);
    const { stream, order } = recordingStream(layers);
    stream.beginPass();
    stream.layerOf('far', 50);
    stream.layerOf('near', 5);
    stream.startLoads();
    expect(order).toEqual(['near', 'far']);
    expect(stream.stats()).toMatchObject({ loading: 2, queued: 0 });
    await flush();
    stream.startLoads();
    expect(uploads).toHaveLength(0);
    expect(stream.layerOf('near', 5)).toBeNull();
    stream.pump();
    expect(uploads).toHaveLength(2);
    expect(stream.layerOf('near', 5)).toEqual({ layer: expect.any(Number), alpha: false });
    // Nothing is started twice.
    expect(order).toEqual(['near', 'far']);
  });

  it('remembers a texture that failed and never asks for it again; its faces keep their colour', async () => {
    const { layers } = fakeLayers(8);
    let calls = 0;
    const logs: string[] = [];
    const stream = new TextureStream(
      layers,
      async () => {
        calls++;
        throw new Error('texture_corrupt: not a J2K codestream');
      },
      (m) => logs.push(m),
    );
    stream.layerOf('bad', 0);
    stream.pump();
    await flush();
    stream.pump();
    stream.layerOf('bad', 0);
    stream.pump();
    expect(calls).toBe(1);
    expect(stream.failure('bad')).toMatch(/texture_corrupt/);
    expect(logs[0]).toMatch(/keep their colour/);
    expect(stream.stats().failed).toBe(1);
  });

  it('asks again, after a pause, for a texture the network or the edge failed; a few failures in a row and it stays failed', async () => {
    const { layers } = fakeLayers(8);
    const clock = { t: 0 };
    let fails = 1;
    const calls: string[] = [];
    const logs: string[] = [];
    const stream = new TextureStream(
      layers,
      async (uuid) => {
        calls.push(uuid);
        if (uuid === 'flaky' && fails-- > 0)
          throw new AssetStoreError(
            'asset_unavailable',
            'texture flaky could not be fetched (fetch failed); it is tried again later',
          );
        if (uuid === 'down')
          throw new AssetStoreError('asset_unavailable', 'texture down answered HTTP 502; it is tried again later');
        return image(4, 4, [1, 1, 1, 255]);
      },
      (m) => logs.push(m),
      FIRST_PASS_DIMENSION,
      () => clock.t,
    );
    const round = async () => {
      stream.beginPass();
      stream.layerOf('flaky', 1);
      stream.layerOf('down', 2);
      stream.pump();
      await flush();
      stream.pump();
    };
    await round();
    expect(stream.stats()).toMatchObject({ resident: 0, queued: 2, failed: 0 });
    // Not again before the pause is over; then flaky comes through.
    clock.t += RETRY_DELAY_MS - 1;
    await round();
    expect(calls).toEqual(['flaky', 'down']);
    clock.t += 1;
    await round();
    expect(stream.layerOf('flaky', 1)).not.toBeNull();
    for (let i = 0; i < TRANSIENT_RETRIES + 2; i++) {
      clock.t += RETRY_DELAY_MS;
      await round();
    }
    expect(calls.filter((u) => u === 'down')).toHaveLength(1 + TRANSIENT_RETRIES);
    expect(stream.failure('down')).toMatch(/HTTP 502/);
    expect(logs).toHaveLength(1);
  });

  it('over budget, gives up the layer of a texture the last pass did not draw', async () => {
    const { layers } = fakeLayers(2);
    const stream = new TextureStream(layers, async () => image(4, 4, [9, 9, 9, 255]));
    stream.beginPass();
    stream.layerOf('a', 0);
    stream.pump();
    await flush();
    stream.pump();
    expect(stream.layerOf('a', 0)).not.toBeNull();
    // A new pass that draws only b: a may go.
    stream.beginPass();
    stream.layerOf('b', 0);
    stream.pump();
    await flush();
    stream.pump();
    expect(stream.layerOf('b', 0)).not.toBeNull();
    expect(stream.stats().evicted).toBe(1);
  });

  it('with every layer drawn, a nearer texture takes the layer of the farthest one, and a refused one is not decoded again until it could be placed', async () => {
    // Two layers for textures (layer 0 is the white one).
    const { layers } = fakeLayers(3);
    const loads: string[] = [];
    const stream = new TextureStream(layers, async (uuid) => {
      loads.push(uuid);
      return image(4, 4, [9, 9, 9, 255]);
    });
    const pass = async (asks: [string, number][]) => {
      stream.beginPass();
      for (const [uuid, distance] of asks) stream.layerOf(uuid, distance);
      stream.pump();
      await flush();
      stream.pump();
    };
    await pass([
      ['a', 10],
      ['b', 50],
    ]);
    expect(stream.stats()).toMatchObject({ resident: 2, waiting: 0 });
    // c is drawn nearer than b while both a and b are still drawn: c takes b's layer, b waits.
    await pass([
      ['a', 10],
      ['b', 50],
      ['c', 20],
    ]);
    expect(stream.layerOf('c', 20)).not.toBeNull();
    expect(stream.layerOf('b', 50)).toBeNull();
    expect(stream.stats()).toMatchObject({ resident: 2, waiting: 1 });
    // d, farther than both, is decoded once, refused, and then left alone pass after pass, like b.
    for (let i = 0; i < 5; i++)
      await pass([
        ['a', 10],
        ['b', 50],
        ['c', 20],
        ['d', 90],
      ]);
    expect(loads.filter((u) => u === 'd')).toHaveLength(1);
    expect(loads.filter((u) => u === 'b')).toHaveLength(1);
    expect(stream.stats()).toMatchObject({ resident: 2, waiting: 2 });
    // You walk towards b: it is now nearer than c, is decoded again and takes c's layer.
    await pass([
      ['a', 10],
      ['b', 5],
      ['c', 20],
      ['d', 90],
    ]);
    expect(stream.layerOf('b', 5)).not.toBeNull();
    expect(stream.layerOf('c', 20)).toBeNull();
    expect(loads.filter((u) => u === 'b')).toHaveLength(2);
    // Once a is no longer drawn, the nearest waiting texture gets its layer.
    await pass([
      ['b', 5],
      ['c', 20],
      ['d', 90],
    ]);
    expect(stream.layerOf('c', 20)).not.toBeNull();
    expect(stream.stats()).toMatchObject({ resident: 2, waiting: 1 });
  });

  it('decodes a far texture small, and again at full size into the same layer once you come close', async () => {
    const { layers, uploads } = fakeLayers(8);
    const sizes: number[] = [];
    const stream = new TextureStream(layers, async (_uuid, _priority, maxDimension) => {
      sizes.push(maxDimension);
      return image(maxDimension, maxDimension, [5, 5, 5, 255]);
    });
    stream.beginPass();
    stream.layerOf('sign', 200);
    stream.pump();
    await flush();
    stream.pump();
    const far = stream.layerOf('sign', 200);
    expect(far).not.toBeNull();
    expect(sizes).toEqual([dimensionFor(200)]);
    // You walk up to it: the next pass asks from 5 m.
    stream.beginPass();
    const v = stream.version;
    expect(stream.layerOf('sign', 5)).toEqual(far);
    stream.pump();
    await flush();
    stream.pump();
    expect(sizes).toEqual([dimensionFor(200), STREAM_MAX_DIMENSION]);
    expect(stream.version).toBeGreaterThan(v);
    expect(uploads).toEqual([far?.layer, far?.layer]);
    // Nothing more to refine from there.
    stream.beginPass();
    stream.layerOf('sign', 1);
    stream.pump();
    expect(sizes).toHaveLength(2);
  });

  it('decodes a near texture coarse first, then sharp, and every new texture before any refinement', async () => {
    const { layers, uploads } = fakeLayers(8);
    const asks: { uuid: string; priority: number; size: number }[] = [];
    const stream = new TextureStream(layers, async (uuid, priority, size) => {
      asks.push({ uuid, priority, size });
      return image(size, size, [5, 5, 5, 255]);
    });
    stream.beginPass();
    stream.layerOf('wall', 3);
    stream.pump();
    await flush();
    stream.pump();
    expect(asks).toEqual([{ uuid: 'wall', priority: 3, size: FIRST_PASS_DIMENSION }]);
    // The next pass asks for the wall again (a refinement) and for a new, farther texture: the new one is decoded
    // coarse, and the refinement is handed to the pool behind it (a priority past any distance).
    stream.beginPass();
    const wall = stream.layerOf('wall', 3);
    expect(wall).not.toBeNull();
    stream.layerOf('floor', 40);
    stream.pump();
    await flush();
    stream.pump();
    expect(asks.slice(1)).toEqual([
      { uuid: 'floor', priority: 40, size: FIRST_PASS_DIMENSION },
      { uuid: 'wall', priority: 3 + 1e6, size: STREAM_MAX_DIMENSION },
    ]);
    expect(uploads.filter((l) => l === wall?.layer)).toHaveLength(2);
  });

  it('does not refine a texture whose first decode was already its full resolution', async () => {
    const { layers } = fakeLayers(8);
    const sizes: number[] = [];
    const stream = new TextureStream(layers, async (_uuid, _priority, size) => {
      sizes.push(size);
      return image(64, 32, [5, 5, 5, 255]);
    });
    stream.beginPass();
    stream.layerOf('small', 1);
    stream.pump();
    await flush();
    stream.pump();
    stream.beginPass();
    expect(stream.layerOf('small', 1)).not.toBeNull();
    stream.pump();
    await flush();
    expect(sizes).toEqual([FIRST_PASS_DIMENSION]);
  });
});

describe('texture stream placing within a time budget', () => {
  /** A stream with `n` textures decoded and waiting to be placed. */
  async function decodedStream(n: number) {
    const { layers, uploads } = fakeLayers(64);
    const { stream } = recordingStream(layers);
    stream.beginPass();
    for (let i = 0; i < n; i++) stream.layerOf(`t${i}`, i);
    stream.startLoads();
    await flush();
    return { stream, uploads };
  }

  it('places the first few decoded textures per pump when given no time', async () => {
    const { stream, uploads } = await decodedStream(10);
    stream.pump(0);
    expect(uploads).toHaveLength(UPLOADS_PER_PUMP);
  });

  it('places every decoded texture in one pump while within the time it is given (a slow GPU frame)', async () => {
    const { stream, uploads } = await decodedStream(10);
    let clock = 0;
    stream.pump(40, () => clock++);
    expect(uploads).toHaveLength(10);
  });

  it('stops placing past the first few once its time is spent, and places the rest on later pumps', async () => {
    const { stream, uploads } = await decodedStream(10);
    let clock = 0;
    // Every placement reads the clock once and costs 3 ms of it.
    stream.pump(8, () => (clock += 3));
    expect(uploads.length).toBeGreaterThanOrEqual(UPLOADS_PER_PUMP);
    expect(uploads.length).toBeLessThan(10);
    stream.pump(1000);
    expect(uploads).toHaveLength(10);
  });
});
