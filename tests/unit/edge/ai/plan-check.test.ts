/** The server's check of a model's answer (edge/ai/plan-check.ts) and the language tier's limits (edge/ai/ai-gate.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AiGate, dayOf, spend } from '../../../../edge/ai/ai-gate';
import { aiConfig } from '../../../../edge/ai/language-tier';
import { checkModelPlan } from '../../../../edge/ai/plan-check';
import { AI_MAX_CREATIONS, AI_RADIUS_M, creationsOf, type Vec3, type WorldAction } from '../../../../shared/protocol';

const center: Vec3 = [100, 100, 20];
const ctx = { center, known: new Set([7, 8]) };
const plan = (actions: unknown[]): string => JSON.stringify({ actions });

describe('checking a model answer', () => {
  it('accepts actions near the visitor on the entities it was shown', () => {
    const r = checkModelPlan(
      plan([
        { tool: 'create_primitive', shape: 'box', position: [110, 100, 20] },
        { tool: 'set_color', entity: 7, color: [255, 0, 0, 255] },
        { tool: 'move_entity', entity: 8, position: [100, 120, 25] },
      ]),
      ctx,
    );
    expect(r.ok).toBe(true);
  });

  it.each([
    ['text, not JSON', 'Here is your arch!', /not JSON/],
    ['an unknown tool', plan([{ tool: 'launch_rockets' }]), /actions\.0/],
    ['no actions', plan([]), /actions/],
    [
      'a position past the radius',
      plan([{ tool: 'create_primitive', shape: 'box', position: [100, 100 + AI_RADIUS_M + 1, 20] }]),
      /at most 64 m/,
    ],
    ['an entity it was not shown', plan([{ tool: 'delete_entity', entity: 99 }]), /entity 99 is not one/],
    [
      'too many creations',
      plan([
        { tool: 'create_structure', structure: 'wall', position: center, size: 16 },
        { tool: 'create_structure', structure: 'wall', position: center, size: 16 },
      ]),
      /creates 32 prims; at most 24/,
    ],
    ['more than 32 KiB', `{"actions": [], "pad": "${'x'.repeat(33 * 1024)}"}`, /bytes; a plan may be at most 32768/],
  ])('refuses %s with a clear reason', (_, text, why) => {
    const r = checkModelPlan(text, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toMatch(why);
  });

  it('never throws on any text, and whatever it accepts keeps the bounds', () => {
    const action = fc.oneof(
      fc.record({
        tool: fc.constant('create_primitive'),
        shape: fc.constantFrom('box', 'sphere'),
        position: fc.tuple(
          fc.double({ min: -50, max: 250, noNaN: true }),
          fc.double({ min: -50, max: 250, noNaN: true }),
          fc.double({ min: -50, max: 100, noNaN: true }),
        ),
      }),
      fc.record({ tool: fc.constant('delete_entity'), entity: fc.integer({ min: 1, max: 12 }) }),
      fc.record({
        tool: fc.constant('create_structure'),
        structure: fc.constantFrom('wall', 'stairs', 'tower'),
        position: fc.constant(center),
        size: fc.integer({ min: 1, max: 16 }),
      }),
      fc.anything(),
    );
    const text = fc.oneof(
      fc.string(),
      fc.array(action, { maxLength: 40 }).map((a) => plan(a)),
      fc.json(),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = checkModelPlan(t, ctx);
        if (!r.ok) return r.errors.length > 0;
        const creations = r.actions.reduce((n: number, a: WorldAction) => n + creationsOf(a), 0);
        return (
          creations <= AI_MAX_CREATIONS &&
          r.actions.every((a) => !('entity' in a) || ctx.known.has(a.entity)) &&
          r.actions.every(
            (a) =>
              !('position' in a) ||
              a.position === undefined ||
              Math.hypot(a.position[0] - center[0], a.position[1] - center[1], a.position[2] - center[2]) <= AI_RADIUS_M,
          )
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('the language tier’s limits', () => {
  const limits = { perVisitorPerMinute: 2, perWorldPerMinute: 3, dailyTokens: 1000 };
  const fresh = { day: '', used: 0 };

  it('refuses a visitor past their rate, then the world past its own, and lets them in again a minute later', () => {
    const gate = new AiGate();
    const t = Date.UTC(2026, 11, 6, 10);
    expect(gate.admit('a', t, fresh, limits)).toBeNull();
    expect(gate.admit('a', t + 1, fresh, limits)).toBeNull();
    expect(gate.admit('a', t + 2, fresh, limits)?.code).toBe('ai_rate_limited');
    expect(gate.admit('b', t + 3, fresh, limits)).toBeNull();
    expect(gate.admit('c', t + 4, fresh, limits)?.message).toMatch(/this world takes at most 3/);
    expect(gate.admit('a', t + 60_001, fresh, limits)).toBeNull();
  });

  it('refuses when today’s tokens are spent, and starts a new UTC day from zero', () => {
    const gate = new AiGate();
    const t = Date.UTC(2026, 11, 6, 23, 59);
    const spent = spend(fresh, 1000, t);
    expect(spent).toEqual({ day: '2026-12-06', used: 1000 });
    expect(gate.admit('a', t, spent, limits)?.code).toBe('ai_budget_exhausted');
    expect(gate.admit('a', t + 120_000, spent, limits)).toBeNull();
    expect(spend(spent, 10, t + 120_000)).toEqual({ day: dayOf(t + 120_000), used: 10 });
  });

  it('is off unless an http(s) endpoint and a model are configured', () => {
    expect(aiConfig({})).toBeNull();
    expect(aiConfig({ AI_ENDPOINT: 'https://llm.example/v1' })).toBeNull();
    expect(aiConfig({ AI_ENDPOINT: 'file:///etc/passwd', AI_MODEL: 'm' })).toBeNull();
    expect(aiConfig({ AI_ENDPOINT: 'https://llm.example/v1/', AI_MODEL: 'm', AI_KEY: 'k', AI_DAILY_TOKENS: '5000' })).toEqual({
      endpoint: 'https://llm.example/v1',
      model: 'm',
      key: 'k',
      dailyTokens: 5000,
    });
  });
});
