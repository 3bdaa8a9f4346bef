/** Storm entities and opening frames for tests: a 1 m box at (10, 10, 20), changed by `over`; a welcome; a snapshot. */
import { type Bounds, type Entity, SHAPE_PRESETS, type Snapshot, type Welcome } from '../../shared/protocol';

export function testEntity(id: number, over: Partial<Entity> = {}): Entity {
  return {
    id,
    kind: 'prim',
    parent: 0,
    name: `p${id}`,
    description: '',
    position: [10, 10, 20],
    rotation: [0, 0, 0, 1],
    scale: [1, 1, 1],
    velocity: [0, 0, 0],
    shape: SHAPE_PRESETS.box,
    colors: [[255, 0, 0, 255]],
    ...over,
  };
}

/** The tests' region: 256 m square, from 16 m under the ground to 240 m up. */
export const TEST_BOUNDS: Bounds = { min: [0, 0, -16], max: [256, 256, 240] };

/** The edge's answer to hello: you are `avatar`, on tick 1, session "s", read + edit + create (7), changed by `over`. */
export function testWelcome(avatar: number, over: Partial<Welcome> = {}): Welcome {
  return {
    type: 'welcome',
    version: 1,
    session: 's',
    avatar,
    bounds: TEST_BOUNDS,
    serverTime: 0,
    tick: 1,
    resumed: false,
    permissions: 7,
    ...over,
  };
}

/** A snapshot of `entities` in one part at `tick`. */
export function testSnapshot(entities: Entity[], tick = 1): Snapshot {
  return { type: 'snapshot', tick, part: 0, parts: 1, entities };
}
