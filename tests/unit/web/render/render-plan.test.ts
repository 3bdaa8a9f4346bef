/** The render worker's part of the live plan: LOD bias from the triangle share, far plane, texture budget, decode workers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptimPlan } from '../../../../web/engine/metrics';
import { createOptimPlan } from '../../../../web/engine/optim-plan';
import { MAX_DECODE_WORKERS, RenderPlan, renderPlanOf, VIEWER_FULL_DETAIL } from '../../../../web/render/render-plan';

const calm = createOptimPlan({ hardwareConcurrency: 8, full: VIEWER_FULL_DETAIL }, null);

describe('the render plan', () => {
  it('at full detail keeps the renderer as it is: bias 1, its own far plane, the full texture budget', () => {
    expect(renderPlanOf(calm)).toEqual({
      lodBias: 1,
      drawDistanceM: null,
      textureMemoryBytes: VIEWER_FULL_DETAIL.textureMemoryBytes,
      decodeWorkers: Math.min(MAX_DECODE_WORKERS, calm.threads.decode),
    });
  });

  it('turns a plan with half the triangles into LODs twice as coarse, and a shorter draw distance into the far plane', () => {
    const cut = { ...calm, lod_budget_triangles: VIEWER_FULL_DETAIL.lodBudgetTriangles / 2, draw_distance_m: 300 };
    expect(renderPlanOf(cut)).toMatchObject({ lodBias: 2, drawDistanceM: 300 });
  });

  it('refuses settings out of range with the field named', () => {
    const bad = RenderPlan.safeParse({ lodBias: 0.5, drawDistanceM: null, textureMemoryBytes: 1, decodeWorkers: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['lodBias']);
    expect(RenderPlan.safeParse({ lodBias: 1, drawDistanceM: 5, textureMemoryBytes: 1, decodeWorkers: 1 }).success).toBe(false);
    expect(RenderPlan.safeParse({ lodBias: 1, drawDistanceM: null, textureMemoryBytes: 1, decodeWorkers: 9 }).success).toBe(
      false,
    );
  });

  it('gives valid settings for every valid plan', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.double({ min: 16, max: 1024, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 33 }),
        fc.integer({ min: 0, max: 256 }),
        (lod, draw, texture, decode) => {
          const plan = OptimPlan.parse({
            ...calm,
            lod_budget_triangles: lod,
            draw_distance_m: draw,
            texture_memory_bytes: texture,
            threads: { ...calm.threads, decode },
          });
          const r = renderPlanOf(plan);
          expect(RenderPlan.parse(r)).toEqual(r);
          expect(r.lodBias).toBeGreaterThanOrEqual(1);
          if (lod < VIEWER_FULL_DETAIL.lodBudgetTriangles) expect(r.lodBias).toBeGreaterThan(1);
        },
      ),
    );
  });
});
