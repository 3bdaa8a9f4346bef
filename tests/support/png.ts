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

/**
 * Whether an 800x600 screenshot shows the viewer's test scene (`/?scene=test`): blue sky at the top, the red box in
 * the middle, green ground lower right (right of the chat panel and above the status line, so no HUD panel covers the
 * sampled pixels); with the three colours read, for a failure's message.
 */
export function showsTestScene(png: Buffer): { ok: boolean; report: string } {
  const sky = pixelAt(png, 400, 40);
  const box = pixelAt(png, 400, 330);
  const ground = pixelAt(png, 650, 480);
  const isBlue = sky[2] > 150 && sky[2] > sky[0] + 40;
  const isRed = box[0] > 60 && box[0] > box[1] * 3 && box[0] > box[2] * 3;
  const isGreen = ground[1] > 100 && ground[1] > ground[0] + 30 && ground[1] > ground[2] + 30;
  return {
    ok: isBlue && isRed && isGreen,
    report: `sky rgb(${sky.slice(0, 3).join(',')}), box rgb(${box.slice(0, 3).join(',')}), ground rgb(${ground.slice(0, 3).join(',')})`,
  };
}
