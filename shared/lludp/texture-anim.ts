/** TextureAnim decoder: the 16-byte block llSetTextureAnim sets (ObjectUpdate.TextureAnim, ObjectUpdateCompressed flag 0x40). */
import { LludpError } from './errors';

/** Bytes of a TextureAnim block: mode u8, face s8, sizeX u8, sizeY u8, start f32, length f32, rate f32 (little-endian). */
export const TEXTURE_ANIM_BYTES = 16;

/** One object's texture animation as the wire has it. */
export interface TextureAnimBlock {
  /** SL's mode bits (shared/protocol TEXTURE_ANIM_FLAGS: ON 0x01, LOOP 0x02 … SCALE 0x40). */
  mode: number;
  /** The face it animates, or -1 for every face. */
  face: number;
  /** Frames across and down the texture (flipbook); 0 for a smooth scroll / rotate / scale. */
  sizeX: number;
  sizeY: number;
  /** First frame (or start offset, angle or scale). */
  start: number;
  /** Frames (0: sizeX × sizeY). */
  length: number;
  /** Frames (or units) per second. */
  rate: number;
}

/**
 * Decodes a TextureAnim block. Empty bytes mean the object has no animation (null). A block that is not 16 bytes
 * throws `lludp_bad_payload` (SL viewers read exactly 16; a longer one is refused rather than guessed at).
 */
export function decodeTextureAnim(bytes: Uint8Array): TextureAnimBlock | null {
  if (!(bytes instanceof Uint8Array)) throw new LludpError('lludp_bad_payload', 'TextureAnim: expected bytes (a Uint8Array)');
  if (bytes.length === 0) return null;
  if (bytes.length !== TEXTURE_ANIM_BYTES)
    throw new LludpError('lludp_bad_payload', `TextureAnim: ${bytes.length} bytes, a block is ${TEXTURE_ANIM_BYTES}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    mode: view.getUint8(0),
    face: view.getInt8(1),
    sizeX: view.getUint8(2),
    sizeY: view.getUint8(3),
    start: view.getFloat32(4, true),
    length: view.getFloat32(8, true),
    rate: view.getFloat32(12, true),
  };
}

/** Encodes a TextureAnim block (what llSetTextureAnim makes the simulator send; tests and fakes use it). */
export function encodeTextureAnim(block: TextureAnimBlock): Uint8Array {
  const out = new Uint8Array(TEXTURE_ANIM_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, block.mode & 0xff);
  view.setInt8(1, Math.max(-128, Math.min(127, Math.trunc(block.face))));
  view.setUint8(2, block.sizeX & 0xff);
  view.setUint8(3, block.sizeY & 0xff);
  view.setFloat32(4, block.start, true);
  view.setFloat32(8, block.length, true);
  view.setFloat32(12, block.rate, true);
  return out;
}
