/**
 * Interest management (seed 10.3) for one room: who is sent what, each tick, in O(changes × viewers).
 *
 * The world's ground plane is cut into square cells. Every entity is indexed by the cell it was last
 * announced in. A viewer sees the (2R+1)² cells around its anchor cell, R = ceil(radius / cell size), so
 * everything within `radius` of the anchor cell is in view; the anchor follows the viewer's avatar with
 * hysteresis (it moves only once the avatar is `hysteresis` metres outside the anchor cell), so walking
 * along a cell border does not flicker entities in and out. What a viewer holds is then a function of
 * its anchor alone: the entities indexed in the cells it sees. That needs no per-viewer entity sets, and a
 * resumed session (same anchor) holds the same entities.
 *
 * Each tick the room turns changes into transitions (entity, from cell, to cell): a prim created,
 * edited, moved or deleted; a mover (avatar) announced because dead reckoning drifted (its last announced
 * position + velocity × elapsed time is off by more than a threshold, or its velocity or facing changed);
 * a mover that left. Dead reckoning is decided once per mover for the whole room, so every viewer that
 * holds a mover extrapolates from the same announcement. A viewer then gets, per transition: a full record
 * when the entity enters its view, a despawn when it leaves, an update when it stays in view. When the
 * anchor moves, the entities of cells entering the view arrive in full and those of cells leaving it are
 * despawned. Motion is subject to a per-viewer byte budget: the nearest movers go first, the rest are owed
 * and go out (with their state then) on a later tick; a mover owed for `maxOwedTicks` goes before any
 * nearer one (oldest first), so no mover waits forever behind a crowd. A viewer's own avatar is never
 * held back.
 */
import { predictPosition } from '../../shared/math/dead-reckoning';
import type { Quat, Vec3 } from '../../shared/protocol';
import { rotationAngle } from '../../shared/protocol';

/** Tuning of interest management. */
export interface InterestConfig {
  /** Entities within this distance of a viewer are in view (metres); somewhat farther ones may be too. */
  radius: number;
  /** Side of an interest cell (metres). */
  cellSize: number;
  /** How far (metres) a viewer walks out of its anchor cell before the anchor follows. */
  hysteresis: number;
  /** Announce a mover again when extrapolation is off by more than this (metres). */
  driftThreshold: number;
  /** Announce again when the facing differs by more than this (radians). */
  turnThreshold: number;
  /** Announce again when the velocity changed by more than this (m/s). */
  velocityThreshold: number;
  /** Bytes a viewer may receive per second for movers (records of prims and despawns are not held back). */
  bytesPerSecond: number;
  /** When false, every change of a mover is announced (for comparison in benchmarks). */
  deadReckoning: boolean;
  /** Ticks a mover can be held back by the budget before it goes ahead of nearer ones. */
  maxOwedTicks: number;
}

export const DEFAULT_INTEREST: InterestConfig = {
  radius: 96,
  cellSize: 16,
  hysteresis: 4,
  driftThreshold: 0.25,
  turnThreshold: 0.1,
  velocityThreshold: 0.05,
  bytesPerSecond: 64 * 1024,
  deadReckoning: true,
  maxOwedTicks: 10,
};

/** Approximate wire sizes (bytes) of mover records, counted against the budget. */
export const FULL_RECORD_BYTES = 96;
export const MOTION_RECORD_BYTES = 4 + 2 + 6 + 4 + 6;

/** A cell key: cell column and row packed into one number (columns and rows within ±2^20). */
export type CellKey = number;
const OFFSET = 1 << 20;
const SPAN = 1 << 21;

export function cellKey(cx: number, cy: number): CellKey {
  return (cx + OFFSET) * SPAN + (cy + OFFSET);
}

export function cellColumn(key: CellKey): number {
  return Math.floor(key / SPAN) - OFFSET;
}

export function cellRow(key: CellKey): number {
  return (key % SPAN) - OFFSET;
}

/** The cell a position lies in. */
export function cellAt(position: Vec3, config: InterestConfig): CellKey {
  return cellKey(Math.floor(position[0] / config.cellSize), Math.floor(position[1] / config.cellSize));
}

/** Cells seen around the anchor in each direction. */
export function viewReach(config: InterestConfig): number {
  return Math.max(1, Math.ceil(config.radius / config.cellSize));
}

/** Where a viewer's view is centred. */
export interface Anchor {
  cx: number;
  cy: number;
}

/** The anchor for a viewer at `position` with no history (its own cell). */
export function anchorAt(position: Vec3, config: InterestConfig): Anchor {
  return { cx: Math.floor(position[0] / config.cellSize), cy: Math.floor(position[1] / config.cellSize) };
}

/** Moves `anchor` to the viewer's cell once the viewer is `hysteresis` metres out of it; true when it moved. */
export function followAnchor(anchor: Anchor, position: Vec3, config: InterestConfig): boolean {
  const s = config.cellSize;
  const h = config.hysteresis;
  const x0 = anchor.cx * s;
  const y0 = anchor.cy * s;
  const x = position[0];
  const y = position[1];
  if (x >= x0 - h && x < x0 + s + h && y >= y0 - h && y < y0 + s + h) return false;
  anchor.cx = Math.floor(x / s);
  anchor.cy = Math.floor(y / s);
  return true;
}

