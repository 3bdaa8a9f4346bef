import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLodBudget, DEFAULT_LOD_BUDGET_OPTIONS, updateLodBudget } from '../../../../../web/render/cull/lod-budget';

describe('the adaptive LOD budget', () => {
  it('raises the bias (coarser LODs) while frames are slower than the target and lowers it while faster', () => {
    let slow = createLodBudget();
    for (let i = 0; i < 10; i++) slow = updateLodBudget(slow, 33);
    expect(slow.bias).toBeGreaterThan(1);
    let fast = createLodBudget();
    for (let i = 0; i < 10; i++) fast = updateLodBudget(fast, 5);
    expect(fast.bias).toBeLessThan(1);
  });

  it('holds still inside the deadband around the target', () => {
    const b = updateLodBudget(createLodBudget(), 16.9);
    expect(b.bias).toBe(1);
  });

  it('converges toward the target frame time when frame cost falls as the bias rises', () => {
    // A scene whose frame time is 40 ms at bias 1 and falls with the square of the bias.
    let b = createLodBudget();
    for (let i = 0; i < 400; i++) b = updateLodBudget(b, 40 / (b.bias * b.bias));
    const ms = 40 / (b.bias * b.bias);
    expect(Math.abs(ms - 16.6) / 16.6).toBeLessThan(0.12);
  });

  it('always stays within [minBias, maxBias] and ignores nonsense times (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -10, max: 1000 }), fc.constant(Number.NaN))), (times) => {
        let b = createLodBudget();
        for (const t of times) b = updateLodBudget(b, t);
        expect(b.bias).toBeGreaterThanOrEqual(DEFAULT_LOD_BUDGET_OPTIONS.minBias);
        expect(b.bias).toBeLessThanOrEqual(DEFAULT_LOD_BUDGET_OPTIONS.maxBias);
        expect(Number.isFinite(b.smoothedMs)).toBe(true);
      }),
    );
  });
});
