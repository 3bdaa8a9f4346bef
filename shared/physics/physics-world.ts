/**
 * The physics both sides of the wire run: the Finalverse room as the authority for every avatar and physical
 * prim, the viewer to predict your own avatar. A fixed-rate Rapier world with the terrain as a heightfield, one
 * body per linkset (a compound of its prims' colliders), and avatars as capsules moved by one kinematic
 * character controller: walk on terrain and prims, climb steps, slide along walls, stop at steep slopes, jump, fly.
 */
import type { Collider, KinematicCharacterController, RigidBody, World } from '@dimforge/rapier3d-compat';
import { INPUT_FLAGS, type Quat, type Vec3 } from '../protocol';
import {
  type Part,
  partCollider,
  quat,
  type TerrainSamples,
  terrainCollider,
  terrainMeshCollider,
  UnitMeshes,
} from './colliders';
import {
  AVATAR_HALF_HEIGHT,
  AVATAR_MASS,
  AVATAR_RADIUS,
  FIXED_DT,
  GRAVITY,
  JUMP_SPEED,
  MAX_SLOPE,
  PRIM_DENSITY,
  SKIN,
  SNAP_DISTANCE,
  STEP_HEIGHT,
  STEP_MIN_WIDTH,
  TERMINAL_SPEED,
} from './constants';
import { type AvatarIntent, velocityFor, wantsJump } from './intent';
import type { Rapier } from './rapier';

/** Collision groups: avatars do not collide with each other (they pass, as on OpenSim), everything else does. */
const AVATAR_GROUP = 0x0002;
const AVATAR_GROUPS = (AVATAR_GROUP << 16) | (0xffff & ~AVATAR_GROUP);
/** The most a blocked avatar may rise while it stays blocked (m): the skin's corrections, not a climb. */
const CREEP_BUDGET = 0.02;
/** How much room around an avatar's move must be free of everything but terrain for the open-ground walk (m). */
const OPEN_MARGIN = 0.5;
/** A floor whose top is at most this far above the feet counts as what the avatar stands on (m). */
const FLOOR_TOLERANCE = 0.06;
/** A still avatar is moved (checked for ground) every this many steps. */
const RECHECK_STILL = 15;
/** What an avatar's movement query may hit: everything but avatars. */
const AVATAR_QUERY = AVATAR_GROUPS;

/**
 * The velocity others dead-reckon an avatar by: what it moved, but the walking velocity itself where the move
 * was about that (within 10 %: slopes slow a walk a little), and level while it stands on the ground. The controller's small corrections would
 * otherwise change it every step, and every change of a mover's velocity is sent to everyone who sees it.
 */
function reportedVelocity(m: Vec3, intended: readonly number[], grounded: boolean, dt: number): Vec3 {
  const out: Vec3 = [m[0] / dt, m[1] / dt, grounded ? 0 : m[2] / dt];
  const ix = intended[0] ?? 0;
  const iy = intended[1] ?? 0;
  const speed = Math.hypot(ix, iy);
  if (speed > 0 && Math.hypot(out[0] - ix, out[1] - iy) < 0.1 * speed) {
    out[0] = ix;
    out[1] = iy;
  }
  return out;
}

/** An avatar as physics holds it. */
export interface AvatarState {
  /** Centre of the capsule (feet + AVATAR_HALF_HEIGHT). */
  readonly position: Vec3;
  /** What it actually moved by in the last step, per second. */
  readonly velocity: Vec3;
  /** Standing on something. */
  readonly grounded: boolean;
}

interface AvatarBody {
  body: RigidBody;
  collider: Collider;
  position: Vec3;
  velocity: Vec3;
  /** Vertical speed kept between steps (falling, jumping). */
  vz: number;
  /** Steps it has stood still on the ground. */
  still: number;
  /** How far it rose while blocked (see CREEP_BUDGET), and its height when it last walked freely. */
  climb: number;
  base: number;
  grounded: boolean;
}

/** A body's pose and motion as the room sends it. */
export interface BodyState {
  position: Vec3;
  rotation: Quat;
  velocity: Vec3;
  sleeping: boolean;
}

/** The pose of a body: where its root prim is. */
export interface Pose {
  position: Vec3;
  rotation: Quat;
}

