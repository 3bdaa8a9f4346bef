/** LLUDP (Second Life / OpenSimulator UDP protocol): template, packet codec, JSON form, payload decoders. */
export {
  CompressedFlags,
  type CompressedObject,
  decodeCompressedObject,
  type ExtraParam,
  type PrimShape,
} from './compressed-object';
export { decodeMessageBody, decodePacket, describeMessageId } from './decode-packet';
export { encodeMessageBody, encodePacket } from './encode-packet';
export { LludpError, type LludpErrorCode } from './errors';
export { decodeLayerData, type LayerPatches, LayerType, type TerrainPatch } from './layer-data';
export { createMessageRegistry, getMessageRegistry, type MessageRegistry } from './message-registry';
export type { MessageBlocks } from './message-types';
export { decodeObjectMotion, decodeTerseUpdate, type ObjectMotion, type TerseUpdate } from './object-motion';
export {
  ESSENTIAL_MESSAGES,
  type FieldValue,
  type FieldValues,
  HEADER_BYTES,
  isMessage,
  MAX_PACKET_BYTES,
  type Message,
  type MessageName,
  type MessageOf,
  type Packet,
  PacketFlags,
  type PacketHeader,
  type PacketInit,
  type Vector3,
  type Vector4,
} from './packet';
export { type Json, type PacketJson, packetFromJson, packetToJson } from './packet-json';
export {
  type BlockTemplate,
  type FieldTemplate,
  type FieldType,
  type Frequency,
  type MessageTemplate,
  messageIdKey,
  parseTemplate,
} from './parse-template';
export {
  decodeTextureAnim,
  encodeTextureAnim,
  TEXTURE_ANIM_BYTES,
  type TextureAnimBlock,
} from './texture-anim';
export { decodeTextureEntry, type TextureEntry, type TextureFace, textureFace } from './texture-entry';
export { decodeUtf8, encodeUtf8, fieldText, printableText, textField } from './utf8';
export { fromHex, isUuid, NULL_UUID, toHex, uuidFromBytes, uuidToBytes } from './uuid';
export { zeroDecode, zeroEncode } from './zero-code';
