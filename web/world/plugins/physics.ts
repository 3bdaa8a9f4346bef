/**
 * The physics plugin: your own avatar moves at once, predicted by the same physics the Finalverse room runs
 * (shared/physics), against the terrain and the prims you see; the authority's reports (the room, or the OpenSim
 * simulator) only correct it. Each fixed step moves the predicted capsule by your intent; each frame blends it
 * toward where the authority says you are, compared with where you were predicted to be when the authority
 * was (so steady walking needs no correction and a wall the authority hit pulls you back), snapping only when
 * far off. Colliders mirror the ECS: one fixed body per linkset root, moved when the root moves. On a grid, sculpted
 * and mesh prims collide as their base prim until their own geometry is loaded (physics-geometry.ts), then as it.
 */

import type { MeshData } from '../../../shared/geometry/mesh-data';
import { predictPosition } from '../../../shared/math/dead-reckoning';
import type { Part } from '../../../shared/physics/colliders';
import { type AvatarIntent, IDLE, velocityFor } from '../../../shared/physics/intent';
import { PhysicsWorld } from '../../../shared/physics/physics-world';
import type { Rapier } from '../../../shared/physics/rapier';
import { INPUT_FLAGS, PRIM_SHAPE_FIELDS, type PrimShape, type Quat, SHAPE_PRESETS, type Vec3 } from '../../../shared/protocol';
import { defineResource, type Plugin, type World } from '../../engine';
import { Avatar, Local, LocalPose, Motion, NetId, Parent, Sculpt, Shape, Transform } from '../../scene/components';
import { Clock, Commands, Entities, Materials, Outbox, SceneChanges, selfEntity, WorldReset } from '../keys';
import { createGridPhysicsGeometry, type GridAssetRoute, type PhysicsGeometry } from './physics-geometry';
import { TerrainKey } from './terrain';

/** A correction this large is applied at once (a teleport, a respawn, a long stall). */
export const SNAP_DISTANCE = 3;
/** Errors below this are left alone (m). */
export const DEADBAND = 0.02;
/** A correction is blended in over about this long (s). */
export const BLEND_SECONDS = 0.25;
/**
 * How far back the predicted path is compared with the authority (ms): the authority's reports lag your input by
 * the round trip and a room tick. Where it says you are is matched against where you were predicted within this
 * window; older than that (it never followed you), it is an error.
 */
const HISTORY_MS = 300;
/** The terrain collider is rebuilt at most this often while patches arrive (ms). */
const TERRAIN_REBUILD_MS = 500;
/** A pace is learnt only after the input and the authority's reports were steady this long (ms). */
const PACE_SETTLE_MS = 500;
/** It moves toward what it sees over about this long (s), and stays within these bounds. */
const PACE_SECONDS = 1;
const MIN_PACE = 0.3;
const MAX_PACE = 2;
/** Prims within this far of your avatar (plus their size) get colliders (m); the set is refreshed after you move this far. */
const NEAR_RADIUS = 48;
const REFRESH_NEAR = 8;
/** The physics id of your avatar (avatars and bodies have separate id spaces). */
const SELF = 1;

/** What the physics plugin shows (the overlay, visit, tests). */
export interface ViewerPhysics {
  /** The physics world, once Rapier has loaded and a world is shown. */
  world: PhysicsWorld | null;
  /** Why physics is off (Rapier failed to load), else null. */
  error: string | null;
  /** Where physics predicts your avatar (null until it stands in the world). */
  predicted: Vec3 | null;
  /** The authority's position of your avatar as last compared. */
  authority: Vec3 | null;
  /** Whether your predicted avatar stands on something. */
  grounded: boolean;
  /** The authority's walking pace over ours (learnt; 1 on Finalverse). */
  pace: number;
  /** Fixed steps run, and corrections applied (blended, snapped). */
  steps: number;
  corrections: number;
  snaps: number;
}
export const PhysicsKey = defineResource<ViewerPhysics>('physics/state');

const ROOTS = { all: [Shape, Transform, NetId], none: [Avatar, Parent, Local] };
const CHILDREN = { all: [Shape, Transform, Parent, LocalPose], none: [Avatar, Local] };