export interface PhysicsWorldOptions {
  /** Keeps avatars inside these bounds (the world's), if given. */
  bounds?: { min: Vec3; max: Vec3 };
  /**
   * The terrain as a triangle mesh instead of a heightfield: the same triangles, a third cheaper for many
   * character controllers to move over (a room of walking visitors), dearer to build (fine for a room's
   * fixed terrain, not for a viewer whose terrain arrives patch by patch).
   */
  terrainMesh?: boolean;
  /** Seconds per step (FIXED_DT, 60 Hz, unless given). */
  dt?: number;
  /**
   * Avatars with nothing but the terrain near them walk over its triangles without the character controller
   * (the same ground, a fraction of the cost): for a room of many walking visitors.
   */
  openGround?: boolean;
}

/** One physics world. Ids are the caller's (entity ids); avatars and bodies have separate id spaces. */
export class PhysicsWorld {
  readonly world: World;
  /** Seconds per step. */
  readonly dt: number;
  private readonly controller: KinematicCharacterController;
  private readonly bodies = new Map<number, { body: RigidBody; dynamic: boolean }>();
  private readonly avatars = new Map<number, AvatarBody>();
  private readonly meshes = new UnitMeshes();
  private terrain: Collider | null = null;
  private field: TerrainSamples | null = null;

  constructor(
    private readonly R: Rapier,
    private readonly options: PhysicsWorldOptions = {},
  ) {
    this.world = new R.World({ x: 0, y: 0, z: -GRAVITY });
    this.dt = options.dt ?? FIXED_DT;
    this.world.timestep = this.dt;
    const c = this.world.createCharacterController(SKIN);
    c.setUp({ x: 0, y: 0, z: 1 });
    c.setMaxSlopeClimbAngle(MAX_SLOPE);
    c.setMinSlopeSlideAngle(MAX_SLOPE);
    c.enableAutostep(STEP_HEIGHT, STEP_MIN_WIDTH, false);
    c.enableSnapToGround(SNAP_DISTANCE);
    c.setApplyImpulsesToDynamicBodies(true);
    c.setCharacterMass(AVATAR_MASS);
    c.setSlideEnabled(true);
    this.controller = c;
  }

  /** Releases the world's memory (wasm); the object is unusable after. */
  free(): void {
    this.world.free();
    this.bodies.clear();
    this.avatars.clear();
  }

  /** Replaces the terrain (null: none). */
  setTerrain(samples: TerrainSamples | null): void {
    if (this.terrain) this.world.removeCollider(this.terrain, false);
    this.terrain = null;
    this.field = samples && samples.width >= 2 && samples.height >= 2 ? samples : null;
    if (this.field)
      this.terrain = this.world.createCollider(
        this.options.terrainMesh ? terrainMeshCollider(this.R, this.field) : terrainCollider(this.R, this.field),
      );
  }

  /** The terrain's height at (x, y) on its triangles (−∞ without terrain): the floor nothing falls through. */
  groundAt(x: number, y: number): number {
    return this.surface(x, y).z;
  }

  /**
   * Puts a body at `pose` made of `parts` (a linkset: one compound body), replacing any body with this id. A
   * dynamic body falls, rolls and can be pushed; a fixed one only moves when told (moveBody).
   */
  setBody(id: number, pose: Pose, parts: readonly Part[], dynamic = false): void {
    this.removeBody(id);
    const R = this.R;
    const desc = dynamic ? R.RigidBodyDesc.dynamic().setCcdEnabled(true) : R.RigidBodyDesc.fixed();
    desc.setTranslation(pose.position[0], pose.position[1], pose.position[2]).setRotation(quat(pose.rotation));
    const body = this.world.createRigidBody(desc);
    for (const part of parts) {
      const collider = partCollider(R, part, dynamic, this.meshes);
      if (dynamic) collider.setDensity(PRIM_DENSITY).setFriction(0.7);
      this.world.createCollider(collider, body);
    }
    this.bodies.set(id, { body, dynamic });
  }

