/**
 * A glTF model's base colour image (PNG or JPEG, embedded in the model): its header checked against the limits
 * before anything is decoded (image-dimensions reads it), then decoded by the browser (createImageBitmap, scaled
 * down to the side wanted, drawn on an OffscreenCanvas) in a decoder worker. Throws TextureError only.
 */
import { imageDimensionsFromData } from 'image-dimensions';
import { TextureError } from './errors';
import type { DecodedTexture } from './j2k';

/** Limits of a model image: encoded bytes and the larger side in pixels. */
export const MODEL_IMAGE_LIMITS = { bytes: 4 * 1024 * 1024, side: 2048 } as const;

/** The image formats a model's base colour texture may be. */
export type ModelImageFormat = 'png' | 'jpeg';

/** What the header says: format and size. */
export interface ModelImageInfo {
  format: ModelImageFormat;
  width: number;
  height: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format by its magic bytes, or null when it is neither PNG nor JPEG. */
function sniff(bytes: Uint8Array): ModelImageFormat | null {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Checks a model image's header: PNG or JPEG by its bytes (whatever the glTF's mimeType says), its size readable,
 * at most MODEL_IMAGE_LIMITS. `texture_unsupported` for another format, `texture_corrupt` for a header that cannot
 * be read, `texture_too_large` past a limit.
 */
export function inspectModelImage(bytes: Uint8Array): ModelImageInfo {
  if (bytes.length > MODEL_IMAGE_LIMITS.bytes)
    throw new TextureError(
      'texture_too_large',
      `model image is ${bytes.length} bytes; the limit is ${MODEL_IMAGE_LIMITS.bytes} (4 MiB)`,
    );
  const format = sniff(bytes);
  if (!format) throw new TextureError('texture_unsupported', 'model image is neither PNG nor JPEG (by its first bytes)');
  let size: { width: number; height: number } | undefined;
  try {
    size = imageDimensionsFromData(bytes);
  } catch {
    size = undefined;
  }
  if (!size || !Number.isInteger(size.width) || !Number.isInteger(size.height) || size.width < 1 || size.height < 1)
    throw new TextureError('texture_corrupt', `model image: the ${format.toUpperCase()} header gives no size`);
  if (Math.max(size.width, size.height) > MODEL_IMAGE_LIMITS.side)
    throw new TextureError(
      'texture_too_large',
      `model image is ${size.width}x${size.height}; the limit is ${MODEL_IMAGE_LIMITS.side} a side: scale it down before upload`,
    );
  return { format, width: size.width, height: size.height };
}

/** The decoded size for a larger side of at most `maxDimension`: the aspect kept, never enlarged. */
export function fitImageSize(width: number, height: number, maxDimension?: number): { width: number; height: number } {
  const side = Math.max(width, height);
  if (maxDimension === undefined || side <= maxDimension) return { width, height };
  const k = maxDimension / side;
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/**
 * Decodes a model image to RGBA8 (straight alpha), at most `maxDimension` a side. Needs createImageBitmap and
 * OffscreenCanvas (browsers, their workers); elsewhere (Node: visit, tests) `texture_unsupported`.
 */
export async function decodeModelImage(bytes: Uint8Array, maxDimension?: number): Promise<DecodedTexture> {
  const info = inspectModelImage(bytes);
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function')
    throw new TextureError('texture_unsupported', 'model image: this runtime has no createImageBitmap to decode PNG/JPEG');
  const out = fitImageSize(info.width, info.height, maxDimension);
  let bitmap: ImageBitmap;
  try {
    const blob = new Blob([bytes.slice().buffer], { type: `image/${info.format}` });
    bitmap = await createImageBitmap(blob, {
      resizeWidth: out.width,
      resizeHeight: out.height,
      resizeQuality: 'high',
      premultiplyAlpha: 'none',
      colorSpaceConversion: 'none',
      imageOrientation: 'from-image',
    });
  } catch (err) {
    throw new TextureError(
      'texture_corrupt',
      `model image: the ${info.format.toUpperCase()} could not be decoded (${err instanceof Error ? err.message.slice(0, 160) : 'unknown'})`,
    );
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    // Read back at once: a CPU canvas, which needs no round trip to a (possibly busy) GPU process.
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new TextureError('texture_decoder_failed', 'model image: no 2D context', 'internal');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const rgba = new Uint8Array(data.length);
    rgba.set(data);
    return {
      width: bitmap.width,
      height: bitmap.height,
      fullWidth: info.width,
      fullHeight: info.height,
      components: 4,
      discardLevel: 0,
      rgba,
    };
  } finally {
    bitmap.close();
  }
}
