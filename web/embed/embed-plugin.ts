/**
 * The embed plugin: the host page's entity API (docs/embedding.md) over the live world the viewer shows.
 * Each `embed` command (an embed request, parsed at the worker's door) is answered by the embed API handler
 * (web/embed/api-handler.ts) over this App's world, and the answer goes out as an `embed` event. Entities
 * the host creates are LOCAL: marked `Local`, drawn like any prim or avatar, never in the net plugin's index
 * (so a server snapshot never despawns them) and never sent anywhere. Joining another place (a `connect` or
 * `connect-grid` command) clears them: they belong to the place they were made in.
 */

import { SHAPE_PRESETS } from '../../shared/protocol';
import { type ComponentDef, type EntityId, type MemoryMode, NO_ENTITY, type Plugin, type World } from '../engine';
import {
  Faces,
  Ghost,
  Local,
  LocalPose,
  Model,
  NetId,
  Parent,
  Sculpt,
  Shape,
  Sound,
  Surface,
  TextureAnimation,
  Transform,
  VIEWER_COMPONENTS,
} from '../scene/components';
import { Commands, Outbox, SceneChanges } from '../world/keys';
import type { EmbedOutMessage } from '../world/world-protocol';
import { createEmbedApi } from './api-handler';

/** Most entities a host may make in the live world (init's `capacity`; configure's ceiling). */
export const HOST_ENTITY_CAPACITY = 16_384;

/** Components whose values change what the renderer draws (mesh, colours), not only where. */
const STRUCTURAL: readonly ComponentDef[] = [Shape, Faces];
const LOCALS = { all: [Local] };

/** A new host entity's fields that zero would make useless: an identity pose, unit scale, a box. */
function setDefaults(world: World, id: EntityId, defs: readonly ComponentDef[]): void {
  if (defs.includes(Transform)) world.set(id, Transform, { rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
  if (defs.includes(LocalPose)) world.set(id, LocalPose, { rotation: [0, 0, 0, 1] });
  if (defs.includes(Parent)) world.set(id, Parent, { entity: NO_ENTITY });
  if (defs.includes(Shape)) world.set(id, Shape, { ...SHAPE_PRESETS.box });
}

/** Destroys every host entity (a new place begins); returns how many there were. */
function clearLocals(world: World): number {
  return world.destroyAll(world.query(LOCALS));
}

export interface EmbedPluginOptions {
  /** The world's memory mode, as init reports it (the worker entry knows it: web/engine/memory-mode.ts). */
  memory: MemoryMode;
}

/** The embed plugin (after net: it flags SceneChanges, which net inserts). */
export function embedPlugin(options: EmbedPluginOptions): Plugin {
  return {
    name: 'embed',
    after: ['net'],
    build(app) {
      const world = app.world;
      const outbox = app.resource(Outbox);
      const changes = app.resource(SceneChanges);
      const post = (message: EmbedOutMessage): void => outbox.post({ type: 'embed', message });
      const memory = options.memory;
      const api = createEmbedApi({
        world,
        memory,
        capacity: HOST_ENTITY_CAPACITY,
        emit: (event) => post({ type: 'embed-event', event }),
        access: {
          create: (defs) => {
            const all = defs.includes(Local) ? defs : [...defs, Local];
            const id = world.create(...all);
            setDefaults(world, id, all);
            changes.structural = true;
            return id;
          },
          owns: (id) => world.has(id, Local),
          written: (_id, def, added) => {
            if (added || STRUCTURAL.includes(def)) changes.structural = true;
          },
          // A host entity has no server id; NetId would make it look like one of the server's. Sound's asset
          // column indexes the sound plugin's own table, Surface and Sculpt the material table: a host cannot fill those.
          // Model names an edge-stored glTF model; host entities do not draw models (yet). Ghost is the Build panel's.
          // TextureAnimation moves textures, which a host entity has none of (no Surface).
          open: (def) =>
            def !== NetId &&
            def !== Sound &&
            def !== Surface &&
            def !== Sculpt &&
            def !== Model &&
            def !== Ghost &&
            def !== TextureAnimation,
        },
      });
      const commands = app.reader(Commands);
      app.addSystem({
        name: 'embed',
        phase: 'update',
        exclusive: true,
        writes: [...VIEWER_COMPONENTS],
        run: () => {
          // In the page's order: a request made before a join is answered before the join clears its entities.
          for (const c of commands.read()) {
            // Parsed here with the embed API's own schema (the world's door only knows it is a request): a
            // refusal is answered under the request's id like any other error.
            if (c.type === 'embed') post({ type: 'embed-response', response: api.handleMessage(c.request) });
            else if ((c.type === 'connect' || c.type === 'connect-grid') && clearLocals(world) > 0) changes.structural = true;
          }
        },
      });
      post({ type: 'embed-ready', engine: memory, crossOriginIsolated: memory === 'shared-memory' });
    },
  };
}
