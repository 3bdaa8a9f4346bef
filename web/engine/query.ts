/**
 * Query expressions (seed 12.2): boolean expressions over components, normalized to a canonical key so
 * that equivalent queries share one cached result, and compiled to a mask test.
 */
import { EngineCode, ecsError } from './errors';
import type { ComponentDef } from './schema';

/** A boolean expression over "the entity has component c". */
export type Expr =
  /** `def`, when the node was built from a def, lets the owner world check the def's identity. */
  | { readonly op: 'has'; readonly c: string; readonly def?: ComponentDef }
  | { readonly op: 'not'; readonly x: Expr }
  | { readonly op: 'and'; readonly xs: readonly Expr[] }
  | { readonly op: 'or'; readonly xs: readonly Expr[] }
  | { readonly op: 'const'; readonly v: boolean };

/** A term: a component (meaning "has it") or an expression. */
export type Term = ComponentDef | Expr;

/** What a caller asks for. The structural part (all/any/none/where) is cached; the filters are applied per read. */
export interface QuerySpec {
  readonly all?: readonly Term[];
  readonly any?: readonly Term[];
  readonly none?: readonly Term[];
  readonly where?: Expr;
  /** Entities whose component was added after the reader's `since` tick (implies has). */
  readonly added?: readonly ComponentDef[];
  /** Entities whose component was changed after `since` (implies has; the component must track changes). */
  readonly changed?: readonly ComponentDef[];
  /** Entities that lost the component after `since` and still match the rest. */
  readonly removed?: readonly ComponentDef[];
}

function isExpr(t: Term): t is Expr {
  return 'op' in t;
}
function term(t: Term): Expr {
  return isExpr(t) ? t : { op: 'has', c: t.name, def: t };
}

/** has(A) */
export function has(c: ComponentDef): Expr {
  return { op: 'has', c: c.name, def: c };
}
/** A ∧ B ∧ … */
export function and(...xs: Term[]): Expr {
  return { op: 'and', xs: xs.map(term) };
}
/** A ∨ B ∨ … */
export function or(...xs: Term[]): Expr {
  return { op: 'or', xs: xs.map(term) };
}
/** ¬A */
export function not(x: Term): Expr {
  return { op: 'not', x: term(x) };
}

/** The structural expression of a spec: all ∧ (any…) ∧ ¬none ∧ where ∧ has(added, changed). */
export function specExpr(spec: QuerySpec): Expr {
  const parts: Expr[] = [];
  for (const t of spec.all ?? []) parts.push(term(t));
  if (spec.any && spec.any.length > 0) parts.push({ op: 'or', xs: spec.any.map(term) });
  for (const t of spec.none ?? []) parts.push({ op: 'not', x: term(t) });
  if (spec.where) parts.push(spec.where);
  for (const c of spec.added ?? []) parts.push({ op: 'has', c: c.name, def: c });
  for (const c of spec.changed ?? []) parts.push({ op: 'has', c: c.name, def: c });
  return { op: 'and', xs: parts };
}

/** Canonical text of a normalized expression: the cache key. */
export function keyOf(e: Expr): string {
  switch (e.op) {
    case 'has':
      return e.c;
    case 'not':
      return `!${keyOf(e.x)}`;
    case 'const':
      return e.v ? '1' : '0';
    case 'and':
      return `&(${e.xs.map(keyOf).join(',')})`;
    case 'or':
      return `|(${e.xs.map(keyOf).join(',')})`;
  }
}

/** Negation normal form: NOT only on `has`. */
function nnf(e: Expr, negate: boolean): Expr {
  switch (e.op) {
    case 'has':
      return negate ? { op: 'not', x: e } : e;
    case 'const':
      return { op: 'const', v: e.v !== negate };
    case 'not':
      return nnf(e.x, !negate);
    case 'and':
    case 'or': {
      const op = (e.op === 'and') !== negate ? 'and' : 'or';
      return { op, xs: e.xs.map((x) => nnf(x, negate)) };
    }
  }
}

