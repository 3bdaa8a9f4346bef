import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Announced,
  anchorAt,
  CellIndex,
  cellAt,
  DEFAULT_INTEREST,
  FULL_RECORD_BYTES,
  followAnchor,
  type Indexes,
  type InterestConfig,
  MOTION_RECORD_BYTES,
  needsAnnouncement,
  planView,
  sees,
  type Transition,
  type Viewer,
  viewReach,
} from '../../../edge/world/interest';
import type { Vec3 } from '../../../shared/protocol';

const config: InterestConfig = { ...DEFAULT_INTEREST, radius: 64, cellSize: 16, hysteresis: 4 };
const reach = viewReach(config);

/** A little world of prims and movers with the room's bookkeeping: positions and the two cell indexes. */
class Scene {
  readonly positions = new Map<number, Vec3>();
  readonly indexes: Indexes = { prims: new CellIndex(), movers: new CellIndex() };
  private pending: Transition[] = [];

  put(id: number, position: Vec3, mover: boolean): void {
    this.positions.set(id, position);
    const index = mover ? this.indexes.movers : this.indexes.prims;
    const from = index.get(id);
    const to = cellAt(position, config);
    index.set(id, to);
    this.transition({ id, mover, from, to });
  }

  remove(id: number, mover: boolean): void {
    this.positions.delete(id);
    const from = (mover ? this.indexes.movers : this.indexes.prims).delete(id);
    if (from !== null) this.transition({ id, mover, from, to: null });
  }

  /** One transition per entity and tick, as the room makes them: from where it was at the last tick to where it is. */
  private transition(t: Transition): void {
    const earlier = this.pending.find((p) => p.id === t.id);
    if (earlier) earlier.to = t.to;
    else this.pending.push(t);
  }

  /** Plans the tick for `viewer` (all pending transitions) and clears them. */
  plan(viewer: Viewer, budget = Number.POSITIVE_INFINITY) {
    const transitions = this.pending;
    this.pending = [];
    return planView(
      viewer,
      transitions,
      new Set(transitions.map((t) => t.id)),
      this.indexes,
      (id) => this.positions.get(id) ?? null,
      budget,
      config,
    );
  }

  /** What a viewer anchored like `viewer` should hold: everything indexed in the cells it sees. */
  visible(viewer: Viewer): Set<number> {
    return new Set([...this.indexes.prims.visible(viewer.anchor, reach), ...this.indexes.movers.visible(viewer.anchor, reach)]);
  }
}

const viewerAt = (avatar: number, position: Vec3): Viewer => ({
  avatar,
  position,
  anchor: anchorAt(position, config),
  owed: new Map(),
});

describe('interest cells', () => {
  it('sees everything within the radius of the viewer, and nothing more than a cell beyond it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 4096, noNaN: true }),
        fc.double({ min: 0, max: 4096, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (x, y, angle, distance) => {
          const anchor = anchorAt([x, y, 0], config);
          const target: Vec3 = [x + Math.cos(angle) * distance, y + Math.sin(angle) * distance, 0];
          const seen = sees(anchor, cellAt(target, config), reach);
          if (distance <= config.radius) expect(seen).toBe(true);
          if (distance > (config.radius + config.cellSize) * Math.SQRT2) expect(seen).toBe(false);
        },
      ),
    );
  });

  it('keeps the anchor while the viewer walks within the hysteresis margin of its cell, and follows beyond it', () => {
    const anchor = anchorAt([8, 8, 0], config);
    expect(followAnchor(anchor, [17, 8, 0], config)).toBe(false);
    expect(followAnchor(anchor, [19.9, 8, 0], config)).toBe(false);
    expect(anchor).toEqual({ cx: 0, cy: 0 });
    expect(followAnchor(anchor, [20.1, 8, 0], config)).toBe(true);
    expect(anchor).toEqual({ cx: 1, cy: 0 });
    // Walking back across the border does not flicker it back.
    expect(followAnchor(anchor, [14, 8, 0], config)).toBe(false);
  });

  it('indexes each entity in exactly one cell', () => {
    const index = new CellIndex();
    index.set(1, cellAt([5, 5, 0], config));
    index.set(1, cellAt([40, 5, 0], config));
    expect([...index.in(cellAt([5, 5, 0], config))]).toEqual([]);
    expect([...index.in(cellAt([40, 5, 0], config))]).toEqual([1]);
    expect(index.delete(1)).toBe(cellAt([40, 5, 0], config));
    expect(index.size).toBe(0);
  });
});

