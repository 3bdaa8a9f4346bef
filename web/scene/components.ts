/** The viewer's ECS components: declared once, shared by the world worker (owner) and the render worker (reader). */
import { PRIM_SHAPE_KINDS } from '../../shared/protocol';
import { defineComponent } from '../engine';

/** Most face colours kept per entity (the Storm protocol's MAX_FACES). */
export const MAX_FACE_COLORS = 32;

/**
 * World-space pose: what the renderer draws (linkset children already resolved against their parent). Tracks
 * changes: a moved root re-poses its children, and readers can copy only what moved.
 */
export const Transform = defineComponent(
  'Transform',
  { position: 'vec3', rotation: 'quat', scale: 'vec3' },
  { trackChanges: true },
);

/**
 * Dead reckoning of a root entity (the one implementation): the last reported position (`anchor`) and
 * velocity, when it arrived (`at`, ms), and where it was drawn then (`from`). The drawn position is
 * anchor + velocity·(now − at), blended in from `from` over the smoothing time so corrections never jump.
 */
export const Motion = defineComponent('Motion', { velocity: 'vec3', anchor: 'vec3', from: 'vec3', at: 'f64' });

/** A linkset child's (or attachment's) pose relative to its parent, as the server sends it. */
export const LocalPose = defineComponent('LocalPose', { position: 'vec3', rotation: 'quat' }, { trackChanges: true });

/** The ECS entity of a child's parent (NO_ENTITY while the parent has not arrived). */
export const Parent = defineComponent('Parent', { entity: 'entity' });

/** Prim shape parameters in OpenSim wire units (see shared/protocol PrimShape). */
export const Shape = defineComponent('Shape', PRIM_SHAPE_KINDS);

/** Face colours as RGBA bytes; `count` of them are set. */
export const Faces = defineComponent('Faces', { count: 'u8', rgba: { bytes: MAX_FACE_COLORS * 4 } });

/** Marks an avatar (drawn with the avatar mesh, listed among people). */
export const Avatar = defineComponent('Avatar', { self: 'u8' });

/** The server's id of this entity and of its parent (0: none). */
export const NetId = defineComponent('NetId', { id: 'u32', parent: 'u32' });

/**
 * Marks an entity a host page made through the embed API (web/embed/embed-plugin.ts): drawn by this viewer
 * only, never sent to the server, never in the net plugin's index.
 */
export const Local = defineComponent('Local', {});

/**
 * Marks a Build panel preview's ghost (web/world/plugins/preview.ts; always with Local): a plan not yet built, so not
 * one of the world's prims (the HUD's count and minimap leave it out), unlike a plugin's or host page's local entity.
 */
export const Ghost = defineComponent('Ghost', {});

/**
 * An entity's attached sound (shared/protocol EntitySound): `asset` indexes the sound plugin's asset table
 * (columns hold no strings), `radius` 0 means the default 20 m, `flags` are SL SoundFlags. Only audible sounds
 * have the component.
 */
export const Sound = defineComponent('Sound', { asset: 'u32', gain: 'f32', radius: 'f32', flags: 'u8' });

/**
 * Per-face materials (shared/protocol FaceMaterial) as indices into the material table (web/scene/material-table.ts):
 * `material` holds `count` u16s, little-endian; face f uses entry min(f, count - 1). Only entities with a textured
 * or otherwise non-default face have the component.
 */
export const Surface = defineComponent('Surface', { count: 'u8', material: { bytes: MAX_FACE_COLORS * 2 } });

/** Face `face`'s material index in Surface's `material` column (its bytes) at `slot`. */
export function surfaceMaterial(column: Uint8Array, slot: number, face: number): number {
  const o = slot * MAX_FACE_COLORS * 2 + face * 2;
  return (column[o] ?? 0) | ((column[o + 1] ?? 0) << 8);
}

/** Writes face `face`'s material index at `slot`; returns whether it changed. */
export function setSurfaceMaterial(column: Uint8Array, slot: number, face: number, index: number): boolean {
  const o = slot * MAX_FACE_COLORS * 2 + face * 2;
  const lo = index & 0xff;
  const hi = (index >> 8) & 0xff;
  if (column[o] === lo && column[o + 1] === hi) return false;
  column[o] = lo;
  column[o + 1] = hi;
  return true;
}

/**
 * Sculpted or mesh geometry: SL's SculptType byte (type in the low bits, invert 0x40, mirror 0x80) and the
 * material table's asset index of its sculpt map or mesh asset.
 */
export const Sculpt = defineComponent('Sculpt', { type: 'u8', asset: 'u32' });

/** A Finalverse glTF model drawn instead of the base shape: its SHA-256 (32 bytes; GET /api/models/<hex>). */
export const Model = defineComponent('Model', { hash: { bytes: 32 } });

/** The hex id of the model at `slot` of Model's `hash` column. */
export function modelHashAt(column: Uint8Array, slot: number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += (column[slot * 32 + i] ?? 0).toString(16).padStart(2, '0');
  return s;
}

/**
 * A texture animation (shared/protocol TextureAnim, SL's llSetTextureAnim): SL's mode byte (ANIM_ON 0x01, LOOP 0x02,
 * REVERSE 0x04, PING_PONG 0x08, SMOOTH 0x10, ROTATE 0x20, SCALE 0x40), the face (-1: every face), the frame grid,
 * start, length and rate. The renderer animates those faces' UVs every frame (web/render/texture-anim.ts).
 */
export const TextureAnimation = defineComponent('TextureAnimation', {
  mode: 'u8',
  face: 'i8',
  sizeX: 'u8',
  sizeY: 'u8',
  start: 'f32',
  length: 'f32',
  rate: 'f32',
});

/** Every component, in the order that fixes component ids (owner and readers must agree). */
export const VIEWER_COMPONENTS = [
  Transform,
  Motion,
  Shape,
  Faces,
  Avatar,
  NetId,
  LocalPose,
  Parent,
  Local,
  Sound,
  Surface,
  Sculpt,
  Model,
  Ghost,
  TextureAnimation,
] as const;
