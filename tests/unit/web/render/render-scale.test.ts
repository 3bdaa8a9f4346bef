import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRenderScale,
  DEFAULT_RENDER_SCALE_OPTIONS,
  type RenderScale,
  scaledCanvasSize,
  setRenderScaleMode,
  updateRenderScale,
} from '../../../../web/render/render-scale';

/** A GPU whose frame time is `fullMs` at full scale and falls with the pixels drawn (scale²). */
function run(state: RenderScale, fullMs: number, frames: number): RenderScale {
  let s = state;
  for (let i = 0; i < frames; i++) s = updateRenderScale(s, fullMs * s.scale * s.scale);
  return s;
}

describe('dynamic resolution', () => {
  it('keeps full scale while frames are within twice the budget', () => {
    expect(run(createRenderScale(), 90, 50).scale).toBe(1);
  });

  it('lowers the scale while frames are far over budget, never below the minimum', () => {
    const s = run(createRenderScale(), 600, 50);
    expect(s.scale).toBe(DEFAULT_RENDER_SCALE_OPTIONS.min);
  });

  it('lowers it only as far as the pixel cost needs', () => {
    // 160 ms at full scale: the scale goes to about the budget's share of the pixels (0.56: 51 ms), not to the minimum.
    const s = run(createRenderScale(), 160, 50);
    expect(s.scale).toBeGreaterThan(0.5);
    expect(s.scale).toBeLessThan(1);
    expect(160 * s.scale * s.scale).toBeLessThanOrEqual(DEFAULT_RENDER_SCALE_OPTIONS.budgetMs * 2);
  });

  it('comes back to full scale once frames are cheap again (reversible)', () => {
    const low = run(createRenderScale(), 600, 50);
    expect(low.scale).toBe(0.5);
    expect(run(low, 20, 60).scale).toBe(1);
  });

  it('scales down on one frame alone when it is over ten budgets (the seconds-long first frames of a software GPU)', () => {
    expect(updateRenderScale(createRenderScale(), 1500).scale).toBe(0.5);
    expect(updateRenderScale(createRenderScale(), 400).scale).toBe(1);
  });

  it('waits for a window of frames at the new scale before changing again (one slow frame does nothing)', () => {
    let s = createRenderScale();
    s = updateRenderScale(s, 400);
    expect(s.scale).toBe(1);
    s = updateRenderScale(s, 10);
    s = updateRenderScale(s, 10);
    expect(s.scale).toBe(1);
  });

  it('holds full scale when the person turns it off, and follows frame times again when turned back on', () => {
    const low = run(createRenderScale(), 600, 50);
    const held = setRenderScaleMode(low, 'full');
    expect(held.scale).toBe(1);
    expect(run(held, 600, 50).scale).toBe(1);
    expect(run(setRenderScaleMode(held, 'auto'), 600, 50).scale).toBe(0.5);
  });

  it('stays within [min, 1] whatever the frame times, and ignores nonsense times (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.double({ min: -10, max: 5000 }), fc.constant(Number.NaN)), { maxLength: 200 }),
        (times) => {
          let s = createRenderScale();
          for (const t of times) {
            s = updateRenderScale(s, t);
            expect(s.scale).toBeGreaterThanOrEqual(DEFAULT_RENDER_SCALE_OPTIONS.min);
            expect(s.scale).toBeLessThanOrEqual(1);
            expect(s.samples.length).toBeLessThanOrEqual(DEFAULT_RENDER_SCALE_OPTIONS.window);
          }
        },
      ),
    );
  });

  it('sizes the canvas from its CSS size, the pixel ratio and the scale, at least 1×1', () => {
    expect(scaledCanvasSize({ width: 960, height: 600, dpr: 1 }, 0.5)).toEqual({ width: 480, height: 300 });
    expect(scaledCanvasSize({ width: 800, height: 450, dpr: 2 }, 0.75)).toEqual({ width: 1200, height: 675 });
    expect(scaledCanvasSize({ width: 0, height: 0, dpr: 1 }, 0.5)).toEqual({ width: 1, height: 1 });
  });
});
