import { beforeAll, describe, expect, it } from 'vitest';
import { AVATAR_HALF_HEIGHT, FIXED_DT, PHYSICS_HZ } from '../../../../shared/physics/constants';
import type { AvatarIntent } from '../../../../shared/physics/intent';
import { PhysicsWorld } from '../../../../shared/physics/physics-world';
import { loadRapier, type Rapier } from '../../../../shared/physics/rapier';
import { INPUT_FLAGS, type Quat, SHAPE_PRESETS, type Vec3 } from '../../../../shared/protocol';

let R: Rapier;
beforeAll(async () => {
  R = await loadRapier();
});

const GROUND = 20;
const flat = (side = 65, spacing = 4, h: (x: number, y: number) => number = () => GROUND) => {
  const heights = new Float32Array(side * side);
  for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) heights[j * side + i] = h(i * spacing, j * spacing);
  return { width: side, height: side, spacing, heights };
};
const NO_TURN: Quat = [0, 0, 0, 1];
const box = (world: PhysicsWorld, id: number, position: Vec3, scale: Vec3, rotation: Quat = NO_TURN) =>
  world.setBody(id, { position, rotation }, [{ shape: SHAPE_PRESETS.box, scale, position: [0, 0, 0], rotation: [0, 0, 0, 1] }]);

/** Walks avatar 1 with `intent` for `seconds`, stepping at the fixed rate. */
function run(world: PhysicsWorld, intent: AvatarIntent | undefined, seconds: number): void {
  for (let i = 0; i < Math.round(seconds * PHYSICS_HZ); i++) world.step(() => intent);
}
const east: AvatarIntent = { move: [1, 0, 0], rotation: NO_TURN, flags: 0 };
const standAt = (x: number, y: number): Vec3 => [x, y, GROUND + AVATAR_HALF_HEIGHT];

