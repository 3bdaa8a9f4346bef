/** The records a world keeps: entities with their versions and change ticks, plans, sessions. */
import { z } from 'zod';
import { Entity, OperationResult, Quat, Vec3, VersionVector, WorldAction } from '../../shared/protocol';

/** One entity as the room holds it. Avatars live in memory only; prims are stored. */
export const StoredEntity = z.object({
  entity: Entity,
  /** The shape's preset name (box, sphere, …) for inspect. */
  shapeName: z.string(),
  version: VersionVector,
  /** Ticks at which the entity appeared, its transform last changed, anything else last changed. */
  createdTick: z.number().int().min(0),
  transformTick: z.number().int().min(0),
  appearanceTick: z.number().int().min(0),
});
export type StoredEntity = z.infer<typeof StoredEntity>;

/** A prepared plan: immutable once written, except for its outcome. */
export const StoredPlan = z.object({
  id: z.string(),
  actor: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  actions: z.array(WorldAction),
  basis: z.record(z.string(), VersionVector),
  state: z.enum(['prepared', 'committed', 'rolled_back', 'undone']),
  /** The commit's answer, returned again to a repeated commit. */
  result: OperationResult.optional(),
  /** The undo's answer, returned again to a repeated undo. */
  undoResult: OperationResult.optional(),
  /** Pre-images of every entity the commit touched (null: it did not exist before). */
  before: z.array(z.object({ id: z.number().int(), entity: StoredEntity.nullable() })).optional(),
  /** Versions right after the commit (null: deleted by it); undo refuses if they moved on. */
  after: z.record(z.string(), VersionVector.nullable()).optional(),
});
export type StoredPlan = z.infer<typeof StoredPlan>;

/** An interest anchor cell (edge/world/interest.ts), as sessions and socket attachments keep it. */
export const AnchorCell = z.object({ cx: z.number().int(), cy: z.number().int() });

/** A visitor's session, kept after the socket closes so that a reconnect can resume it. */
export const StoredSession = z.object({
  id: z.string(),
  actor: z.string(),
  avatar: z.number().int().min(1),
  position: Vec3,
  rotation: Quat,
  acked: z.number().int().min(0),
  lastSeen: z.number(),
  /** The interest anchor cell, and the tick it last moved at (a resume from before that tick gets a snapshot). */
  anchor: AnchorCell.optional(),
  anchorTick: z.number().int().min(0).optional(),
});
export type StoredSession = z.infer<typeof StoredSession>;
