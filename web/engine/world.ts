/**
 * The world (owner thread only): entity ids, component add/remove, cached queries maintained
 * incrementally, and the sync point that applies commands queued by other threads.
 *
 * Rules (docs/engine.md): queries give slots, structural calls take ids (`idAt`, `ids`); a query's
 * `entities()` is live, so structural changes while iterating it are deferred (`queue*`, applied by
 * `applyCommands`) or made on a snapshot (`ids`) or backwards on the current entity; components are
 * known by their def object; removal logs are kept only for components declared with `trackRemovals`.
 */
import { CachedQuery, conjunctionLiterals } from './cached-query';
import { CommandOp } from './command-buffer';
import { EngineCode, type EngineError, ecsError } from './errors';
import {
  allocateMemory,
  type ComponentLayout,
  computeLayout,
  growMemory,
  HEADER,
  INDEX_BITS,
  type WorldMemory,
  WorldView,
} from './layout';
import { checkFilters, compile, componentsOf, defsOf, type Expr, keyOf, normalize, type QuerySpec, specExpr } from './query';
import { createLruPolicy, createPredictedReusePolicy, type EvictionPolicy } from './query-cache';
import { type ColumnArray, type ComponentDef, type ComponentFields, DEF_SLOT, type FieldKind } from './schema';

// Module-local copies of imported constants: hot paths read them per entity, and some loaders
// (tsx) turn imported bindings into getter calls.
const H_ALIVE = HEADER.alive;
const H_TICK = HEADER.tick;
const ID_BITS = INDEX_BITS;
const SLOT: typeof DEF_SLOT = DEF_SLOT;

/** A 32-bit entity id: slot index in the low 22 bits, generation in the high 10. */
export type EntityId = number;
/** "No entity" for entity-reference fields. */
export const NO_ENTITY = 0xffffffff;
const INDEX_MASK = (1 << ID_BITS) - 1;
const GEN_MASK = 0x3ff;
const ALIVE = 0x8000;
/** Removal records kept per tracked component when the tick does not advance (the newest half survives). */
const MAX_REMOVED_LOG = 1 << 16;

/** Value of one field when read or written through the convenience API. */
export type FieldValue<K extends FieldKind> = K extends 'vec3' | 'quat'
  ? ArrayLike<number>
  : K extends { bytes: number }
    ? ArrayLike<number>
    : number;
/** Values of a component's fields (all optional when writing). */
export type ComponentValues<F extends ComponentFields> = { [K in keyof F]: FieldValue<F[K]> };

/** Options of `createWorld`. */
export interface WorldOptions {
  /** Every component this world can hold; their order fixes the component ids (and the layout hash). */
  readonly components: readonly ComponentDef[];
  /** Most entities the world can hold (default 1,048,576). */
  readonly capacity?: number;
  /**
   * Logical capacity to start with (default: min(capacity, 65,536)); it doubles as entities arrive and
   * bounds the slots scans visit. Columns always hold the full capacity, so views never go stale.
   */
  readonly initialCapacity?: number;
  /** Size of the command ring in 32-bit words (default 65,536). */
  readonly commandWords?: number;
  /** Unpinned cached queries kept before eviction (default 64). */
  readonly maxCachedQueries?: number;
  /** Eviction policy for cached queries (default 'predicted-reuse'). */
  readonly eviction?: 'lru' | 'predicted-reuse' | EvictionPolicy;
  /**
   * How many ticks removal records are kept for `removed` filters (default 1024; the scheduler ticks once
   * per stage). Only components declared with `trackRemovals` keep records.
   */
  readonly removedRetentionTicks?: number;
  /** Record every query lookup key in `queryTrace` (for cache studies). */
  readonly recordQueryTrace?: boolean;
}

/**
 * How attaching a component resets one field: a view of its column as 32-bit words when an entity's
 * share is whole words (every kind but i8/u8/i16/u16/bytes), else as bytes; the share in those units;
 * the fill (NO_ENTITY for entity fields, else 0). Two view kinds keep each store site monomorphic.
 */
interface FieldReset {
  readonly words: Int32Array | null;
  readonly bytes: Uint8Array | null;
  readonly size: number;
  readonly fill: number;
}

interface RemovedLog {
  index: number[];
  gen: number[];
  tick: number[];
}

/**
 * What a structural change of one component touches, gathered in one object so the hot paths load it
 * once: its mask word and bit, its added/changed tick columns, its field resets, its removal log, and
 * the registered queries mentioning it, split by how gaining or losing it moves an entity: conjunctions
 * of literals that require it (gaining it may enter, losing it leaves), that exclude it (the reverse),
 * and the rest (re-tested both ways).
 */
class ComponentPlan {
  readonly word: number;
  readonly bit: number;
  /** Every registered query mentioning the component. */
  readonly queries: CachedQuery[] = [];
  readonly requiring: CachedQuery[] = [];
  readonly excluding: CachedQuery[] = [];
  readonly testing: CachedQuery[] = [];

  constructor(
    readonly id: number,
    readonly added: Uint32Array | null,
    readonly changed: Uint32Array | null,
    readonly resets: readonly FieldReset[],
    readonly log: RemovedLog | null,
  ) {
    this.word = id >>> 5;
    this.bit = 1 << (id & 31);
  }
}

/** Result of applying queued commands. */
export interface AppliedCommands {
  applied: number;
  /** Commands that were refused (stale ids, missing components); they are reported, not thrown. */
  errors: EngineError[];
}

/** The owner's world. Create with `createWorld`. Other threads use `attachWorld(world.memory)`. */
export class World extends WorldView {
  /** Slots ever used (the high-water mark). */
  private next = 0;
  private freeQueue: Uint32Array;
  private freeHead = 0;
  private freeCount = 0;
  private readonly gen: Uint16Array;
  private readonly mask: Uint32Array;
  private readonly maskWords: number;
  private readonly cache = new Map<string, CachedQuery>();
  /** Per component id: what its structural changes touch. */
  private readonly plans: ComponentPlan[];
  private readonly emptyMatchers: CachedQuery[] = [];
  private readonly memo = new WeakMap<object, { key: string; expr: Expr }>();
  /** Removal logs, only for components that track removals. */
  private readonly removedLogs: (RemovedLog | null)[];
  private readonly policy: EvictionPolicy;
  private readonly maxCached: number;
  private readonly retention: number;
  private readonly idByName = new Map<string, number>();
  /** The def objects given to createWorld, by component id, and the reverse. */
  private readonly defs: readonly ComponentDef[];
  private readonly idOfDef = new WeakMap<ComponentDef, number>();
  private clock = 0;
  private queryCallCount = 0;
  private runsScratch = new Uint32Array(0);
  private idsScratch = new Int32Array(64);
  /** Slots a batch call works on (createMany, destroyAll, addAll, removeAll). */
  private batchScratch = new Int32Array(1024);
  private ownerTick = 1;
  /** Owner-queued commands (op, payload length, payload…), applied after the ring's at the sync point. */
  private deferred: number[] = [];
  private readonly reviver = (q: CachedQuery): void => this.revive(q);
  /** Lookup keys in order, when `recordQueryTrace` is set. */
  readonly queryTrace: string[] | null;
  /** Lookup statistics of the query cache. */
  readonly cacheStats = { hits: 0, misses: 0, evictions: 0 };

