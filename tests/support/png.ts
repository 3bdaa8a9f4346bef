/** Reads pixels out of screenshots (PNG) for colour assertions. */
import { PNG } from 'pngjs';

/** The [r, g, b, a] of pixel (x, y) of a PNG image. */
export function pixelAt(png: Buffer, x: number, y: number): [number, number, number, number] {
  const image = PNG.sync.read(png);
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) {
    throw new Error(`png: pixel (${x}, ${y}) is outside the ${image.width}x${image.height} image`);
  }
  const i = (y * image.width + x) * 4;
  const d = image.data;
  return [d[i] ?? 0, d[i + 1] ?? 0, d[i + 2] ?? 0, d[i + 3] ?? 0];
}
