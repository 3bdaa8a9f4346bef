/**
 * Physics suite (issue 16): the fixed 60 Hz step of shared/physics (PhysicsWorld, as the room and the viewer run
 * it) next to raw Rapier on the same scene in the same run, for 1,000 and 10,000 static prims and 50 walking
 * avatars; the viewer's load (one predicted avatar: PhysicsWorld, and the world App's physics systems); compound
 * against separate colliders for linksets; the room (RoomPhysics over a WorldState: one 50 ms step per 20 Hz tick,
 * the open-ground walk, the terrain as a mesh) for the same scenes and for 200 visitors walking on the plaza.
 *
 * Scene: a 256 m region, heightfield at 4 m spacing (65×65 samples, as the room's worlds), gentle hills; N prims
 * at seeded random places and headings, sitting on the ground, 0.2–3 m: 40 % boxes, 20 % balls, 20 % cylinders
 * (exact colliders), 10 % tori and 10 % tubes (trimeshes from the renderer's mesh generator). Avatars walk at 3 m/s and
 * pick a new heading every 1–4 s (seeded), turning back toward the middle near the region's edge.
 * Each case reports per-step (per-tick for the room) median, min, max and p99 (in extra) over all timed steps;
 * ours-vs-peer ratios are the median over interleaved rounds of the per-round ratio of medians.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Collider, KinematicCharacterController, RigidBody, World } from '@dimforge/rapier3d-compat';
import { createMemoryWorldStore } from '../../edge/adapters/memory-world-store';
import { RoomPhysics } from '../../edge/world/room-physics';
import { plazaSeed, type SeedPrim, WORLD_BOUNDS, type WorldSeed } from '../../edge/world/seed';
import { createHeightfield, type Heightfield, heightAt, terrainPatches } from '../../edge/world/terrain';
import { WorldState } from '../../edge/world/world-state';
import { createRandom } from '../../shared/math/random';
import { type Part, partCollider, terrainCollider, UnitMeshes } from '../../shared/physics/colliders';
import {
  AVATAR_HALF_HEIGHT,
  AVATAR_MASS,
  AVATAR_RADIUS,
  FIXED_DT,
  GRAVITY,
  MAX_SLOPE,
  SKIN,
  SNAP_DISTANCE,
  STEP_HEIGHT,
  STEP_MIN_WIDTH,
  TERMINAL_SPEED,
  WALK_SPEED,
} from '../../shared/physics/constants';
import type { AvatarIntent } from '../../shared/physics/intent';
import { PhysicsWorld } from '../../shared/physics/physics-world';
import { loadRapier, type Rapier } from '../../shared/physics/rapier';
import { type Entity, type Quat, type ServerMessage, SHAPE_PRESETS, type ShapePreset, type Vec3 } from '../../shared/protocol';
import { Commands } from '../../web/world/keys';
import { PhysicsKey } from '../../web/world/plugins/physics';
import { createWorldApp } from '../../web/world/world-app';
import { fakeConnection } from '../support/fake-connection';
import { type CaseResult, writeReport } from './report';

const loadStart = loadavg()[0] ?? 0;
const suiteStart = performance.now();
const R: Rapier = await loadRapier();
const REGION = 256;
const SPACING = 4;
const AVATARS = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const IDENTITY: Quat = [0, 0, 0, 1];
const yawQuat = (yaw: number): Quat => [0, 0, Math.sin(yaw / 2), Math.cos(yaw / 2)];

/** A seeded generator: the same scene and walks every run. */
const rng = createRandom;

const field: Heightfield = createHeightfield(
  REGION,
  SPACING,
  (x, y) => 22 + 4 * Math.sin(x / 31) * Math.cos(y / 27) + 2 * Math.sin((x + y) / 19),
);
const samples = { width: field.side, height: field.side, spacing: field.spacing, heights: field.heights };

interface ScenePrim {
  shape: ShapePreset;
  position: Vec3;
  rotation: Quat;
  scale: Vec3;
}