describe('dead reckoning', () => {
  const last: Announced = { position: [10, 0, 0], velocity: [2, 0, 0], rotation: [0, 0, 0, 1], at: 0 };

  it('announces a mover again only when extrapolation drifts, its velocity changes or it turns', () => {
    expect(needsAnnouncement(last, [12, 0, 0], [2, 0, 0], [0, 0, 0, 1], 1000, config)).toBe(false);
    expect(needsAnnouncement(last, [12.5, 0, 0], [2, 0, 0], [0, 0, 0, 1], 1000, config)).toBe(true);
    expect(needsAnnouncement(last, [12, 0, 0], [0, 0, 0], [0, 0, 0, 1], 1000, config)).toBe(true);
    const turned = Math.sin(0.2 / 2);
    expect(needsAnnouncement(last, [12, 0, 0], [2, 0, 0], [0, 0, turned, Math.cos(0.2 / 2)], 1000, config)).toBe(true);
  });

  it('with dead reckoning off, announces every change', () => {
    const off = { ...config, deadReckoning: false };
    expect(needsAnnouncement(last, [10.01, 0, 0], [2, 0, 0], [0, 0, 0, 1], 0, off)).toBe(true);
    expect(needsAnnouncement(last, [10, 0, 0], [2, 0, 0], [0, 0, 0, 1], 500, off)).toBe(false);
  });
});