const TRUE: Expr = { op: 'const', v: true };
const FALSE: Expr = { op: 'const', v: false };

/** The operands of `e` seen as an `op` node (a non-`op` node is a one-operand list). */
function operands(e: Expr, op: 'and' | 'or'): readonly Expr[] {
  return e.op === op ? e.xs : [e];
}

function build(op: 'and' | 'or', xs: Expr[]): Expr {
  if (xs.length === 0) return op === 'and' ? TRUE : FALSE;
  if (xs.length === 1) return xs[0] ?? TRUE;
  return { op, xs };
}

/** One simplification pass over an NNF expression, bottom-up. */
function simplify(e: Expr): Expr {
  if (e.op !== 'and' && e.op !== 'or') return e;
  const op = e.op;
  const dual = op === 'and' ? 'or' : 'and';
  const absorbing = op === 'and' ? FALSE : TRUE;
  // Flatten, drop identities, short-circuit on the absorbing constant, dedupe.
  const byKey = new Map<string, Expr>();
  const pending = e.xs.map(simplify);
  while (pending.length > 0) {
    const x = pending.pop() as Expr;
    if (x.op === op) {
      pending.push(...x.xs);
      continue;
    }
    if (x.op === 'const') {
      if (x.v === (op === 'or')) return absorbing;
      continue;
    }
    byKey.set(keyOf(x), x);
  }
  // Complements: A ∧ ¬A = false, A ∨ ¬A = true.
  for (const [k, x] of byKey) {
    if (x.op === 'not' && byKey.has(keyOf(x.x))) return absorbing;
    if (x.op === 'has' && byKey.has(`!${k}`)) return absorbing;
  }
  let xs = [...byKey.values()];
  // Absorption: A ∨ (A ∧ B) = A; A ∧ (A ∨ B) = A.
  const sets = xs.map((x) => new Set(operands(x, dual).map(keyOf)));
  xs = xs.filter((_, i) => {
    const mine = sets[i] as Set<string>;
    return !sets.some((other, j) => j !== i && other.size < mine.size && [...other].every((k) => mine.has(k)));
  });
  // Factoring: (A ∧ B) ∨ (A ∧ C) = A ∧ (B ∨ C), and the dual.
  if (xs.length > 1) {
    const lists = xs.map((x) => operands(x, dual));
    const first = lists[0] ?? [];
    const common = first.filter((c) => lists.every((l) => l.some((d) => keyOf(d) === keyOf(c))));
    if (common.length > 0) {
      const commonKeys = new Set(common.map(keyOf));
      const rests = lists.map((l) =>
        build(
          dual,
          l.filter((d) => !commonKeys.has(keyOf(d))),
        ),
      );
      // A rest that is empty is the dual identity: the whole `op` is then decided by `common` alone.
      if (rests.some((r) => r.op === 'const')) return simplify(build(dual, common));
      return simplify(build(dual, [...common, build(op, rests)]));
    }
  }
  xs.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return build(op, xs);
}

/** Normalizes: NNF, flatten, dedupe, constants, complements, absorption, factoring, sort — to a fixpoint. */
export function normalize(e: Expr): Expr {
  let cur = simplify(nnf(e, false));
  let key = keyOf(cur);
  for (let i = 0; i < 8; i++) {
    const next = simplify(cur);
    const nextKey = keyOf(next);
    if (nextKey === key) return next;
    cur = next;
    key = nextKey;
  }
  return cur;
}

/** A compiled structural test over the mask column. */
export type MaskTest = (mask: Uint32Array, base: number) => boolean;

