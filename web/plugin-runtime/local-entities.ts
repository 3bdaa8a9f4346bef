/**
 * `world:local` (docs/plugins.md): entities a plugin makes in this viewer only — a shape, a colour, a pose — drawn
 * by the renderer like any prim but marked `Local`, so they are never in the net plugin's index and never sent to
 * the server. Each plugin's own are tracked, limited in count and size, and removed when it unloads.
 */
import { z } from 'zod';
import { SHAPE_PRESETS, type ShapePreset } from '../../shared/protocol';
import type { EntityId, World } from '../engine';
import { PluginCode, pluginError } from '../plugins/errors';
import { Faces, Local, MAX_FACE_COLORS, Shape, Transform } from '../scene/components';

/** Most local entities one plugin may have at once. */
export const MAX_LOCAL_PER_PLUGIN = 256;
/** Most local entities all plugins together may have. */
export const MAX_LOCAL_TOTAL = 2048;
/** Largest side of a local entity (m) and farthest coordinate from the origin (m). */
export const MAX_LOCAL_SIZE_M = 64;
export const MAX_LOCAL_COORD_M = 100_000;

const coord = z.number().finite().min(-MAX_LOCAL_COORD_M).max(MAX_LOCAL_COORD_M);
const Position = z.tuple([coord, coord, coord]);
const side = z.number().finite().min(0.01).max(MAX_LOCAL_SIZE_M);
const channel = z.number().finite().min(0).max(1);

/** What `ctx.world.local.create` takes (and `update` takes part of). */
export const LocalEntitySpec = z
  .object({
    shape: z.enum(Object.keys(SHAPE_PRESETS) as [ShapePreset, ...ShapePreset[]]).default('box'),
    /** RGBA, each 0–1 (alpha defaults to 1). */
    color: z.union([z.tuple([channel, channel, channel]), z.tuple([channel, channel, channel, channel])]).default([1, 1, 1]),
    position: Position,
    scale: z.tuple([side, side, side]).default([1, 1, 1]),
  })
  .strict();
export type LocalEntitySpec = z.input<typeof LocalEntitySpec>;

/** What `ctx.world.local.update` takes: any of the fields. */
export const LocalEntityUpdate = z
  .object({
    color: LocalEntitySpec.shape.color.unwrap().optional(),
    position: Position.optional(),
    scale: z.tuple([side, side, side]).optional(),
  })
  .strict();

function refused(plugin: string, what: string, issues: z.ZodError): Error {
  const issue = issues.issues[0];
  return pluginError(
    PluginCode.BadMessage,
    `${plugin}: ${what}: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`,
  );
}

/** The local entities of every plugin in one world. */
export class PluginLocals {
  private readonly owned = new Map<string, Set<EntityId>>();
  private total = 0;

  /** `structural` is told when something the renderer draws changed (a new entity, a shape, a colour). */
  constructor(
    private readonly world: World,
    private readonly structural: () => void,
  ) {}

  /** Makes a local entity for `plugin`; returns its id. */
  create(plugin: string, spec: unknown): number {
    const parsed = LocalEntitySpec.safeParse(spec);
    if (!parsed.success) throw refused(plugin, 'local.create', parsed.error);
    const mine = this.prune(plugin);
    if (mine.size >= MAX_LOCAL_PER_PLUGIN)
      throw pluginError(
        PluginCode.LocalLimit,
        `${plugin}: at most ${MAX_LOCAL_PER_PLUGIN} local entities per plugin; remove some first`,
      );
    if (this.total >= MAX_LOCAL_TOTAL)
      throw pluginError(
        PluginCode.LocalLimit,
        `${plugin}: the plugins have ${MAX_LOCAL_TOTAL} local entities, the most this viewer holds`,
      );
    const s = parsed.data;
    const id = this.world.create(Transform, Shape, Faces, Local);
    this.world.set(id, Transform, { position: s.position, rotation: [0, 0, 0, 1], scale: s.scale });
    this.world.set(id, Shape, { ...SHAPE_PRESETS[s.shape] });
    this.writeColor(id, s.color);
    mine.add(id);
    this.total++;
    this.structural();
    return id;
  }

  /** Moves, resizes or recolours one of `plugin`'s local entities. */
  update(plugin: string, id: unknown, fields: unknown): void {
    const entity = this.own(plugin, id);
    const parsed = LocalEntityUpdate.safeParse(fields);
    if (!parsed.success) throw refused(plugin, 'local.update', parsed.error);
    const u = parsed.data;
    if (u.position || u.scale)
      this.world.set(entity, Transform, {
        ...(u.position ? { position: u.position } : {}),
        ...(u.scale ? { scale: u.scale } : {}),
      });
    if (u.color) {
      this.writeColor(entity, u.color);
      this.structural();
    }
  }

  /** Removes one of `plugin`'s local entities. */
  remove(plugin: string, id: unknown): void {
    const entity = this.own(plugin, id);
    this.world.destroy(entity);
    this.owned.get(plugin)?.delete(entity);
    this.total--;
    this.structural();
  }

  /** Removes every local entity of `plugin` (it unloaded); returns how many. */
  removeAll(plugin: string): number {
    const mine = this.owned.get(plugin);
    if (!mine) return 0;
    let n = 0;
    for (const id of mine)
      if (this.world.isAlive(id)) {
        this.world.destroy(id);
        n++;
      }
    this.total -= mine.size;
    this.owned.delete(plugin);
    if (n > 0) this.structural();
    return n;
  }

  /** How many local entities `plugin` has. */
  count(plugin: string): number {
    return this.prune(plugin).size;
  }

  /** `plugin`'s set, without entities something else destroyed (joining another place clears local entities). */
  private prune(plugin: string): Set<EntityId> {
    let mine = this.owned.get(plugin);
    if (!mine) {
      mine = new Set();
      this.owned.set(plugin, mine);
    }
    for (const id of mine)
      if (!this.world.isAlive(id)) {
        mine.delete(id);
        this.total--;
      }
    return mine;
  }

  private own(plugin: string, id: unknown): EntityId {
    const mine = this.prune(plugin);
    if (typeof id !== 'number' || !mine.has(id))
      throw pluginError(PluginCode.PermissionDenied, `${plugin}: ${String(id).slice(0, 32)} is not one of its local entities`);
    return id;
  }

  private writeColor(id: EntityId, color: readonly number[]): void {
    const rgba = new Array<number>(MAX_FACE_COLORS * 4).fill(0);
    for (let l = 0; l < 4; l++) rgba[l] = Math.round((color[l] ?? 1) * 255);
    this.world.set(id, Faces, { count: 1, rgba });
  }
}
