/**
 * Viewer bench: the world worker's App in Node applying a 10,000-entity snapshot and then 200 ticks with 1,000
 * movers each (position + velocity deltas, linkset children following their roots), next to the path it
 * replaced — WorldMirror + WorldApplier, run from the saved copy in tests/bench/legacy — in the same run.
 * Both start from decoded Storm frames; the App's figure is its whole frame (net apply, dead reckoning,
 * children, terrain, HUD every 250 ms, render list), the old one's is mirror merge + ECS apply + extrapolation.
 * Writes bench/results/viewer.json: ms per tick (median of rounds' medians; min too), snapshot apply ms, and
 * the JS heap each path retains after the run (after a full GC, while it is still alive).
 */
import type { Entity, EntityUpdate, ServerMessage } from '../../shared/protocol';
import { SHAPE_PRESETS } from '../../shared/protocol';
import { createWorld, type World } from '../../web/engine';
import { VIEWER_COMPONENTS } from '../../web/scene/components';
import { createSyncBuffer, SyncWriter } from '../../web/scene/sync-header';
import { Commands } from '../../web/world/keys';
import { createWorldApp, type WorldApp } from '../../web/world/world-app';
import { fakeConnection } from '../support/fake-connection';
import { WorldApplier } from './legacy/world-apply';
import { WorldMirror } from './legacy/world-mirror';
import { type CaseResult, writeReport } from './report';

