/** LLUDP packet model: header flags, limits, field value types, and the decoded packet shape. */
import type { MessageBlocks } from './message-types';

/** Header flag bits (byte 0 of every packet). */
export const PacketFlags = {
  zerocoded: 0x80,
  reliable: 0x40,
  resent: 0x20,
  appendedAcks: 0x10,
} as const;

/** The largest datagram the codec reads or writes, and the largest zero-expanded body (the viewer's MAX_BUFFER_SIZE). */
export const MAX_PACKET_BYTES = 8192;

/** Bytes before the zero-coded region: flags (1), sequence (4), extra-header length (1). */
export const HEADER_BYTES = 6;

/** A 3-component vector (LLVector3 as float32, LLVector3d as float64). */
export type Vector3 = [number, number, number];

/** A 4-component vector (LLVector4) or quaternion (LLQuaternion: x, y, z on the wire, w derived, never negative). */
export type Vector4 = [number, number, number, number];

/**
 * The JavaScript value of each template field type: integers and floats as numbers, 64-bit integers as bigint,
 * UUIDs as lower-case strings, IPADDR as dotted quads, IPPORT as a number, Fixed and Variable as bytes.
 */
export interface FieldValues {
  U8: number;
  U16: number;
  U32: number;
  U64: bigint;
  S8: number;
  S16: number;
  S32: number;
  S64: bigint;
  F32: number;
  F64: number;
  LLVector3: Vector3;
  LLVector3d: Vector3;
  LLVector4: Vector4;
  LLQuaternion: Vector4;
  LLUUID: string;
  BOOL: boolean;
  IPADDR: string;
  IPPORT: number;
  Fixed: Uint8Array;
  Variable: Uint8Array;
}

/** Any field value. */
export type FieldValue = FieldValues[keyof FieldValues];

/** A block instance: field name to value. */
export type BlockValue = Record<string, FieldValue>;

/** The name of every message in the template. */
export type MessageName = keyof MessageBlocks;

/** A message with typed blocks: `Single` blocks are objects, `Multiple` and `Variable` blocks arrays. */
export interface MessageOf<K extends MessageName> {
  name: K;
  blocks: MessageBlocks[K];
}

/** Any message of the template, discriminated by `name`. */
export type Message = { [K in MessageName]: MessageOf<K> }[MessageName];

/** The packet header as decoded. `flags` is the raw byte; the booleans repeat its bits. */
export interface PacketHeader {
  flags: number;
  sequence: number;
  reliable: boolean;
  resent: boolean;
  zerocoded: boolean;
  /** Extra header bytes (rarely used; usually empty). */
  extra: Uint8Array;
}

/**
 * A decoded packet. Field bytes (Fixed, Variable, `extra`, `trailing`) are views into the decoded body: copy them
 * if the datagram's buffer is reused.
 */
export interface Packet<M extends Message = Message> {
  header: PacketHeader;
  /** Appended acks (sequence numbers), in wire order. */
  acks: number[];
  message: M;
  /** Bytes after the message body (before the appended acks); kept so a re-encode is byte-exact. */
  trailing?: Uint8Array;
  /**
   * How many Variable blocks at the end were absent from the wire (legal: the viewer reads them as empty). They
   * decode as empty arrays; the encoder leaves them out again when this is set and they are still empty.
   */
  omittedBlocks?: number;
}

/** What {@link encodePacket} takes: a header whose flags may be given as bits, booleans, or both (booleans win). */
export interface PacketInit<M extends Message = Message> {
  header: {
    sequence: number;
    flags?: number;
    reliable?: boolean;
    resent?: boolean;
    /** Zero-code the body. Defaults to the `flags` bit, else false; senders usually follow the template's `zerocoded`. */
    zerocoded?: boolean;
    extra?: Uint8Array;
  };
  acks?: readonly number[];
  message: M;
  trailing?: Uint8Array;
  omittedBlocks?: number;
}

/** Narrows a message to one name, so its blocks are typed: `if (isMessage(p.message, 'ObjectUpdate')) …`. */
export function isMessage<K extends MessageName>(message: Message, name: K): message is Extract<Message, { name: K }> {
  return message.name === name;
}

/** The messages the OpenSim gateway reads or writes. */
export const ESSENTIAL_MESSAGES = [
  'UseCircuitCode',
  'CompleteAgentMovement',
  'RegionHandshake',
  'RegionHandshakeReply',
  'AgentUpdate',
  'ObjectUpdate',
  'ObjectUpdateCompressed',
  'ObjectUpdateCached',
  'RequestMultipleObjects',
  'ImprovedTerseObjectUpdate',
  'KillObject',
  'LayerData',
  'ChatFromViewer',
  'ChatFromSimulator',
  'StartPingCheck',
  'CompletePingCheck',
  'PacketAck',
  'LogoutRequest',
] as const satisfies readonly MessageName[];