  /** Moves a body to `pose` (a fixed body that was edited; a dynamic one that was placed). */
  moveBody(id: number, pose: Pose): void {
    const b = this.bodies.get(id);
    if (!b) return;
    b.body.setTranslation({ x: pose.position[0], y: pose.position[1], z: pose.position[2] }, true);
    b.body.setRotation(quat(pose.rotation), true);
    if (b.dynamic) {
      b.body.setLinvel({ x: 0, y: 0, z: 0 }, true);
      b.body.setAngvel({ x: 0, y: 0, z: 0 }, true);
    }
  }

  removeBody(id: number): void {
    const b = this.bodies.get(id);
    if (!b) return;
    this.world.removeRigidBody(b.body);
    this.bodies.delete(id);
  }

  hasBody(id: number): boolean {
    return this.bodies.has(id);
  }

  /** Number of bodies and of colliders (terrain included). */
  counts(): { bodies: number; colliders: number; avatars: number } {
    return { bodies: this.bodies.size, colliders: this.world.colliders.len(), avatars: this.avatars.size };
  }

  /** Where a dynamic body is and how it moves. */
  bodyState(id: number): BodyState | null {
    const b = this.bodies.get(id);
    if (!b) return null;
    const t = b.body.translation();
    const r = b.body.rotation();
    const v = b.body.linvel();
    return {
      position: [t.x, t.y, t.z],
      rotation: [r.x, r.y, r.z, r.w],
      velocity: [v.x, v.y, v.z],
      sleeping: b.body.isSleeping(),
    };
  }

  /** Ids of dynamic bodies that are awake (moving). */
  *awakeBodies(): Generator<number> {
    for (const [id, b] of this.bodies) if (b.dynamic && !b.body.isSleeping()) yield id;
  }

  /**
   * Where an avatar put at `position` stands: lifted onto what its feet are sunk in (a floor up to a step high
   * above them), so it never starts inside a prim. Scene queries are brought up to date first.
   */
  standAt(position: Vec3): Vec3 {
    const [x, y, z] = position;
    // A zero-length step updates the scene queries without moving anything.
    this.world.timestep = 0;
    this.world.step();
    this.world.timestep = this.dt;
    const top = z - AVATAR_HALF_HEIGHT + STEP_HEIGHT;
    const hit = this.world.castRay(
      new this.R.Ray({ x, y, z: top }, { x: 0, y: 0, z: -1 }),
      STEP_HEIGHT,
      true,
      undefined,
      AVATAR_QUERY,
    );
    const floor = Math.max(hit ? top - hit.timeOfImpact : Number.NEGATIVE_INFINITY, this.groundAt(x, y));
    return [x, y, Math.max(z, floor + AVATAR_HALF_HEIGHT)];
  }

  /** Adds an avatar whose capsule centre is at `position` (lifted onto a floor its feet are sunk in). */
  addAvatar(id: number, at: Vec3): void {
    this.removeAvatar(id);
    const R = this.R;
    const position = this.standAt(at);
    const body = this.world.createRigidBody(
      R.RigidBodyDesc.kinematicPositionBased().setTranslation(position[0], position[1], position[2]),
    );
    const collider = this.world.createCollider(
      // The controller keeps SKIN between the capsule and the ground: the centre rests AVATAR_HALF_HEIGHT up.
      R.ColliderDesc.capsule(AVATAR_HALF_HEIGHT - AVATAR_RADIUS - SKIN, AVATAR_RADIUS)
        .setRotation(quat([Math.SQRT1_2, 0, 0, Math.SQRT1_2]))
        .setCollisionGroups(AVATAR_GROUPS),
      body,
    );
    this.avatars.set(id, {
      body,
      collider,
      position: [...position],
      velocity: [0, 0, 0],
      vz: 0,
      still: 0,
      climb: 0,
      base: position[2],
      grounded: false,
    });
  }

  removeAvatar(id: number): void {
    const a = this.avatars.get(id);
    if (!a) return;
    this.world.removeRigidBody(a.body);
    this.avatars.delete(id);
  }

  hasAvatar(id: number): boolean {
    return this.avatars.has(id);
  }

  /** Puts an avatar somewhere at once (a teleport, a correction too large to blend). */
  placeAvatar(id: number, at: Vec3): void {
    const a = this.avatars.get(id);
    if (!a) return;
    const position = this.standAt(at);
    a.position = [...position];
    a.vz = 0;
    a.body.setTranslation({ x: position[0], y: position[1], z: position[2] }, true);
  }

