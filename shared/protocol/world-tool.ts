/** World Tool Protocol v1 (Finalverse): actions, the operations that carry them, and their results. */
import { z } from 'zod';
import { boundedString, Color, EntityId, EntityKind, ModelHash, Quat, Vec3 } from './entity';
import { MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES } from './limits';
import { VersionVector } from './version-vector';

/** Largest inspect radius (metres) and result count. */
export const MAX_INSPECT_RADIUS = 64;
export const MAX_INSPECT_ENTITIES = 64;
/** Most actions in one plan. */
export const MAX_PLAN_ACTIONS = 32;
/** Most journal entries in one answer. */
export const MAX_JOURNAL_ENTRIES = 100;
/** Largest edge of a prim a tool may make (metres). */
export const MAX_PRIM_SIZE = 64;

const Size = z.tuple([
  z.number().positive().max(MAX_PRIM_SIZE),
  z.number().positive().max(MAX_PRIM_SIZE),
  z.number().positive().max(MAX_PRIM_SIZE),
]);

/** One World Tool Protocol v1 action. Ids, actors and timestamps are assigned by the server. */
export const WorldAction = z.discriminatedUnion('tool', [
  z.object({ tool: z.literal('move_entity'), entity: EntityId, position: Vec3 }),
  z.object({ tool: z.literal('rotate_entity'), entity: EntityId, rotation: Quat }),
  z.object({ tool: z.literal('scale_entity'), entity: EntityId, scale: Size }),
  z.object({ tool: z.literal('set_name'), entity: EntityId, name: boundedString(MAX_NAME_BYTES) }),
  z.object({ tool: z.literal('set_description'), entity: EntityId, description: boundedString(MAX_DESCRIPTION_BYTES) }),
  z.object({
    tool: z.literal('set_color'),
    entity: EntityId,
    color: Color,
    /** One face, or every face when absent. */
    face: z.number().int().min(0).max(31).optional(),
  }),
  z.object({
    tool: z.literal('create_primitive'),
    shape: z.enum(['box', 'sphere']),
    position: Vec3,
    rotation: Quat.optional(),
    scale: Size.optional(),
    color: Color.optional(),
    name: boundedString(MAX_NAME_BYTES).optional(),
    /** Physical: it falls, rolls and can be pushed (the world simulates it). */
    physical: z.boolean().optional(),
  }),
  z.object({
    /** Places an uploaded glTF model (POST /api/models); needs the create permission. */
    tool: z.literal('create_model'),
    model: ModelHash,
    position: Vec3,
    rotation: Quat.optional(),
    /** Its size in metres; the model's own size (its bounding box, fitted within 64 m) when absent. */
    scale: Size.optional(),
    /** A tint multiplied into the model's own colours (white when absent). */
    color: Color.optional(),
    name: boundedString(MAX_NAME_BYTES).optional(),
  }),
  z.object({
    tool: z.literal('clone_entity'),
    entity: EntityId,
    /** Where the clone goes; 1 m east of the original when absent. */
    position: Vec3.optional(),
  }),
  z.object({ tool: z.literal('delete_entity'), entity: EntityId }),
  z.object({
    tool: z.literal('create_structure'),
    structure: z.enum(['wall', 'stairs', 'tower']),
    position: Vec3,
    /** Blocks (wall length, steps, tower storeys): 1–16. */
    size: z.number().int().min(1).max(16).optional(),
    color: Color.optional(),
  }),
]);
export type WorldAction = z.infer<typeof WorldAction>;

/** Prims an action creates: one for a primitive, a model or a clone, one per block of a structure (4 when its size is absent). */
export function creationsOf(action: WorldAction): number {
  if (action.tool === 'create_primitive' || action.tool === 'create_model' || action.tool === 'clone_entity') return 1;
  if (action.tool === 'create_structure') return action.size ?? 4;
  return 0;
}

/** One block of a structure: a box with its name, centre and size (metres). */
export interface StructureBlock {
  name: string;
  position: [number, number, number];
  scale: [number, number, number];
  color: [number, number, number, number];
}

/** A structure's default colour (a light stone). */
export const STRUCTURE_COLOR: [number, number, number, number] = [180, 170, 160, 255];

/**
 * The boxes a create_structure lays out (a wall along +x, stairs climbing +x, a tower of 3 m storeys): one layout for
 * the world room that builds them and the viewer that previews them.
 */
