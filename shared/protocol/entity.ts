/** Entity schemas of the Storm protocol: what a renderer needs for prims and avatars, from either world source. */
import { z } from 'zod';
import { utf8Length } from './byte-io';
import { MAX_DESCRIPTION_BYTES, MAX_FACES, MAX_NAME_BYTES } from './limits';
import { EntitySculpt, FaceMaterials, HoverText, TextureAnim } from './material';
import { PrimShape } from './prim-shape';
import { EntitySound } from './sound';

export { PrimShape } from './prim-shape';

/** A string of at most `max` UTF-8 bytes. */
export const boundedString = (max: number) =>
  z.string().refine((s) => utf8Length(s) <= max, { message: `at most ${max} UTF-8 bytes` });

/** An unsigned integer of `bits` bits. */
export const uint = (bits: 8 | 16 | 32) =>
  z
    .number()
    .int()
    .min(0)
    .max(2 ** bits - 1);
/** A signed integer of 8 bits. */
export const int8 = z.number().int().min(-128).max(127);

/** A server-assigned entity id (never 0; 0 means "none"). */
export const EntityId = z.number().int().min(1).max(0xffffffff);
export type EntityId = z.infer<typeof EntityId>;

/** A point or extent in region metres (x east, y north, z up: the OpenSim convention). */
export const Vec3 = z.tuple([z.number(), z.number(), z.number()]);
export type Vec3 = z.infer<typeof Vec3>;

/** A rotation quaternion (x, y, z, w). */
export const Quat = z.tuple([
  z.number().min(-1).max(1),
  z.number().min(-1).max(1),
  z.number().min(-1).max(1),
  z.number().min(-1).max(1),
]);
export type Quat = z.infer<typeof Quat>;

/** An sRGB colour with alpha, 0–255 each. */
export const Color = z.tuple([uint(8), uint(8), uint(8), uint(8)]);
export type Color = z.infer<typeof Color>;

/** The axis-aligned box a world's positions are quantized within. */
export const Bounds = z
  .object({ min: Vec3, max: Vec3 })
  .refine((b) => b.max[0] > b.min[0] && b.max[1] > b.min[1] && b.max[2] > b.min[2], {
    message: 'max must exceed min on every axis',
  });
export type Bounds = z.infer<typeof Bounds>;

/** Entity kinds. */
export const EntityKind = z.enum(['prim', 'avatar']);
export type EntityKind = z.infer<typeof EntityKind>;

const baseShape: PrimShape = {
  pathCurve: 16,
  profileCurve: 1,
  pathBegin: 0,
  pathEnd: 0,
  pathScaleX: 100,
  pathScaleY: 100,
  pathShearX: 0,
  pathShearY: 0,
  pathTwist: 0,
  pathTwistBegin: 0,
  pathRadiusOffset: 0,
  pathTaperX: 0,
  pathTaperY: 0,
  pathRevolutions: 0,
  pathSkew: 0,
  profileBegin: 0,
  profileEnd: 0,
  profileHollow: 0,
};

/** Named basic shapes (the viewer's build menu), as OpenSim parameters. */
export const SHAPE_PRESETS = {
  box: baseShape,
  cylinder: { ...baseShape, profileCurve: 0 },
  prism: { ...baseShape, profileCurve: 3, pathScaleX: 0 },
  sphere: { ...baseShape, pathCurve: 32, profileCurve: 5 },
  torus: { ...baseShape, pathCurve: 32, profileCurve: 0, pathScaleY: 175 },
  tube: { ...baseShape, pathCurve: 32, profileCurve: 1, pathScaleY: 175 },
  ring: { ...baseShape, pathCurve: 32, profileCurve: 3, pathScaleY: 175 },
} as const satisfies Record<string, PrimShape>;
export type ShapePreset = keyof typeof SHAPE_PRESETS;

/** Colours of an entity's faces: face i uses colors[i], or colors[0] when the list is shorter. */
export const FaceColors = z.array(Color).min(1).max(MAX_FACES);
export type FaceColors = z.infer<typeof FaceColors>;

