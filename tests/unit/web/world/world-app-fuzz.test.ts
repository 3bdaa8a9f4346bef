/**
 * The world App against any sequence of frames a server may send (valid on the wire, hostile in meaning:
 * parents that never come, parents that are their own children, kinds that change, despawns of unknown ids,
 * partial updates of unknown ids, snapshots in parts): it never throws, and what it holds stays consistent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Entity, type EntityUpdate, type ServerMessage, SHAPE_PRESETS } from '../../../../shared/protocol';
import { Transform } from '../../../../web/scene/components';
import { RenderListReader } from '../../../../web/scene/render-list';
import { Commands, Entities } from '../../../../web/world/keys';
import { createWorldApp } from '../../../../web/world/world-app';
import { fakeConnection } from '../../../support/fake-connection';

const id = fc.integer({ min: 1, max: 24 });
const coord = fc.double({ min: -50, max: 300, noNaN: true });
const vec = fc.tuple(coord, coord, coord);
const unit = fc.double({ min: -1, max: 1, noNaN: true });

const entity: fc.Arbitrary<Entity> = fc.record({
  id,
  kind: fc.constantFrom('prim' as const, 'avatar' as const),
  parent: fc.oneof(fc.constant(0), id),
  name: fc.string({ maxLength: 8 }),
  description: fc.constant(''),
  position: vec,
  rotation: fc.tuple(unit, unit, unit, unit),
  scale: fc.tuple(fc.double({ min: 0.01, max: 10, noNaN: true }), fc.constant(1), fc.constant(1)),
  velocity: fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(0), fc.constant(0)),
  shape: fc.constantFrom(...Object.values(SHAPE_PRESETS)),
  colors: fc.array(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), { minLength: 1, maxLength: 4 }),
});

const update: fc.Arbitrary<EntityUpdate> = fc.oneof(
  entity,
  fc.record({ id, position: vec, velocity: vec }, { requiredKeys: ['id'] }),
  fc.record(
    { id, parent: fc.oneof(fc.constant(0), id), kind: fc.constantFrom('prim' as const, 'avatar' as const) },
    { requiredKeys: ['id'] },
  ),
  fc.record(
    { id, colors: fc.array(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.constant(255)), { minLength: 1, maxLength: 3 }) },
    {
      requiredKeys: ['id'],
    },
  ),
);

const frame: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({
    type: fc.constant('snapshot' as const),
    tick: fc.nat(1000),
    part: fc.nat(2),
    parts: fc.integer({ min: 1, max: 3 }),
    entities: fc.array(entity, { maxLength: 12 }),
  }),
  fc.record({
    type: fc.constant('delta' as const),
    baseline: fc.nat(1000),
    tick: fc.nat(1000),
    entities: fc.array(update, { maxLength: 12 }),
  }),
  fc.record({ type: fc.constant('despawn' as const), tick: fc.nat(1000), ids: fc.array(id, { maxLength: 6 }) }),
  fc.record({
    type: fc.constant('welcome' as const),
    version: fc.constant(1 as const),
    session: fc.constant('s'),
    avatar: id,
    bounds: fc.constant({ min: [0, 0, -16] as [number, number, number], max: [256, 256, 240] as [number, number, number] }),
    serverTime: fc.constant(0),
    tick: fc.nat(1000),
    resumed: fc.boolean(),
    permissions: fc.constant(7),
  }),
);

describe('the world App under any sequence of server frames', () => {
  it('never throws, keeps one ECS entity per server entity, and draws only live ones', () => {
    fc.assert(
      fc.property(fc.array(fc.array(frame, { maxLength: 4 }), { minLength: 1, maxLength: 12 }), (frames) => {
        let t = 1000;
        let deliver: (m: ServerMessage) => void = () => {};
        const posts: string[] = [];
        const world = createWorldApp({
          post: (e) => posts.push(e.type),
          now: () => t,
          hardwareConcurrency: 2,
          workers: 1,
          world: { capacity: 1024 },
          connect: (options) => {
            deliver = (m) => options.onMessage?.(m);
            return fakeConnection();
          },
        });
        const app = world.app;
        app.send(Commands, { type: 'connect', origin: 'http://127.0.0.1:1', world: 'fuzz', kind: 'fv' });
        world.frame(0);
        for (const batch of frames) {
          for (const m of batch) deliver(m);
          t += 40;
          const failures = app.update(0.04);
          expect(failures).toEqual([]);
        }
        const index = app.resource(Entities);
        expect(app.world.size).toBe(index.byNet.size);
        const list = new RenderListReader(world.renderList).read();
        const positions = app.world.column(Transform, 'position');
        for (const slot of list) {
          expect(app.world.idAt(slot)).not.toBe(0xffffffff);
          for (let l = 0; l < 3; l++) expect(Number.isFinite(positions[slot * 3 + l])).toBe(true);
        }
        expect(posts).not.toContain('error');
      }),
      { numRuns: 200 },
    );
  });
});
