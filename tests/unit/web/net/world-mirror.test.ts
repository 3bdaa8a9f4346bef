import { describe, expect, it } from 'vitest';
import { type Entity, SHAPE_PRESETS } from '../../../../shared/protocol';
import { WorldMirror } from '../../../../web/net/world-mirror';

const entity = (id: number, kind: Entity['kind'] = 'prim', over: Partial<Entity> = {}): Entity => ({
  id,
  kind,
  parent: 0,
  name: `e${id}`,
  description: '',
  position: [10, 10, 20],
  rotation: [0, 0, 0, 1],
  scale: [1, 1, 1],
  velocity: [0, 0, 0],
  shape: SHAPE_PRESETS.box,
  colors: [[255, 255, 255, 255]],
  ...over,
});
const bounds = { min: [0, 0, 0] as [number, number, number], max: [256, 256, 256] as [number, number, number] };
const welcome = (resumed: boolean, avatar = 100) =>
  ({ type: 'welcome', version: 1, session: 's', avatar, bounds, serverTime: 0, tick: 1, resumed, permissions: 7 }) as const;

describe('world mirror', () => {
  it('assembles a snapshot from its parts and reports it complete only after the last', () => {
    const m = new WorldMirror();
    m.apply(welcome(false));
    expect(m.apply({ type: 'snapshot', tick: 5, part: 0, parts: 2, entities: [entity(1)] }).complete).toBe(false);
    const done = m.apply({ type: 'snapshot', tick: 5, part: 1, parts: 2, entities: [entity(2), entity(100, 'avatar')] });
    expect(done).toMatchObject({ complete: true, spawned: [1, 2, 100] });
    expect(m.tick).toBe(5);
  });

  it('merges deltas field by field, spawns full records, ignores partial records of unknown ids, and despawns', () => {
    const m = new WorldMirror();
    m.apply({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [entity(1)] });
    const c = m.apply({
      type: 'delta',
      baseline: 1,
      tick: 2,
      entities: [{ id: 1, name: 'renamed' }, { id: 9, position: [1, 1, 1] }, entity(3)],
    });
    expect(c).toMatchObject({ updated: [1], spawned: [3] });
    expect(m.entities.get(1)).toMatchObject({ name: 'renamed', position: [10, 10, 20] });
    expect(m.entities.has(9)).toBe(false);
    expect(m.apply({ type: 'despawn', tick: 3, ids: [1, 77] }).despawned).toEqual([1]);
  });

  it('on a resumed welcome keeps prims and your avatar but drops other avatars', () => {
    const m = new WorldMirror();
    m.apply({
      type: 'snapshot',
      tick: 1,
      part: 0,
      parts: 1,
      entities: [entity(1), entity(100, 'avatar'), entity(101, 'avatar')],
    });
    expect(m.apply(welcome(true, 100)).despawned).toEqual([101]);
    expect([...m.entities.keys()]).toEqual([1, 100]);
  });

  it('extrapolates movers by velocity and blends corrections in instead of jumping', () => {
    const m = new WorldMirror();
    m.apply({ type: 'snapshot', tick: 1, part: 0, parts: 1, entities: [entity(5, 'avatar', { velocity: [2, 0, 0] })] }, 0);
    expect(m.positionAt(5, 1000)?.[0]).toBeCloseTo(12, 6);
    m.apply({ type: 'delta', baseline: 1, tick: 2, entities: [{ id: 5, position: [11, 10, 20], velocity: [0, 0, 0] }] }, 1000);
    const mid = m.positionAt(5, 1050)?.[0] ?? 0;
    expect(mid).toBeGreaterThan(11);
    expect(mid).toBeLessThan(12);
    expect(m.positionAt(5, 1200)?.[0]).toBeCloseTo(11, 6);
  });
});