const ENTITIES = 10_000;
const MOVERS = 1_000;
const TICKS = Number(process.env.BENCH_TICKS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TICK_MS = 50;
const bounds = { min: [0, 0, -16] as [number, number, number], max: [256, 256, 240] as [number, number, number] };

/** A deterministic scene: 500 avatars and 9,500 prims, every fourth prim a linkset child of the root before it. */
function scene(): Entity[] {
  const out: Entity[] = [];
  let root = 0;
  for (let k = 0; k < ENTITIES; k++) {
    const id = k + 1;
    const avatar = k < 500;
    const child = !avatar && k % 4 === 3 && root !== 0;
    if (!avatar && !child) root = id;
    out.push({
      id,
      kind: avatar ? 'avatar' : 'prim',
      parent: child ? root : 0,
      name: avatar ? `Visitor ${k}` : `prim ${k}`,
      description: '',
      position: child ? [0.5, 0, 0.5] : [(k * 37) % 256, (k * 91) % 256, 20 + (k % 7)],
      rotation: [0, 0, 0, 1],
      scale: avatar ? [0.5, 0.5, 1.8] : [1, 1 + (k % 3), 1],
      velocity: [0, 0, 0],
      shape: k % 5 === 0 ? SHAPE_PRESETS.sphere : SHAPE_PRESETS.box,
      colors: [[(k * 13) % 256, (k * 7) % 256, (k * 3) % 256, 255]],
    });
  }
  return out;
}

/** Ids of the movers: every avatar and 500 linkset roots (their children follow). */
function moverIds(entities: readonly Entity[]): number[] {
  const avatars = entities.filter((e) => e.kind === 'avatar').map((e) => e.id);
  const roots = entities.filter((e) => e.kind === 'prim' && e.parent === 0).map((e) => e.id);
  return [...avatars, ...roots.slice(0, MOVERS - avatars.length)];
}

function deltas(entities: readonly Entity[], movers: readonly number[]): ServerMessage[] {
  const byId = new Map(entities.map((e) => [e.id, e]));
  const frames: ServerMessage[] = [];
  for (let t = 0; t < TICKS; t++) {
    const updates: EntityUpdate[] = movers.map((id, m) => {
      const p = byId.get(id)?.position ?? [0, 0, 0];
      const phase = (t + m) * 0.05;
      return {
        id,
        position: [p[0] + Math.sin(phase) * 2, p[1] + Math.cos(phase) * 2, p[2]],
        velocity: [Math.cos(phase), -Math.sin(phase), 0],
      };
    });
    frames.push({ type: 'delta', baseline: t + 1, tick: t + 2, entities: updates });
  }
  return frames;
}

interface PathRun {
  snapshotMs: number;
  tickMs: number[];
  retainedBytes: number;
}

/** JS heap in use after a full collection (the ECS columns are array buffers, the same layout in both paths). */
function heapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench: run with --expose-gc (npm run bench does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Milliseconds each tick took, one per frame. */
function timeTicks(frames: readonly ServerMessage[], tick: (f: ServerMessage) => void): number[] {
  return frames.map((f) => {
    const t0 = performance.now();
    tick(f);
    return performance.now() - t0;
  });
}

/** The world App, fed by a connection factory that hands us its onMessage. */
function runApp(snapshot: ServerMessage, frames: readonly ServerMessage[]): PathRun {
  const base = heapBytes();
  let now = 1000;
  let deliver: (m: ServerMessage) => void = () => {};
  const world: WorldApp = createWorldApp({
    now: () => now,
    hardwareConcurrency: 4,
    workers: 1,
    connect: (options) => {
      deliver = (m) => options.onMessage?.(m);
      return fakeConnection();
    },
  });
  world.app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:1', world: 'bench', kind: 'fv' });
  world.frame(0);
  const welcome: ServerMessage = {
    type: 'welcome',
    version: 1,
    session: 's',
    avatar: 1,
    bounds,
    serverTime: 0,
    tick: 1,
    resumed: false,
    permissions: 7,
  };
  const t0 = performance.now();
  deliver(welcome);
  deliver(snapshot);
  world.frame(0);
  const snapshotMs = performance.now() - t0;
  const tickMs = timeTicks(frames, (f) => {
    now += TICK_MS;
    deliver(f);
    world.frame(TICK_MS / 1000);
  });
  if (world.app.world.size !== ENTITIES) throw new Error(`bench: the App holds ${world.app.world.size} entities`);
  const retainedBytes = heapBytes() - base;
  return { snapshotMs, tickMs, retainedBytes };
}

/** The replaced path: the mirror merges each frame into full entities, the applier writes them to the ECS. */
function runLegacy(snapshot: ServerMessage, frames: readonly ServerMessage[]): PathRun {
  const base = heapBytes();
  let now = 1000;
  const world: World = createWorld({ components: [...VIEWER_COMPONENTS], capacity: 262_144, initialCapacity: 4096 });
  const mirror = new WorldMirror();
  const applier = new WorldApplier(world, new SyncWriter(createSyncBuffer()));
  const apply = (msg: ServerMessage) => {
    const change = mirror.apply(msg, now);
    if (change.spawned.length > 0 || change.updated.length > 0 || change.despawned.length > 0) {
      const upserted = [...change.spawned, ...change.updated].flatMap((id) => {
        const e = mirror.entities.get(id);
        return e ? [e] : [];
      });
      applier.apply(upserted, change.despawned);
    }
  };
  const t0 = performance.now();
  apply(snapshot);
  const snapshotMs = performance.now() - t0;
  const tickMs = timeTicks(frames, (f) => {
    now += TICK_MS;
    apply(f);
    applier.extrapolate(TICK_MS / 1000);
    world.advanceTick();
  });
  if (world.size !== ENTITIES) throw new Error(`bench: the old path holds ${world.size} entities`);
  const retainedBytes = heapBytes() - base;
  // Keep both alive until measured.
  if (mirror.entities.size !== ENTITIES) throw new Error('bench: mirror lost entities');
  return { snapshotMs, tickMs, retainedBytes };
}

const entities = scene();
const snapshot: ServerMessage = { type: 'snapshot', tick: 1, part: 0, parts: 1, entities };
const frames = deltas(entities, moverIds(entities));

const app: PathRun[] = [];
const legacy: PathRun[] = [];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which path goes first so neither always runs on a warmer or colder heap.
  if (r % 2 === 0) {
    app.push(runApp(snapshot, frames));
    legacy.push(runLegacy(snapshot, frames));
  } else {
    legacy.push(runLegacy(snapshot, frames));
    app.push(runApp(snapshot, frames));
  }
}

const summarize = (name: string, runs: PathRun[]): CaseResult[] => {
  const medians = runs.map((r) => median(r.tickMs));
  const snaps = runs.map((r) => r.snapshotMs);
  return [
    {
      name: `${name}: tick (${MOVERS} movers)`,
      median_ms: median(medians),
      min_ms: Math.min(...medians),
      max_ms: Math.max(...medians),
      samples: runs.length * TICKS,
    },
    {
      name: `${name}: snapshot (${ENTITIES} entities)`,
      median_ms: median(snaps),
      min_ms: Math.min(...snaps),
      max_ms: Math.max(...snaps),
      samples: runs.length,
    },
  ];
};
const cases = [...summarize('app', app), ...summarize('legacy', legacy)];
const appTick = median(app.map((r) => median(r.tickMs)));
const legacyTick = median(legacy.map((r) => median(r.tickMs)));
const appHeap = median(app.map((r) => r.retainedBytes));
const legacyHeap = median(legacy.map((r) => r.retainedBytes));
writeReport({
  suite: 'viewer',
  cases,
  ratios: {
    tick_legacy_over_app: legacyTick / appTick,
    heap_app_over_legacy: appHeap / legacyHeap,
    snapshot_legacy_over_app: median(legacy.map((r) => r.snapshotMs)) / median(app.map((r) => r.snapshotMs)),
  },
  ms: { app_tick: appTick, legacy_tick: legacyTick },
  extra: {
    entities: ENTITIES,
    movers: MOVERS,
    ticks: TICKS,
    rounds: ROUNDS,
    retained_bytes: { app: appHeap, legacy: legacyHeap },
    note: 'retained = JS heapUsed after the run (path alive) minus before, after full GCs; ECS columns are SharedArrayBuffers in both paths and not counted',
  },
});
