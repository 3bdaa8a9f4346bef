import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineCode, EngineError } from '../../../web/engine/errors';
import { and, type Expr, evaluate, has, keyOf, normalize, not, or } from '../../../web/engine/query';
import type { ComponentDef } from '../../../web/engine/schema';
import { createWorld, type World } from '../../../web/engine/world';
import { ALL, Blob, Health, Position, Tag, Target, Velocity } from './fixtures';

const A = has(Position);
const B = has(Velocity);
const C = has(Health);

describe('query normalization', () => {
  it('factors (A∧B)∨(A∧C) into A∧(B∨C)', () => {
    expect(keyOf(normalize(or(and(A, B), and(A, C))))).toBe(keyOf(normalize(and(A, or(B, C)))));
    expect(keyOf(normalize(or(and(A, B), and(A, C))))).toBe('&(Position,|(Health,Velocity))');
  });

  it('flattens, dedupes and sorts so operand order does not matter', () => {
    expect(keyOf(normalize(and(B, and(A, A), C)))).toBe(keyOf(normalize(and(C, A, B))));
  });

  it('applies absorption, complements and double negation', () => {
    expect(keyOf(normalize(or(A, and(A, B))))).toBe('Position');
    expect(keyOf(normalize(and(A, not(A))))).toBe('0');
    expect(keyOf(normalize(or(B, not(B))))).toBe('1');
    expect(keyOf(normalize(not(not(A))))).toBe('Position');
    expect(keyOf(normalize(not(or(A, B))))).toBe('&(!Position,!Velocity)');
  });

  const names = ['Position', 'Velocity', 'Health', 'Tag'];
  const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(...names).map((c): Expr => ({ op: 'has', c })),
      tie('e').map((x): Expr => ({ op: 'not', x })),
      fc.array(tie('e'), { minLength: 1, maxLength: 3 }).map((xs): Expr => ({ op: 'and', xs })),
      fc.array(tie('e'), { minLength: 1, maxLength: 3 }).map((xs): Expr => ({ op: 'or', xs })),
    ),
  })).e;

  it('keeps the meaning of any expression (checked on every component subset)', () => {
    fc.assert(
      fc.property(exprArb, (e) => {
        const n = normalize(e);
        for (let m = 0; m < 1 << names.length; m++) {
          const hasC = (c: string) => ((m >> names.indexOf(c)) & 1) === 1;
          if (evaluate(n, hasC) !== evaluate(e, hasC)) return false;
        }
        return true;
      }),
      { numRuns: 400 },
    );
  });

  it('gives equivalent spellings one cached result in a world', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const q1 = w.query({ where: or(and(A, B), and(A, C)) });
    const q2 = w.query({ all: [Position], any: [Health, Velocity] });
    expect(q2).toBe(q1);
    expect(w.cachedQueries).toBe(1);
    expect(w.cacheStats).toMatchObject({ hits: 1, misses: 1 });
  });
});

/** Naive reference: scan every live entity and evaluate the expression on its component set. */
function naive(w: World, ids: Set<number>, e: Expr): number[] {
  const out: number[] = [];
  for (const id of ids) {
    const byName = (n: string) => w.has(id, ALL.find((c) => c.name === n) as ComponentDef);
    if (evaluate(e, byName)) out.push(w.indexOf(id));
  }
  return out.sort((a, b) => a - b);
}

