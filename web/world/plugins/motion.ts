/**
 * The motion plugin: the viewer's one dead-reckoning implementation, and linkset children posed against their
 * parent. Roots move by their last reported velocity between updates, and a correction is blended in over
 * SMOOTH_MS instead of jumping; a child's world pose is its parent's pose times its local pose, recomputed
 * only when either changed.
 */
import { predictPosition } from '../../../shared/math/dead-reckoning';
import { quatMultiply, quatRotate } from '../../../shared/math/quat';
import type { Plugin, SystemContext, World } from '../../engine';
import { LocalPose, Motion, Parent, Transform } from '../../scene/components';
import { Clock } from '../keys';

/** How long a correction is blended in (ms). */
export const SMOOTH_MS = 100;

const target = new Float64Array(3);

/**
 * Where dead reckoning draws a mover at `now`: anchor + velocity·(now − at), blended from `from` over
 * SMOOTH_MS. Writes into `out` (3 numbers); returns whether the entity is still moving or blending.
 */
export function reckon(
  anchor: ArrayLike<number>,
  velocity: ArrayLike<number>,
  from: ArrayLike<number>,
  at: number,
  now: number,
  out: Float32Array | number[],
  o = 0,
): boolean {
  const ms = Math.max(0, now - at);
  predictPosition(anchor, velocity, ms / 1000, target, 0, o);
  const tx = target[0] ?? 0;
  const ty = target[1] ?? 0;
  const tz = target[2] ?? 0;
  const t = Math.min(1, ms / SMOOTH_MS);
  const fx = from[o] ?? 0;
  const fy = from[o + 1] ?? 0;
  const fz = from[o + 2] ?? 0;
  out[o] = fx + (tx - fx) * t;
  out[o + 1] = fy + (ty - fy) * t;
  out[o + 2] = fz + (tz - fz) * t;
  return t < 1 || velocity[o] !== 0 || velocity[o + 1] !== 0 || velocity[o + 2] !== 0;
}

const ROOTS = { all: [Motion, Transform], none: [Parent] };
const CHILDREN = { all: [LocalPose, Parent, Transform] };

/** Moves every root that has a velocity or a correction to blend in; settled ones cost one comparison. */
function integrate(world: World, now: number, tick: number): void {
  const q = world.query(ROOTS);
  const slots = q.entities();
  const position = world.column(Transform, 'position');
  const changed = world.views[world.component(Transform).changedColumn] as Uint32Array;
  const velocity = world.column(Motion, 'velocity');
  const anchor = world.column(Motion, 'anchor');
  const from = world.column(Motion, 'from');
  const at = world.column(Motion, 'at');
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k] as number;
    const when = at[i] ?? 0;
    // at = 0: settled at its anchor with no velocity (nothing to do until the next update).
    if (when === 0) continue;
    const moving = reckon(anchor, velocity, from, when, now, position, i * 3);
    changed[i] = tick;
    if (!moving) at[i] = 0;
  }
}

/** Poses children whose parent moved or whose own local pose changed since the system last ran. */
function poseChildren(world: World, since: number, tick: number): void {
  const q = world.query(CHILDREN);
  const slots = q.entities();
  const position = world.column(Transform, 'position');
  const rotation = world.column(Transform, 'rotation');
  const changed = world.views[world.component(Transform).changedColumn] as Uint32Array;
  const localPosition = world.column(LocalPose, 'position');
  const localRotation = world.column(LocalPose, 'rotation');
  const localChanged = world.views[world.component(LocalPose).changedColumn] as Uint32Array;
  const parent = world.column(Parent, 'entity');
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k] as number;
    const p = parent[i] ?? 0;
    if (!world.isAlive(p)) continue;
    const pi = world.indexOf(p);
    if ((changed[pi] ?? 0) <= since && (localChanged[i] ?? 0) <= since) continue;
    const pr: [number, number, number, number] = [
      rotation[pi * 4] ?? 0,
      rotation[pi * 4 + 1] ?? 0,
      rotation[pi * 4 + 2] ?? 0,
      rotation[pi * 4 + 3] ?? 1,
    ];
    const offset = quatRotate(pr, [localPosition[i * 3] ?? 0, localPosition[i * 3 + 1] ?? 0, localPosition[i * 3 + 2] ?? 0]);
    position[i * 3] = (position[pi * 3] ?? 0) + offset[0];
    position[i * 3 + 1] = (position[pi * 3 + 1] ?? 0) + offset[1];
    position[i * 3 + 2] = (position[pi * 3 + 2] ?? 0) + offset[2];
    const r = quatMultiply(pr, [
      localRotation[i * 4] ?? 0,
      localRotation[i * 4 + 1] ?? 0,
      localRotation[i * 4 + 2] ?? 0,
      localRotation[i * 4 + 3] ?? 1,
    ]);
    rotation[i * 4] = r[0];
    rotation[i * 4 + 1] = r[1];
    rotation[i * 4 + 2] = r[2];
    rotation[i * 4 + 3] = r[3];
    changed[i] = tick;
  }
}

/** The motion plugin (after net: it moves what net applied). */
export function motionPlugin(): Plugin {
  return {
    name: 'motion',
    after: ['net'],
    build(app) {
      const clock = app.resource(Clock);
      app.addSystem({
        name: 'dead-reckoning',
        phase: 'update',
        reads: [Motion],
        writes: [Transform],
        run: (ctx: SystemContext) => integrate(ctx.world, clock.now(), ctx.tick),
      });
      app.addSystem({
        name: 'pose-children',
        phase: 'update',
        reads: [LocalPose, Parent],
        writes: [Transform],
        run: (ctx: SystemContext) => poseChildren(ctx.world, ctx.since, ctx.tick),
      });
    },
  };
}
