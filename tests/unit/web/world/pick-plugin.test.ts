/** Picking: a ray meets the nearest oriented box; the world's pick plugin answers `pick` with what the ray met. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHAPE_PRESETS } from '../../../../shared/protocol';
import { Commands } from '../../../../web/world/keys';
import { nearestHit, rayBoxDistance } from '../../../../web/world/pick';
import { WorldCommand } from '../../../../web/world/world-protocol';
import { testEntity, testSnapshot, testWelcome } from '../../../support/entities';
import { worldHarness } from '../../../support/world-harness';

const IDENTITY = [0, 0, 0, 1];
const yaw = (a: number) => [0, 0, Math.sin(a / 2), Math.cos(a / 2)];

describe('rayBoxDistance', () => {
  it('meets an axis-aligned box at its near face', () => {
    expect(rayBoxDistance([0, 0, 0], [1, 0, 0], [10, 0, 0], IDENTITY, [2, 2, 2])).toBeCloseTo(9);
  });

  it('misses a box beside the ray, and a box behind it', () => {
    expect(rayBoxDistance([0, 0, 0], [1, 0, 0], [10, 3, 0], IDENTITY, [2, 2, 2])).toBeNull();
    expect(rayBoxDistance([0, 0, 0], [1, 0, 0], [-10, 0, 0], IDENTITY, [2, 2, 2])).toBeNull();
  });

  it('turns the box: a long thin box turned 90° about Z lies across a ray it would miss unturned', () => {
    // 10 m along X, 0.2 m along Y, centred 5 m ahead on Y: the ray up Y passes beside it unturned…
    expect(rayBoxDistance([3, 0, 0], [0, 1, 0], [0, 5, 0], IDENTITY, [0.2, 10, 0.2])).toBeNull();
    // …and meets it once it is turned to lie along X.
    expect(rayBoxDistance([3, 0, 0], [0, 1, 0], [0, 5, 0], yaw(Math.PI / 2), [0.2, 10, 0.2])).toBeCloseTo(4.9, 5);
  });

  it('meets a box it starts inside at 0', () => {
    expect(rayBoxDistance([0, 0, 0], [0, 0, -1], [0, 0, 0], IDENTITY, [48, 48, 0.2])).toBe(0);
  });

  it('never answers a point outside the box, whatever the ray and the turn (property)', () => {
    const v = fc.double({ min: -50, max: 50, noNaN: true });
    const side = fc.double({ min: 0.1, max: 20, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(v, v, v),
        fc.tuple(v, v, v).filter((d) => Math.hypot(...d) > 0.01),
        fc.tuple(v, v, v),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.tuple(side, side, side),
        (o, d, p, a, s) => {
          const t = rayBoxDistance(o, d, p, yaw(a), s);
          if (t === null) return;
          expect(t).toBeGreaterThanOrEqual(0);
          // The point the ray reaches, in the box's frame, is on or inside the box.
          const hit = [o[0] + d[0] * t - p[0], o[1] + d[1] * t - p[1], o[2] + d[2] * t - p[2]];
          const c = Math.cos(-a);
          const sn = Math.sin(-a);
          const [hx = 0, hy = 0, hz = 0] = hit;
          const local = [hx * c - hy * sn, hx * sn + hy * c, hz];
          for (let k = 0; k < 3; k++) expect(Math.abs(local[k] ?? 0)).toBeLessThanOrEqual((s[k] ?? 0) / 2 + 1e-6 * (1 + t));
        },
      ),
    );
  });
});

describe('nearestHit', () => {
  it('answers the nearest box the ray meets within range', () => {
    const boxes = [
      { position: [20, 0, 0], rotation: IDENTITY, scale: [2, 2, 2] },
      { position: [8, 0, 0], rotation: IDENTITY, scale: [2, 2, 2] },
      { position: [4, 5, 0], rotation: IDENTITY, scale: [2, 2, 2] },
    ];
    expect(nearestHit([0, 0, 0], [1, 0, 0], 3, (i) => boxes[i] ?? null)).toEqual({ index: 1, distance: 7 });
    expect(nearestHit([0, 0, 0], [1, 0, 0], 3, (i) => boxes[i] ?? null, 5)).toBeNull();
  });
});

const ADA = '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234';
const STRANGER = '11111111-2222-4333-8444-555555555555';

function harness() {
  const { world, posts, deliver, step } = worldHarness();
  deliver(testWelcome(1, { permissions: 3 }));
  deliver(
    testSnapshot([
      testEntity(1, { kind: 'avatar', position: [100, 100, 20], scale: [0.6, 0.6, 1.8], name: 'me' }),
      testEntity(2, {
        kind: 'avatar',
        position: [100, 110, 20],
        scale: [0.6, 0.6, 1.8],
        name: 'Ada Lovelace',
        uuid: ADA,
      }),
      testEntity(30, { name: 'Fountain orb', position: [100, 120, 20], scale: [1.6, 1.6, 1.6], shape: SHAPE_PRESETS.sphere }),
      testEntity(31, { name: 'Bench', position: [110, 100, 20], scale: [2, 0.6, 0.5], rotation: [0, 0, 0, 1] }),
      // Owned: by Ada (in view: named), by someone not in view (UUID only), by a Finalverse creator (name only).
      testEntity(40, { name: 'Ada crate', position: [90, 100, 20], scale: [1, 1, 1], owner: { uuid: ADA } }),
      testEntity(41, { name: 'Far crate', position: [100, 90, 20], scale: [1, 1, 1], owner: { uuid: STRANGER } }),
      testEntity(42, { name: 'Built', position: [100, 100, 10], scale: [1, 1, 1], owner: { name: 'Grace' } }),
    ]),
  );
  step();
  const pick = (id: number, origin: number[], dir: number[]) => {
    world.app.send(Commands, WorldCommand.parse({ type: 'pick', id, origin, dir }));
    step();
    const answer = posts.filter((e) => e.type === 'picked' && e.id === id).at(-1);
    if (answer?.type !== 'picked') throw new Error(`no answer to pick ${id}`);
    return answer.object;
  };
  return { pick };
}

describe('the pick plugin', () => {
  it('names the prim a ray meets: its name, shape, size and distance (no owner where the world sent none)', () => {
    const h = harness();
    const orb = h.pick(1, [100, 100, 20], [0, 1, 0]);
    // Your own avatar (where the ray starts) is never picked; Ada stands in the way first.
    expect(orb?.name).toBe('Ada Lovelace');
    expect(orb?.kind).toBe('avatar');
    const bench = h.pick(2, [100, 100, 20], [1, 0, 0]);
    expect(bench).toMatchObject({ id: 31, kind: 'prim', name: 'Bench', shape: 'box', owner: null, uuid: null });
    expect(bench?.distance).toBeCloseTo(9, 3);
    expect(bench?.scale[0]).toBeCloseTo(2, 5);
    const sphere = h.pick(3, [100, 115, 20], [0, 1, 0]);
    expect(sphere).toMatchObject({ id: 30, name: 'Fountain orb', shape: 'sphere' });
  });

  it("reports the owner the world sent: a UUID named by the avatar in view, a UUID alone, a creator's name alone", () => {
    const h = harness();
    expect(h.pick(5, [100, 100, 20], [-1, 0, 0])).toMatchObject({ id: 40, owner: ADA, ownerName: 'Ada Lovelace' });
    expect(h.pick(6, [100, 100, 20], [0, -1, 0])).toMatchObject({ id: 41, owner: STRANGER, ownerName: null });
    expect(h.pick(7, [100, 100, 20], [0, 0, -1])).toMatchObject({ id: 42, owner: null, ownerName: 'Grace' });
    expect(h.pick(8, [100, 100, 20], [1, 0, 0])).toMatchObject({ id: 31, owner: null, ownerName: null });
  });

  it('answers null when the ray meets nothing', () => {
    expect(harness().pick(4, [100, 100, 20], [0, 0, 1])).toBeNull();
  });

  it('refuses a pick without a direction at the door', () => {
    expect(WorldCommand.safeParse({ type: 'pick', id: 1, origin: [0, 0, 0], dir: [0, 0, 0] }).success).toBe(false);
    expect(WorldCommand.safeParse({ type: 'pick', id: 1, origin: [0, Number.NaN, 0], dir: [1, 0, 0] }).success).toBe(false);
  });
});
