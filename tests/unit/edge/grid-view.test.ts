import { describe, expect, it } from 'vitest';
import { GridView } from '../../../edge/grid/grid-view';
import { RegionLink, regionHandle } from '../../../edge/grid/region-link';
import type { Entity } from '../../../shared/protocol';
import { testEntity } from '../../support/entities';

const ME = '6f0a3c1e-5b1d-4a8e-9c3b-2d7e8f901234';
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A region at grid (gx, gy) whose objects are put straight into its scene (local id → entity). */
function region(gx: number, gy: number): RegionLink {
  return new RegionLink(regionHandle(gx * 256, gy * 256), { ip: '127.0.0.1', port: 9000 + gx }, [256, 256], 'http://127.0.0.1/', {
    now: () => 0,
    onPacket: () => {},
  });
}

function put(link: RegionLink, local: number, id: string, over: Partial<Entity> = {}): Entity {
  const entity = testEntity(local, { uuid: id, ...over });
  link.scene.objects.set(local, { entity, uuid: id, crc: 0 });
  link.scene.byUuid.set(id, local);
  return entity;
}

describe('GridView: several simulators as one Storm world', () => {
  it('gives each region a slot and its origin in the session frame (west and south of the first region below 0)', () => {
    const home = region(1000, 1000);
    const view = new GridView(home.handle, ME);
    const east = region(1001, 1000);
    const southWest = region(999, 999);
    expect(view.regions([home, east, southWest]).regions.map((r) => [r.slot, r.origin])).toEqual([
      [0, [0, 0]],
      [1, [256, 0]],
      [2, [-256, -256]],
    ]);
    expect(view.regions([east, home]).current).toBe(1);
    // A simulator's own name can be longer than a frame carries: clipped, never a frame that fails to encode.
    east.name = 'E'.repeat(200);
    expect(view.regions([home, east]).regions[1]?.name).toBe('E'.repeat(64));
    const patch = { type: 'terrain' as const, x: 16, y: 32, size: 1, spacing: 1, heights: [5] };
    expect(view.terrain(southWest, [patch])[0]).toMatchObject({ x: -240, y: -224 });
  });

  it('keeps one Storm id per object across simulators whose local ids collide; a child names its parent by Storm id', () => {
    const home = region(1000, 1000);
    const east = region(1001, 1000);
    const view = new GridView(home.handle, ME);
    const a = view.translate(home, put(home, 7, uuid(1)));
    const b = view.translate(east, put(east, 7, uuid(2)));
    const child = view.translate(east, put(east, 8, uuid(3), { parent: 7 }));
    expect(a?.id).not.toBe(b?.id);
    expect(child?.parent).toBe(b?.id);
    expect([a?.region, b?.region]).toEqual([0, 1]);
    // A motion update (no kind) travels by local id.
    expect(view.translate(east, { id: 7, position: [1, 2, 3] })).toEqual({ id: b?.id, position: [1, 2, 3], region: 1 });
  });

  it('lets an object belong to the region that last sent it in full; the other region can neither move nor kill it', () => {
    const home = region(1000, 1000);
    const east = region(1001, 1000);
    const view = new GridView(home.handle, ME);
    const before = view.translate(home, put(home, 5, uuid(9), { position: [250, 10, 20] }));
    const after = view.translate(east, put(east, 41, uuid(9), { position: [2, 10, 20] }));
    expect(after?.id).toBe(before?.id);
    expect(after?.region).toBe(1);
    expect(view.translate(home, { id: 5, position: [251, 10, 20] })).toBeNull();
    expect(view.despawn(home, [5])).toEqual([]);
    expect(view.despawn(east, [41])).toEqual([before?.id]);
  });

  it("never despawns your own avatar when one region lets it go, and a closed region's objects leave with it", () => {
    const home = region(1000, 1000);
    const east = region(1001, 1000);
    const view = new GridView(home.handle, ME);
    const me = view.translate(home, put(home, 1, ME, { kind: 'avatar' }));
    const rock = view.translate(home, put(home, 2, uuid(4)));
    expect(view.despawn(home, [1])).toEqual([]);
    expect(view.translate(east, put(east, 99, ME, { kind: 'avatar' }))?.id).toBe(me?.id);
    expect(view.dropRegion(home.key)).toEqual([rock?.id]);
  });

  it('snapshots every object of the shown regions once, each in its region', () => {
    const home = region(1000, 1000);
    const east = region(1001, 1000);
    const view = new GridView(home.handle, ME);
    put(home, 1, uuid(1));
    put(home, 2, uuid(2), { parent: 1 });
    put(east, 1, uuid(3));
    const all = view.snapshot([home, east]);
    expect(all).toHaveLength(3);
    expect(new Set(all.map((e) => e.id)).size).toBe(3);
    expect(all.find((e) => e.uuid === uuid(3))?.region).toBe(1);
    expect(all.find((e) => e.uuid === uuid(2))?.parent).toBe(all.find((e) => e.uuid === uuid(1))?.id);
  });
});
