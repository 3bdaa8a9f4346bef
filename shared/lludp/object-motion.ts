/** Decoders for object motion: ObjectUpdate's ObjectData blob (by length) and ImprovedTerseObjectUpdate's Data. */
import { LludpError } from './errors';
import type { Vector3, Vector4 } from './packet';
import { PayloadReader } from './payload-reader';

/** Where an object is and how it moves. Rotation is [x, y, z, w]. */
export interface ObjectMotion {
  position: Vector3;
  velocity: Vector3;
  acceleration: Vector3;
  rotation: Vector4;
  angularVelocity: Vector3;
  /** Avatars only: the plane they stand on (normal and distance). */
  collisionPlane?: Vector4;
}

/**
 * Decodes ObjectUpdate.ObjectData[].ObjectData by its length: 60 (float32 values), 76 (a collision plane, then
 * 60), 32 (u16-quantized values), 48 (a collision plane, then 32) or 16 (u8-quantized values).
 * Throws `lludp_bad_payload` for any other length.
 */
export function decodeObjectMotion(data: Uint8Array): ObjectMotion {
  const r = new PayloadReader(data, `ObjectUpdate ObjectData (${data?.length} bytes)`);
  const collisionPlane = data.length === 76 || data.length === 48 ? r.vector4('collisionPlane') : undefined;
  let motion: ObjectMotion;
  if (data.length === 60 || data.length === 76) {
    motion = {
      position: r.vector3('position'),
      velocity: r.vector3('velocity'),
      acceleration: r.vector3('acceleration'),
      rotation: r.quaternion('rotation'),
      angularVelocity: r.vector3('angularVelocity'),
    };
  } else if (data.length === 32 || data.length === 48) {
    const v3 = (lo: number, hi: number, name: string): Vector3 => [
      r.u16Float(lo, hi, name),
      r.u16Float(lo, hi, name),
      r.u16Float(lo, hi, name),
    ];
    motion = {
      position: [r.u16Float(-128, 384, 'position'), r.u16Float(-128, 384, 'position'), r.u16Float(-256, 768, 'position')],
      velocity: v3(-256, 256, 'velocity'),
      acceleration: v3(-256, 256, 'acceleration'),
      rotation: [
        r.u16Float(-1, 1, 'rotation'),
        r.u16Float(-1, 1, 'rotation'),
        r.u16Float(-1, 1, 'rotation'),
        r.u16Float(-1, 1, 'rotation'),
      ],
      angularVelocity: v3(-256, 256, 'angularVelocity'),
    };
  } else if (data.length === 16) {
    const v3 = (name: string): Vector3 => [r.u8Float(-256, 256, name), r.u8Float(-256, 256, name), r.u8Float(-256, 256, name)];
    motion = {
      position: v3('position'),
      velocity: v3('velocity'),
      acceleration: v3('acceleration'),
      rotation: [
        r.u8Float(-1, 1, 'rotation'),
        r.u8Float(-1, 1, 'rotation'),
        r.u8Float(-1, 1, 'rotation'),
        r.u8Float(-1, 1, 'rotation'),
      ],
      angularVelocity: v3('angularVelocity'),
    };
  } else {
    throw new LludpError('lludp_bad_payload', `ObjectUpdate ObjectData: length ${data.length} is not 16, 32, 48, 60 or 76`);
  }
  if (collisionPlane) motion.collisionPlane = collisionPlane;
  return motion;
}

/** ImprovedTerseObjectUpdate.ObjectData[].Data: a local id, state, and motion (velocity and rotation quantized). */
export interface TerseUpdate extends ObjectMotion {
  localId: number;
  state: number;
  isAvatar: boolean;
}

/**
 * Decodes ImprovedTerseObjectUpdate.ObjectData[].Data: 44 bytes, or 60 for an avatar (with a collision plane).
 * Position is float32; velocity (±128), acceleration (±64), rotation (±1) and angular velocity (±64) are u16.
 */
export function decodeTerseUpdate(data: Uint8Array): TerseUpdate {
  const r = new PayloadReader(data, `ImprovedTerseObjectUpdate Data (${data?.length} bytes)`);
  const localId = r.u32('localId');
  const state = r.u8('state');
  const isAvatar = r.u8('isAvatar') !== 0;
  const collisionPlane = isAvatar ? r.vector4('collisionPlane') : undefined;
  const q3 = (range: number, name: string): Vector3 => [
    r.u16Float(-range, range, name),
    r.u16Float(-range, range, name),
    r.u16Float(-range, range, name),
  ];
  const update: TerseUpdate = {
    localId,
    state,
    isAvatar,
    position: r.vector3('position'),
    velocity: q3(128, 'velocity'),
    acceleration: q3(64, 'acceleration'),
    rotation: [
      r.u16Float(-1, 1, 'rotation'),
      r.u16Float(-1, 1, 'rotation'),
      r.u16Float(-1, 1, 'rotation'),
      r.u16Float(-1, 1, 'rotation'),
    ],
    angularVelocity: q3(64, 'angularVelocity'),
  };
  if (collisionPlane) update.collisionPlane = collisionPlane;
  return update;
}
