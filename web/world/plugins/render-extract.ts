/**
 * The render-extract plugin: after the frame's writes, tells the render worker what to draw. When the scene's
 * structure changed (entities came or went, a shape or a colour list changed) it writes the slots of every
 * drawable entity, from a cached query, into the shared render list and bumps the structure version; the
 * renderer then never scans the world's slots. It also publishes the slot of your avatar for the camera.
 */
import type { Plugin, SystemContext } from '../../engine';
import { Avatar, Shape, Transform } from '../../scene/components';
import { RenderListWriter } from '../../scene/render-list';
import type { SyncWriter } from '../../scene/sync-header';
import { Entities, SceneChanges, selfEntity } from '../keys';

/** What the renderer draws: posed prims and avatars. */
export const DRAWABLE = { all: [Transform], any: [Shape, Avatar] };

export function renderExtractPlugin(sync: SyncWriter, renderList: SharedArrayBuffer): Plugin {
  const list = new RenderListWriter(renderList);
  return {
    name: 'render-extract',
    after: ['net'],
    build(app) {
      let self = -2;
      app.addSystem({
        name: 'render-list',
        phase: 'renderExtract',
        reads: [Transform, Shape, Avatar],
        run: (ctx: SystemContext) => {
          const world = ctx.world;
          const changes = app.resource(SceneChanges);
          if (changes.structural) {
            changes.structural = false;
            list.write(world.query(DRAWABLE).entities());
            sync.structureChanged();
          }
          const ecs = selfEntity(world, app.resource(Entities));
          const slot = ecs !== undefined ? world.indexOf(ecs) : -1;
          if (slot !== self) {
            self = slot;
            sync.setSelf(slot);
          }
        },
      });
    },
  };
}