export function structureBlocks(action: Extract<WorldAction, { tool: 'create_structure' }>): StructureBlock[] {
  const n = action.size ?? 4;
  const [r, g, b, a] = action.color ?? STRUCTURE_COLOR;
  const [x, y, z] = action.position;
  const blocks: StructureBlock[] = [];
  for (let i = 0; i < n; i++) {
    const color: [number, number, number, number] = [r, g, b, a];
    if (action.structure === 'wall')
      blocks.push({ name: `Wall ${i + 1}`, position: [x + i, y, z + 0.5], scale: [1, 0.3, 1], color });
    else if (action.structure === 'stairs')
      blocks.push({ name: `Step ${i + 1}`, position: [x + i * 0.5, y, z + 0.125 + i * 0.25], scale: [0.5, 1.5, 0.25], color });
    else blocks.push({ name: `Storey ${i + 1}`, position: [x, y, z + 1.5 + i * 3], scale: [3, 3, 3], color });
  }
  return blocks;
}

/** The tool names, for UIs and prompts. */
export const WORLD_TOOLS = WorldAction.options.map((o) => o.shape.tool.value);

/** An operation a client asks of a world (the body of an `action` frame). */
export const WorldOperation = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('inspect'),
    center: Vec3,
    radius: z.number().positive().max(MAX_INSPECT_RADIUS),
    limit: z.number().int().min(1).max(MAX_INSPECT_ENTITIES).optional(),
  }),
  z.object({
    op: z.literal('prepare'),
    actions: z.array(WorldAction).min(1).max(MAX_PLAN_ACTIONS),
    /** The versions the client based its plan on (from inspect); the current ones when absent. */
    basis: z.record(z.string().regex(/^[1-9][0-9]{0,9}$/), VersionVector).optional(),
  }),
  z.object({ op: z.literal('commit'), planId: z.string().min(1).max(64) }),
  z.object({ op: z.literal('undo'), planId: z.string().min(1).max(64) }),
  z.object({
    op: z.literal('journal'),
    limit: z.number().int().min(1).max(MAX_JOURNAL_ENTRIES).optional(),
    /** Entries with a sequence number below this one (for paging back). */
    before: z.number().int().min(1).optional(),
  }),
]);
export type WorldOperation = z.infer<typeof WorldOperation>;

/** What inspect tells about one entity. */
export const EntityInfo = z.object({
  id: EntityId,
  kind: EntityKind,
  name: z.string(),
  description: z.string(),
  shape: z.string(),
  position: Vec3,
  rotation: Quat,
  scale: Vec3,
  colors: z.array(Color),
  version: VersionVector,
  distance: z.number().min(0),
});
export type EntityInfo = z.infer<typeof EntityInfo>;

/** WorldLine journal states: prepared → intent → committed | rolled_back | recovery_required | interrupted; committed → undone. */
export const JournalState = z.enum([
  'prepared',
  'intent',
  'committed',
  'rolled_back',
  'recovery_required',
  'interrupted',
  'undone',
]);
export type JournalState = z.infer<typeof JournalState>;

/** One WorldLine journal entry (append-only history of plans). */
export const JournalEntry = z.object({
  seq: z.number().int().min(1),
  planId: z.string(),
  state: JournalState,
  actor: z.string(),
  at: z.number(),
  actions: z.array(WorldAction),
  entities: z.array(EntityId),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

/** An entity whose version moved on since the plan's basis: the edit lost and was not applied. */
export const Conflict = z.object({ entity: EntityId, expected: VersionVector, actual: VersionVector });
export type Conflict = z.infer<typeof Conflict>;

/** The answer to an operation. */
export const OperationResult = z.discriminatedUnion('op', [
  z.object({ op: z.literal('inspect'), entities: z.array(EntityInfo), truncated: z.boolean() }),
  z.object({
    op: z.literal('prepare'),
    planId: z.string(),
    expiresAt: z.number(),
    actions: z.array(WorldAction),
    basis: z.record(z.string(), VersionVector),
  }),
  z.object({
    op: z.literal('commit'),
    planId: z.string(),
    journalSeq: z.number().int(),
    actor: z.string(),
    committedAt: z.number(),
    created: z.array(EntityId),
    changed: z.array(EntityId),
    deleted: z.array(EntityId),
    versions: z.record(z.string(), VersionVector),
  }),
  z.object({
    op: z.literal('undo'),
    planId: z.string(),
    journalSeq: z.number().int(),
    restored: z.array(EntityId),
    removed: z.array(EntityId),
  }),
  z.object({ op: z.literal('journal'), entries: z.array(JournalEntry) }),
  z.object({
    op: z.literal('failed'),
    code: z.string(),
    message: z.string(),
    conflicts: z.array(Conflict).optional(),
  }),
]);
export type OperationResult = z.infer<typeof OperationResult>;