describe('avatar physics', () => {
  it('stands on the terrain where it was put', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.addAvatar(1, [100, 100, GROUND + 3]);
    run(w, undefined, 2);
    expect(w.avatar(1)?.position[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 1);
    expect(w.avatar(1)?.grounded).toBe(true);
  });

  it('follows a heightfield up a gentle hill', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat(65, 4, (x) => GROUND + Math.max(0, x - 100) * 0.2));
    w.addAvatar(1, standAt(90, 100));
    run(w, east, 8);
    const p = w.avatar(1)?.position ?? [0, 0, 0];
    expect(p[0]).toBeGreaterThan(110);
    expect(p[2]).toBeCloseTo(GROUND + (p[0] - 100) * 0.2 + AVATAR_HALF_HEIGHT, 0);
  });

  it('stops at a wall instead of passing through it', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    box(w, 10, [105, 100, GROUND + 1.5], [0.5, 10, 3]);
    w.addAvatar(1, standAt(100, 100));
    run(w, east, 4);
    const x = w.avatar(1)?.position[0] ?? 0;
    // The wall's near face is at 104.75; the capsule's radius keeps the centre 0.3 m (plus skin) before it.
    expect(x).toBeLessThan(104.75 - 0.28);
    expect(x).toBeGreaterThan(104.75 - 0.4);
  });

  it('slides along a wall it walks into at an angle', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    box(w, 10, [105, 100, GROUND + 1.5], [0.5, 40, 3]);
    w.addAvatar(1, standAt(104, 100));
    const yaw = Math.PI / 6; // 30° off the wall's normal: north-east
    run(w, { move: [1, 0, 0], rotation: [0, 0, Math.sin(yaw / 2), Math.cos(yaw / 2)], flags: 0 }, 2);
    const p = w.avatar(1)?.position ?? [0, 0, 0];
    expect(p[0]).toBeLessThan(104.75 - 0.28);
    expect(p[1]).toBeGreaterThan(101.5);
  });

  it('climbs a step of 30 cm but not a 1 m ledge', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    box(w, 10, [110, 100, GROUND + 0.15], [10, 10, 0.3]);
    w.addAvatar(1, standAt(100, 100));
    run(w, east, 3);
    const onStep = w.avatar(1)?.position ?? [0, 0, 0];
    expect(onStep[0]).toBeGreaterThan(106);
    expect(onStep[2]).toBeCloseTo(GROUND + 0.3 + AVATAR_HALF_HEIGHT, 1);

    const v = new PhysicsWorld(R);
    v.setTerrain(flat());
    box(v, 10, [110, 100, GROUND + 0.5], [10, 10, 1]);
    v.addAvatar(1, standAt(100, 100));
    run(v, east, 3);
    expect(v.avatar(1)?.position[0]).toBeLessThan(105);
  });

  it('does not creep up a ledge just higher than a step while pushing against it', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    // A bench: 0.5 m high, 0.6 m deep, its near face 1.2 m ahead.
    box(w, 10, [101.5, 100, GROUND + 0.25], [0.6, 2.4, 0.5]);
    w.addAvatar(1, standAt(100, 100));
    run(w, east, 6);
    const p = w.avatar(1)?.position ?? [0, 0, 0];
    expect(p[0]).toBeLessThan(101.2 - 0.28);
    expect(p[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 1);
  });

  it('does not walk up a steep slope, but walks up a gentle ramp', () => {
    const slope = (degrees: number) => {
      const w = new PhysicsWorld(R);
      w.setTerrain(flat());
      const a = (degrees * Math.PI) / 180;
      // A long ramp tilted about y that rises out of the ground at x = 110.
      w.setBody(10, { position: [110, 100, GROUND], rotation: [0, -Math.sin(a / 2), 0, Math.cos(a / 2)] }, [
        { shape: SHAPE_PRESETS.box, scale: [14, 10, 0.2], position: [0, 0, 0], rotation: [0, 0, 0, 1] },
      ]);
      w.addAvatar(1, standAt(106, 100));
      run(w, east, 2.5);
      return w.avatar(1)?.position ?? [0, 0, 0];
    };
    const gentle = slope(20);
    expect(gentle[0]).toBeGreaterThan(111.5);
    expect(gentle[2]).toBeGreaterThan(GROUND + AVATAR_HALF_HEIGHT + 0.5);
    const steep = slope(60);
    expect(steep[2]).toBeLessThan(GROUND + AVATAR_HALF_HEIGHT + 1);
    expect(steep[0]).toBeLessThan(110.5);
  });

  it('jumps and lands where it took off', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.addAvatar(1, standAt(100, 100));
    run(w, undefined, 0.5);
    let top = 0;
    w.step(() => ({ move: [0, 0, 1], rotation: NO_TURN, flags: 0 }));
    for (let i = 0; i < PHYSICS_HZ * 2; i++) {
      w.step(() => undefined);
      top = Math.max(top, (w.avatar(1)?.position[2] ?? 0) - (GROUND + AVATAR_HALF_HEIGHT));
    }
    expect(top).toBeGreaterThan(0.4);
    expect(top).toBeLessThan(1);
    expect(w.avatar(1)?.position[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 1);
    expect(w.avatar(1)?.grounded).toBe(true);
  });

  it('flies up and stays up, and falls when flying stops', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.addAvatar(1, standAt(100, 100));
    run(w, { move: [0, 0, 1], rotation: NO_TURN, flags: INPUT_FLAGS.fly }, 2);
    const high = w.avatar(1)?.position[2] ?? 0;
    expect(high).toBeGreaterThan(GROUND + 7);
    run(w, { move: [0, 0, 0], rotation: NO_TURN, flags: INPUT_FLAGS.fly }, 1);
    expect(w.avatar(1)?.position[2]).toBeCloseTo(high, 3);
    run(w, undefined, 3);
    expect(w.avatar(1)?.position[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 1);
  });

  it('never ends up below the terrain, even when put there', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.addAvatar(1, [100, 100, GROUND - 5]);
    run(w, east, 1);
    expect(w.avatar(1)?.position[2]).toBeGreaterThanOrEqual(GROUND + AVATAR_HALF_HEIGHT - 0.3);
  });
});

