import { describe, expect, it } from 'vitest';
import { quatRotate } from '../../../../shared/math/quat';
import { type Entity, SHAPE_PRESETS } from '../../../../shared/protocol';
import { createWorld } from '../../../../web/engine';
import { Faces, Shape, Transform, VIEWER_COMPONENTS } from '../../../../web/scene/components';
import { createSyncBuffer, SyncReader, SyncWriter } from '../../../../web/scene/sync-header';
import { WorldApplier } from '../../../../web/world/world-apply';

const yaw90: [number, number, number, number] = [0, 0, Math.SQRT1_2, Math.SQRT1_2];

function entity(id: number, overrides: Partial<Entity> = {}): Entity {
  return {
    id,
    kind: 'prim',
    parent: 0,
    name: `thing ${id}`,
    description: '',
    position: [10, 20, 30],
    rotation: [0, 0, 0, 1],
    scale: [1, 2, 3],
    velocity: [0, 0, 0],
    shape: SHAPE_PRESETS.box,
    colors: [[255, 0, 0, 255]],
    ...overrides,
  };
}

function setup() {
  const world = createWorld({ components: [...VIEWER_COMPONENTS], capacity: 1024 });
  const buffer = createSyncBuffer();
  const applier = new WorldApplier(world, new SyncWriter(buffer));
  return { world, applier, reader: new SyncReader(buffer) };
}

describe('applying network entities to the ECS', () => {
  it('creates one ECS entity per server entity with its pose, shape and colours', () => {
    const { world, applier } = setup();
    applier.apply(
      [
        entity(7, {
          shape: SHAPE_PRESETS.sphere,
          colors: [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
        }),
      ],
      [],
    );
    const info = applier.byNet.get(7);
    expect(info).toBeDefined();
    const ecs = info?.ecs ?? 0;
    expect(Array.from(world.get(ecs, Transform).position)).toEqual([10, 20, 30]);
    expect(Array.from(world.get(ecs, Transform).scale)).toEqual([1, 2, 3]);
    expect(world.get(ecs, Shape).pathCurve).toBe(SHAPE_PRESETS.sphere.pathCurve);
    const faces = world.get(ecs, Faces);
    expect(faces.count).toBe(2);
    expect(Array.from(faces.rgba).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('poses linkset children against their parent, even when the child comes first, and follows the parent', () => {
    const { world, applier } = setup();
    const child = entity(2, { parent: 1, position: [1, 0, 0] });
    applier.apply([child, entity(1, { position: [100, 100, 20], rotation: yaw90 })], []);
    const pos = world.get(applier.byNet.get(2)?.ecs ?? 0, Transform).position;
    const expected = quatRotate(yaw90, [1, 0, 0]);
    expect(pos[0]).toBeCloseTo(100 + expected[0]);
    expect(pos[1]).toBeCloseTo(100 + expected[1]);
    applier.apply([entity(1, { position: [50, 50, 20], rotation: yaw90 })], []);
    expect(world.get(applier.byNet.get(2)?.ecs ?? 0, Transform).position[0]).toBeCloseTo(50 + expected[0]);
  });

  it('bumps the structure version on spawn, shape or colour change and despawn, but not on movement', () => {
    const { world, applier, reader } = setup();
    applier.apply([entity(1)], []);
    const v1 = reader.structure();
    applier.apply([entity(1, { position: [11, 20, 30] })], []);
    expect(reader.structure()).toBe(v1);
    applier.apply([entity(1, { colors: [[0, 255, 0, 255]] })], []);
    expect(reader.structure()).toBe(v1 + 1);
    const ecs = applier.byNet.get(1)?.ecs ?? 0;
    applier.apply([], [1]);
    expect(reader.structure()).toBe(v1 + 2);
    expect(world.isAlive(ecs)).toBe(false);
    expect(reader.sequence() % 2).toBe(0);
  });

  it('publishes the slot of your avatar for the follow camera', () => {
    const { world, applier, reader } = setup();
    applier.setSelf(5);
    expect(reader.self()).toBe(-1);
    applier.apply([entity(5, { kind: 'avatar' })], []);
    expect(reader.self()).toBe(world.indexOf(applier.byNet.get(5)?.ecs ?? 0));
    applier.apply([], [5]);
    expect(reader.self()).toBe(-1);
  });
});