describe('planning a viewer tick', () => {
  it('sends an entity entering the view in full, then updates, and a despawn when it leaves', () => {
    const scene = new Scene();
    const v = viewerAt(1, [100, 100, 0]);
    scene.put(1, [100, 100, 0], true);
    scene.put(2, [120, 100, 0], true);
    scene.put(3, [500, 100, 0], true);
    scene.put(10, [90, 110, 0], false);
    const first = scene.plan(v);
    expect(first.full.sort((a, b) => a - b)).toEqual([1, 2, 10]);
    scene.put(2, [125, 100, 0], true);
    scene.put(10, [91, 110, 0], false);
    const second = scene.plan(v);
    expect(second).toMatchObject({ full: [], motion: [2], changed: [10], despawn: [] });
    scene.put(2, [400, 100, 0], true);
    scene.remove(10, false);
    expect(scene.plan(v).despawn.sort((a, b) => a - b)).toEqual([2, 10]);
  });

  it('when the viewer walks, sends what enters its view in full and despawns what leaves it, once each', () => {
    const scene = new Scene();
    const v = viewerAt(1, [100, 100, 0]);
    scene.put(1, [100, 100, 0], true);
    scene.put(20, [100 - 60, 100, 0], false); // behind: leaves the view as the viewer walks east
    scene.put(21, [100 + 100, 100, 0], false); // ahead: enters it
    scene.put(22, [100 + 100, 100, 0], true);
    scene.put(23, [100 + 100, 102, 0], true);
    scene.plan(v);
    // The viewer walks 40 m east; mover 23 also moves this tick (a transition and a cell change at once).
    v.position = [140, 100, 0];
    scene.put(1, [140, 100, 0], true);
    scene.put(23, [100 + 101, 102, 0], true);
    const plan = scene.plan(v);
    expect(plan.anchorMoved).toBe(true);
    expect(plan.despawn).toEqual([20]);
    expect(plan.full.sort()).toEqual([21, 22, 23]);
    expect(plan.motion).toEqual([1]);
  });

  it('gives nearer movers priority under the byte budget, owes the rest, and never holds back your own avatar', () => {
    const scene = new Scene();
    const v = viewerAt(1, [100, 100, 0]);
    scene.put(1, [100, 100, 0], true);
    for (const [id, d] of [
      [5, 50],
      [4, 5],
      [3, 20],
    ] as const)
      scene.put(id, [100 + d, 100, 0], true);
    const budget = 2 * FULL_RECORD_BYTES;
    const first = scene.plan(v, budget);
    expect(first.full).toEqual([1, 4]);
    expect([...v.owed.keys()].sort()).toEqual([3, 5]);
    const second = scene.plan(v, budget);
    expect(second.full).toEqual([3, 5]);
    expect(v.owed.size).toBe(0);
    // An owed motion update goes out with the state of the tick it is sent in.
    for (const id of [3, 4, 5]) scene.put(id, [(scene.positions.get(id)?.[0] ?? 0) + 1, 100, 0], true);
    const third = scene.plan(v, MOTION_RECORD_BYTES);
    expect(third.motion).toEqual([4]);
    expect(scene.plan(v, 2 * MOTION_RECORD_BYTES).motion).toEqual([3, 5]);
  });

  it('sends a far mover within maxOwedTicks even while nearer movers fill the budget every tick', () => {
    const scene = new Scene();
    const v = viewerAt(1, [100, 100, 0]);
    scene.put(1, [100, 100, 0], true);
    const near = [2, 3, 4];
    const far = 9;
    for (const [i, id] of near.entries()) scene.put(id, [101 + i, 100, 0], true);
    scene.put(far, [160, 100, 0], true);
    scene.plan(v, 1e9); // everyone in full once
    const sentAt: number[] = [];
    for (let tick = 1; tick <= 40; tick++) {
      // Every mover changes every tick; the budget fits three motion records.
      for (const id of [...near, far]) {
        const [x = 0, y = 0] = scene.positions.get(id) ?? [];
        scene.put(id, [x, y + 0.5, 0], true);
      }
      const plan = scene.plan(v, 3 * MOTION_RECORD_BYTES);
      expect(plan.motion).toHaveLength(3);
      if (plan.motion.includes(far)) sentAt.push(tick);
    }
    // Without ageing the far mover would never go out; with it, at least every maxOwedTicks + 1 ticks.
    expect(sentAt.length).toBeGreaterThanOrEqual(3);
    const gaps = sentAt.map((t, i) => t - (sentAt[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(config.maxOwedTicks + 1);
  });

  it('keeps what a viewer holds equal to what its view shows, whatever moves, appears or vanishes', () => {
    const idArb = fc.integer({ min: 2, max: 12 });
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('put' as const),
        id: idArb,
        x: fc.double({ min: 0, max: 400, noNaN: true }),
        y: fc.double({ min: 0, max: 400, noNaN: true }),
      }),
      fc.record({ kind: fc.constant('remove' as const), id: idArb }),
      fc.record({
        kind: fc.constant('walk' as const),
        x: fc.double({ min: 0, max: 400, noNaN: true }),
        y: fc.double({ min: 0, max: 400, noNaN: true }),
      }),
      fc.record({
        kind: fc.constant('tick' as const),
        budget: fc.constantFrom(0, MOTION_RECORD_BYTES, FULL_RECORD_BYTES * 3, 1e9),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const scene = new Scene();
        const v = viewerAt(1, [200, 200, 0]);
        scene.put(1, [200, 200, 0], true);
        const held = new Set<number>();
        const apply = (budget: number) => {
          const plan = scene.plan(v, budget);
          for (const id of plan.despawn) held.delete(id);
          for (const id of plan.full) held.add(id);
          for (const id of [...plan.motion, ...plan.changed]) expect(held.has(id)).toBe(true);
        };
        for (const s of steps) {
          if (s.kind === 'put') scene.put(s.id, [s.x, s.y, 0], s.id % 2 === 0);
          else if (s.kind === 'remove') scene.remove(s.id, s.id % 2 === 0);
          else if (s.kind === 'walk') {
            v.position = [s.x, s.y, 0];
            scene.put(1, v.position, true);
          } else apply(s.budget);
        }
        apply(1e9);
        // Nothing owed after a tick with room to spare: the viewer holds exactly its view.
        expect([...held].sort()).toEqual([...scene.visible(v)].sort());
      }),
      { numRuns: 300 },
    );
  });
});
