/** Decoder for ObjectUpdateCompressed's Data blob: identity, placement, prim shape and TextureEntry of one object. */
import type { Vector3, Vector4 } from './packet';
import { PayloadReader } from './payload-reader';

/** Bits of {@link CompressedObject.flags}: which optional parts the blob carries. */
export const CompressedFlags = {
  scratchPad: 0x01,
  tree: 0x02,
  hasText: 0x04,
  hasParticles: 0x08,
  hasSound: 0x10,
  hasParent: 0x20,
  textureAnimation: 0x40,
  hasAngularVelocity: 0x80,
  hasNameValues: 0x100,
  mediaUrl: 0x200,
  hasParticlesNew: 0x400,
} as const;

/** Prim shape parameters, as on the wire (the same fields as ObjectUpdate.ObjectData). */
export interface PrimShape {
  pathCurve: number;
  pathBegin: number;
  pathEnd: number;
  pathScaleX: number;
  pathScaleY: number;
  pathShearX: number;
  pathShearY: number;
  pathTwist: number;
  pathTwistBegin: number;
  pathRadiusOffset: number;
  pathTaperX: number;
  pathTaperY: number;
  pathRevolutions: number;
  pathSkew: number;
  profileCurve: number;
  profileBegin: number;
  profileEnd: number;
  profileHollow: number;
}

/** One extra parameter (flexible 0x10, light 0x20, sculpt 0x30, light image 0x40, mesh 0x60 …) as raw bytes. */
export interface ExtraParam {
  type: number;
  data: Uint8Array;
}

/** A decoded ObjectUpdateCompressed object. Byte fields are views into the blob. */
export interface CompressedObject {
  fullId: string;
  localId: number;
  pcode: number;
  state: number;
  crc: number;
  material: number;
  clickAction: number;
  scale: Vector3;
  position: Vector3;
  rotation: Vector4;
  flags: number;
  ownerId: string;
  angularVelocity?: Vector3;
  parentId: number;
  treeSpecies?: number;
  scratchPad?: Uint8Array;
  text?: Uint8Array;
  /** RGBA bytes of the hover text. */
  textColor?: Uint8Array;
  mediaUrl?: Uint8Array;
  particles?: Uint8Array;
  extraParams: ExtraParam[];
  sound?: { id: string; gain: number; flags: number; radius: number };
  nameValues?: Uint8Array;
  shape: PrimShape;
  /** TextureEntry bytes (decode with `decodeTextureEntry`). */
  textureEntry: Uint8Array;
  textureAnim?: Uint8Array;
  /** Bytes after the last part this decoder knows (the newer particle system, 0x400, is left here). */
  rest: Uint8Array;
}

/** Size of the legacy particle system block. */
const PARTICLES_BYTES = 86;

/**
 * Decodes ObjectUpdateCompressed.ObjectData[].Data. The layout follows the viewer and OpenSim: the fixed part,
 * then optional parts in flag order, extra parameters, sound, name-values, prim shape, TextureEntry (u32 length),
 * texture animation. Throws `lludp_bad_payload` naming the part that does not fit.
 */
export function decodeCompressedObject(data: Uint8Array): CompressedObject {
  const r = new PayloadReader(data, 'ObjectUpdateCompressed Data');
  const fullId = r.uuid('FullID');
  const localId = r.u32('LocalID');
  const pcode = r.u8('PCode');
  const state = r.u8('State');
  const crc = r.u32('CRC');
  const material = r.u8('Material');
  const clickAction = r.u8('ClickAction');
  const scale = r.vector3('Scale');
  const position = r.vector3('Position');
  const rotation = r.quaternion('Rotation');
  const flags = r.u32('Flags');
  const ownerId = r.uuid('OwnerID');
  const optional: Partial<CompressedObject> = {};
  if (flags & CompressedFlags.hasAngularVelocity) optional.angularVelocity = r.vector3('AngularVelocity');
  const parentId = flags & CompressedFlags.hasParent ? r.u32('ParentID') : 0;
  if (flags & CompressedFlags.tree) optional.treeSpecies = r.u8('TreeSpecies');
  else if (flags & CompressedFlags.scratchPad) optional.scratchPad = r.bytesOf(r.u8('ScratchPad size'), 'ScratchPad');
  if (flags & CompressedFlags.hasText) {
    optional.text = r.cString('Text');
    optional.textColor = r.bytesOf(4, 'TextColor');
  }
  if (flags & CompressedFlags.mediaUrl) optional.mediaUrl = r.cString('MediaURL');
  if (flags & CompressedFlags.hasParticles) optional.particles = r.bytesOf(PARTICLES_BYTES, 'ParticleSystem');
  const extraParams: ExtraParam[] = [];
  const extraCount = r.u8('ExtraParams count');
  for (let i = 0; i < extraCount; i++) {
    const type = r.u16(`ExtraParams[${i}].type`);
    const size = r.u32(`ExtraParams[${i}].size`);
    extraParams.push({ type, data: r.bytesOf(size, `ExtraParams[${i}].data`) });
  }
  if (flags & CompressedFlags.hasSound) {
    optional.sound = { id: r.uuid('Sound'), gain: r.f32('SoundGain'), flags: r.u8('SoundFlags'), radius: r.f32('SoundRadius') };
  }
  if (flags & CompressedFlags.hasNameValues) optional.nameValues = r.cString('NameValues');
  const shape: PrimShape = {
    pathCurve: r.u8('PathCurve'),
    pathBegin: r.u16('PathBegin'),
    pathEnd: r.u16('PathEnd'),
    pathScaleX: r.u8('PathScaleX'),
    pathScaleY: r.u8('PathScaleY'),
    pathShearX: r.u8('PathShearX'),
    pathShearY: r.u8('PathShearY'),
    pathTwist: r.s8('PathTwist'),
    pathTwistBegin: r.s8('PathTwistBegin'),
    pathRadiusOffset: r.s8('PathRadiusOffset'),
    pathTaperX: r.s8('PathTaperX'),
    pathTaperY: r.s8('PathTaperY'),
    pathRevolutions: r.u8('PathRevolutions'),
    pathSkew: r.s8('PathSkew'),
    profileCurve: r.u8('ProfileCurve'),
    profileBegin: r.u16('ProfileBegin'),
    profileEnd: r.u16('ProfileEnd'),
    profileHollow: r.u16('ProfileHollow'),
  };
  const teLength = r.u32('TextureEntry length');
  const textureEntry = r.bytesOf(teLength, 'TextureEntry');
  if (flags & CompressedFlags.textureAnimation) optional.textureAnim = r.bytesOf(r.u32('TextureAnim length'), 'TextureAnim');
  return {
    fullId,
    localId,
    pcode,
    state,
    crc,
    material,
    clickAction,
    scale,
    position,
    rotation,
    flags,
    ownerId,
    parentId,
    extraParams,
    shape,
    textureEntry,
    ...optional,
    rest: data.subarray(r.pos),
  };
}