describe('physical prims', () => {
  it('a physical box falls onto the terrain and comes to rest on it', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.setBody(
      5,
      { position: [100, 100, GROUND + 5], rotation: NO_TURN },
      [{ shape: SHAPE_PRESETS.box, scale: [1, 1, 1], position: [0, 0, 0], rotation: [0, 0, 0, 1] }],
      true,
    );
    for (let i = 0; i < PHYSICS_HZ * 6 && !w.bodyState(5)?.sleeping; i++) w.step(() => undefined);
    const s = w.bodyState(5);
    expect(s?.sleeping).toBe(true);
    expect(s?.position[2]).toBeCloseTo(GROUND + 0.5, 1);
  });

  it('an avatar walking into a physical ball pushes it along', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.setBody(
      5,
      { position: [102, 100, GROUND + 0.5], rotation: NO_TURN },
      [{ shape: SHAPE_PRESETS.sphere, scale: [1, 1, 1], position: [0, 0, 0], rotation: [0, 0, 0, 1] }],
      true,
    );
    w.addAvatar(1, standAt(100, 100));
    run(w, east, 3);
    expect(w.bodyState(5)?.position[0]).toBeGreaterThan(104);
  });

  it('a linkset is one body: its parts keep their places as it falls', () => {
    const w = new PhysicsWorld(R);
    w.setTerrain(flat());
    w.setBody(
      7,
      { position: [100, 100, GROUND + 4], rotation: NO_TURN },
      [
        { shape: SHAPE_PRESETS.box, scale: [2, 0.5, 0.5], position: [0, 0, 0], rotation: [0, 0, 0, 1] },
        { shape: SHAPE_PRESETS.box, scale: [0.5, 0.5, 0.5], position: [0.75, 0, 0.5], rotation: [0, 0, 0, 1] },
      ],
      true,
    );
    expect(w.counts().bodies).toBe(1);
    for (let i = 0; i < PHYSICS_HZ * 4; i++) w.step(() => undefined);
    expect(w.bodyState(7)?.position[2]).toBeLessThan(GROUND + 1.5);
  });
});

describe('the terrain collider', () => {
  it('matches the samples it was made from at every sample point', () => {
    const w = new PhysicsWorld(R);
    const t = flat(17, 2, (x, y) => 10 + Math.sin(x / 5) * 3 + y * 0.1);
    w.setTerrain(t);
    w.world.step();
    // Inside cells (a ray exactly along a grid line can slip between triangles); bilinear vs the two
    // triangles of a cell differ by little on this gentle field.
    for (const [x, y] of [
      [0.4, 0.7],
      [2.3, 0.5],
      [8.6, 14.2],
      [30.5, 2.4],
      [31.2, 31.7],
    ] as const) {
      const hit = w.world.castRay(new R.Ray({ x, y, z: 100 }, { x: 0, y: 0, z: -1 }), 200, true);
      expect(hit).not.toBeNull();
      expect(Math.abs(100 - (hit?.timeOfImpact ?? 0) - w.groundAt(x, y))).toBeLessThan(0.1);
    }
    expect(FIXED_DT).toBeCloseTo(1 / 60);
  });
});

describe('the terrain as a mesh', () => {
  it('gives the same ground as the heightfield, to the millimetre, everywhere', () => {
    // A twisted surface (a product of x and y): the two diagonals of a cell would give different ground.
    const t = flat(17, 2, (x, y) => 10 + Math.sin(x / 3) * Math.cos(y / 4) * 3);
    const field = new PhysicsWorld(R);
    field.setTerrain(t);
    field.world.step();
    const mesh = new PhysicsWorld(R, { terrainMesh: true });
    mesh.setTerrain(t);
    mesh.world.step();
    let s = 3;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    for (let k = 0; k < 200; k++) {
      const x = 0.05 + rnd() * 31.9;
      const y = 0.05 + rnd() * 31.9;
      const down = (w: PhysicsWorld) =>
        100 - (w.world.castRay(new R.Ray({ x, y, z: 100 }, { x: 0, y: 0, z: -1 }), 200, true)?.timeOfImpact ?? Number.NaN);
      expect(Math.abs(down(field) - down(mesh)), `at ${x}, ${y}`).toBeLessThan(0.001);
    }
  });
});