/** N prims at seeded random places on the ground (see the header for the mix). */
function scenePrims(n: number, seed: number): ScenePrim[] {
  const r = rng(seed);
  const between = (a: number, b: number) => a + (b - a) * r();
  const out: ScenePrim[] = [];
  for (let k = 0; k < n; k++) {
    const u = r();
    let shape: ShapePreset;
    let scale: Vec3;
    if (u < 0.4) {
      shape = 'box';
      scale = [between(0.3, 2.5), between(0.3, 2.5), between(0.3, 2.5)];
    } else if (u < 0.6) {
      shape = 'sphere';
      const d = between(0.3, 2);
      scale = [d, d, d];
    } else if (u < 0.8) {
      shape = 'cylinder';
      const d = between(0.2, 1.5);
      scale = [d, d, between(0.5, 3)];
    } else if (u < 0.9) {
      shape = 'torus';
      const d = between(0.5, 2.5);
      scale = [d, d, between(0.3, 1)];
    } else {
      shape = 'tube';
      const d = between(0.5, 2);
      scale = [d, d, between(0.5, 2)];
    }
    const x = between(2, REGION - 2);
    const y = between(2, REGION - 2);
    out.push({
      shape,
      scale,
      position: [x, y, heightAt(field, x, y) + scale[2] / 2 - 0.05],
      rotation: yawQuat(between(0, Math.PI * 2)),
    });
  }
  return out;
}

const onePart = (p: { shape: ShapePreset; scale: Vec3 }): Part[] => [
  { shape: SHAPE_PRESETS[p.shape], scale: p.scale, position: [0, 0, 0], rotation: IDENTITY },
];

/** Seeded walks: a heading per avatar, a new one every 1–4 s, back toward the middle near the edge. */
class Walkers {
  readonly yaw: Float64Array;
  private readonly nextTurn: Float64Array;
  private readonly random: () => number;

  constructor(
    readonly n: number,
    seed: number,
  ) {
    this.random = rng(seed);
    this.yaw = new Float64Array(n);
    this.nextTurn = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.yaw[i] = this.random() * Math.PI * 2;
      this.nextTurn[i] = 60 + this.random() * 180;
    }
  }

  /** Advances to step `s`; returns true for avatars whose heading changed (`changed[i]`). */
  update(s: number, position: (i: number) => Vec3, changed: Uint8Array): void {
    for (let i = 0; i < this.n; i++) {
      changed[i] = 0;
      if (s >= (this.nextTurn[i] ?? 0)) {
        this.yaw[i] = this.random() * Math.PI * 2;
        this.nextTurn[i] = s + 60 + this.random() * 180;
        changed[i] = 1;
      }
      const p = position(i);
      const y = this.yaw[i] ?? 0;
      const outward =
        (p[0] < 12 && Math.cos(y) < 0) ||
        (p[0] > REGION - 12 && Math.cos(y) > 0) ||
        (p[1] < 12 && Math.sin(y) < 0) ||
        (p[1] > REGION - 12 && Math.sin(y) > 0);
      if (outward) {
        this.yaw[i] = Math.atan2(REGION / 2 - p[1], REGION / 2 - p[0]);
        changed[i] = 1;
      }
    }
  }
}

/** Seeded avatar start places (x, y) inside the region. */
function starts(n: number, seed: number, radius = REGION / 2 - 16): Vec3[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const a = r() * Math.PI * 2;
    const d = Math.sqrt(r()) * radius;
    const x = REGION / 2 + Math.cos(a) * d;
    const y = REGION / 2 + Math.sin(a) * d;
    return [x, y, heightAt(field, x, y) + AVATAR_HALF_HEIGHT + 0.1];
  });
}

/** A steppable scene: `step` is timed, `prepare` (headings for the next step) is not. */
interface Stepper {
  prepare(s: number): void;
  step(): void;
  removeAvatarsBut(keep: number): void;
  /** Where the avatars are. */
  positions(): Vec3[];
  free(): void;
}

// ---- ours: PhysicsWorld ----
function oursWorld(prims: readonly ScenePrim[], avatars: number, seed: number): Stepper & { pw: PhysicsWorld; startAt: Vec3[] } {
  const pw = new PhysicsWorld(R);
  pw.setTerrain(samples);
  prims.forEach((p, k) => {
    pw.setBody(k + 1, { position: p.position, rotation: p.rotation }, onePart(p));
  });
  const startAt: Vec3[] = [];
  starts(avatars, seed).forEach((at, i) => {
    pw.addAvatar(i + 1, at);
    startAt.push([...(pw.avatar(i + 1)?.position ?? at)]);
  });
  const walkers = new Walkers(avatars, seed + 1);
  const intents: AvatarIntent[] = Array.from({ length: avatars }, (_, i) => ({
    move: [1, 0, 0],
    rotation: yawQuat(walkers.yaw[i] ?? 0),
    flags: 0,
  }));
  const changed = new Uint8Array(avatars);
  let live = avatars;
  const intentOf = (id: number) => intents[id - 1];
  return {
    pw,
    startAt,
    prepare(s) {
      walkers.update(s, (i) => pw.avatar(i + 1)?.position ?? [0, 0, 0], changed);
      for (let i = 0; i < live; i++)
        if (changed[i]) intents[i] = { move: [1, 0, 0], rotation: yawQuat(walkers.yaw[i] ?? 0), flags: 0 };
    },
    step: () => pw.step(intentOf),
    removeAvatarsBut(keep) {
      for (let i = keep; i < live; i++) pw.removeAvatar(i + 1);
      live = keep;
    },
    positions: () => Array.from({ length: live }, (_, i) => [...(pw.avatar(i + 1)?.position ?? [0, 0, 0])]),
    free: () => pw.free(),
  };
}