describe('cached queries', () => {
  const comps = [Position, Velocity, Health, Tag];
  type Op =
    | { t: 'create'; cs: number[] }
    | { t: 'destroy'; k: number }
    | { t: 'add'; k: number; c: number }
    | { t: 'remove'; k: number; c: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ t: fc.constant('create' as const), cs: fc.uniqueArray(fc.nat(3), { maxLength: 4 }) }),
    fc.record({ t: fc.constant('destroy' as const), k: fc.nat() }),
    fc.record({ t: fc.constant('add' as const), k: fc.nat(), c: fc.nat(3) }),
    fc.record({ t: fc.constant('remove' as const), k: fc.nat(), c: fc.nat(3) }),
  );

  it('stay equal to a naive recomputation under any sequence of create/destroy/add/remove', () => {
    const exprs: Expr[] = [
      and(A, B),
      or(and(A, B), and(A, C)),
      and(A, not(has(Tag))),
      or(C, has(Tag)),
      not(A),
      and(not(B), not(C)),
    ];
    const step = fc.oneof(opArb, fc.record({ t: fc.constant('query' as const), n: fc.nat(exprs.length - 1) }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 8 }), (ops, maxCached) => {
        // A small cache makes lookups evict and rebuild results in the middle of the sequence.
        const w = createWorld({ components: ALL, capacity: 64, maxCachedQueries: maxCached });
        const live = new Set<number>();
        for (const op of ops) {
          const ids = [...live];
          const pick = ids.length ? ids[('k' in op ? op.k : 0) % ids.length] : undefined;
          try {
            if (op.t === 'query') w.query(exprs[op.n] as Expr);
            else if (op.t === 'create') live.add(w.create(...op.cs.map((c) => comps[c] as ComponentDef)));
            else if (pick !== undefined && op.t === 'destroy') {
              w.destroy(pick);
              live.delete(pick);
            } else if (pick !== undefined && op.t === 'add') w.add(pick, comps[op.c] as ComponentDef);
            else if (pick !== undefined && op.t === 'remove') w.remove(pick, comps[op.c] as ComponentDef);
          } catch (e) {
            if (!(e instanceof EngineError && e.numericCode === EngineCode.WorldFull)) throw e;
          }
        }
        return exprs.every((e) => {
          const q = w.query(e);
          const got = Array.from(q.entities()).sort((a, b) => a - b);
          const want = naive(w, live, normalize(e));
          const runs = Array.from(w.runsOf(q));
          const fromRuns: number[] = [];
          for (let r = 0; r < runs.length; r += 2) for (let i = runs[r] ?? 0; i < (runs[r + 1] ?? 0); i++) fromRuns.push(i);
          return got.length === want.length && got.every((v, i) => v === want[i]) && fromRuns.join() === want.join();
        });
      }),
      { numRuns: 300 },
    );
  });

  it('report sorted runs of consecutive slots', () => {
    const w = createWorld({ components: ALL, capacity: 100 });
    const ids = Array.from({ length: 70 }, () => w.create(Position));
    w.remove(ids[3] ?? 0, Position);
    w.remove(ids[40] ?? 0, Position);
    w.remove(ids[41] ?? 0, Position);
    const q = w.query({ all: [Position] });
    expect(Array.from(w.runsOf(q))).toEqual([0, 3, 4, 40, 42, 70]);
  });

  it('filter added, changed and removed relative to a tick', () => {
    const w = createWorld({ components: ALL, capacity: 32 });
    const a = w.create(Health, Position);
    const b = w.create(Health, Position);
    const since = w.advanceTick() - 1;
    const c = w.create(Health, Position);
    w.set(a, Health, { hp: 5 });
    w.remove(b, Health);
    const idx = (ids: number[]) => ids.map((id) => w.indexOf(id)).sort();
    expect(Array.from(w.read({ all: [Position], added: [Health] }, since)).sort()).toEqual(idx([c]));
    expect(Array.from(w.read({ all: [Position], changed: [Health] }, since)).sort()).toEqual(idx([a, c]));
    expect(Array.from(w.read({ all: [Position], removed: [Health] }, since))).toEqual(idx([b]));
    expect(() => w.read({ changed: [Position] }, since)).toThrow(/trackChanges/);
  });

  it('evict unpinned results beyond the limit and rebuild them on the next lookup', () => {
    const w = createWorld({ components: ALL, capacity: 8, maxCachedQueries: 2 });
    const e = w.create(Position, Velocity, Target, Blob);
    const pinned = w.query({ all: [Position] });
    w.pin(pinned);
    w.query({ all: [Velocity] });
    w.query({ all: [Target] });
    w.query({ all: [Blob] });
    expect(w.cachedQueries).toBe(2);
    expect(pinned.evicted).toBe(false);
    expect(w.cacheStats.evictions).toBe(2);
    w.destroy(e);
    expect(pinned.count).toBe(0);
  });
});