/** True when a viewer anchored at `anchor` sees cell `key`. */
export function sees(anchor: Anchor, key: CellKey, reach: number): boolean {
  return Math.abs(cellColumn(key) - anchor.cx) <= reach && Math.abs(cellRow(key) - anchor.cy) <= reach;
}

/** Every cell a viewer anchored at `anchor` sees. */
export function* viewCells(anchor: Anchor, reach: number): Generator<CellKey> {
  for (let dx = -reach; dx <= reach; dx++) for (let dy = -reach; dy <= reach; dy++) yield cellKey(anchor.cx + dx, anchor.cy + dy);
}

/** Which entity is indexed in which cell (the cell it was last announced in). */
export class CellIndex {
  private readonly cellOf = new Map<number, CellKey>();
  private readonly members = new Map<CellKey, Set<number>>();

  get size(): number {
    return this.cellOf.size;
  }

  /** The cell `id` is indexed in, or null. */
  get(id: number): CellKey | null {
    return this.cellOf.get(id) ?? null;
  }

  /** Indexes `id` in `key` (moving it from its previous cell). */
  set(id: number, key: CellKey): void {
    const previous = this.cellOf.get(id);
    if (previous === key) return;
    if (previous !== undefined) this.detach(id, previous);
    this.cellOf.set(id, key);
    let set = this.members.get(key);
    if (!set) {
      set = new Set();
      this.members.set(key, set);
    }
    set.add(id);
  }

  /** Removes `id`; returns the cell it was in, or null. */
  delete(id: number): CellKey | null {
    const previous = this.cellOf.get(id);
    if (previous === undefined) return null;
    this.cellOf.delete(id);
    this.detach(id, previous);
    return previous;
  }

  /** The ids indexed in `key`. */
  in(key: CellKey): ReadonlySet<number> {
    return this.members.get(key) ?? EMPTY;
  }

  /** The ids in every cell a viewer anchored at `anchor` sees. */
  *visible(anchor: Anchor, reach: number): Generator<number> {
    for (const key of viewCells(anchor, reach)) yield* this.in(key);
  }

  clear(): void {
    this.cellOf.clear();
    this.members.clear();
  }

  private detach(id: number, key: CellKey): void {
    const set = this.members.get(key);
    if (!set) return;
    set.delete(id);
    if (set.size === 0) this.members.delete(key);
  }
}

const EMPTY: ReadonlySet<number> = new Set();

/** What the room last announced about a mover. */
export interface Announced {
  position: Vec3;
  velocity: Vec3;
  rotation: Quat;
  /** When (ms). */
  at: number;
}

const predicted = new Float64Array(3);

/** True when viewers extrapolating from `last` would be off from the mover's state now by more than the thresholds. */
export function needsAnnouncement(
  last: Announced,
  position: Vec3,
  velocity: Vec3,
  rotation: Quat,
  now: number,
  config: InterestConfig,
): boolean {
  if (!config.deadReckoning) {
    for (let i = 0; i < 3; i++) if (last.position[i] !== position[i] || last.velocity[i] !== velocity[i]) return true;
    for (let i = 0; i < 4; i++) if (last.rotation[i] !== rotation[i]) return true;
    return false;
  }
  predictPosition(last.position, last.velocity, (now - last.at) / 1000, predicted);
  const ex = (predicted[0] ?? 0) - position[0];
  const ey = (predicted[1] ?? 0) - position[1];
  const ez = (predicted[2] ?? 0) - position[2];
  if (ex * ex + ey * ey + ez * ez > config.driftThreshold * config.driftThreshold) return true;
  const dvx = velocity[0] - last.velocity[0];
  const dvy = velocity[1] - last.velocity[1];
  const dvz = velocity[2] - last.velocity[2];
  if (dvx * dvx + dvy * dvy + dvz * dvz > config.velocityThreshold * config.velocityThreshold) return true;
  return rotationAngle(last.rotation, rotation) > config.turnThreshold;
}

/** One entity's change this tick: from which cell to which (null: not in the world before / any more). */
export interface Transition {
  id: number;
  /** Movers are budgeted and sent as motion; prims are sent as their changed fields. */
  mover: boolean;
  from: CellKey | null;
  to: CellKey | null;
}

/** A mover record the budget held back: whether the viewer needs it in full, and for how many ticks it waited. */
export interface Owed {
  full: boolean;
  ticks: number;
}

/** A viewer, as the planner needs it; `anchor` and `owed` are updated by planView. */
export interface Viewer {
  /** The viewer's own avatar (never held back by the budget). */
  avatar: number;
  position: Vec3;
  anchor: Anchor;
  /** Movers whose record was held back by the budget. */
  owed: Map<number, Owed>;
}