  constructor(options: WorldOptions) {
    const capacity = options.capacity;
    const layout = computeLayout(options.components, {
      ...(capacity === undefined ? {} : { capacity }),
      initialCapacity: options.initialCapacity ?? Math.min(65_536, capacity ?? 65_536),
    });
    super(allocateMemory(layout, options.commandWords));
    Atomics.store(this.header, H_TICK, 1);
    this.maskWords = layout.maskWords;
    this.freeQueue = new Uint32Array(0);
    this.gen = this.views[layout.generationColumn] as Uint16Array;
    this.mask = this.views[layout.maskColumn] as Uint32Array;
    this.removedLogs = layout.components.map((c) => (c.trackRemovals ? { index: [], gen: [], tick: [] } : null));
    // Fields are reset through word or byte views, so two store sites serve every column kind.
    this.plans = layout.components.map((c) => {
      const resets = c.fields.map((f): FieldReset => {
        const spec = layout.columns[f.column];
        const buffer = this.memory.columns[f.column];
        if (!spec || !buffer) throw ecsError(EngineCode.SchemaMismatch, `component ${c.name}.${f.name} has no column`);
        const size = spec.lanes * spec.bytesPerLane;
        const total = layout.capacity * size;
        const entity = f.kind === 'entity';
        return size % 4 === 0
          ? { words: new Int32Array(buffer, 0, total / 4), bytes: null, size: size / 4, fill: entity ? -1 : 0 }
          : { words: null, bytes: new Uint8Array(buffer, 0, total), size, fill: entity ? 0xff : 0 };
      });
      const changed = c.changedColumn >= 0 ? (this.views[c.changedColumn] as Uint32Array) : null;
      const added = c.addedColumn >= 0 ? (this.views[c.addedColumn] as Uint32Array) : null;
      return new ComponentPlan(c.id, added, changed, resets, this.removedLogs[c.id] ?? null);
    });
    this.defs = [...options.components];
    this.defs.forEach((def, id) => {
      this.idOfDef.set(def, id);
      this.idByName.set(def.name, id);
    });
    const ev = options.eviction ?? 'predicted-reuse';
    this.policy = typeof ev === 'object' ? ev : ev === 'lru' ? createLruPolicy() : createPredictedReusePolicy();
    this.maxCached = options.maxCachedQueries ?? 64;
    this.retention = options.removedRetentionTicks ?? 1024;
    this.queryTrace = options.recordQueryTrace ? [] : null;
  }

  /** The world tick (owner-local copy of the shared one). */
  override get tick(): number {
    return this.ownerTick;
  }

  /** Live entities. */
  /** Calls of `query` since the world was made (the metrics' query rate is its change per second). */
  get queryCalls(): number {
    return this.queryCallCount;
  }

  get size(): number {
    return Atomics.load(this.header, H_ALIVE);
  }

  /** Slots in use so far (entity indices are below this). */
  get highWater(): number {
    return this.next;
  }

  /** The id of the live entity in slot `index` (what a query gives), or NO_ENTITY. */
  idAt(index: number): EntityId {
    const g = this.gen[index] ?? 0;
    if ((g & ALIVE) === 0) return NO_ENTITY;
    return (((g & GEN_MASK) << ID_BITS) | index) >>> 0;
  }

  /**
   * The ids of a query's entities, copied: a snapshot you may hold and make structural changes while
   * iterating (an entity destroyed meanwhile is still listed; check `isAlive` if you destroy others).
   */
  ids(q: CachedQuery): Uint32Array {
    const slots = q.entities();
    const out = new Uint32Array(slots.length);
    for (let k = 0; k < slots.length; k++) {
      const i = slots[k] as number;
      out[k] = ((((this.gen[i] as number) & GEN_MASK) << ID_BITS) | i) >>> 0;
    }
    return out;
  }

  /** Whether `id` names a live entity (false for stale ids). */
  isAlive(id: EntityId): boolean {
    const index = id & INDEX_MASK;
    if (index >= this.next) return false;
    const g = this.gen[index] as number;
    return (g & ALIVE) !== 0 && (g & GEN_MASK) === id >>> ID_BITS;
  }

  /** The slot of a live entity; throws StaleEntity for a destroyed or recycled id. */
  indexOf(id: EntityId): number {
    const index = id & INDEX_MASK;
    if (index < this.next) {
      const g = this.gen[index] as number;
      if ((g & ALIVE) !== 0 && (g & GEN_MASK) === id >>> ID_BITS) return index;
    }
    return this.stale(id);
  }

  /** Creates an entity holding `defs` (fields zeroed). Throws WorldFull (-3) at capacity. */
  create(...defs: ComponentDef[]): EntityId {
    const n = defs.length;
    if (n === 1) return this.createOne(this.planOf(defs[0] as ComponentDef));
    if (n > this.idsScratch.length) this.idsScratch = new Int32Array(n * 2);
    const ids = this.idsScratch;
    for (let k = 0; k < n; k++) ids[k] = this.componentId(defs[k] as ComponentDef);
    return this.createIds(ids, n);
  }

