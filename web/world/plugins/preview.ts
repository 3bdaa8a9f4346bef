/**
 * The preview plugin: a prepared World Tool Protocol plan shown in the world before the visitor commits it. Each
 * action becomes translucent "ghost" entities (Local: drawn by this viewer only, never in the net plugin's index, never
 * sent): what a creation will make, where an edited entity will be, and a red ghost over what a delete removes. The
 * page's `preview` command replaces the ghosts, `preview-clear` (and joining another place, or a new connection)
 * removes them; each change is answered by a `preview` event with the number of ghosts.
 */
import { SHAPE_PRESETS, structureBlocks, type WorldAction } from '../../../shared/protocol';
import type { EntityId, Plugin, World } from '../../engine';
import { Faces, Ghost, Local, MAX_FACE_COLORS, Model, Shape, Transform } from '../../scene/components';
import { Commands, Entities, Outbox, SceneChanges, WorldReset } from '../keys';

/** A ghost's opacity (0–255): see-through, so the world behind and the ghost's place both show. */
export const GHOST_ALPHA = 110;
/** The colour of a ghost over an entity the plan deletes. */
export const DELETE_GHOST_COLOR: [number, number, number] = [230, 40, 40];
/** A ghost with no colour of its own (a primitive or model without one): white. */
const WHITE: [number, number, number] = [255, 255, 255];
/** Most ghosts one preview draws (24 creations of up to 16 blocks each, plus edits, stay well under it). */
export const MAX_GHOSTS = 512;

type Rgb = ArrayLike<number>;
type Vec3 = [number, number, number];
type Quat = [number, number, number, number];

const v3 = (a: ArrayLike<number>, k = 1): Vec3 => [(a[0] ?? 0) * k, (a[1] ?? 0) * k, (a[2] ?? 0) * k];
const q4 = (a: ArrayLike<number>): Quat => [a[0] ?? 0, a[1] ?? 0, a[2] ?? 0, a[3] ?? 1];

/** A model's SHA-256 (64 hex digits, checked by the action's schema) as the Model component's 32 bytes. */
function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
  return out;
}