// ---- the peer: raw Rapier, the same colliders and 50 kinematic character controllers ----
const AVATAR_ONLY = 0x0002;
const AVATAR_GROUPS = (AVATAR_ONLY << 16) | (0xffff & ~AVATAR_ONLY);

function rawWorld(prims: readonly ScenePrim[], startAt: readonly Vec3[], seed: number): Stepper {
  const world: World = new R.World({ x: 0, y: 0, z: -GRAVITY });
  world.timestep = FIXED_DT;
  const meshes = new UnitMeshes();
  world.createCollider(terrainCollider(R, samples));
  for (const p of prims) {
    const body = world.createRigidBody(
      R.RigidBodyDesc.fixed()
        .setTranslation(p.position[0], p.position[1], p.position[2])
        .setRotation({ x: p.rotation[0], y: p.rotation[1], z: p.rotation[2], w: p.rotation[3] }),
    );
    const [part] = onePart(p);
    if (part) world.createCollider(partCollider(R, part, false, meshes), body);
  }
  const controller: KinematicCharacterController = world.createCharacterController(SKIN);
  controller.setUp({ x: 0, y: 0, z: 1 });
  controller.setMaxSlopeClimbAngle(MAX_SLOPE);
  controller.setMinSlopeSlideAngle(MAX_SLOPE);
  controller.enableAutostep(STEP_HEIGHT, STEP_MIN_WIDTH, false);
  controller.enableSnapToGround(SNAP_DISTANCE);
  controller.setApplyImpulsesToDynamicBodies(true);
  controller.setCharacterMass(AVATAR_MASS);
  controller.setSlideEnabled(true);
  let n = startAt.length;
  const bodies: RigidBody[] = [];
  const colliders: Collider[] = [];
  const pos = new Float64Array(n * 3);
  const vz = new Float64Array(n);
  const grounded = new Uint8Array(n);
  startAt.forEach((at, i) => {
    const body = world.createRigidBody(R.RigidBodyDesc.kinematicPositionBased().setTranslation(at[0], at[1], at[2]));
    bodies.push(body);
    colliders.push(
      world.createCollider(
        R.ColliderDesc.capsule(AVATAR_HALF_HEIGHT - AVATAR_RADIUS - SKIN, AVATAR_RADIUS)
          .setRotation({ x: Math.SQRT1_2, y: 0, z: 0, w: Math.SQRT1_2 })
          .setCollisionGroups(AVATAR_GROUPS),
        body,
      ),
    );
    pos.set(at, i * 3);
  });
  const walkers = new Walkers(n, seed + 1);
  const changed = new Uint8Array(n);
  const dirX = new Float64Array(n);
  const dirY = new Float64Array(n);
  const heading = () => {
    for (let i = 0; i < n; i++) {
      dirX[i] = Math.cos(walkers.yaw[i] ?? 0) * WALK_SPEED * FIXED_DT;
      dirY[i] = Math.sin(walkers.yaw[i] ?? 0) * WALK_SPEED * FIXED_DT;
    }
  };
  heading();
  const desired = { x: 0, y: 0, z: 0 };
  const next = { x: 0, y: 0, z: 0 };
  return {
    prepare(s) {
      walkers.update(s, (i) => [pos[i * 3] ?? 0, pos[i * 3 + 1] ?? 0, pos[i * 3 + 2] ?? 0], changed);
      heading();
    },
    step() {
      for (let i = 0; i < n; i++) {
        let v = vz[i] ?? 0;
        if (grounded[i] && v < 0) v = 0;
        v = Math.max(-TERMINAL_SPEED, v - GRAVITY * FIXED_DT);
        desired.x = dirX[i] ?? 0;
        desired.y = dirY[i] ?? 0;
        desired.z = v * FIXED_DT;
        const c = colliders[i];
        const b = bodies[i];
        if (!c || !b) continue;
        controller.computeColliderMovement(c, desired, R.QueryFilterFlags.EXCLUDE_SENSORS, AVATAR_GROUPS);
        const m = controller.computedMovement();
        const g = controller.computedGrounded();
        grounded[i] = g ? 1 : 0;
        vz[i] = g ? 0 : v;
        next.x = (pos[i * 3] ?? 0) + m.x;
        next.y = (pos[i * 3 + 1] ?? 0) + m.y;
        next.z = (pos[i * 3 + 2] ?? 0) + m.z;
        pos[i * 3] = next.x;
        pos[i * 3 + 1] = next.y;
        pos[i * 3 + 2] = next.z;
        b.setNextKinematicTranslation(next);
      }
      world.step();
    },
    removeAvatarsBut(keep) {
      for (let i = keep; i < n; i++) {
        const b = bodies[i];
        if (b) world.removeRigidBody(b);
      }
      n = keep;
    },
    positions: () => Array.from({ length: n }, (_, i): Vec3 => [pos[i * 3] ?? 0, pos[i * 3 + 1] ?? 0, pos[i * 3 + 2] ?? 0]),
    free: () => world.free(),
  };
}