  /** Destroys an entity; its id becomes stale and the slot is recycled. */
  destroy(id: EntityId): void {
    const index = this.indexOf(id);
    const mw = this.maskWords;
    const base = index * mw;
    const oldGen = (this.gen[index] as number) & GEN_MASK;
    // Dead first: it then matches nothing, so it leaves every query holding it.
    this.gen[index] = (oldGen + 1) & GEN_MASK;
    this.header[H_ALIVE] = (this.header[H_ALIVE] as number) - 1;
    const tick = this.ownerTick;
    for (let w = 0; w < mw; w++) {
      let bits = this.mask[base + w] as number;
      if (bits === 0) continue;
      this.mask[base + w] = 0;
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits);
        bits &= ~(1 << b);
        const cid = (w << 5) + b;
        const plan = this.plans[cid] as ComponentPlan;
        if (plan.log !== null) this.logRemoval(plan.log, index, oldGen, tick);
        const list = plan.queries;
        for (let k = 0; k < list.length; k++) (list[k] as CachedQuery).delete(index);
      }
    }
    const empty = this.emptyMatchers;
    for (let k = 0; k < empty.length; k++) (empty[k] as CachedQuery).delete(index);
    this.release(index);
  }

  /**
   * Creates `count` entities holding `defs` (fields zeroed): the same world as `count` calls of `create`, with
   * each query brought up to date once per batch instead of once per entity. Their ids are written to `out`
   * when it is given (at least `count` long). Returns `count`. Throws WorldFull (-3) before creating any when
   * the world cannot hold them all.
   */
  createMany(count: number, defs: readonly ComponentDef[], out?: Uint32Array): number {
    if (!Number.isInteger(count) || count < 0) {
      throw ecsError(EngineCode.InvalidConfig, `createMany takes a whole number of entities, got ${count}`);
    }
    if (out !== undefined && out.length < count) {
      throw ecsError(EngineCode.InvalidConfig, `createMany: out holds ${out.length} ids, ${count} asked for`);
    }
    if (count === 0) return 0;
    const free = this.freeCount + (this.layout.capacity - this.next);
    if (count > free) {
      throw ecsError(
        EngineCode.WorldFull,
        `world full: ${count} entities asked for, ${free} of ${this.layout.capacity} slots free; destroy entities or create the world with a larger capacity`,
      );
    }
    while (this.next + Math.max(0, count - this.freeCount) > this.viewCapacity) this.grow();
    const plans: ComponentPlan[] = [];
    for (let d = 0; d < defs.length; d++) plans.push(this.planOf(defs[d] as ComponentDef));
    const plan = plans.length === 1 ? (plans[0] as ComponentPlan) : null;
    const sole = plan !== null && this.emptyMatchers.length === 0 ? this.soleQuery(plan) : null;
    const reset = plan !== null && plan.resets.length === 1 ? (plan.resets[0] as FieldReset) : null;
    const fused =
      plan !== null && sole !== null && plan.changed === null && reset !== null && reset.size === 1 && reset.words !== null;
    const gen = this.gen;
    const queue = this.freeQueue;
    let head = this.freeHead;
    let queued = this.freeCount;
    let next = this.next;
    if (fused && plan !== null && sole !== null && reset !== null) {
      // One component of one scalar field that one plain query follows: attach and insert in the same pass.
      const mask = this.mask;
      const mw = this.maskWords;
      const word = plan.word;
      const bit = plan.bit;
      const added = plan.added;
      const cells = reset.words as Int32Array;
      const fill = reset.fill;
      const tick = this.ownerTick;
      const sparse = sole.reserve(count, next + count);
      const dense = sole.dense;
      const first = sole.count;
      let at = first;
      // Recycled slots first (first in, first out), then fresh ones: two loops without a branch on the source.
      // A dead slot's mask is all zero, so the component's word is stored, not merged.
      const recycled = Math.min(count, queued);
      const qlen = queue.length;
      if (mw === 1 && added === null) {
        // One mask word and no added ticks (the usual world): the slot's mask word is its index.
        for (let k = 0; k < recycled; k++) {
          const index = queue[head] as number;
          if (++head === qlen) head = 0;
          gen[index] = ((gen[index] as number) & GEN_MASK) | ALIVE;
          mask[index] = bit;
          cells[index] = fill;
          sparse[index] = at;
          dense[at++] = index;
        }
      } else {
        for (let k = 0; k < recycled; k++) {
          const index = queue[head] as number;
          if (++head === qlen) head = 0;
          gen[index] = ((gen[index] as number) & GEN_MASK) | ALIVE;
          mask[index * mw + word] = bit;
          if (added !== null) added[index] = tick;
          cells[index] = fill;
          sparse[index] = at;
          dense[at++] = index;
        }
      }
      for (let k = recycled; k < count; k++) {
        const index = next++;
        gen[index] = ((gen[index] as number) & GEN_MASK) | ALIVE;
        mask[index * mw + word] = bit;
        if (added !== null) added[index] = tick;
        cells[index] = fill;
        sparse[index] = at;
        dense[at++] = index;
      }
      queued -= recycled;
      if (out !== undefined) {
        for (let k = 0; k < count; k++) {
          const index = dense[first + k] as number;
          out[k] = ((((gen[index] as number) & GEN_MASK) << ID_BITS) | index) >>> 0;
        }
      }
      sole.commit(at);
      this.freeHead = head;
      this.freeCount = queued;
      this.next = next;
      this.header[H_ALIVE] = (this.header[H_ALIVE] as number) + count;
      return count;
    }
    const batch = this.batchOf(count);
    for (let k = 0; k < count; k++) {
      let index: number;
      if (queued > 0) {
        index = queue[head] as number;
        if (++head === queue.length) head = 0;
        queued--;
      } else index = next++;
      const g = (((gen[index] as number) & GEN_MASK) | ALIVE) >>> 0;
      gen[index] = g;
      if (out !== undefined) out[k] = (((g & GEN_MASK) << ID_BITS) | index) >>> 0;
      batch[k] = index;
    }
    this.freeHead = head;
    this.freeCount = queued;
    this.next = next;
    this.header[H_ALIVE] = (this.header[H_ALIVE] as number) + count;
    for (let d = 0; d < plans.length; d++) this.attachMany(batch, count, plans[d] as ComponentPlan);
    const empty = this.emptyMatchers;
    for (let e = 0; e < empty.length; e++) {
      const q = empty[e] as CachedQuery;
      for (let k = 0; k < count; k++) this.refreshMembership(q, batch[k] as number);
    }
    if (plan !== null) this.gainedMany(batch, count, plan);
    else {
      for (let d = 0; d < plans.length; d++) {
        const list = (plans[d] as ComponentPlan).queries;
        for (let j = 0; j < list.length; j++) {
          const q = list[j] as CachedQuery;
          for (let k = 0; k < count; k++) this.refreshMembership(q, batch[k] as number);
        }
      }
    }
    return count;
  }

  /**
   * Destroys every entity `q` holds now (their ids become stale and the slots are recycled), as one batch:
   * `q` is emptied at once and other queries lose each entity. Returns how many were destroyed.
   */
  destroyAll(q: CachedQuery): number {
    const n = q.count;
    if (n === 0) return 0;
    const slots = q.dense;
    const sparse = q.sparse;
    const mw = this.maskWords;
    const mask = this.mask;
    const gen = this.gen;
    const tick = this.ownerTick;
    if (this.freeCount + n > this.freeQueue.length) this.growFreeQueue(this.freeCount + n);
    const queue = this.freeQueue;
    let tail = this.freeHead + this.freeCount;
    if (tail >= queue.length) tail -= queue.length;
    const qlen = queue.length;
    if (mw === 1 && this.emptyMatchers.length === 0) {
      // One mask word: the components whose removal touches more than `q` (another query, a removal log) form
      // one bit set, and a slot holding none of them is freed with a few stores.
      const touchy = this.touchyBits(q);
      for (let k = 0; k < n; k++) {
        const index = slots[k] as number;
        const g = gen[index] as number;
        gen[index] = (g + 1) & GEN_MASK;
        const m = mask[index] as number;
        mask[index] = 0;
        if ((m & touchy) !== 0) this.unlinkDestroyed(q, index, m, g & GEN_MASK, tick);
        sparse[index] = -1;
        queue[tail] = index;
        if (++tail === qlen) tail = 0;
      }
    } else {
      for (let k = 0; k < n; k++) {
        const index = slots[k] as number;
        const g = gen[index] as number;
        gen[index] = (g + 1) & GEN_MASK;
        const base = index * mw;
        for (let w = 0; w < mw; w++) {
          const m = mask[base + w] as number;
          if (m === 0) continue;
          mask[base + w] = 0;
          this.unlinkDestroyed(q, index, m, g & GEN_MASK, tick, w);
        }
        const empty = this.emptyMatchers;
        for (let j = 0; j < empty.length; j++) if (empty[j] !== q) (empty[j] as CachedQuery).delete(index);
        sparse[index] = -1;
        queue[tail] = index;
        if (++tail === qlen) tail = 0;
      }
    }
    this.freeCount += n;
    this.header[H_ALIVE] = (this.header[H_ALIVE] as number) - n;
    q.dropAll();
    return n;
  }

  /**
   * Adds a component to every entity `q` holds now (fields zeroed, then `values` written; an entity that already
   * has it only gets the values), as one batch. Returns how many gained the component.
   */
  addAll<F extends ComponentFields>(q: CachedQuery, def: ComponentDef<F>, values?: Partial<ComponentValues<F>>): number {
    const plan = this.planOf(def);
    const slots = q.entities();
    const total = slots.length;
    const batch = this.batchOf(total);
    const mask = this.mask;
    const mw = this.maskWords;
    const word = plan.word;
    const bit = plan.bit;
    const resets = plan.resets;
    const only = resets.length === 1 && (resets[0] as FieldReset).size === 1 ? (resets[0] as FieldReset) : null;
    let n = 0;
    const sole = this.soleQuery(plan);
    if (only !== null && only.words !== null && plan.changed === null && sole !== null && sole !== q && values === undefined) {
      // The common case in one pass: a component of one 32-bit field that one plain query follows.
      const cells = only.words;
      const fill = only.fill;
      const added = plan.added;
      const tick = this.ownerTick;
      const sparse = sole.reserve(total, this.next);
      const dense = sole.dense;
      let at = sole.count;
      if (mw === 1 && added === null) {
        // One mask word and no added ticks (the usual world): the slot's mask word is its index.
        for (let k = 0; k < total; k++) {
          const index = slots[k] as number;
          const m = mask[index] as number;
          if ((m & bit) !== 0) continue;
          mask[index] = m | bit;
          cells[index] = fill;
          sparse[index] = at;
          dense[at++] = index;
        }
      } else {
        for (let k = 0; k < total; k++) {
          const index = slots[k] as number;
          const w = index * mw + word;
          const m = mask[w] as number;
          if ((m & bit) !== 0) continue;
          mask[w] = m | bit;
          if (added !== null) added[index] = tick;
          cells[index] = fill;
          sparse[index] = at;
          dense[at++] = index;
        }
      }
      n = at - sole.count;
      sole.commit(at);
      return n;
    }
    for (let k = 0; k < total; k++) {
      const index = slots[k] as number;
      if (((mask[index * mw + word] as number) & bit) === 0) batch[n++] = index;
    }
    this.attachMany(batch, n, plan);
    // Values before the query upkeep below: `q` may lose members when it depends on the component.
    if (values) for (let k = 0; k < total; k++) this.write(slots[k] as number, plan.id, values);
    this.gainedMany(batch, n, plan);
    return n;
  }

  /** Removes a component from every entity `q` holds now that has it, as one batch. Returns how many lost it. */
  removeAll(q: CachedQuery, def: ComponentDef): number {
    const plan = this.planOf(def);
    const slots = q.entities();
    const total = slots.length;
    const mask = this.mask;
    const mw = this.maskWords;
    const word = plan.word;
    const bit = plan.bit;
    const log = plan.log;
    const gen = this.gen;
    const tick = this.ownerTick;
    const req = plan.requiring;
    const exc = plan.excluding;
    const other = plan.testing;
    // Only `q` holds the component's entities among the queries (the usual case, `removeAll(query({all:[C]}), C)`):
    // every slot leaves it, so it is emptied in the same pass.
    if (req.length === 1 && req[0] === q && exc.length === 0 && other.length === 0) {
      const sparse = q.sparse;
      const keep = ~bit;
      if (mw === 1 && log === null) {
        for (let k = 0; k < total; k++) {
          const index = slots[k] as number;
          mask[index] = (mask[index] as number) & keep;
          sparse[index] = -1;
        }
      } else {
        for (let k = 0; k < total; k++) {
          const index = slots[k] as number;
          const at = index * mw + word;
          mask[at] = (mask[at] as number) & keep;
          if (log !== null) this.logRemoval(log, index, (gen[index] as number) & GEN_MASK, tick);
          sparse[index] = -1;
        }
      }
      q.dropAll();
      return total;
    }
    const batch = this.batchOf(total);
    let n = 0;
    for (let k = 0; k < total; k++) {
      const index = slots[k] as number;
      const at = index * mw + word;
      const m = mask[at] as number;
      if ((m & bit) === 0) continue;
      mask[at] = m & ~bit;
      if (log !== null) this.logRemoval(log, index, (gen[index] as number) & GEN_MASK, tick);
      batch[n++] = index;
    }
    for (let j = 0; j < req.length; j++) {
      const r = req[j] as CachedQuery;
      if (r === q && n === total) r.clear();
      else for (let k = 0; k < n; k++) r.delete(batch[k] as number);
    }
    for (let j = 0; j < exc.length; j++) {
      const e = exc[j] as CachedQuery;
      for (let k = 0; k < n; k++) {
        const index = batch[k] as number;
        if (this.matchesLive(e, index)) e.insert(index);
      }
    }
    for (let j = 0; j < other.length; j++) {
      const t = other[j] as CachedQuery;
      for (let k = 0; k < n; k++) this.refreshMembership(t, batch[k] as number);
    }
    return n;
  }

  /** Whether a live entity has a component. */
  has(id: EntityId, def: ComponentDef): boolean {
    return this.hasBit(this.indexOf(id), this.componentId(def));
  }

  /** Adds a component (fields zeroed, then `values` written). Adding one it already has only writes values. */
  add<F extends ComponentFields>(id: EntityId, def: ComponentDef<F>, values?: Partial<ComponentValues<F>>): void {
    const index = this.indexOf(id);
    const plan = this.planOf(def);
    this.addAt(index, plan);
    if (values) this.write(index, plan.id, values);
  }

  /** Removes a component; returns false when the entity did not have it. */
  remove(id: EntityId, def: ComponentDef): boolean {
    return this.removeAt(this.indexOf(id), this.planOf(def));
  }

  /** Reads a component's fields (vectors and bytes are copied into plain arrays). */
  get<F extends ComponentFields>(id: EntityId, def: ComponentDef<F>): ComponentValues<F> {
    const index = this.indexOf(id);
    const c = this.component(def);
    if (!this.hasBit(index, c.id))
      throw ecsError(EngineCode.MissingComponent, `entity ${id >>> 0} has no ${c.name}; add it first`);
    const out: Record<string, number | number[]> = {};
    for (const f of c.fields) {
      const col = this.views[f.column] as ColumnArray;
      out[f.name] =
        f.lanes === 1 && !f.kind.startsWith('bytes')
          ? (col[index] ?? 0)
          : Array.from(col.subarray(index * f.lanes, (index + 1) * f.lanes));
    }
    return out as ComponentValues<F>;
  }

  /** Writes some fields of a component the entity has, and marks it changed. */
  set<F extends ComponentFields>(id: EntityId, def: ComponentDef<F>, values: Partial<ComponentValues<F>>): void {
    const index = this.indexOf(id);
    const cid = this.componentId(def);
    if (!this.hasBit(index, cid))
      throw ecsError(EngineCode.MissingComponent, `entity ${id >>> 0} has no ${def.name}; add it first`);
    this.write(index, cid, values);
  }

  /** Marks a component of slot `index` changed at the current tick (systems writing columns directly may call it). */
  markChanged(index: number, def: ComponentDef): void {
    const c = this.component(def);
    if (c.changedColumn >= 0) (this.views[c.changedColumn] as Uint32Array)[index] = this.tick;
  }

  /**
   * The layout of a component. The owner knows a component by the def object given to createWorld:
   * another def with the same name is refused (MissingComponent), never taken for it. A string is
   * looked up by name.
   */
  override component(def: ComponentDef | string): ComponentLayout {
    if (typeof def === 'string') return super.component(def);
    return this.layout.components[this.componentId(def)] as ComponentLayout;
  }

  /** The def object this world was created with, by component id or name (for code that holds only ids or names). */
  componentDef(ref: number | string): ComponentDef {
    const id = typeof ref === 'number' ? ref : this.idByName.get(ref);
    const def = id === undefined ? undefined : this.defs[id];
    if (!def) throw ecsError(EngineCode.MissingComponent, `no component ${JSON.stringify(ref)} in this world`);
    return def;
  }

  /**
   * The cached result of a query (normalized, so equivalent expressions share one result). Pin it with
   * `pin` to keep it from eviction while you hold it; an evicted query you still hold rebuilds itself
   * (and re-enters the cache) the next time you read it, so it is never stale.
   */
  query(spec: QuerySpec | Expr): CachedQuery {
    const { key, expr } = this.normalized(spec);
    this.queryTrace?.push(key);
    this.queryCallCount++;
    this.policy.touch(key, this.clock++);
    const hit = this.cache.get(key);
    if (hit) {
      this.cacheStats.hits++;
      return hit;
    }
    this.cacheStats.misses++;
    const q = this.build(key, expr);
    this.cache.set(key, q);
    this.evict(q);
    return q;
  }

  /** Pins a query (never evicted) until `unpin`. */
  pin(q: CachedQuery): void {
    if (q.evicted) this.revive(q);
    q.pins++;
  }
  /** Releases a pin. */
  unpin(q: CachedQuery): void {
    q.pins = Math.max(0, q.pins - 1);
  }

  /** Canonical key of a query (equivalent expressions give the same key). */
  keyOf(spec: QuerySpec | Expr): string {
    return this.normalized(spec).key;
  }

  /** Number of cached query results. */
  get cachedQueries(): number {
    return this.cache.size;
  }

  /**
   * Entities matching `spec` including its added/changed/removed filters, relative to tick `since`
   * (typically the tick a system last ran). Without filters, the cached result itself.
   */
  read(spec: QuerySpec, since: number): Uint32Array {
    const q = this.query(spec);
    const added = (spec.added ?? []).map((c) => this.views[this.component(c).addedColumn] as Uint32Array);
    const changed = (spec.changed ?? []).map((c) => this.views[this.component(c).changedColumn] as Uint32Array);
    const removed = spec.removed ?? [];
    if (added.length === 0 && changed.length === 0 && removed.length === 0) return q.entities();
    const out: number[] = [];
    const pass = (i: number): boolean => added.every((t) => (t[i] ?? 0) > since) && changed.every((t) => (t[i] ?? 0) > since);
    if (removed.length === 0) {
      const ents = q.entities();
      for (let k = 0; k < ents.length; k++) {
        const i = ents[k] as number;
        if (pass(i)) out.push(i);
      }
      return Uint32Array.from(out);
    }
    const seen = new Set<number>();
    removed.forEach((def, n) => {
      const cid = this.componentId(def);
      const log = this.removedLogs[cid];
      if (!log) return;
      for (let k = 0; k < log.index.length; k++) {
        const i = log.index[k] as number;
        if ((log.tick[k] ?? 0) <= since || seen.has(i)) continue;
        const g = this.gen[i] ?? 0;
        if ((g & ALIVE) === 0 || (g & GEN_MASK) !== log.gen[k] || this.hasBit(i, cid) || !q.includes(i) || !pass(i)) continue;
        // With several removed filters, the entity must have lost every one of them.
        const others = removed.every((d, m) => m === n || this.lostSince(this.componentId(d), i, since));
        if (!others) continue;
        seen.add(i);
        out.push(i);
      }
    });
    return Uint32Array.from(out);
  }

  /** Sorted runs of a query's slots (see CachedQuery.runs). */
  runsOf(q: CachedQuery): Uint32Array {
    const words = (this.next >>> 5) + 1;
    if (this.runsScratch.length < words) this.runsScratch = new Uint32Array(words * 2);
    return q.runs(this.runsScratch);
  }

  /** Advances the world tick (the scheduler does it after every stage) and trims old removal records. */
  advanceTick(): number {
    const tick = Atomics.add(this.header, H_TICK, 1) + 1;
    this.ownerTick = tick;
    const oldest = tick - this.retention;
    for (const log of this.removedLogs) {
      if (!log) continue;
      let drop = 0;
      while (drop < log.tick.length && (log.tick[drop] ?? 0) < oldest) drop++;
      if (drop > 0) {
        log.index.splice(0, drop);
        log.gen.splice(0, drop);
        log.tick.splice(0, drop);
      }
    }
    return tick;
  }

  /** Removal records held now, over every component (they exist only for components with `trackRemovals`). */
  get removalRecords(): number {
    let n = 0;
    for (const log of this.removedLogs) n += log ? log.index.length : 0;
    return n;
  }

  /**
   * Defers creating an entity with these components (fields zeroed) to the next sync point. On the
   * owner, the `queue*` calls go to an unbounded owner-side queue applied by `applyCommands` after
   * the commands other threads queued; use them to change structure while iterating a query.
   */
  override queueSpawn(...defs: ComponentDef[]): void {
    const d = this.deferred;
    d.push(CommandOp.spawn, defs.length);
    for (const def of defs) d.push(this.componentId(def));
  }
  /** Defers destroying an entity to the next sync point (a stale id is reported there, not thrown). */
  override queueDestroy(id: EntityId): void {
    this.deferred.push(CommandOp.destroy, 1, id >>> 0);
  }
  /** Defers adding a component (zeroed) to the next sync point. */
  override queueAdd(id: EntityId, def: ComponentDef): void {
    this.deferred.push(CommandOp.add, 2, id >>> 0, this.componentId(def));
  }
  /** Defers removing a component to the next sync point. */
  override queueRemove(id: EntityId, def: ComponentDef): void {
    this.deferred.push(CommandOp.remove, 2, id >>> 0, this.componentId(def));
  }

  /**
   * The sync point: applies every queued command (other threads' first, then the owner's `queue*`,
   * each in order). Refused commands (stale ids, unknown components) are returned, not thrown.
   */
  applyCommands(): AppliedCommands {
    const errors: EngineError[] = [];
    let applied = this.commands.drain((op, words, at, len) => this.applyOne(op, words, at, len, errors));
    // Applying never queues, but take the list first so a throw cannot apply a command twice.
    const d = this.deferred;
    this.deferred = [];
    for (let k = 0; k < d.length; ) {
      const len = d[k + 1] as number;
      this.applyOne(d[k] as CommandOp, d, k + 2, len, errors);
      applied++;
      k += 2 + len;
    }
    return { applied, errors };
  }

  // ---- internals ----

  private applyOne(op: CommandOp, words: ArrayLike<number>, at: number, len: number, errors: EngineError[]): void {
    const n = this.layout.components.length;
    try {
      const id = (words[at] ?? 0) >>> 0;
      const cid = words[at + 1] ?? -1;
      if (op === CommandOp.spawn) {
        if (len > this.idsScratch.length) this.idsScratch = new Int32Array(len * 2);
        for (let k = 0; k < len; k++) this.idsScratch[k] = this.checkId(words[at + k] ?? -1, n);
        this.createIds(this.idsScratch, len);
      } else if (op === CommandOp.destroy) this.destroy(id);
      else if (op === CommandOp.add) this.addAt(this.indexOf(id), this.plans[this.checkId(cid, n)] as ComponentPlan);
      else if (op === CommandOp.remove) this.removeAt(this.indexOf(id), this.plans[this.checkId(cid, n)] as ComponentPlan);
    } catch (e) {
      if (e instanceof Error && 'numericCode' in e) errors.push(e as EngineError);
      else throw e;
    }
  }

  private stale(id: EntityId): never {
    const index = id & INDEX_MASK;
    const g = this.gen[index] ?? 0;
    const why =
      index >= this.next
        ? 'no entity was ever created in that slot'
        : (g & ALIVE) === 0
          ? 'it was destroyed'
          : `the slot now holds generation ${g & GEN_MASK} (the entity was destroyed and the slot reused)`;
    throw ecsError(
      EngineCode.StaleEntity,
      `entity ${id >>> 0} (slot ${index}, generation ${id >>> ID_BITS}) is stale: ${why}; drop references to an entity when it is destroyed`,
    );
  }

  private createIds(ids: Int32Array, n: number): EntityId {
    const index = this.allocate();
    const g = (((this.gen[index] as number) & GEN_MASK) | ALIVE) >>> 0;
    this.gen[index] = g;
    // Plain store: other threads read the count only between frames.
    this.header[H_ALIVE] = (this.header[H_ALIVE] as number) + 1;
    for (let k = 0; k < n; k++) this.attach(index, this.plans[ids[k] as number] as ComponentPlan);
    // Refreshing is idempotent: a query on several of these components is tested once per component.
    const empty = this.emptyMatchers;
    for (let k = 0; k < empty.length; k++) this.refreshMembership(empty[k] as CachedQuery, index);
    for (let k = 0; k < n; k++) this.updateQueries(index, this.plans[ids[k] as number] as ComponentPlan);
    return (((g & GEN_MASK) << ID_BITS) | index) >>> 0;
  }

  /** `createIds` for one component (the common case, without the id list). */
  private createOne(plan: ComponentPlan): EntityId {
    const index = this.allocate();
    const g = (((this.gen[index] as number) & GEN_MASK) | ALIVE) >>> 0;
    this.gen[index] = g;
    this.header[H_ALIVE] = (this.header[H_ALIVE] as number) + 1;
    this.attach(index, plan);
    const empty = this.emptyMatchers;
    for (let k = 0; k < empty.length; k++) this.refreshMembership(empty[k] as CachedQuery, index);
    // A query requiring the component cannot match the empty mask, so the refresh above never inserted there.
    this.gained(index, plan);
    return (((g & GEN_MASK) << ID_BITS) | index) >>> 0;
  }

  private addAt(index: number, plan: ComponentPlan): void {
    if (((this.mask[index * this.maskWords + plan.word] as number) & plan.bit) !== 0) return;
    this.attach(index, plan);
    this.gained(index, plan);
  }

  private removeAt(index: number, plan: ComponentPlan): boolean {
    const at = index * this.maskWords + plan.word;
    const word = this.mask[at] as number;
    if ((word & plan.bit) === 0) return false;
    this.mask[at] = word & ~plan.bit;
    if (plan.log !== null) this.logRemoval(plan.log, index, (this.gen[index] as number) & GEN_MASK, this.ownerTick);
    this.lost(index, plan);
    return true;
  }

  private lostSince(cid: number, index: number, since: number): boolean {
    const log = this.removedLogs[cid];
    if (!log) return false;
    for (let k = log.index.length - 1; k >= 0; k--) {
      if ((log.tick[k] ?? 0) <= since) return false;
      if (log.index[k] === index) return !this.hasBit(index, cid);
    }
    return false;
  }

  private checkId(cid: number, n: number): number {
    if (cid >= 0 && cid < n) return cid;
    throw ecsError(EngineCode.MissingComponent, `queued command names component id ${cid}, which this world does not have`);
  }

  /** The plan of a def's component: one property load when the def was last used with this world. */
  private planOf(def: ComponentDef): ComponentPlan {
    const slot = def[SLOT];
    if (slot !== undefined && slot.owner === this) return this.plans[slot.id] as ComponentPlan;
    return this.plans[this.lookupDef(def)] as ComponentPlan;
  }

  /** The id of a def: one property load when the def was last used with this world. */
  private componentId(def: ComponentDef): number {
    const slot = def[SLOT];
    if (slot !== undefined && slot.owner === this) return slot.id;
    return this.lookupDef(def);
  }

  private lookupDef(def: ComponentDef): number {
    const id = this.idOfDef.get(def);
    if (id === undefined) {
      const named = this.idByName.has(def.name);
      throw ecsError(
        EngineCode.MissingComponent,
        named
          ? `component ${def.name} here is another definition than the one this world was created with; components are known by their def object, so import the one definition (defineComponent once, in a module)`
          : `component ${def.name} is not part of this world; list it in createWorld({ components })`,
      );
    }
    const slot = def[SLOT];
    if (slot !== undefined) {
      slot.owner = this;
      slot.id = id;
    }
    return id;
  }

  private normalized(spec: QuerySpec | Expr): { key: string; expr: Expr } {
    const memo = this.memo.get(spec);
    if (memo) return memo;
    if (!('op' in spec)) checkFilters(spec);
    const raw = 'op' in spec ? (spec as Expr) : specExpr(spec as QuerySpec);
    // Every def the query was built from must be this world's own (identity, not name).
    for (const def of defsOf(raw)) this.componentId(def);
    for (const def of ('op' in spec ? [] : spec.removed) ?? []) this.componentId(def);
    const expr = normalize(raw);
    const out = { key: keyOf(expr), expr };
    this.memo.set(spec, out);
    return out;
  }

  private build(key: string, expr: Expr): CachedQuery {
    const names = [...componentsOf(expr)];
    const ids = names.map((n) => {
      const id = this.idByName.get(n);
      if (id === undefined)
        throw ecsError(EngineCode.MissingComponent, `query names component ${n}, which is not part of this world`);
      return id;
    });
    const idOf = (n: string) => this.idByName.get(n) ?? 0;
    const test = compile(expr, idOf);
    const empty = new Uint32Array(this.maskWords);
    const literals = conjunctionLiterals(expr, idOf);
    const q = new CachedQuery(key, expr, test, ids, test(empty, 0), Math.max(64, this.next), literals);
    q.reviver = this.reviver;
    this.register(q);
    this.scan(q);
    return q;
  }

  /** Puts a query on the per-component lists that keep it up to date. */
  private register(q: CachedQuery): void {
    const lits = q.literals;
    for (const id of q.componentIds) {
      const plan = this.plans[id];
      if (!plan) continue;
      plan.queries.push(q);
      let list = plan.testing;
      if (lits !== null) {
        for (let k = 0; k < lits.length; k += 3) {
          if (lits[k] !== plan.word) continue;
          if (((lits[k + 1] as number) & plan.bit) !== 0) list = plan.requiring;
          else if (((lits[k + 2] as number) & plan.bit) !== 0) list = plan.excluding;
        }
      }
      list.push(q);
    }
    if (q.matchesEmpty) this.emptyMatchers.push(q);
  }

  private unregister(q: CachedQuery): void {
    q.evicted = true;
    const at = this.emptyMatchers.indexOf(q);
    if (at >= 0) this.emptyMatchers.splice(at, 1);
    for (const id of q.componentIds) {
      const plan = this.plans[id];
      if (!plan) continue;
      for (const list of [plan.queries, plan.requiring, plan.excluding, plan.testing]) {
        const at = list.indexOf(q);
        if (at >= 0) list.splice(at, 1);
      }
    }
  }

  private scan(q: CachedQuery): void {
    for (let i = 0; i < this.next; i++) if (this.matches(q, i)) q.insert(i);
  }

  /** An evicted query that is used again: rebuilt, and cached again under its key (replacing a newer copy). */
  private revive(q: CachedQuery): void {
    if (!q.evicted) return;
    q.clear();
    q.evicted = false;
    this.register(q);
    this.scan(q);
    const other = this.cache.get(q.key);
    if (other && other !== q) this.unregister(other);
    this.cache.set(q.key, q);
    this.policy.touch(q.key, this.clock++);
    this.evict(q);
  }

  /** Evicts down to the limit, never `keep` (the query just looked up or revived). */
  private evict(keep: CachedQuery): void {
    while (this.cache.size > this.maxCached) {
      const candidates: string[] = [];
      for (const q of this.cache.values()) if (q.pins === 0 && q !== keep) candidates.push(q.key);
      if (candidates.length === 0) return;
      const key = this.policy.victim(candidates, this.clock);
      const q = this.cache.get(key);
      if (!q) return;
      this.cache.delete(key);
      this.cacheStats.evictions++;
      this.unregister(q);
    }
  }

  private allocate(): number {
    if (this.freeCount > 0) {
      const index = this.freeQueue[this.freeHead] as number;
      this.freeHead = this.freeHead + 1 === this.freeQueue.length ? 0 : this.freeHead + 1;
      this.freeCount--;
      return index;
    }
    if (this.next >= this.viewCapacity) this.grow();
    return this.next++;
  }

  private release(index: number): void {
    if (this.freeCount === this.freeQueue.length) this.growFreeQueue(this.freeCount + 1);
    let at = this.freeHead + this.freeCount;
    if (at >= this.freeQueue.length) at -= this.freeQueue.length;
    this.freeQueue[at] = index;
    this.freeCount++;
  }

  /** Makes the free queue hold at least `size` slots, unwrapped to start at 0. */
  private growFreeQueue(size: number): void {
    const next = new Uint32Array(Math.max(1024, size, this.freeQueue.length * 2));
    for (let k = 0; k < this.freeCount; k++) next[k] = this.freeQueue[(this.freeHead + k) % this.freeQueue.length] as number;
    this.freeQueue = next;
    this.freeHead = 0;
  }

  /**
   * The bits (of mask word 0) of components whose removal touches more than `q`: another query holds their
   * entities, or they log removals. Only for one-word masks.
   */
  private touchyBits(q: CachedQuery): number {
    let bits = 0;
    const plans = this.plans;
    for (let c = 0; c < plans.length; c++) {
      const plan = plans[c] as ComponentPlan;
      if (plan.log !== null || plan.queries.some((x) => x !== q)) bits |= plan.bit;
    }
    return bits;
  }

  /**
   * For a slot being destroyed by a batch that empties `q` itself: leaves every other query holding it and logs
   * removals, for the components in `bits` (mask word `word`).
   */
  private unlinkDestroyed(q: CachedQuery, index: number, bits: number, oldGen: number, tick: number, word = 0): void {
    let rest = bits;
    while (rest !== 0) {
      const b = 31 - Math.clz32(rest);
      rest &= ~(1 << b);
      const plan = this.plans[(word << 5) + b] as ComponentPlan;
      if (plan.log !== null) this.logRemoval(plan.log, index, oldGen, tick);
      const list = plan.queries;
      for (let j = 0; j < list.length; j++) {
        const other = list[j] as CachedQuery;
        if (other !== q) other.delete(index);
      }
    }
  }

  private grow(): void {
    const cap = this.layout.capacity;
    if (this.viewCapacity >= cap) {
      throw ecsError(
        EngineCode.WorldFull,
        `world full: all ${cap} entity slots are in use; destroy entities or create the world with a larger capacity`,
      );
    }
    const next = Math.min(cap, this.viewCapacity * 2);
    if (!growMemory(this.memory, next)) {
      throw ecsError(EngineCode.WorldFull, `world full at ${this.viewCapacity} slots; create the world with a larger capacity`);
    }
    this.refresh();
  }

  /**
   * The one query a gain of the component can change, when it is the plain `all: [component]` kind (takes every
   * slot that gains it) and no other query mentions the component; else null. Batch calls then fill it inline.
   */
  private soleQuery(plan: ComponentPlan): CachedQuery | null {
    if (plan.requiring.length !== 1 || plan.excluding.length !== 0 || plan.testing.length !== 0) return null;
    const q = plan.requiring[0] as CachedQuery;
    return q.litWord === plan.word && q.litMust === plan.bit && q.litNot === 0 ? q : null;
  }

  /** The batch scratch, at least `n` long. */
  private batchOf(n: number): Int32Array {
    if (this.batchScratch.length < n) this.batchScratch = new Int32Array(Math.max(n, this.batchScratch.length * 2));
    return this.batchScratch;
  }

  /** `attach` for the first `n` slots of `batch`, one column at a time. */
  private attachMany(batch: Int32Array, n: number, plan: ComponentPlan): void {
    const mask = this.mask;
    const mw = this.maskWords;
    const word = plan.word;
    const bit = plan.bit;
    const tick = this.ownerTick;
    const added = plan.added;
    const changed = plan.changed;
    for (let k = 0; k < n; k++) {
      const index = batch[k] as number;
      const at = index * mw + word;
      mask[at] = (mask[at] as number) | bit;
      if (added !== null) added[index] = tick;
    }
    if (changed !== null) for (let k = 0; k < n; k++) changed[batch[k] as number] = tick;
    const resets = plan.resets;
    for (let r = 0; r < resets.length; r++) {
      const reset = resets[r] as FieldReset;
      const size = reset.size;
      const fill = reset.fill;
      const cells = reset.words ?? (reset.bytes as Uint8Array);
      if (size === 1) for (let k = 0; k < n; k++) cells[batch[k] as number] = fill;
      else {
        for (let k = 0; k < n; k++) {
          const from = (batch[k] as number) * size;
          for (let i = from, end = from + size; i < end; i++) cells[i] = fill;
        }
      }
    }
  }

  /** `gained` for the first `n` slots of `batch`, one query at a time. */
  private gainedMany(batch: Int32Array, n: number, plan: ComponentPlan): void {
    const req = plan.requiring;
    for (let j = 0; j < req.length; j++) {
      const q = req[j] as CachedQuery;
      // A query on this component alone takes every slot of the batch.
      if (q.litWord === plan.word && q.litMust === plan.bit && q.litNot === 0) q.insertMany(batch, n);
      else {
        for (let k = 0; k < n; k++) {
          const index = batch[k] as number;
          if (this.matchesLive(q, index)) q.insert(index);
        }
      }
    }
    const exc = plan.excluding;
    for (let j = 0; j < exc.length; j++) {
      const q = exc[j] as CachedQuery;
      for (let k = 0; k < n; k++) q.delete(batch[k] as number);
    }
    const other = plan.testing;
    for (let j = 0; j < other.length; j++) {
      const q = other[j] as CachedQuery;
      for (let k = 0; k < n; k++) this.refreshMembership(q, batch[k] as number);
    }
  }

  private attach(index: number, plan: ComponentPlan): void {
    const at = index * this.maskWords + plan.word;
    this.mask[at] = (this.mask[at] as number) | plan.bit;
    const tick = this.ownerTick;
    if (plan.added !== null) plan.added[index] = tick;
    if (plan.changed !== null) plan.changed[index] = tick;
    const resets = plan.resets;
    for (let k = 0; k < resets.length; k++) {
      const r = resets[k] as FieldReset;
      const size = r.size;
      const from = index * size;
      const words = r.words;
      // Short shares are stored one by one: a fill() call costs more than a few stores.
      if (words !== null) {
        if (size <= 4) for (let i = from, end = from + size; i < end; i++) words[i] = r.fill;
        else words.fill(r.fill, from, from + size);
      } else if (size <= 8) {
        const bytes = r.bytes as Uint8Array;
        for (let i = from, end = from + size; i < end; i++) bytes[i] = r.fill;
      } else (r.bytes as Uint8Array).fill(r.fill, from, from + size);
    }
  }

  private write(index: number, cid: number, values: Readonly<Record<string, unknown>>): void {
    const c = this.layout.components[cid];
    if (!c) return;
    for (const f of c.fields) {
      const v = values[f.name];
      if (v === undefined) continue;
      const col = this.views[f.column] as ColumnArray;
      if (typeof v === 'number') {
        col[index * f.lanes] = v;
      } else {
        const arr = v as ArrayLike<number>;
        if (arr.length !== f.lanes) {
          throw ecsError(EngineCode.InvalidConfig, `${c.name}.${f.name} takes ${f.lanes} values, got ${arr.length}`);
        }
        for (let l = 0; l < f.lanes; l++) col[index * f.lanes + l] = arr[l] ?? 0;
      }
    }
    if (c.changedColumn >= 0) (this.views[c.changedColumn] as Uint32Array)[index] = this.tick;
  }

  private logRemoval(log: RemovedLog, index: number, gen: number, tick: number): void {
    log.index.push(index);
    log.gen.push(gen);
    log.tick.push(tick);
    // A world that never advances its tick must not grow the log without bound: keep the newest half.
    if (log.index.length > MAX_REMOVED_LOG) {
      const drop = log.index.length >>> 1;
      log.index.splice(0, drop);
      log.gen.splice(0, drop);
      log.tick.splice(0, drop);
    }
  }

  /**
   * Slot `index` (alive) just gained the component: it may enter the queries requiring it (it was in none
   * of them, lacking it), it leaves those excluding it, and the others are re-tested.
   */
  private gained(index: number, plan: ComponentPlan): void {
    const req = plan.requiring;
    for (let k = 0; k < req.length; k++) {
      const q = req[k] as CachedQuery;
      if (this.matchesLive(q, index)) q.insert(index);
    }
    const exc = plan.excluding;
    for (let k = 0; k < exc.length; k++) (exc[k] as CachedQuery).delete(index);
    const other = plan.testing;
    for (let k = 0; k < other.length; k++) this.refreshMembership(other[k] as CachedQuery, index);
  }

  /** Slot `index` just lost the component: the mirror of `gained`. */
  private lost(index: number, plan: ComponentPlan): void {
    const req = plan.requiring;
    for (let k = 0; k < req.length; k++) (req[k] as CachedQuery).delete(index);
    const exc = plan.excluding;
    for (let k = 0; k < exc.length; k++) {
      const q = exc[k] as CachedQuery;
      if (this.matchesLive(q, index)) q.insert(index);
    }
    const other = plan.testing;
    for (let k = 0; k < other.length; k++) this.refreshMembership(other[k] as CachedQuery, index);
  }

  /** Brings every query on the component up to date with slot `index` (idempotent; for several components at once). */
  private updateQueries(index: number, plan: ComponentPlan): void {
    const list = plan.queries;
    for (let k = 0; k < list.length; k++) this.refreshMembership(list[k] as CachedQuery, index);
  }

  /** Inserts or deletes live slot `index` in `q` as its mask now says (idempotent; destroy deletes instead). */
  private refreshMembership(q: CachedQuery, index: number): void {
    const match = this.matchesLive(q, index);
    const sparse = q.sparse;
    const inside = index < sparse.length && (sparse[index] as number) >= 0;
    if (match === inside) return;
    if (match) q.insert(index);
    else q.delete(index);
  }

  /** Whether slot `index` holds a live entity that matches `q`. */
  private matches(q: CachedQuery, index: number): boolean {
    return ((this.gen[index] as number) & ALIVE) !== 0 && this.matchesLive(q, index);
  }

  /** Whether the mask of slot `index`, known to be alive, matches `q`: the literal triples inline, else the compiled test. */
  private matchesLive(q: CachedQuery, index: number): boolean {
    const base = index * this.maskWords;
    const mask = this.mask;
    if (q.litWord >= 0) {
      const m = mask[base + q.litWord] as number;
      return (m & q.litMust) === q.litMust && (m & q.litNot) === 0;
    }
    const lits = q.literals;
    if (lits === null) return q.test(mask, base);
    for (let k = 0; k < lits.length; k += 3) {
      const m = mask[base + (lits[k] as number)] as number;
      const must = lits[k + 1] as number;
      if ((m & must) !== must || (m & (lits[k + 2] as number)) !== 0) return false;
    }
    return true;
  }
}

/** Creates a world that can hold `options.components` (each a distinct def with a distinct name). */
export function createWorld(options: WorldOptions): World {
  return new World(options);
}

/** The shared memory of a world, for `attachWorld` in another thread. */
export function shareWorld(world: World): WorldMemory {
  return world.memory;
}
