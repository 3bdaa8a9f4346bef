/** Storm entities for tests: a 1 m box at (10, 10, 20), changed by `over`. */
import { type Entity, SHAPE_PRESETS } from '../../shared/protocol';

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
