/** A cached query result: dense list + sparse index of matching slots, maintained by the world. */
import type { Expr, MaskTest } from './query';

/**
 * The literal form of a normalized expression that is a conjunction of `has`/`not has` terms (what
 * `all` and `none` give): triples [word, must, mustNot] per mask word it constrains, so the world tests
 * membership inline instead of calling the compiled closure. Null for any other shape (`or`, `false`).
 */
export function conjunctionLiterals(e: Expr, idOf: (name: string) => number): Int32Array | null {
  const terms = e.op === 'and' ? e.xs : e.op === 'const' && e.v ? [] : [e];
  const words = new Map<number, [number, number]>();
  for (const x of terms) {
    const neg = x.op === 'not';
    const lit = neg ? x.x : x;
    if (lit.op !== 'has') return null;
    const id = idOf(lit.c);
    const w = words.get(id >>> 5) ?? [0, 0];
    w[neg ? 1 : 0] |= 1 << (id & 31);
    words.set(id >>> 5, w);
  }
  const out = new Int32Array(words.size * 3);
  let k = 0;
  for (const [word, [must, mustNot]] of words) {
    out[k++] = word;
    out[k++] = must;
    out[k++] = mustNot;
  }
  return out;
}

/**
 * One cached query result: a dense list of matching entity indices (slots, not ids: `world.idAt(slot)`
 * or `world.ids(q)` give ids) plus a sparse index (slot → position in the dense list), kept up to date
 * on every structural change.
 *
 * Iterating while changing: removal is a swap with the last element, so a structural change that drops
 * an entity from this result while you walk `entities()` forwards skips one. Defer the change
 * (`world.queueDestroy/queueAdd/queueRemove`, applied at `world.applyCommands()`), walk a snapshot
 * (`world.ids(q)`), or walk backwards and change only the entity at hand.
 *
 * Lifetime: an evicted query that is read again (`count`, `entities`, `includes`, `runs`) rebuilds
 * itself and re-enters the world's cache, so a held query is never stale; `pin` avoids the rebuild.
 */
export class CachedQuery {
  dense = new Uint32Array(1024);
  private n = 0;
  sparse: Int32Array;
  /** Bumped on every membership change (consumers cache derived data against it). */
  version = 0;
  /** Pinned queries (used by systems) are never evicted. */
  pins = 0;
  evicted = false;
  /**
   * @internal [word, must, mustNot] triples when the query is a conjunction of component literals
   * (then `test` is equivalent to them); null when only `test` decides.
   */
  readonly literals: Int32Array | null;
  /** @internal The one triple of `literals` when it constrains a single mask word (litWord is -1 otherwise). */
  readonly litWord: number;
  /** @internal */
  readonly litMust: number;
  /** @internal */
  readonly litNot: number;
  /** @internal Set by the world: rebuilds an evicted query when it is read. */
  reviver: ((q: CachedQuery) => void) | null = null;
  private runsCache = new Uint32Array(0);
  private runsVersion = -1;

  constructor(
    readonly key: string,
    readonly expr: Expr,
    readonly test: MaskTest,
    readonly componentIds: readonly number[],
    readonly matchesEmpty: boolean,
    capacity: number,
    literals: Int32Array | null = null,
  ) {
    this.sparse = new Int32Array(capacity).fill(-1);
    this.literals = literals;
    const one = literals !== null && literals.length === 3;
    this.litWord = one ? (literals[0] as number) : -1;
    this.litMust = one ? (literals[1] as number) : 0;
    this.litNot = one ? (literals[2] as number) : 0;
  }

  /** Number of matching entities. */
  get count(): number {
    if (this.evicted) this.reviver?.(this);
    return this.n;
  }

  /** Matching entity slots (a live view: see the class comment before changing structure while iterating it). */
  entities(): Uint32Array {
    if (this.evicted) this.reviver?.(this);
    return this.dense.subarray(0, this.n);
  }

  /** Whether slot `index` is in the result. */
  includes(index: number): boolean {
    if (this.evicted) this.reviver?.(this);
    return (this.sparse[index] ?? -1) >= 0;
  }