const vec3 = (a: ArrayLike<number>, i: number): Vec3 => [a[i * 3] ?? 0, a[i * 3 + 1] ?? 0, a[i * 3 + 2] ?? 0];
const quat4 = (a: ArrayLike<number>, i: number): Quat => [a[i * 4] ?? 0, a[i * 4 + 1] ?? 0, a[i * 4 + 2] ?? 0, a[i * 4 + 3] ?? 1];

function shapeAt(world: World, i: number): PrimShape {
  const shape: PrimShape = { ...SHAPE_PRESETS.box };
  for (const f of PRIM_SHAPE_FIELDS) shape[f.name] = world.column(Shape, f.name)[i] ?? 0;
  return shape;
}

const bits = new Int32Array(1);
const float = new Float32Array(bits.buffer);

/** Two 32-bit hashes (FNV-1a style, different primes) over a linkset's prims, as one safe integer. */
class PartHash {
  private a = 0x811c9dc5;
  private b = 0x01000193;

  /** One number (a sculpt's type, its asset index, whether its geometry is loaded). */
  add(v: number): void {
    float[0] = v;
    const x = bits[0] ?? 0;
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.b = Math.imul(this.b ^ x, 0x5bd1e995) ^ (this.b >>> 15);
  }

  /** One prim: its shape and size, and (a child) its pose in the linkset. */
  part(
    shape: readonly ArrayLike<number>[],
    i: number,
    scale: ArrayLike<number>,
    localPosition?: ArrayLike<number>,
    localRotation?: ArrayLike<number>,
  ): void {
    for (const column of shape) this.add(column[i] ?? 0);
    for (let k = 0; k < 3; k++) this.add(scale[i * 3 + k] ?? 0);
    if (localPosition && localRotation) {
      for (let k = 0; k < 3; k++) this.add(localPosition[i * 3 + k] ?? 0);
      for (let k = 0; k < 4; k++) this.add(localRotation[i * 4 + k] ?? 0);
    }
  }

  value(): number {
    return (this.a >>> 0) * 0x200000 + ((this.b >>> 0) >>> 11);
  }
}

/** The intent an input command gives: the UI's (forward, right, up) as the protocol's (forward, left, up). */
export function intentOf(move: readonly [number, number, number], yaw: number, run: boolean, fly: boolean): AvatarIntent {
  const half = yaw / 2;
  return {
    move: [move[0], -move[1], move[2]],
    rotation: [0, 0, Math.sin(half), Math.cos(half)],
    flags: (run ? INPUT_FLAGS.run : 0) | (fly ? INPUT_FLAGS.fly : 0),
  };
}

export interface PhysicsPluginOptions {
  /**
   * Makes the collision-geometry loader of a grid session (default: over the session's asset route). Finalverse
   * sessions get none.
   */
  geometry?: (route: GridAssetRoute) => PhysicsGeometry;
}

