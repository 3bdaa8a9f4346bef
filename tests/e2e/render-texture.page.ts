/**
 * Runs in Chromium (served by Vite through /@fs): the world renderer draws a box whose camera-facing side carries
 * a striped texture, and reports what one row and one column of the picture look like, so the test can check
 * how SL's repeats and rotation lay the texture on the face, and how a half-transparent face blends.
 */
import { generatePrimLods } from '../../shared/geometry/prim-mesh';
import { primParams } from '../../shared/geometry/prim-params';
import { createInstanceBatch, type FaceLook, PLAIN_FACE, pushInstance } from '../../web/render/instance-batch';
import { type TextureAnimParams, textureAnimFrame } from '../../web/render/texture-anim';
import { layerMips } from '../../web/render/texture-layers';
import { createWorldRenderer, DEFAULT_ENVIRONMENT } from '../../web/render/world-renderer';

const SIZE = 128;

/** 64×64, eight vertical bands, red and white in turn (a band is 8 texels wide). */
function stripes(): Uint8Array {
  const rgba = new Uint8Array(64 * 64 * 4);
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++)
      rgba.set(Math.floor(x / 8) % 2 === 0 ? [255, 0, 0, 255] : [255, 255, 255, 255], (y * 64 + x) * 4);
  return rgba;
}

export interface TexturedFrame {
  adapter: string;
  errors: string[];
  /** Changes between red and white along the middle row and the middle column of the box's face. */
  rowChanges: number;
  columnChanges: number;
  /** The picture's centre pixel. */
  centre: [number, number, number, number];
  /** Along the middle row (20 % to 80 %): 1 whitish, 0 reddish, -1 neither. */
  row: number[];
}

/** A texture animation to show at a moment: the face's look is what textureAnimFrame gives then (as the extractor does). */
export interface AnimatedAt {
  anim: TextureAnimParams;
  seconds: number;
}

/** Counts runs along a line of pixels: a change is a step from reddish to whitish or back. */
function changes(px: (i: number) => [number, number, number, number], n: number): number {
  let last = -1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const [, g] = px(i);
    const kind = g > 160 ? 1 : g < 90 ? 0 : last;
    if (last >= 0 && kind !== last) count++;
    last = kind;
  }
  return count;
}

/** 1 whitish, 0 reddish, -1 neither. */
const kindOf = (g: number): number => (g > 160 ? 1 : g < 90 ? 0 : -1);

/**
 * Draws the box (size `scale`, its -y face 1 m in front of the origin) with the given look on every face (colour
 * `color`), fullbright, optionally with a texture animation at a moment, and reads the picture back.
 */
export async function texturedFrame(
  look: Partial<FaceLook>,
  color: [number, number, number, number] = [1, 1, 1, 1],
  scale: [number, number, number] = [2, 2, 2],
  animated: AnimatedAt | null = null,
): Promise<TexturedFrame> {
  if (!navigator.gpu) throw new Error('e2e: navigator.gpu is missing: this Chromium offers no WebGPU');
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('e2e: requestAdapter() returned null: no WebGPU adapter');
  const device = await adapter.requestDevice();
  const errors: string[] = [];
  device.addEventListener('uncapturederror', (e) => errors.push(e.error.message));
  const canvas = new OffscreenCanvas(SIZE, SIZE);
  const context = canvas.getContext('webgpu');
  if (!context) throw new Error('e2e: no webgpu context on an OffscreenCanvas');
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const renderer = createWorldRenderer(device, context, format, { cull: 'cpu' });
  const layer = renderer.textures.allocate();
  if (layer === null) throw new Error('e2e: no texture layer');
  renderer.textures.upload(layer, layerMips({ width: 64, height: 64, rgba: stripes() }).mips);
  renderer.setMeshes([generatePrimLods(primParams('box'))]);
  const batch = createInstanceBatch(1);
  const own: FaceLook = { ...PLAIN_FACE, fullbright: true, layer, ...look };
  const frame = animated ? textureAnimFrame(animated.anim, animated.seconds) : {};
  const faceLook: FaceLook = {
    ...own,
    repeats: frame.repeats ?? own.repeats,
    offset: frame.offset ?? own.offset,
    rotation: frame.rotation ?? own.rotation,
  };
  // The box's face 1 is its -y side: seen from -y, u runs along +x (to the right) and v up.
  pushInstance(batch, {
    mesh: 0,
    // The -y face stays 1 m in front of the origin whatever the depth (scale y).
    position: [0, scale[1] / 2 - 1, 0],
    rotation: [0, 0, 0, 1],
    scale,
    faceColors: [color],
    faceLooks: [faceLook],
  });
  renderer.setInstances(batch);
  renderer.setEnvironment({ ...DEFAULT_ENVIRONMENT, fogDensity: 0 });
  // The 2 m face fills about 70 % of the picture's width from 2.5 m away.
  renderer.render({ eye: [0, -3.5, 0], target: [0, 0, 0], fovY: Math.PI / 3 }, SIZE, SIZE);
  await device.queue.onSubmittedWorkDone();
  const bitmap = canvas.transferToImageBitmap();
  const readback = new OffscreenCanvas(SIZE, SIZE).getContext('2d');
  if (!readback) throw new Error('e2e: no 2d context');
  readback.drawImage(bitmap, 0, 0);
  const data = readback.getImageData(0, 0, SIZE, SIZE).data;
  const px = (x: number, y: number): [number, number, number, number] => {
    const o = (y * SIZE + x) * 4;
    return [data[o] ?? 0, data[o + 1] ?? 0, data[o + 2] ?? 0, data[o + 3] ?? 0];
  };
  // The face covers the middle: sample from 20 % to 80 %.
  const from = Math.round(SIZE * 0.2);
  const span = Math.round(SIZE * 0.6);
  const info = adapter.info;
  const result: TexturedFrame = {
    adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(),
    errors,
    rowChanges: changes((i) => px(from + i, SIZE / 2), span),
    columnChanges: changes((i) => px(SIZE / 2, from + i), span),
    centre: px(SIZE / 2, SIZE / 2),
    row: Array.from({ length: span }, (_, i) => kindOf(px(from + i, SIZE / 2)[1])),
  };
  renderer.destroy();
  device.destroy();
  return result;
}