  /**
   * The result as sorted runs of consecutive slots: [lo0, hi0, lo1, hi1, …] (hi exclusive). Systems
   * iterate these linearly over the columns; rebuilt only after a structural change.
   */
  runs(scratch: Uint32Array): Uint32Array {
    if (this.evicted) this.reviver?.(this);
    if (this.runsVersion === this.version) return this.runsCache;
    const n = this.n;
    const dense = this.dense;
    let max = 0;
    for (let k = 0; k < n; k++) {
      const i = dense[k] as number;
      if (i > max) max = i;
    }
    const words = (max >>> 5) + 1;
    const bits = scratch.length >= words ? scratch : new Uint32Array(words);
    bits.fill(0, 0, words);
    for (let k = 0; k < n; k++) {
      const i = dense[k] as number;
      bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
    }
    const out = this.runsCache.length >= 2 * n + 2 ? this.runsCache : new Uint32Array(2 * n + 2);
    let r = 0;
    let open = -1;
    for (let w = 0; w < words; w++) {
      const v = bits[w] as number;
      if (v === -1 >>> 0 || v === -1) {
        if (open < 0) open = w << 5;
        continue;
      }
      if (v === 0) {
        if (open >= 0) {
          out[r++] = open;
          out[r++] = w << 5;
          open = -1;
        }
        continue;
      }
      for (let b = 0; b < 32; b++) {
        const set = (v & (1 << b)) !== 0;
        if (set && open < 0) open = (w << 5) + b;
        else if (!set && open >= 0) {
          out[r++] = open;
          out[r++] = (w << 5) + b;
          open = -1;
        }
      }
    }
    if (open >= 0) {
      out[r++] = open;
      out[r++] = words << 5;
    }
    this.runsCache = out.subarray(0, r);
    this.runsVersion = this.version;
    return this.runsCache;
  }

  /** @internal */
  insert(index: number): void {
    if (index >= this.sparse.length) this.growSparse(index + 1);
    if (this.n === this.dense.length) {
      const next = new Uint32Array(this.dense.length * 2);
      next.set(this.dense);
      this.dense = next;
    }
    this.sparse[index] = this.n;
    this.dense[this.n++] = index;
    this.version++;
  }

  /** @internal Swap-remove. */
  delete(index: number): void {
    const at = this.sparse[index] ?? -1;
    if (at < 0) return;
    const last = this.dense[--this.n] as number;
    this.dense[at] = last;
    this.sparse[last] = at;
    this.sparse[index] = -1;
    this.version++;
  }

  /** @internal Appends the first `n` slots of `batch`, none of which is in the result yet. */
  insertMany(batch: Int32Array, n: number): void {
    if (n === 0) return;
    const size = this.n + n;
    if (size > this.dense.length) {
      const next = new Uint32Array(Math.max(size, this.dense.length * 2));
      next.set(this.dense.subarray(0, this.n));
      this.dense = next;
    }
    const dense = this.dense;
    let sparse = this.sparse;
    let at = this.n;
    for (let k = 0; k < n; k++) {
      const index = batch[k] as number;
      if (index >= sparse.length) {
        this.growSparse(index + 1);
        sparse = this.sparse;
      }
      sparse[index] = at;
      dense[at++] = index;
    }
    this.n = at;
    this.version++;
  }

  /**
   * @internal Makes room for `n` more slots (dense, and sparse for every slot below `slotBound`) and
   * returns the sparse index; the caller writes `sparse[slot] = position` and `dense[position] = slot` from
   * `count` on, then calls `commit` with the new count.
   */
  reserve(n: number, slotBound: number): Int32Array {
    if (slotBound > this.sparse.length) this.growSparse(slotBound);
    const size = this.n + n;
    if (size > this.dense.length) {
      const next = new Uint32Array(Math.max(size, this.dense.length * 2));
      next.set(this.dense.subarray(0, this.n));
      this.dense = next;
    }
    return this.sparse;
  }

  /** @internal Ends a `reserve`: the result now holds `count` slots. */
  commit(count: number): void {
    this.n = count;
    this.version++;
  }

  /** @internal Empties the result once the caller has reset `sparse` for every slot in it. */
  dropAll(): void {
    this.n = 0;
    this.version++;
  }

  /** @internal Empties the result (before a rebuild). */
  clear(): void {
    for (let k = 0; k < this.n; k++) this.sparse[this.dense[k] as number] = -1;
    this.n = 0;
    this.version++;
  }

  /** @internal */
  growSparse(capacity: number): void {
    if (capacity <= this.sparse.length) return;
    const next = new Int32Array(Math.max(capacity, this.sparse.length * 2)).fill(-1);
    next.set(this.sparse);
    this.sparse = next;
  }
}