  avatar(id: number): AvatarState | null {
    return this.avatars.get(id) ?? null;
  }

  /**
   * Moves an avatar by `delta` through the world (collisions, steps, slopes), without changing its speed: how a
   * viewer blends its prediction toward the authority's position. Returns the distance actually moved.
   */
  nudgeAvatar(id: number, delta: Vec3): number {
    const a = this.avatars.get(id);
    if (!a) return 0;
    this.controller.disableSnapToGround();
    const m = this.computeMove(a, delta);
    this.controller.enableSnapToGround(SNAP_DISTANCE);
    this.applyMove(a, m);
    // Between steps: the collider goes there now, so the next step starts from it.
    a.body.setTranslation({ x: a.position[0], y: a.position[1], z: a.position[2] }, true);
    this.world.propagateModifiedBodyPositionsToColliders();
    return Math.hypot(m[0], m[1], m[2]);
  }

  /** One fixed step: every avatar moves by its intent (`intentOf`; none: standing), then the world steps. */
  step(intentOf: (id: number) => AvatarIntent | undefined): void {
    for (const [id, a] of this.avatars) this.moveAvatar(a, intentOf(id));
    this.world.step();
  }

  private moveAvatar(a: AvatarBody, intent: AvatarIntent | undefined): void {
    const dt = this.dt;
    const flying = intent !== undefined && (intent.flags & INPUT_FLAGS.fly) !== 0;
    const v = intent ? velocityFor(intent.move, intent.rotation, intent.flags, intent.pace) : [0, 0, 0];
    // Standing still on the ground: asked again only now and then (whether the ground is still there), so a
    // room of idle visitors costs next to nothing.
    const still = v[0] === 0 && v[1] === 0 && !flying && a.grounded && a.vz === 0 && !(intent && wantsJump(intent));
    a.still = still ? a.still + 1 : 0;
    if (still && a.still % RECHECK_STILL !== 1) {
      a.velocity = [0, 0, 0];
      return;
    }
    if (flying) a.vz = v[2] ?? 0;
    else if (a.grounded && a.vz <= 0 && intent && wantsJump(intent)) a.vz = JUMP_SPEED;
    else if (a.grounded && a.vz < 0) a.vz = 0;
    if (!flying) a.vz = Math.max(-TERMINAL_SPEED, a.vz - GRAVITY * dt);
    const desired: Vec3 = [(v[0] ?? 0) * dt, (v[1] ?? 0) * dt, a.vz * dt];
    const floor = this.options.openGround ? this.openGroundNear(a, desired) : null;
    if (floor !== null) {
      const { m, grounded } = this.overTerrain(a, desired, flying, floor);
      a.grounded = grounded;
      a.climb = 0;
      a.base = a.position[2] + m[2];
      this.finishMove(a, m, desired, v, flying, dt);
      return;
    }
    // Snapping to the ground would swallow a take-off and hold a flyer down.
    const snap = !flying && a.vz <= 0;
    if (!snap) this.controller.disableSnapToGround();
    const m = this.computeMove(a, desired);
    if (!snap) this.controller.enableSnapToGround(SNAP_DISTANCE);
    // Pressed against something, a capsule would otherwise creep up it every step (its rounded contact reads as
    // a slope, an edge as ground) until it stands on a ledge too high to step onto. A rise that comes with the
    // walk (a step, a ramp) keeps most of the walk; a creep comes with none, and gets CREEP_BUDGET in all
    // (what the skin's own corrections need) until the walk moves on.
    const wanted = Math.hypot(desired[0], desired[1]);
    const progress = wanted > 0 ? (m[0] * desired[0] + m[1] * desired[1]) / wanted : 0;
    const blocked = !flying && a.vz <= 0 && wanted > 0 && progress < 0.5 * wanted;
    if (!blocked) {
      a.climb = 0;
      a.base = a.position[2];
    } else if (m[2] > 0 && !this.stepAhead(a, desired[0] / wanted, desired[1] / wanted)) {
      m[2] = Math.min(m[2], Math.max(0, CREEP_BUDGET - a.climb));
      a.climb += m[2];
    }
    a.grounded = this.controller.computedGrounded();
    this.finishMove(a, m, desired, v, flying, dt);
  }