describe('the open-ground walk (rooms: no character controller where only terrain is near)', () => {
  const hills = (x: number, y: number) => GROUND + 3 * Math.sin(x / 9) * Math.cos(y / 13) + x * 0.05;
  const walkBoth = (seconds: number, intent: AvatarIntent, terrain = flat(65, 4, hills), setup?: (w: PhysicsWorld) => void) =>
    [false, true].map((openGround) => {
      const w = new PhysicsWorld(R, { openGround, terrainMesh: openGround });
      w.setTerrain(terrain);
      setup?.(w);
      w.addAvatar(1, [60, 100, hills(60, 100) + AVATAR_HALF_HEIGHT]);
      const path: Vec3[] = [];
      for (let i = 0; i < Math.round(seconds * PHYSICS_HZ); i++) {
        w.step(() => intent);
        path.push([...(w.avatar(1)?.position ?? [0, 0, 0])]);
      }
      return path;
    });

  it('walks over hills about as the controller does: the same ground, within 1.5 % of the way', () => {
    const [controller, open] = walkBoth(10, { move: [1, 0, 0], rotation: [0, 0, Math.sin(0.2), Math.cos(0.2)], flags: 0 });
    const start: Vec3 = [60, 100, 0];
    const a = open?.at(-1) ?? [0, 0, 0];
    const b = controller?.at(-1) ?? [0, 0, 0];
    const way = Math.hypot(b[0] - start[0], b[1] - start[1]);
    expect(way).toBeGreaterThan(25);
    expect(Math.hypot(a[0] - b[0], a[1] - b[1])).toBeLessThan(0.015 * way);
    // Standing on the same ground wherever it is.
    for (const p of open ?? []) expect(Math.abs(p[2] - (hills(p[0], p[1]) + AVATAR_HALF_HEIGHT))).toBeLessThan(0.15);
  });

  it('still stops at a wall (near a prim the controller takes over), and jumps and lands', () => {
    const [controller, open] = walkBoth(4, east, undefined, (w) => box(w, 10, [66, 100, hills(66, 100) + 1.5], [0.5, 10, 6]));
    const x = open?.at(-1)?.[0] ?? 0;
    expect(x).toBeLessThan(65.75 - 0.28);
    expect(Math.abs(x - (controller?.at(-1)?.[0] ?? 0))).toBeLessThan(0.05);
    const w = new PhysicsWorld(R, { openGround: true, terrainMesh: true });
    w.setTerrain(flat());
    w.addAvatar(1, standAt(100, 100));
    run(w, undefined, 0.3);
    w.step(() => ({ move: [0, 0, 1], rotation: NO_TURN, flags: 0 }));
    let top = 0;
    for (let i = 0; i < PHYSICS_HZ * 2; i++) {
      w.step(() => undefined);
      top = Math.max(top, (w.avatar(1)?.position[2] ?? 0) - (GROUND + AVATAR_HALF_HEIGHT));
    }
    expect(top).toBeGreaterThan(0.4);
    expect(w.avatar(1)?.position[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 2);
  });

  it("walks onto and across a level floor (like the plaza paving) at the floor's height, as the controller does", () => {
    const terrain = flat();
    const paving = (w: PhysicsWorld) => box(w, 20, [80, 100, GROUND - 0.15 + 0.1], [30, 30, 0.2]);
    const runOn = (openGround: boolean) => {
      const w = new PhysicsWorld(R, { openGround, terrainMesh: openGround });
      w.setTerrain(terrain);
      paving(w);
      w.addAvatar(1, standAt(60, 100));
      run(w, east, 12);
      return w.avatar(1)?.position ?? [0, 0, 0];
    };
    const open = runOn(true);
    const controller = runOn(false);
    // It crossed the 30 m floor (its top 5 cm above the ground) at walking speed and came off the far side, as
    // the controller does (which loses a few per cent of its speed now and then, even on flat ground).
    expect(open[0]).toBeCloseTo(60 + 36, 0);
    expect(controller[0]).toBeGreaterThan(94);
    expect(Math.abs(open[0] - controller[0])).toBeLessThan(1.5);
    expect(open[2]).toBeCloseTo(GROUND + AVATAR_HALF_HEIGHT, 2);
    const mid = new PhysicsWorld(R, { openGround: true, terrainMesh: true });
    mid.setTerrain(terrain);
    paving(mid);
    mid.addAvatar(1, standAt(70, 100));
    run(mid, east, 2);
    expect(mid.avatar(1)?.position[2]).toBeCloseTo(GROUND + 0.05 + AVATAR_HALF_HEIGHT, 2);
  });

  it('does not walk up terrain steeper than a slope it may climb', () => {
    // A 60° terrain wall rising east of x = 70.
    const cliff = (x: number) => GROUND + Math.max(0, x - 70) * Math.tan((60 * Math.PI) / 180);
    const [controller, open] = walkBoth(3, east, flat(129, 1, cliff));
    expect(open?.at(-1)?.[0]).toBeLessThan(71);
    expect(controller?.at(-1)?.[0]).toBeLessThan(71);
  });
});
