/**
 * The pick plugin: the page's `pick` command (a ray from the camera through the pixel clicked) is answered with a
 * `picked` event naming the nearest entity the ray meets (its name, shape, size; docs/plugins.md world:select).
 */
import { shapeName } from '../../../shared/geometry/prim-shape-name';
import type { PrimShape } from '../../../shared/protocol';
import type { Plugin, SystemContext } from '../../engine';
import { Avatar, Model, NetId, Sculpt, Shape, Transform } from '../../scene/components';
import { Commands, Entities, type NetIndex, Outbox } from '../keys';
import { nearestHit, type PickedObject } from '../pick';

/** Nothing farther than this is picked (m): about what the viewer draws around you. */
export const PICK_RANGE = 256;
const PICKABLE = { all: [NetId, Transform] };
/** SL's SculptType for a mesh (the low bits of the Sculpt column's `type`). */
const SCULPT_MESH = 5;

/**
 * The owner of server entity `id` as the pick reports it: the UUID the world sent and a name — the one the world sent
 * (a Finalverse creator), else that of the avatar with the owner's UUID, if it is in view.
 */
export function ownerOf(index: NetIndex, id: number): Pick<PickedObject, 'owner' | 'ownerName'> {
  const owner = index.owners.get(id);
  if (!owner) return { owner: null, ownerName: null };
  let name = owner.name ?? null;
  if (name === null && owner.uuid !== undefined)
    for (const [other, uuid] of index.uuids)
      if (uuid === owner.uuid && other !== id) {
        name = index.names.get(other) || null;
        break;
      }
  return { owner: owner.uuid ?? null, ownerName: name };
}

/** The pick plugin (see the module comment). */
export function pickPlugin(): Plugin {
  return {
    name: 'pick',
    after: ['net'],
    build(app) {
      const commands = app.reader(Commands);
      app.addSystem({
        name: 'pick',
        phase: 'postUpdate',
        reads: [NetId, Transform, Shape, Avatar, Sculpt, Model],
        run: (ctx: SystemContext) => {
          for (const c of commands.read()) {
            if (c.type !== 'pick') continue;
            const world = ctx.world;
            const index = app.resource(Entities);
            const rows = [...world.query(PICKABLE).entities()];
            const position = world.column(Transform, 'position');
            const rotation = world.column(Transform, 'rotation');
            const scale = world.column(Transform, 'scale');
            const netIds = world.column(NetId, 'id');
            const hit = nearestHit(
              c.origin,
              c.dir,
              rows.length,
              (k) => {
                const i = rows[k] as number;
                // Your own avatar stands between a follow camera and the world: never picked.
                if ((netIds[i] ?? 0) === index.selfNetId) return null;
                return {
                  position: position.subarray(i * 3, i * 3 + 3),
                  rotation: rotation.subarray(i * 4, i * 4 + 4),
                  scale: scale.subarray(i * 3, i * 3 + 3),
                };
              },
              PICK_RANGE,
            );
            let object: PickedObject | null = null;
            if (hit) {
              const i = rows[hit.index] as number;
              const id = netIds[i] ?? 0;
              const e = index.byNet.get(id);
              const avatar = e !== undefined && world.has(e, Avatar);
              let shape = 'avatar';
              if (!avatar && e !== undefined) {
                if (world.has(e, Model)) shape = 'model';
                else if (world.has(e, Sculpt)) shape = (world.get(e, Sculpt).type & 0x3f) === SCULPT_MESH ? 'mesh' : 'sculpt';
                else if (world.has(e, Shape)) shape = shapeName(world.get(e, Shape) as PrimShape);
                else shape = 'unknown';
              }
              const v = (col: Float32Array | Float64Array, at: number): [number, number, number] => [
                col[at] ?? 0,
                col[at + 1] ?? 0,
                col[at + 2] ?? 0,
              ];
              object = {
                id,
                kind: avatar ? 'avatar' : 'prim',
                name: index.names.get(id) ?? '',
                ...ownerOf(index, id),
                shape,
                uuid: index.uuids.get(id) ?? null,
                position: v(position, i * 3),
                scale: v(scale, i * 3),
                distance: hit.distance,
              };
            }
            app.resource(Outbox).post({ type: 'picked', id: c.id, object });
          }
        },
      });
    },
  };
}