// ---- timing helpers ----
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}
const median = (values: readonly number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

interface Timed {
  name: string;
  samples: number[];
  /** Per-round medians, for paired ratios. */
  rounds: number[];
}
const timed: Timed[] = [];
const p99: Record<string, number> = {};

function record(name: string): Timed {
  const t: Timed = { name, samples: [], rounds: [] };
  timed.push(t);
  return t;
}

function toCase(t: Timed): CaseResult {
  const sorted = [...t.samples].sort((a, b) => a - b);
  p99[t.name] = quantile(sorted, 0.99);
  return {
    name: t.name,
    median_ms: quantile(sorted, 0.5),
    min_ms: sorted[0] ?? Number.NaN,
    max_ms: sorted[sorted.length - 1] ?? Number.NaN,
    samples: sorted.length,
  };
}

/** Steps `count` times, timing each step (prepare untimed); returns the samples. */
function run(s: Stepper, from: number, count: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    s.prepare(from + k);
    const t0 = performance.now();
    s.step();
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Interleaved rounds: each round runs `perRound` steps of every stepper (order alternating), so a burst of other
 * load hits them all a little. Warm-up steps first, untimed.
 */
function interleave(pairs: { stepper: Stepper; into: Timed }[], perRound: number, rounds = ROUNDS, warmup = 60): void {
  const at = pairs.map(() => 0);
  pairs.forEach((p, k) => {
    run(p.stepper, 0, warmup);
    at[k] = warmup;
  });
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? pairs.map((_, k) => k) : pairs.map((_, k) => pairs.length - 1 - k);
    for (const k of order) {
      const p = pairs[k];
      if (!p) continue;
      const samples = run(p.stepper, at[k] ?? 0, perRound);
      at[k] = (at[k] ?? 0) + perRound;
      p.into.samples.push(...samples);
      p.into.rounds.push(median(samples));
    }
  }
}

/** Median over rounds of a/b within the round. */
function pairedRatio(a: Timed, b: Timed): number {
  return median(a.rounds.map((x, i) => x / (b.rounds[i] ?? Number.NaN)));
}
const ratios: Record<string, number> = {};
const buildMs: Record<string, number> = {};

// ---- 1a/1b/1c: N prims, 50 avatars, ours vs raw; then one avatar (the viewer's load) ----
const colliderCounts: Record<string, ReturnType<PhysicsWorld['counts']>> = {};
const walks: Record<string, Record<string, number>> = {};
for (const n of [1_000, 10_000]) {
  const label = n === 1_000 ? '1k' : '10k';
  const prims = scenePrims(n, 11 + n);
  let t0 = performance.now();
  const ours = oursWorld(prims, AVATARS, 101);
  buildMs[`ours_${label}`] = performance.now() - t0;
  colliderCounts[label] = ours.pw.counts();
  t0 = performance.now();
  const raw = rawWorld(prims, ours.startAt, 101);
  buildMs[`raw_${label}`] = performance.now() - t0;
  const o = record(`step_${label}_prims_50_avatars_ours`);
  const w = record(`step_${label}_prims_50_avatars_raw_rapier`);
  interleave(
    [
      { stepper: ours, into: o },
      { stepper: raw, into: w },
    ],
    n === 1_000 ? 100 : 50,
  );
  ratios[`step_${label}_ours_over_raw`] = pairedRatio(o, w);
  // Sanity: both walked the same scripted paths (they agree where the physics agrees) and really walked.
  const po = ours.positions();
  const pr = raw.positions();
  const dist = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
  const steps = 60 + ROUNDS * (n === 1_000 ? 100 : 50);
  walks[label] = {
    steps,
    mean_displacement_m_ours: po.reduce((k, p, i) => k + dist(p, ours.startAt[i] ?? p), 0) / po.length,
    mean_displacement_m_raw: pr.reduce((k, p, i) => k + dist(p, ours.startAt[i] ?? p), 0) / pr.length,
    mean_ours_raw_apart_m: po.reduce((k, p, i) => k + dist(p, pr[i] ?? p), 0) / po.length,
    within_5cm: po.filter((p, i) => dist(p, pr[i] ?? p) < 0.05).length,
  };
  // The viewer predicts one avatar against every prim: the same worlds with one avatar left.
  ours.removeAvatarsBut(1);
  raw.removeAvatarsBut(1);
  const o1 = record(`step_${label}_prims_1_avatar_ours`);
  const w1 = record(`step_${label}_prims_1_avatar_raw_rapier`);
  interleave(
    [
      { stepper: ours, into: o1 },
      { stepper: raw, into: w1 },
    ],
    100,
    ROUNDS,
    20,
  );
  ratios[`step_${label}_1_avatar_ours_over_raw`] = pairedRatio(o1, w1);
  ours.free();
  raw.free();
}

// ---- 1c: the viewer's world App (physics plugin), 1,000 prims, your avatar walking ----
const VIEW_PRIMS = 1_000;
const SELF = VIEW_PRIMS + 1;
const viewer = await (async () => {
  const prims = scenePrims(VIEW_PRIMS, 11 + VIEW_PRIMS);
  // The App's clock is the simulated time at each frame's start plus the real time since: system timings are
  // real durations, and the world sees 1/60 s pass per frame.
  let simBase = 1000;
  let realBase = performance.now();
  const now = () => simBase + (performance.now() - realBase);
  let deliver: (m: ServerMessage) => void = () => {};
  const world = createWorldApp({
    now,
    hardwareConcurrency: 2,
    workers: 1,
    rapier: Promise.resolve(R),
    connect: (o) => {
      deliver = (m) => o.onMessage?.(m);
      o.onState?.('open');
      return fakeConnection();
    },
  });
  const app = world.app;
  const frame = () => {
    simBase += 1000 / 60;
    realBase = performance.now();
    world.frame(1 / 60);
  };
  app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:1', world: 'bench', kind: 'fv' });
  frame();
  deliver({
    type: 'welcome',
    version: 1,
    session: 's',
    avatar: SELF,
    bounds: WORLD_BOUNDS,
    serverTime: 0,
    tick: 1,
    resumed: false,
    permissions: 7,
  });
  const [start = [128, 128, 30] as Vec3] = starts(1, 101);
  const entities: Entity[] = prims.map((p, k) => ({
    id: k + 1,
    kind: 'prim',
    parent: 0,
    name: `prim ${k + 1}`,
    description: '',
    position: p.position,
    rotation: p.rotation,
    scale: p.scale,
    velocity: [0, 0, 0],
    shape: SHAPE_PRESETS[p.shape],
    colors: [[200, 200, 200, 255]],
  }));
  entities.push({
    id: SELF,
    kind: 'avatar',
    parent: 0,
    name: 'Me',
    description: '',
    position: start,
    rotation: IDENTITY,
    scale: [0.6, 0.6, AVATAR_HALF_HEIGHT * 2],
    velocity: [0, 0, 0],
    shape: SHAPE_PRESETS.cylinder,
    colors: [[255, 255, 255, 255]],
  });
  // Snapshot parts of 400 entities, as a room splits a large snapshot into frames.
  const PART = 400;
  const parts = Math.ceil(entities.length / PART);
  for (let part = 0; part < parts; part++)
    deliver({ type: 'snapshot', tick: 1, part, parts, entities: entities.slice(part * PART, (part + 1) * PART) });
  for (const p of terrainPatches(field)) deliver(p);
  await Promise.resolve();
  const t0 = performance.now();
  frame();
  const firstFrameMs = performance.now() - t0;
  // The terrain collider is rebuilt at most every 500 ms while patches arrive: run past that.
  for (let i = 0; i < 60; i++) frame();
  const physics = app.resource(PhysicsKey);
  const counts = physics.world?.counts();
  if (!counts || counts.bodies !== VIEW_PRIMS || !physics.world?.hasAvatar(1))
    throw new Error(`bench: the viewer's physics holds ${JSON.stringify(counts)}`);
  // Walk: a heading every 1–4 s; an authority that agrees reports your position at 20 Hz.
  const walkers = new Walkers(1, 102);
  const changed = new Uint8Array(1);
  let tick = 1;
  const step = record('viewer_app_1k_prims_physics_step');
  const sync = record('viewer_app_1k_prims_physics_sync');
  const whole = record('viewer_app_1k_prims_frame');
  const FRAMES = 1200;
  const WARM = 60;
  let multiSteps = 0;
  app.send(Commands, { type: 'input', move: [1, 0, 0], yaw: walkers.yaw[0] ?? 0, run: false, fly: false });
  for (let f = 0; f < FRAMES + WARM; f++) {
    walkers.update(f, () => physics.predicted ?? start, changed);
    if (changed[0]) app.send(Commands, { type: 'input', move: [1, 0, 0], yaw: walkers.yaw[0] ?? 0, run: false, fly: false });
    if (f % 3 === 0 && physics.predicted) {
      const a = physics.world?.avatar(1);
      deliver({
        type: 'delta',
        baseline: tick,
        tick: tick + 1,
        entities: [{ id: SELF, position: [...physics.predicted], velocity: a ? [...a.velocity] : [0, 0, 0] }],
      });
      tick++;
    }
    const before = app.systems().find((s) => s.system === 'physics-step')?.runs ?? 0;
    const t1 = performance.now();
    frame();
    const ms = performance.now() - t1;
    if (f < WARM) continue;
    const timings = app.systems();
    const st = timings.find((s) => s.system === 'physics-step');
    const sy = timings.find((s) => s.system === 'physics-sync');
    if (!st || !sy) throw new Error('bench: no physics systems in the App');
    whole.samples.push(ms);
    sync.samples.push(sy.lastMs);
    if (st.runs === before + 1) step.samples.push(st.lastMs);
    else if (st.runs > before + 1) multiSteps++;
  }
  const p = physics.predicted ?? start;
  return {
    firstFrameMs,
    frames: FRAMES,
    multiStepFrames: multiSteps,
    steps: physics.steps,
    corrections: physics.corrections,
    snaps: physics.snaps,
    walked_m: Math.hypot(p[0] - start[0], p[1] - start[1]),
  };
})();

// ---- 2: linksets: 500 × 5 prims as compound bodies vs 2,500 separate bodies, 50 avatars ----
const LINKSETS = 500;
/** A table: a top (box) and four legs (cylinders), relative to the top. */
const TABLE: Part[] = [
  { shape: SHAPE_PRESETS.box, scale: [2, 1, 0.1], position: [0, 0, 0], rotation: IDENTITY },
  ...[
    [0.9, 0.4],
    [-0.9, 0.4],
    [0.9, -0.4],
    [-0.9, -0.4],
  ].map(
    ([x = 0, y = 0]): Part => ({
      shape: SHAPE_PRESETS.cylinder,
      scale: [0.1, 0.1, 0.8],
      position: [x, y, -0.45],
      rotation: IDENTITY,
    }),
  ),
];
function linksetWorld(compound: boolean): Stepper {
  const r = rng(77);
  const pw = new PhysicsWorld(R);
  pw.setTerrain(samples);
  let id = 1;
  for (let k = 0; k < LINKSETS; k++) {
    const x = 4 + r() * (REGION - 8);
    const y = 4 + r() * (REGION - 8);
    const yaw = r() * Math.PI * 2;
    const root: Vec3 = [x, y, heightAt(field, x, y) + 0.85];
    const rotation = yawQuat(yaw);
    if (compound) pw.setBody(id++, { position: root, rotation }, TABLE);
    else
      for (const part of TABLE) {
        const [px, py, pz] = part.position;
        const at: Vec3 = [
          root[0] + px * Math.cos(yaw) - py * Math.sin(yaw),
          root[1] + px * Math.sin(yaw) + py * Math.cos(yaw),
          root[2] + pz,
        ];
        pw.setBody(id++, { position: at, rotation }, [{ ...part, position: [0, 0, 0] }]);
      }
  }
  const walkers = new Walkers(AVATARS, 202);
  starts(AVATARS, 201).forEach((at, i) => {
    pw.addAvatar(i + 1, at);
  });
  const intents: AvatarIntent[] = Array.from({ length: AVATARS }, (_, i) => ({
    move: [1, 0, 0],
    rotation: yawQuat(walkers.yaw[i] ?? 0),
    flags: 0,
  }));
  const changed = new Uint8Array(AVATARS);
  const intentOf = (i: number) => intents[i - 1];
  return {
    prepare(s) {
      walkers.update(s, (i) => pw.avatar(i + 1)?.position ?? [0, 0, 0], changed);
      for (let i = 0; i < AVATARS; i++)
        if (changed[i]) intents[i] = { move: [1, 0, 0], rotation: yawQuat(walkers.yaw[i] ?? 0), flags: 0 };
    },
    step: () => pw.step(intentOf),
    removeAvatarsBut: () => {},
    positions: () => [],
    free: () => pw.free(),
  };
}
{
  const compound = linksetWorld(true);
  const separate = linksetWorld(false);
  const c = record('step_linksets_500x5_compound_50_avatars');
  const s = record('step_linksets_2500_separate_50_avatars');
  interleave(
    [
      { stepper: compound, into: c },
      { stepper: separate, into: s },
    ],
    100,
  );
  ratios.linksets_separate_over_compound = pairedRatio(s, c);
  compound.free();
  separate.free();
}

// ---- 3: the room: RoomPhysics over a WorldState, 20 Hz ticks (one 50 ms step each, the open-ground walk) ----
const TICK_S = 0.05;
interface RoomRun {
  tick: Timed;
  stepsPerTick: number;
  prims: number;
  avatars: number;
  walked_m: number;
}

/** A room on `seed` with `avatars` walkers spawned within `radius` of the middle; `ticks` timed 50 ms ticks. */
function roomRun(name: string, seed: WorldSeed, avatars: number, radius: number, ticks: number): RoomRun {
  const world = WorldState.create(createMemoryWorldStore(), 'bench', WORLD_BOUNDS, seed, () => 1_000_000);
  if (!world) throw new Error('bench: world not created');
  const room = new RoomPhysics(R, world);
  const ids: number[] = [];
  const r = rng(303);
  for (let i = 0; i < avatars; i++) {
    const a = r() * Math.PI * 2;
    const d = Math.sqrt(r()) * radius;
    const x = REGION / 2 + Math.cos(a) * d;
    const y = REGION / 2 + Math.sin(a) * d;
    const position: Vec3 = [x, y, heightAt(seed.terrain, x, y) + AVATAR_HALF_HEIGHT];
    const id = world.allocateId();
    // As WorldRoom.spawnAvatar: the avatar entity, then its capsule.
    world.entities.set(id, {
      entity: {
        id,
        kind: 'avatar',
        parent: 0,
        name: `Visitor ${i}`,
        description: '',
        position,
        rotation: IDENTITY,
        scale: [0.6, 0.6, AVATAR_HALF_HEIGHT * 2],
        velocity: [0, 0, 0],
        shape: SHAPE_PRESETS.cylinder,
        colors: [[255, 255, 255, 255]],
      },
      shapeName: 'avatar',
      version: {},
      createdTick: world.tick,
      transformTick: world.tick,
      appearanceTick: world.tick,
    });
    room.addAvatar(id, position);
    ids.push(id);
  }
  const start = ids.map((id) => [...(world.entities.get(id)?.entity.position ?? [0, 0, 0])]);
  const walkers = new Walkers(avatars, 304);
  const changed = new Uint8Array(avatars);
  const timedTick = record(name);
  let calls = 0;
  let steps = 0;
  const WARM = 20;
  for (let t = 0; t < ticks + WARM; t++) {
    // Inputs arrive between ticks: a new heading sets the avatar's rotation (as the room does on input).
    walkers.update(t * 3, (i) => world.entities.get(ids[i] ?? 0)?.entity.position ?? [0, 0, 0], changed);
    ids.forEach((id, i) => {
      const e = world.entities.get(id);
      if (e && changed[i]) e.entity.rotation = yawQuat(walkers.yaw[i] ?? 0);
    });
    calls = 0;
    const t0 = performance.now();
    // As WorldRoom.tick: intents from each avatar's input and rotation, then the physics update.
    const intents = new Map<number, AvatarIntent>();
    for (const id of ids) {
      const e = world.entities.get(id);
      if (e) intents.set(id, { move: [1, 0, 0], rotation: e.entity.rotation, flags: 0 });
    }
    room.update(TICK_S, (id) => {
      calls++;
      return intents.get(id);
    });
    const ms = performance.now() - t0;
    if (t < WARM) continue;
    timedTick.samples.push(ms);
    steps += calls / avatars;
  }
  let walked = 0;
  ids.forEach((id, i) => {
    const p = world.entities.get(id)?.entity.position ?? [0, 0, 0];
    const s = start[i] ?? p;
    walked += Math.hypot((p[0] ?? 0) - (s[0] ?? 0), (p[1] ?? 0) - (s[1] ?? 0));
  });
  room.physics.free();
  return { tick: timedTick, stepsPerTick: steps / ticks, prims: seed.prims.length, avatars, walked_m: walked / avatars };
}

const seedOf = (n: number): WorldSeed => ({
  terrain: field,
  spawn: [REGION / 2, REGION / 2, 30],
  prims: scenePrims(n, 11 + n).map((p, k): SeedPrim => ({ ...p, name: `prim ${k}`, color: [200, 200, 200, 255] })),
});
const roomRuns: Record<string, RoomRun> = {
  room_1k_prims_50_avatars: roomRun('room_tick_1k_prims_50_avatars', seedOf(1_000), AVATARS, REGION / 2 - 16, 200),
  room_10k_prims_50_avatars: roomRun('room_tick_10k_prims_50_avatars', seedOf(10_000), AVATARS, REGION / 2 - 16, 100),
  room_plaza_200_avatars: roomRun('room_tick_plaza_200_avatars', plazaSeed(), 200, 60, 400),
};

// ---- report ----
const cases = timed.map(toCase);
const med = (name: string) => cases.find((c) => c.name === name)?.median_ms ?? Number.NaN;
const plaza = 'room_tick_plaza_200_avatars';
ratios.viewer_1k_physics_step_share_of_2ms = med('viewer_app_1k_prims_physics_step') / 2;
ratios.room_plaza_200_tick_share_of_50ms = med(plaza) / 50;
ratios.room_plaza_200_tick_p99_share_of_50ms = (p99[plaza] ?? Number.NaN) / 50;
// The room's tick (one 50 ms step, open-ground walk) against one 60 Hz step of PhysicsWorld with the controller
// everywhere: what the room's choices save.
ratios.room_1k_tick_over_one_controller_step = med('room_tick_1k_prims_50_avatars') / med('step_1k_prims_50_avatars_ours');
ratios.room_10k_tick_over_one_controller_step = med('room_tick_10k_prims_50_avatars') / med('step_10k_prims_50_avatars_ours');
writeReport({
  suite: 'physics',
  cases,
  ratios,
  ms: {
    step_1k_50_avatars_ours: med('step_1k_prims_50_avatars_ours'),
    step_1k_50_avatars_raw: med('step_1k_prims_50_avatars_raw_rapier'),
    step_10k_50_avatars_ours: med('step_10k_prims_50_avatars_ours'),
    step_10k_50_avatars_raw: med('step_10k_prims_50_avatars_raw_rapier'),
    viewer_1k_1_avatar_step_ours: med('step_1k_prims_1_avatar_ours'),
    viewer_app_1k_physics_step: med('viewer_app_1k_prims_physics_step'),
    viewer_app_1k_physics_sync: med('viewer_app_1k_prims_physics_sync'),
    linksets_compound: med('step_linksets_500x5_compound_50_avatars'),
    linksets_separate: med('step_linksets_2500_separate_50_avatars'),
    room_plaza_200_tick: med(plaza),
    room_plaza_200_tick_p99: p99[plaza] ?? Number.NaN,
  },
  extra: {
    scene: {
      region_m: REGION,
      terrain: `heightfield ${field.side}×${field.side} samples at ${SPACING} m spacing`,
      prims:
        '40 % box, 20 % sphere, 20 % cylinder (exact colliders), 10 % torus, 10 % tube (trimeshes); seeded places and headings',
      avatars: `${AVATARS} walking at 3 m/s, new heading every 1–4 s (seeded), back toward the middle near the edge`,
      colliders: colliderCounts,
      walks,
      linksets: `${LINKSETS} tables (box top + 4 cylinder legs): one fixed body with 5 colliders each, or 2,500 fixed bodies`,
    },
    peer: 'raw @dimforge/rapier3d-compat 0.21: the same collider shapes (built with shared/physics/colliders helpers, untimed), fixed bodies, one KinematicCharacterController configured as PhysicsWorld does, per avatar computeColliderMovement + setNextKinematicTranslation, then world.step()',
    method: `per-step (room: per-tick) samples with performance.now(); ours and raw interleaved in ${ROUNDS} rounds after 60 warm-up steps; ratios: median over rounds of the per-round ratio of medians`,
    p99_ms: p99,
    build_ms: buildMs,
    viewer_app: {
      ...viewer,
      note: "createWorldApp with Rapier and a fake connection, 1,000 prims + your avatar, 1/60 s frames, input commands, an agreeing authority's position every 3 frames; physics-step/physics-sync from app.systems() lastMs (the App clock is frame-anchored: simulated time at frame start + real time since)",
    },
    room: {
      ...Object.fromEntries(
        Object.entries(roomRuns).map(([k, v]) => [
          k,
          { prims: v.prims, avatars: v.avatars, steps_per_tick: v.stepsPerTick, walked_m_per_avatar: v.walked_m },
        ]),
      ),
      note: 'RoomPhysics over a WorldState (in-memory store); a tick = intents map + update(0.05 s) as WorldRoom.tick runs it (one 50 ms step: ROOM_DT, the open-ground walk, the terrain as a mesh; then writing avatars back); plaza: plazaSeed() terrain and prims, 200 visitors within 60 m of the middle',
    },
    hardware_concurrency: availableParallelism(),
    load_average: { start: loadStart, end: loadavg()[0] ?? 0 },
    suite_s: (performance.now() - suiteStart) / 1000,
  },
});