  /** After the move is known: what it does to vertical speed, standing still, and where the body goes. */
  private finishMove(a: AvatarBody, m: Vec3, desired: Vec3, v: readonly number[], flying: boolean, dt: number): void {
    // A ceiling ends a jump (it let through less than half the rise); the ground ends a fall.
    if (a.vz > 0 && m[2] < desired[2] * 0.5) a.vz = 0;
    if (a.grounded && a.vz < 0) a.vz = 0;
    // Standing still on the ground stays exactly still: the controller's skin correction would otherwise creep
    // it by fractions of a millimetre each step, and a room that sees movement never goes quiet.
    const idle = v[0] === 0 && v[1] === 0 && !flying && a.vz === 0;
    if (idle && a.grounded && Math.hypot(m[0], m[1], m[2]) < 0.005) {
      a.velocity = [0, 0, 0];
      return;
    }
    this.applyMove(a, m);
    a.velocity = reportedVelocity(m, v, a.grounded, dt);
  }

  /**
   * What lies within reach of this step's move, if it is only ground: the terrain, other avatars, and level
   * floors (unrotated boxes whose top is at the feet and whose top spans the whole reach, like the plaza's
   * paving). Returns the highest floor's top (−∞ for terrain only), or null when anything else is near.
   */
  private openGroundNear(a: AvatarBody, desired: Vec3): number | null {
    if (!this.field || !this.terrain) return null;
    const reach = AVATAR_RADIUS + OPEN_MARGIN + Math.hypot(desired[0], desired[1]);
    const cx = a.position[0] + desired[0] / 2;
    const cy = a.position[1] + desired[1] / 2;
    const feet = a.position[2] - AVATAR_HALF_HEIGHT;
    const terrain = this.terrain.handle;
    const R = this.R;
    let floor = Number.NEGATIVE_INFINITY;
    let clear = true;
    this.world.collidersWithAabbIntersectingAabb(
      { x: cx, y: cy, z: a.position[2] + desired[2] / 2 },
      { x: reach, y: reach, z: AVATAR_HALF_HEIGHT + OPEN_MARGIN + Math.abs(desired[2]) },
      (c) => {
        // (Other colliders keep the default groups, every membership bit set: only avatars are exactly ours.)
        if (c.handle === terrain || c.collisionGroups() >>> 16 === AVATAR_GROUP) return true;
        if (c.shapeType() === R.ShapeType.Cuboid) {
          const q = c.rotation();
          const h = c.halfExtents();
          const t = c.translation();
          const top = t.z + (h?.z ?? 0);
          if (
            h &&
            Math.abs(q.w) > 0.99999 &&
            top <= feet + FLOOR_TOLERANCE &&
            cx - reach >= t.x - h.x &&
            cx + reach <= t.x + h.x &&
            cy - reach >= t.y - h.y &&
            cy + reach <= t.y + h.y
          ) {
            floor = Math.max(floor, top);
            return true;
          }
        }
        clear = false;
        return false;
      },
    );
    return clear ? floor : null;
  }

  /**
   * A move over open terrain without the character controller: the same triangles (split as the heightfield
   * is), the capsule's resting height on a slope, snapping down as the controller does, and no walking up
   * slopes steeper than MAX_SLOPE. Much cheaper than the controller, for a room of walking visitors.
   */
  private overTerrain(a: AvatarBody, desired: Vec3, flying: boolean, floor: number): { m: Vec3; grounded: boolean } {
    let dx = desired[0];
    let dy = desired[1];
    // On a floor (above the terrain here) the ground is level.
    const ground = (x: number, y: number) => {
      const t = this.surface(x, y);
      return floor > t.z ? { z: floor, gx: 0, gy: 0 } : t;
    };
    if (!flying && a.grounded && a.vz <= 0) {
      // On the ground the controller slides the walk along the surface: the horizontal part shortens on slopes.
      const here = ground(a.position[0], a.position[1]);
      const n2 = 1 + here.gx * here.gx + here.gy * here.gy;
      const along = (-here.gx * dx - here.gy * dy) / n2;
      dx -= along * -here.gx;
      dy -= along * -here.gy;
    }
    let x = a.position[0] + dx;
    let y = a.position[1] + dy;
    let s = ground(x, y);
    if (!flying && a.grounded && Math.hypot(s.gx, s.gy) > Math.tan(MAX_SLOPE) && desired[0] * s.gx + desired[1] * s.gy > 0) {
      x = a.position[0];
      y = a.position[1];
      s = ground(x, y);
    }
    // A capsule on a slope rests on its rounded end, a little higher than on flat ground.
    const rest = s.z + AVATAR_HALF_HEIGHT + (AVATAR_RADIUS + SKIN) * (Math.sqrt(1 + s.gx * s.gx + s.gy * s.gy) - 1);
    let z = a.position[2] + desired[2];
    let grounded = false;
    if (z <= rest || (!flying && a.grounded && a.vz <= 0 && z - rest < SNAP_DISTANCE)) {
      z = rest;
      grounded = true;
    }
    return { m: [x - a.position[0], y - a.position[1], z - a.position[2]], grounded };
  }