/** Compiles a normalized expression to a mask test; `idOf` maps a component name to its bit. */
export function compile(e: Expr, idOf: (name: string) => number): MaskTest {
  switch (e.op) {
    case 'const': {
      const v = e.v;
      return () => v;
    }
    case 'has': {
      const id = idOf(e.c);
      const word = id >>> 5;
      const bit = 1 << (id & 31);
      return (m, b) => ((m[b + word] ?? 0) & bit) !== 0;
    }
    case 'not': {
      const inner = compile(e.x, idOf);
      return (m, b) => !inner(m, b);
    }
    case 'and':
    case 'or': {
      // Plain literals fold into two bit masks per word; nested terms stay closures.
      const maskWords = new Map<number, { must: number; mustNot: number }>();
      const nested: MaskTest[] = [];
      const isAnd = e.op === 'and';
      for (const x of e.xs) {
        const lit =
          x.op === 'has'
            ? { id: idOf(x.c), neg: false }
            : x.op === 'not' && x.x.op === 'has'
              ? { id: idOf(x.x.c), neg: true }
              : null;
        if (lit && isAnd) {
          const w = maskWords.get(lit.id >>> 5) ?? { must: 0, mustNot: 0 };
          if (lit.neg) w.mustNot |= 1 << (lit.id & 31);
          else w.must |= 1 << (lit.id & 31);
          maskWords.set(lit.id >>> 5, w);
        } else nested.push(compile(x, idOf));
      }
      if (!isAnd) {
        return (m, b) => {
          for (const t of nested) if (t(m, b)) return true;
          return false;
        };
      }
      const words = [...maskWords.entries()].map(([w, v]) => [w, v.must, v.mustNot] as const);
      if (words.length === 1 && nested.length === 0) {
        const [w, must, mustNot] = words[0] ?? [0, 0, 0];
        return (m, b) => {
          const v = m[b + w] ?? 0;
          return (v & must) === must && (v & mustNot) === 0;
        };
      }
      return (m, b) => {
        for (const [w, must, mustNot] of words) {
          const v = m[b + w] ?? 0;
          if ((v & must) !== must || (v & mustNot) !== 0) return false;
        }
        for (const t of nested) if (!t(m, b)) return false;
        return true;
      };
    }
  }
}

/** The defs an expression was built from (for identity checks). */
export function defsOf(e: Expr, out: ComponentDef[] = []): ComponentDef[] {
  if (e.op === 'has') {
    if (e.def) out.push(e.def);
  } else if (e.op === 'not') defsOf(e.x, out);
  else if (e.op === 'and' || e.op === 'or') for (const x of e.xs) defsOf(x, out);
  return out;
}

/** Component names an expression mentions. */
export function componentsOf(e: Expr, out: Set<string> = new Set()): Set<string> {
  if (e.op === 'has') out.add(e.c);
  else if (e.op === 'not') componentsOf(e.x, out);
  else if (e.op === 'and' || e.op === 'or') for (const x of e.xs) componentsOf(x, out);
  return out;
}

/** Evaluates an expression against a set of component names (the naive reference, used by tests). */
export function evaluate(e: Expr, hasComponent: (name: string) => boolean): boolean {
  switch (e.op) {
    case 'has':
      return hasComponent(e.c);
    case 'not':
      return !evaluate(e.x, hasComponent);
    case 'const':
      return e.v;
    case 'and':
      return e.xs.every((x) => evaluate(x, hasComponent));
    case 'or':
      return e.xs.some((x) => evaluate(x, hasComponent));
  }
}

/** Throws unless every filter component tracks what it needs. */
export function checkFilters(spec: QuerySpec): void {
  for (const c of spec.removed ?? []) {
    if (!c.trackRemovals) {
      throw ecsError(
        EngineCode.InvalidConfig,
        `removed(${c.name}) needs a removal log; declare it with defineComponent(..., { trackRemovals: true })`,
      );
    }
  }
  for (const c of spec.added ?? []) {
    if (!c.trackAdded) {
      throw ecsError(
        EngineCode.InvalidConfig,
        `added(${c.name}) needs added ticks; declare it with defineComponent(..., { trackAdded: true })`,
      );
    }
  }
  for (const c of spec.changed ?? []) {
    if (!c.trackChanges) {
      throw ecsError(
        EngineCode.InvalidConfig,
        `changed(${c.name}) needs change ticks; declare it with defineComponent(..., { trackChanges: true })`,
      );
    }
  }
}
