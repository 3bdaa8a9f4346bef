/** Placing hover texts on the screen: projection, visibility, colour and alpha, fading with distance, draw order. */
import { describe, expect, it } from 'vitest';
import { lookAt, multiplyMat4, perspective } from '../../../../web/render/cull/frustum';
import { HOVER_FADE_FAR, HOVER_FADE_MIN, placeHoverTexts } from '../../../../web/ui/hover-text';
import type { HoverTextView } from '../../../../web/world/world-snapshot';

/** A camera at the origin looking along +y, z up; an 800×400 screen. */
const viewProj = Array.from(multiplyMat4(perspective(Math.PI / 3, 2, 0.2, 1000), lookAt([0, 0, 0], [0, 10, 0], [0, 0, 1])));

const text = (id: number, position: [number, number, number], over: Partial<HoverTextView> = {}): HoverTextView => ({
  id,
  text: `text ${id}`,
  color: [255, 200, 0, 255],
  position,
  ...over,
});

describe('placing hover texts', () => {
  it('puts a text in front of the camera where its point projects, in its colour at full strength nearby', () => {
    const [t] = placeHoverTexts([text(1, [0, 5, 0], { text: 'two\nlines' })], viewProj, 800, 400);
    expect(t?.x).toBeCloseTo(400);
    expect(t?.y).toBeCloseTo(200);
    expect(t?.text).toBe('two\nlines');
    expect(t?.color).toBe('rgb(255, 200, 0)');
    expect(t?.opacity).toBeCloseTo(1);
  });

  it('hides texts behind the camera, off screen, fully transparent or empty, and all without a camera', () => {
    const texts = [
      text(1, [0, -10, 0]),
      text(2, [100, 10, 0]),
      text(3, [0, 10, 0], { color: [255, 255, 255, 0] }),
      text(4, [0, 10, 0], { text: '' }),
      text(5, [0, 10, 0]),
    ];
    expect(placeHoverTexts(texts, viewProj, 800, 400).map((t) => t.id)).toEqual([5]);
    expect(placeHoverTexts(texts, null, 800, 400)).toEqual([]);
  });

  it('carries the text alpha into its opacity and fades it slightly with distance', () => {
    const [half] = placeHoverTexts([text(1, [0, 5, 0], { color: [255, 255, 255, 128] })], viewProj, 800, 400);
    expect(half?.opacity).toBeCloseTo(128 / 255);
    const [far] = placeHoverTexts([text(2, [0, HOVER_FADE_FAR + 20, 0])], viewProj, 800, 400);
    expect(far?.opacity).toBeCloseTo(HOVER_FADE_MIN);
    const [mid] = placeHoverTexts([text(3, [0, 40, 0])], viewProj, 800, 400);
    expect(mid?.opacity).toBeLessThan(1);
    expect(mid?.opacity).toBeGreaterThan(HOVER_FADE_MIN);
  });

  it('orders farthest first, so that nearer texts are drawn over farther ones', () => {
    const placed = placeHoverTexts([text(1, [0, 5, 0]), text(2, [0, 30, 0]), text(3, [0, 12, 0])], viewProj, 800, 400);
    expect(placed.map((t) => t.id)).toEqual([2, 3, 1]);
  });
});
