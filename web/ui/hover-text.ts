/** Hover texts on the screen: which of the snapshot's texts show, where, and how strongly (pure; HoverTexts draws them). */
import type { HoverTextView } from '../world/world-snapshot';
import { projectToScreen } from './project';

/** Texts are drawn at full strength up to this distance from the camera (m)… */
export const HOVER_FADE_NEAR = 10;
/** …and fade linearly to `HOVER_FADE_MIN` of it at this distance and beyond. */
export const HOVER_FADE_FAR = 64;
export const HOVER_FADE_MIN = 0.55;

/** A hover text where the screen shows it. */
export interface PlacedHoverText {
  id: number;
  text: string;
  /** Screen position (CSS px) of the text's bottom centre. */
  x: number;
  y: number;
  /** Opaque CSS colour (the alpha goes into `opacity`, so the shadow fades with the text). */
  color: string;
  /** The text's alpha times the fade with distance, 0–1. */
  opacity: number;
  /** Distance along the camera's view (m). */
  depth: number;
}

/**
 * Places hover texts on the screen: those behind the camera, off screen or fully transparent are left out; the rest
 * fade slightly with distance and are ordered farthest first, so that nearer texts are drawn over farther ones.
 */
export function placeHoverTexts(
  texts: readonly HoverTextView[],
  viewProj: readonly number[] | null,
  width: number,
  height: number,
): PlacedHoverText[] {
  if (!viewProj) return [];
  const m = (i: number) => viewProj[i] ?? 0;
  const placed: PlacedHoverText[] = [];
  for (const t of texts) {
    const alpha = Math.min(1, Math.max(0, t.color[3] / 255));
    if (alpha === 0 || t.text === '') continue;
    const at = projectToScreen(viewProj, t.position, width, height);
    if (!at) continue;
    const p = t.position;
    // Clip w: the point's depth in front of a perspective camera.
    const depth = m(3) * p[0] + m(7) * p[1] + m(11) * p[2] + m(15);
    const far = Math.min(1, Math.max(0, (depth - HOVER_FADE_NEAR) / (HOVER_FADE_FAR - HOVER_FADE_NEAR)));
    placed.push({
      id: t.id,
      text: t.text,
      x: at[0],
      y: at[1],
      color: `rgb(${t.color[0]}, ${t.color[1]}, ${t.color[2]})`,
      opacity: alpha * (1 - far * (1 - HOVER_FADE_MIN)),
      depth,
    });
  }
  return placed.sort((a, b) => b.depth - a.depth);
}