/** The physics plugin; `rapier` resolves to the engine (loading it must not hold up the world). */
export function physicsPlugin(rapier: Promise<Rapier>, options: PhysicsPluginOptions = {}): Plugin {
  const makeGeometry = options.geometry ?? createGridPhysicsGeometry;
  return {
    name: 'physics',
    after: ['net', 'terrain', 'motion'],
    build(app) {
      const state: ViewerPhysics = {
        world: null,
        error: null,
        predicted: null,
        authority: null,
        grounded: false,
        pace: 1,
        steps: 0,
        corrections: 0,
        snaps: 0,
      };
      app.insertResource(PhysicsKey, state);
      let R: Rapier | null = null;
      rapier.then(
        (r) => {
          R = r;
        },
        (err: unknown) => {
          state.error = `physics: Rapier did not load (${err instanceof Error ? err.message : String(err)}); your avatar follows the server only`;
          app.resource(Outbox).post({ type: 'error', code: 'physics_unavailable', message: state.error });
        },
      );
      const commands = app.reader(Commands);
      const resets = app.reader(WorldReset);
      const clock = app.resource(Clock);
      let intent: AvatarIntent = IDLE;
      let intentAt = Number.NEGATIVE_INFINITY;
      /** Bodies by root entity: the signature they were built from (NaN: rebuild). */
      const bodies = new Map<number, number>();
      let rescan = true;
      let terrainVersion = -1;
      let terrainBuilt = Number.NEGATIVE_INFINITY;
      let self = -1;
      /** Where the colliders were last gathered around (your avatar then). */
      let near: Vec3 | null = null;
      /** The predicted path: times (ms) and positions, oldest first. */
      const history: { t: number; p: Vec3 }[] = [];
      /** Sculpt and mesh collision geometry of the grid session (none on Finalverse), and its version last seen. */
      let geometry: PhysicsGeometry | null = null;
      let geometrySeen = 0;

      const drop = (): void => {
        state.pace = 1;
        state.world?.free();
        state.world = null;
        state.predicted = null;
        state.authority = null;
        bodies.clear();
        history.length = 0;
        self = -1;
        near = null;
        rescan = true;
        terrainVersion = -1;
        geometry?.close();
        geometry = null;
        geometrySeen = 0;
      };

      /** Where the authority says your avatar is now (dead reckoning of its last report). */
      const authorityOf = (world: World, i: number, now: number): Vec3 => {
        const at = world.column(Motion, 'at')[i] ?? 0;
        const out: [number, number, number] = [0, 0, 0];
        const seconds = at === 0 ? 0 : Math.max(0, now - at) / 1000;
        predictPosition(world.column(Motion, 'anchor'), world.column(Motion, 'velocity'), seconds, out, 0, i * 3);
        return out;
      };

      /** The error between the authority and the prediction: the nearest point of the recent predicted path. */
      const errorOf = (authority: Vec3, predicted: Vec3): Vec3 => {
        let best: Vec3 = [authority[0] - predicted[0], authority[1] - predicted[1], authority[2] - predicted[2]];
        let bestLength = Math.hypot(...best);
        for (let k = 1; k < history.length; k++) {
          const a = history[k - 1]?.p;
          const b = history[k]?.p;
          if (!a || !b) continue;
          const d: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
          const len2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
          const s =
            len2 > 1e-12
              ? Math.min(
                  1,
                  Math.max(
                    0,
                    ((authority[0] - a[0]) * d[0] + (authority[1] - a[1]) * d[1] + (authority[2] - a[2]) * d[2]) / len2,
                  ),
                )
              : 0;
          const e: Vec3 = [authority[0] - (a[0] + d[0] * s), authority[1] - (a[1] + d[1] * s), authority[2] - (a[2] + d[2] * s)];
          const l = Math.hypot(...e);
          if (l < bestLength) {
            best = e;
            bestLength = l;
          }
        }
        return best;
      };

      /**
       * Another world's avatars may walk at another pace (OpenSim's are slower than ours): while you walk freely
       * and steadily, the authority's reported speed over the one your input asks for is learnt, so the
       * prediction keeps the authority's pace instead of being pulled back all the time.
       */
      const learnPace = (world: World, i: number, now: number, dt: number): void => {
        const wanted = velocityFor(intent.move, intent.rotation, intent.flags);
        const speed = Math.hypot(wanted[0], wanted[1]);
        const at = world.column(Motion, 'at')[i] ?? 0;
        const mine = state.world?.avatar(SELF);
        if (speed < 0.5 || now - intentAt < PACE_SETTLE_MS || at === 0 || now - at > PACE_SETTLE_MS || !mine?.grounded) return;
        // Only while nothing holds the prediction back (a wall would teach a slow pace).
        if (Math.hypot(mine.velocity[0], mine.velocity[1]) < 0.9 * speed * state.pace) return;
        const v = world.column(Motion, 'velocity');
        const reported = Math.hypot(v[i * 3] ?? 0, v[i * 3 + 1] ?? 0);
        if (reported < 0.3) return;
        const ratio = Math.min(MAX_PACE, Math.max(MIN_PACE, reported / speed));
        state.pace += (ratio - state.pace) * Math.min(1, dt / PACE_SECONDS);
      };

      /**
       * The collision mesh of the prim in `slot` when it is a sculpt or mesh whose geometry is loaded (asking the
       * loader for it, at the linkset's distance, while it is not); what it is and whether it is ready go into `hash`.
       */
      const ownMesh = (world: World, slot: number, distance: number, hash: PartHash): MeshData | undefined => {
        if (!geometry || !world.has(world.idAt(slot), Sculpt) || !app.hasResource(Materials)) return undefined;
        const type = world.column(Sculpt, 'type')[slot] ?? 0;
        const asset = world.column(Sculpt, 'asset')[slot] ?? 0;
        // Asset index 0: none (the material table was full); the base prim it stays.
        if (asset === 0) return undefined;
        const mesh = geometry.meshOf(app.resource(Materials).writer.assetId(asset), type, distance);
        hash.add(type);
        hash.add(asset);
        hash.add(mesh ? 1 : 0);
        return mesh ?? undefined;
      };

      const syncBodies = (world: World, since: number, centre: Vec3): void => {
        const pw = state.world;
        if (!pw) return;
        const position = world.column(Transform, 'position');
        const rotation = world.column(Transform, 'rotation');
        const scale = world.column(Transform, 'scale');
        const changed = world.views[world.component(Transform).changedColumn] as Uint32Array;
        const localChanged = world.views[world.component(LocalPose).changedColumn] as Uint32Array;
        const parent = world.column(Parent, 'entity');
        const children = world.query(CHILDREN).entities();
        // A child's own pose changed: its linkset is rebuilt.
        for (let k = 0; k < children.length; k++) {
          const c = children[k] as number;
          if ((localChanged[c] ?? 0) > since) {
            const p = parent[c] ?? 0;
            if (world.isAlive(p)) bodies.set(p, Number.NaN);
            rescan = true;
          }
        }
        const roots = world.query(ROOTS).entities();
        if (rescan) {
          rescan = false;
          const localPosition = world.column(LocalPose, 'position');
          const localRotation = world.column(LocalPose, 'rotation');
          const shapeColumns = PRIM_SHAPE_FIELDS.map((f) => world.column(Shape, f.name));
          geometry?.beginPass();
          // Children by linkset root (slots), in one pass.
          const kids = new Map<number, number[]>();
          for (let k = 0; k < children.length; k++) {
            const c = children[k] as number;
            const p = parent[c] ?? 0;
            if (!world.isAlive(p)) continue;
            const list = kids.get(p);
            if (list) list.push(c);
            else kids.set(p, [c]);
          }
          // Each linkset's signature is a number (its shapes, sizes and child poses hashed): a scene streaming in
          // thousands of prims rebuilds only the bodies that are new or changed, without building their parts.
          const seen = new Set<number>();
          for (let k = 0; k < roots.length; k++) {
            const i = roots[k] as number;
            // Far from you (its size counted): no collider.
            const reach = NEAR_RADIUS + Math.max(scale[i * 3] ?? 0, scale[i * 3 + 1] ?? 0, scale[i * 3 + 2] ?? 0);
            const dx = (position[i * 3] ?? 0) - centre[0];
            const dy = (position[i * 3 + 1] ?? 0) - centre[1];
            if (dx * dx + dy * dy > reach * reach) continue;
            const id = world.idAt(i);
            seen.add(id);
            const hash = new PartHash();
            const mine = kids.get(id) ?? [];
            // A sculpt's or mesh's geometry, once loaded, is part of the signature: its arrival rebuilds the body.
            const distance = Math.sqrt(dx * dx + dy * dy);
            const own = [ownMesh(world, i, distance, hash)];
            hash.part(shapeColumns, i, scale);
            for (const c of mine) {
              own.push(ownMesh(world, c, distance, hash));
              hash.part(shapeColumns, c, scale, localPosition, localRotation);
            }
            const signature = hash.value();
            if (bodies.get(id) === signature) continue;
            const withMesh = (part: Part, mesh: MeshData | undefined): Part => (mesh ? { ...part, mesh } : part);
            const parts: Part[] = [
              withMesh({ shape: shapeAt(world, i), scale: vec3(scale, i), position: [0, 0, 0], rotation: [0, 0, 0, 1] }, own[0]),
              ...mine.map(
                (c, k): Part =>
                  withMesh(
                    {
                      shape: shapeAt(world, c),
                      scale: vec3(scale, c),
                      position: vec3(localPosition, c),
                      rotation: quat4(localRotation, c),
                    },
                    own[k + 1],
                  ),
              ),
            ];
            pw.setBody(id, { position: vec3(position, i), rotation: quat4(rotation, i) }, parts);
            bodies.set(id, signature);
          }
          for (const id of bodies.keys())
            if (!seen.has(id)) {
              pw.removeBody(id);
              bodies.delete(id);
            }
          return;
        }
        for (let k = 0; k < roots.length; k++) {
          const i = roots[k] as number;
          if ((changed[i] ?? 0) <= since) continue;
          const id = world.idAt(i);
          if (bodies.has(id)) pw.moveBody(id, { position: vec3(position, i), rotation: quat4(rotation, i) });
          // (A prim that moved into reach gets its collider at the next refresh.)
        }
      };

      app.addSystem({
        name: 'physics-step',
        phase: 'fixedUpdate',
        run: () => {
          const pw = state.world;
          if (!pw?.hasAvatar(SELF)) return;
          const paced: AvatarIntent = { ...intent, pace: state.pace };
          pw.step((id) => (id === SELF ? paced : undefined));
          state.steps++;
          const a = pw.avatar(SELF);
          if (!a) return;
          const now = clock.now();
          history.push({ t: now, p: [...a.position] });
          while (history.length > 2 && (history[0]?.t ?? now) < now - HISTORY_MS) history.shift();
        },
      });

      app.addSystem({
        name: 'physics-sync',
        phase: 'update',
        reads: [Motion, Shape, Parent, LocalPose, Sculpt],
        writes: [Transform],
        run: (ctx) => {
          const world = ctx.world;
          // Opening a connection resets the world in the same frame, before its command is read here.
          if (resets.read().length > 0) drop();
          for (const c of commands.read())
            if (c.type === 'input') {
              const next = intentOf(c.move, c.yaw, c.run, c.fly);
              if (JSON.stringify(next) !== JSON.stringify(intent)) intentAt = clock.now();
              intent = next;
            } else if (c.type === 'connect-grid') {
              geometry?.close();
              geometry = makeGeometry({ origin: c.origin, session: c.socket.slice('/ws/grid/'.length), token: c.token });
              geometrySeen = geometry.version;
            }
          if (!R) return;
          // Geometry arrived: the linksets that use it are rebuilt (their signatures changed).
          if (geometry && geometry.version !== geometrySeen) {
            geometrySeen = geometry.version;
            rescan = true;
          }
          // No bounds here: the authority keeps you inside the world, and corrections bring you back. Over open
          // terrain you walk its triangles as the room does (openGround), so both agree to the millimetre there.
          state.world ??= new PhysicsWorld(R, { openGround: true });
          const pw = state.world;
          const terrain = app.resource(TerrainKey);
          const now = clock.now();
          if (terrain.version !== terrainVersion && now - terrainBuilt >= TERRAIN_REBUILD_MS) {
            terrainVersion = terrain.version;
            terrainBuilt = now;
            pw.setTerrain(terrain.field);
          }
          if (app.resource(SceneChanges).structural) rescan = true;

          // Your avatar: predicted by physics, corrected toward the authority.
          const ecs = selfEntity(world, app.resource(Entities));
          const i = ecs !== undefined ? world.indexOf(ecs) : -1;
          if (i < 0) {
            if (self >= 0) pw.removeAvatar(SELF);
            self = -1;
            state.predicted = null;
            return;
          }
          const authority = authorityOf(world, i, now);
          state.authority = authority;
          // Only what stands near you needs a collider: the set follows you, refreshed every REFRESH_NEAR metres.
          const here = pw.avatar(SELF)?.position ?? authority;
          if (!near || Math.hypot(here[0] - near[0], here[1] - near[1]) > REFRESH_NEAR) {
            near = [...here];
            rescan = true;
          }
          syncBodies(world, ctx.since, near);
          geometry?.pump();
          if (self !== i || !pw.hasAvatar(SELF)) {
            self = i;
            pw.addAvatar(SELF, authority);
            history.length = 0;
          }
          const predicted = pw.avatar(SELF)?.position ?? authority;
          learnPace(world, i, now, ctx.dt);
          const e = errorOf(authority, predicted);
          const distance = Math.hypot(...e);
          if (distance > SNAP_DISTANCE) {
            pw.placeAvatar(SELF, authority);
            history.length = 0;
            state.snaps++;
          } else if (distance > DEADBAND) {
            const k = Math.min(1, ctx.dt / BLEND_SECONDS);
            pw.nudgeAvatar(SELF, [e[0] * k, e[1] * k, e[2] * k]);
            state.corrections++;
          }
          const p = pw.avatar(SELF)?.position ?? predicted;
          state.predicted = [...p];
          state.grounded = pw.avatar(SELF)?.grounded ?? false;
          const position = world.column(Transform, 'position');
          position[i * 3] = p[0];
          position[i * 3 + 1] = p[1];
          position[i * 3 + 2] = p[2];
          (world.views[world.component(Transform).changedColumn] as Uint32Array)[i] = ctx.tick;
        },
      });
    },
  };
}