/** What one viewer gets this tick. */
export interface ViewPlan {
  /** Entities to send in full (they entered the view, or the viewer has not had them yet). */
  full: number[];
  /** Prims in view that changed: send their changed fields. */
  changed: number[];
  /** Movers in view to send motion for (position, rotation, velocity), nearest first. */
  motion: number[];
  /** Entities that left the view or the world. */
  despawn: number[];
  /** Budgeted bytes planned (movers only). */
  moverBytes: number;
  /** True when the viewer's anchor moved this tick. */
  anchorMoved: boolean;
}

/** Where an entity is now (for nearest-first ordering); null when it is gone. */
export type Locate = (id: number) => Vec3 | null;

/** The room's two indexes: prims and movers, each by the cell it was last announced in. */
export interface Indexes {
  prims: CellIndex;
  movers: CellIndex;
}

/**
 * Plans one viewer's tick. `transitions` (at most one per entity: from its cell at the last tick to its
 * cell now) must all have been applied to `indexes` already; `changedIds` holds their ids. `budget` is the viewer's byte allowance for movers.
 */
export function planView(
  viewer: Viewer,
  transitions: readonly Transition[],
  changedIds: ReadonlySet<number>,
  indexes: Indexes,
  locate: Locate,
  budget: number,
  config: InterestConfig,
): ViewPlan {
  const reach = viewReach(config);
  const before: Anchor = { cx: viewer.anchor.cx, cy: viewer.anchor.cy };
  const moved = followAnchor(viewer.anchor, viewer.position, config);
  const after = viewer.anchor;
  const plan: ViewPlan = { full: [], changed: [], motion: [], despawn: [], moverBytes: 0, anchorMoved: moved };
  /** Mover records competing for the budget: id → needs full. */
  const candidates = new Map<number, boolean>();
  /** Ticks the owed among them have waited (only when something is owed). */
  const waited = viewer.owed.size > 0 ? new Map<number, number>() : null;

  for (const t of transitions) {
    const was = t.from !== null && sees(before, t.from, reach);
    const now = t.to !== null && sees(after, t.to, reach);
    if (!now) {
      if (was || viewer.owed.has(t.id)) plan.despawn.push(t.id);
      viewer.owed.delete(t.id);
      continue;
    }
    if (!t.mover) {
      if (was) plan.changed.push(t.id);
      else plan.full.push(t.id);
      continue;
    }
    const owed = viewer.owed.get(t.id);
    candidates.set(t.id, !was || owed?.full === true);
    if (owed) {
      waited?.set(t.id, owed.ticks);
      viewer.owed.delete(t.id);
    }
  }

  if (moved) {
    for (const key of viewCells(before, reach)) {
      if (sees(after, key, reach)) continue;
      for (const index of [indexes.prims, indexes.movers]) {
        for (const id of index.in(key)) {
          if (changedIds.has(id)) continue;
          plan.despawn.push(id);
          viewer.owed.delete(id);
        }
      }
    }
    for (const key of viewCells(after, reach)) {
      if (sees(before, key, reach)) continue;
      for (const id of indexes.prims.in(key)) if (!changedIds.has(id)) plan.full.push(id);
      // Movers entering the view compete for the budget.
      for (const id of indexes.movers.in(key)) {
        if (changedIds.has(id)) continue;
        viewer.owed.delete(id);
        candidates.set(id, true);
      }
    }
  }

  for (const [id, owed] of viewer.owed) {
    const key = indexes.movers.get(id);
    if (key === null || !sees(after, key, reach)) {
      viewer.owed.delete(id);
      continue;
    }
    if (!candidates.has(id)) candidates.set(id, owed.full);
    waited?.set(id, owed.ticks);
  }
  viewer.owed.clear();

  const self = candidates.get(viewer.avatar);
  if (self !== undefined) {
    candidates.delete(viewer.avatar);
    if (self) plan.full.push(viewer.avatar);
    else plan.motion.push(viewer.avatar);
    plan.moverBytes += self ? FULL_RECORD_BYTES : MOTION_RECORD_BYTES;
  }
  let total = 0;
  for (const needsFull of candidates.values()) total += needsFull ? FULL_RECORD_BYTES : MOTION_RECORD_BYTES;
  let order: [number, boolean][] = [...candidates];
  if (total + plan.moverBytes > budget) {
    const p = viewer.position;
    // Nearest first (squared distance), except that movers owed for maxOwedTicks go before all of them,
    // the longest waiting first (a negative key).
    const priority = (id: number): number => {
      const ticks = waited?.get(id) ?? 0;
      if (ticks >= config.maxOwedTicks) return -ticks;
      const q = locate(id);
      return q ? (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 + (q[2] - p[2]) ** 2 : Number.POSITIVE_INFINITY;
    };
    order = order
      .map(([id, f]) => ({ id, f, key: priority(id) }))
      .sort((a, b) => a.key - b.key)
      .map(({ id, f }) => [id, f]);
  }
  for (const [id, needsFull] of order) {
    const cost = needsFull ? FULL_RECORD_BYTES : MOTION_RECORD_BYTES;
    if (plan.moverBytes + cost > budget) {
      viewer.owed.set(id, { full: needsFull, ticks: (waited?.get(id) ?? 0) + 1 });
      continue;
    }
    plan.moverBytes += cost;
    (needsFull ? plan.full : plan.motion).push(id);
  }
  return plan;
}