export function previewPlugin(): Plugin {
  return {
    name: 'preview',
    after: ['net'],
    build(app) {
      const world: World = app.world;
      const commands = app.reader(Commands);
      const resets = app.reader(WorldReset);
      // The ghosts now drawn, by ECS id (a host page's entities are Local too: only these ids are ghosts), and the
      // ghost standing for each edited server entity.
      let ghosts: EntityId[] = [];
      let byEntity = new Map<number, EntityId>();

      const setColor = (id: EntityId, rgb: Rgb, alpha = GHOST_ALPHA): void => {
        const rgba = new Uint8Array(MAX_FACE_COLORS * 4);
        rgba.set([rgb[0] ?? 255, rgb[1] ?? 255, rgb[2] ?? 255, Math.min(alpha, GHOST_ALPHA)]);
        world.set(id, Faces, { count: 1, rgba });
      };
      const spawn = (shape: 'box' | 'sphere', position: Vec3, rotation: Quat, scale: Vec3, rgb: Rgb): EntityId | null => {
        if (ghosts.length >= MAX_GHOSTS) return null;
        const id = world.create(Local, Ghost, Transform, Shape, Faces);
        world.set(id, Transform, { position, rotation, scale });
        world.set(id, Shape, { ...SHAPE_PRESETS[shape] });
        setColor(id, rgb);
        ghosts.push(id);
        return id;
      };
      /** A ghost copy of server entity `netId` as it is now (shape, pose, colour, model), or null when it is not here. */
      const ghostOf = (netId: number): EntityId | null => {
        const known = byEntity.get(netId);
        if (known !== undefined) return known;
        const e = app.resource(Entities).byNet.get(netId);
        if (e === undefined || !world.isAlive(e) || !world.has(e, Transform) || !world.has(e, Shape)) return null;
        if (ghosts.length >= MAX_GHOSTS) return null;
        const t = world.get(e, Transform);
        const id = world.create(Local, Ghost, Transform, Shape, Faces);
        world.set(id, Transform, { position: v3(t.position), rotation: q4(t.rotation), scale: v3(t.scale) });
        world.set(id, Shape, world.get(e, Shape));
        const faces = world.has(e, Faces) ? world.get(e, Faces) : null;
        const first = faces && faces.count > 0 ? faces.rgba : null;
        setColor(id, first ? [first[0] ?? 255, first[1] ?? 255, first[2] ?? 255] : WHITE);
        if (world.has(e, Model)) {
          world.add(id, Model, { hash: world.get(e, Model).hash });
        }
        ghosts.push(id);
        byEntity.set(netId, id);
        return id;
      };
      const pose = (id: EntityId, change: { position?: Vec3; rotation?: Quat; scale?: Vec3 }): void => {
        const t = world.get(id, Transform);
        world.set(id, Transform, {
          position: change.position ?? v3(t.position),
          rotation: change.rotation ?? q4(t.rotation),
          scale: change.scale ?? v3(t.scale),
        });
      };

      const clear = (): void => {
        for (const id of ghosts) if (world.isAlive(id)) world.destroy(id);
        ghosts = [];
        byEntity = new Map();
      };
      const show = (action: WorldAction): void => {
        switch (action.tool) {
          case 'create_primitive':
            spawn(
              action.shape,
              action.position,
              action.rotation ?? [0, 0, 0, 1],
              action.scale ?? [1, 1, 1],
              action.color ?? WHITE,
            );
            return;
          case 'create_model': {
            const id = spawn(
              'box',
              action.position,
              action.rotation ?? [0, 0, 0, 1],
              action.scale ?? [1, 1, 1],
              action.color ?? WHITE,
            );
            if (id === null) return;
            world.add(id, Model, { hash: hexBytes(action.model) });
            return;
          }
          case 'create_structure':
            for (const b of structureBlocks(action)) spawn('box', b.position, [0, 0, 0, 1], b.scale, b.color);
            return;
          case 'clone_entity': {
            const source = ghostOf(action.entity);
            if (source === null) return;
            const t = world.get(source, Transform);
            const p = action.position ?? [(t.position[0] ?? 0) + 1, t.position[1] ?? 0, t.position[2] ?? 0];
            const id = world.create(Local, Ghost, Transform, Shape, Faces);
            world.set(id, Transform, { position: v3(p), rotation: q4(t.rotation), scale: v3(t.scale) });
            world.set(id, Shape, world.get(source, Shape));
            world.set(id, Faces, world.get(source, Faces));
            ghosts.push(id);
            return;
          }
          case 'move_entity': {
            const id = ghostOf(action.entity);
            if (id !== null) pose(id, { position: action.position });
            return;
          }
          case 'rotate_entity': {
            const id = ghostOf(action.entity);
            if (id !== null) pose(id, { rotation: action.rotation });
            return;
          }
          case 'scale_entity': {
            const id = ghostOf(action.entity);
            if (id !== null) pose(id, { scale: action.scale });
            return;
          }
          case 'set_color': {
            const id = ghostOf(action.entity);
            if (id !== null) setColor(id, action.color, action.color[3]);
            return;
          }
          case 'delete_entity': {
            const id = ghostOf(action.entity);
            if (id === null) return;
            // A little larger than the entity, so it shows over it.
            const s = world.get(id, Transform).scale;
            pose(id, { scale: v3(s, 1.05) });
            setColor(id, DELETE_GHOST_COLOR);
            return;
          }
          case 'set_name':
          case 'set_description':
            // Nothing to draw: the panel lists them.
            return;
        }
      };

      app.addSystem({
        name: 'preview',
        phase: 'update',
        exclusive: true,
        writes: [Local, Ghost, Transform, Shape, Faces, Model],
        run: () => {
          const before = ghosts.length;
          let touched = false;
          if (resets.read().length > 0 && ghosts.length > 0) {
            // Ghosts belong to the connection their plan was prepared on.
            clear();
            touched = true;
          }
          for (const c of commands.read()) {
            if (c.type === 'preview') {
              clear();
              for (const a of c.actions) show(a);
              touched = true;
            } else if (c.type === 'preview-clear' || c.type === 'connect' || c.type === 'connect-grid' || c.type === 'close') {
              if (ghosts.length === 0 && c.type !== 'preview-clear') continue;
              clear();
              touched = true;
            }
          }
          if (!touched) return;
          if (before > 0 || ghosts.length > 0) app.resource(SceneChanges).structural = true;
          app.resource(Outbox).post({ type: 'preview', ghosts: ghosts.length });
        },
      });
    },
  };
}
