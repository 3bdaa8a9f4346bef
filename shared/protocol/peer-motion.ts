/**
 * Peer motion: what a visitor sends its peers over an unreliable, unordered DataChannel at the input rate
 * (web/net/peer-transport.ts). One fixed 60-byte little-endian frame: magic and version, a sequence number (a
 * receiver drops anything older than what it has shown), the sender's clock, position, velocity, rotation.
 * Decoded with a size check, then the schema (finite numbers within limits, a unit quaternion).
 */
import { z } from 'zod';
import { ProtocolError } from './errors';

/** Frame layout: u8 magic 0x50 ('P'), u8 version, u16 flags (0), u32 seq, f64 sent-at ms, f32×3 position, f32×3 velocity, f32×4 rotation. */
export const PEER_MOTION_BYTES = 60;
const MAGIC = 0x50;
const VERSION = 1;
/** Coordinates beyond this (metres) are not a place in any world we host. */
const MAX_COORDINATE = 1e6;
/** Faster than this (m/s) is not an avatar. */
const MAX_SPEED = 200;

const coordinate = z.number().min(-MAX_COORDINATE).max(MAX_COORDINATE);
const speed = z.number().min(-MAX_SPEED).max(MAX_SPEED);

/** One peer motion update. */
export const PeerMotion = z.object({
  seq: z.number().int().min(0).max(0xffffffff),
  sentAt: z.number().finite().min(0),
  position: z.tuple([coordinate, coordinate, coordinate]),
  velocity: z.tuple([speed, speed, speed]),
  rotation: z
    .tuple([z.number(), z.number(), z.number(), z.number()])
    .refine((q) => Math.abs(Math.hypot(...q) - 1) < 0.01, 'a unit quaternion'),
});
export type PeerMotion = z.infer<typeof PeerMotion>;

/** Encodes one update (throws ProtocolError for values outside the schema). */
export function encodePeerMotion(m: PeerMotion): Uint8Array {
  const ok = PeerMotion.safeParse(m);
  if (!ok.success) throw new ProtocolError('protocol_invalid', `peer motion: ${ok.error.issues[0]?.message ?? 'invalid'}`);
  const out = new Uint8Array(PEER_MOTION_BYTES);
  const v = new DataView(out.buffer);
  v.setUint8(0, MAGIC);
  v.setUint8(1, VERSION);
  v.setUint16(2, 0, true);
  v.setUint32(4, m.seq, true);
  v.setFloat64(8, m.sentAt, true);
  [...m.position, ...m.velocity, ...m.rotation].forEach((x, i) => {
    v.setFloat32(16 + i * 4, x, true);
  });
  return out;
}

/** Decodes one frame from a peer; throws ProtocolError (and nothing else) for anything but a valid frame. */
export function decodePeerMotion(bytes: Uint8Array): PeerMotion {
  if (bytes.byteLength !== PEER_MOTION_BYTES)
    throw new ProtocolError(
      'protocol_invalid',
      `peer motion: a frame is ${PEER_MOTION_BYTES} bytes, this one ${bytes.byteLength}`,
    );
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.getUint8(0) !== MAGIC || v.getUint8(1) !== VERSION || v.getUint16(2, true) !== 0)
    throw new ProtocolError('protocol_invalid', 'peer motion: not a version 1 peer motion frame');
  const f = (i: number) => v.getFloat32(16 + i * 4, true);
  const r = PeerMotion.safeParse({
    seq: v.getUint32(4, true),
    sentAt: v.getFloat64(8, true),
    position: [f(0), f(1), f(2)],
    velocity: [f(3), f(4), f(5)],
    rotation: [f(6), f(7), f(8), f(9)],
  });
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ProtocolError(
      'protocol_invalid',
      `peer motion: ${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return r.data;
}