/** A UUID in lower-case 8-4-4-4-12 hex form (how LLUDP ids are written). */
export const EntityUuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');
export type EntityUuid = z.infer<typeof EntityUuid>;

/** A Finalverse glTF model's id: the SHA-256 of its bytes, 64 lower-case hex digits (GET /api/models/<hash>). */
export const ModelHash = z.string().regex(/^[0-9a-f]{64}$/, 'a model hash is 64 lower-case hex digits (SHA-256)');
export type ModelHash = z.infer<typeof ModelHash>;

/**
 * Who owns an entity, as far as its world says: an OpenSim object's owner (ObjectUpdate's OwnerID; `name` where the
 * gateway knows it), a Finalverse entity's creator through the World Tool (`name`, the visitor's display name).
 * At least one of the two is present.
 */
export const EntityOwner = z
  .object({ uuid: EntityUuid.optional(), name: boundedString(MAX_NAME_BYTES).min(1).optional() })
  .strict()
  .refine((o) => o.uuid !== undefined || o.name !== undefined, { message: 'an owner has a uuid, a name or both' });
export type EntityOwner = z.infer<typeof EntityOwner>;

/** Everything a renderer needs to draw one entity. */
export const Entity = z.object({
  id: EntityId,
  kind: EntityKind,
  /** The parent's id (position and rotation are then relative to it), or 0 for none. */
  parent: uint(32),
  name: boundedString(MAX_NAME_BYTES),
  description: boundedString(MAX_DESCRIPTION_BYTES),
  position: Vec3,
  rotation: Quat,
  /** Size in metres along each axis (positive). */
  scale: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  /** Metres per second, for dead reckoning between updates. */
  velocity: Vec3,
  shape: PrimShape,
  colors: FaceColors,
  /**
   * The source world's own id for the object, where it has one: an OpenSim object's UUID (lower-case
   * 8-4-4-4-12 hex, from ObjectUpdate's FullID). Finalverse entities leave it out.
   */
  uuid: EntityUuid.optional(),
  /** A physical prim: the world simulates it (it falls, rolls and can be pushed). Absent: it stands where it is put. */
  physical: z.boolean().optional(),
  /** The sound attached to it, where it has one (a NO_SOUND_ASSET asset: its sound stopped). */
  sound: EntitySound.optional(),
  /** Per-face materials (textures and how they lie); absent: every face untextured. */
  materials: FaceMaterials.optional(),
  /** Sculpted or mesh geometry replacing the base shape; null: none (a delta's way to say it was removed). */
  sculpt: EntitySculpt.nullable().optional(),
  /** Hover text; an empty text: none. */
  text: HoverText.optional(),
  /**
   * A Finalverse glTF model drawn instead of the base shape (fitted to the entity's scale, as a mesh prim is); set
   * when the entity is made (World Tool `create_model`), never changed. A model entity is a prim that has one.
   */
  model: ModelHash.optional(),
  /**
   * The region (a slot of the latest `regions` frame) whose frame a root entity's position is in: an OpenSim
   * grid session shows several regions at once. Sent with every position of a grid entity; absent: slot 0,
   * whose origin is the session frame's (0, 0). A child's position stays relative to its parent.
   */
  region: uint(16).optional(),
  /** Its owner where the world says one (see EntityOwner); absent: not known. Protocol field bit `owner`. */
  owner: EntityOwner.optional(),
  /** Its texture animation (llSetTextureAnim); null: none (a delta's way to say it stopped). Field bit `textureAnim`. */
  textureAnim: TextureAnim.nullable().optional(),
});
export type Entity = z.infer<typeof Entity>;

/** A change to one entity: its id and the fields that changed (all fields when it is new to the receiver). */
export const EntityUpdate = Entity.partial().extend({ id: EntityId });
export type EntityUpdate = z.infer<typeof EntityUpdate>;