  /** The terrain's height at (x, y) on its triangles (each cell split a–d, as the heightfield), and its slope. */
  private surface(x: number, y: number): { z: number; gx: number; gy: number } {
    const t = this.field;
    if (!t) return { z: Number.NEGATIVE_INFINITY, gx: 0, gy: 0 };
    const fx = Math.min(t.width - 1, Math.max(0, (x - (t.originX ?? 0)) / t.spacing));
    const fy = Math.min(t.height - 1, Math.max(0, (y - (t.originY ?? 0)) / t.spacing));
    const i = Math.min(t.width - 2, Math.floor(fx));
    const j = Math.min(t.height - 2, Math.floor(fy));
    const tx = fx - i;
    const ty = fy - j;
    const h = (p: number, q: number) => t.heights[q * t.width + p] ?? 0;
    const a = h(i, j);
    const b = h(i + 1, j);
    const c = h(i, j + 1);
    const d = h(i + 1, j + 1);
    if (tx >= ty) return { z: a + (b - a) * tx + (d - b) * ty, gx: (b - a) / t.spacing, gy: (d - b) / t.spacing };
    return { z: a + (c - a) * ty + (d - c) * tx, gx: (d - c) / t.spacing, gy: (c - a) / t.spacing };
  }

  /**
   * True when what blocks an avatar walking along (dx, dy) is a step it may climb: a floor ahead no higher than
   * STEP_HEIGHT above its feet (from where it last walked freely). A ray down just ahead of the capsule finds it.
   */
  private stepAhead(a: AvatarBody, dx: number, dy: number): boolean {
    const feet = a.base - AVATAR_HALF_HEIGHT;
    const reach = AVATAR_RADIUS + 0.1;
    const top = feet + STEP_HEIGHT + 0.05;
    const hit = this.world.castRay(
      new this.R.Ray({ x: a.position[0] + dx * reach, y: a.position[1] + dy * reach, z: top }, { x: 0, y: 0, z: -1 }),
      STEP_HEIGHT + 0.1,
      true,
      undefined,
      AVATAR_QUERY,
    );
    // Starting inside the obstacle (time 0) means it is higher than a step.
    return hit !== null && hit.timeOfImpact > 0.05 - 1e-3;
  }

  private computeMove(a: AvatarBody, desired: Vec3): Vec3 {
    this.controller.computeColliderMovement(
      a.collider,
      { x: desired[0], y: desired[1], z: desired[2] },
      this.R.QueryFilterFlags.EXCLUDE_SENSORS,
      AVATAR_QUERY,
    );
    const m = this.controller.computedMovement();
    return [m.x, m.y, m.z];
  }

  private applyMove(a: AvatarBody, m: Vec3): void {
    let x = a.position[0] + m[0];
    let y = a.position[1] + m[1];
    let z = a.position[2] + m[2];
    const b = this.options.bounds;
    if (b) {
      x = Math.min(b.max[0], Math.max(b.min[0], x));
      y = Math.min(b.max[1], Math.max(b.min[1], y));
      z = Math.min(b.max[2], z);
    }
    // The floor nothing falls through (a capsule that slipped under the heightfield comes back up).
    const floor = this.groundAt(x, y) + AVATAR_HALF_HEIGHT;
    if (z < floor - 0.25) {
      z = floor;
      a.vz = 0;
    }
    a.position = [x, y, z];
    a.body.setNextKinematicTranslation({ x, y, z });
  }
}
