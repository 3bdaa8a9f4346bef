/** Test-side writer of ObjectUpdateCompressed Data blobs (the layout OpenSim writes), to feed the decoder. */
import type { CompressedObject } from '../../../../shared/lludp/compressed-object';
import { CompressedFlags } from '../../../../shared/lludp/compressed-object';

/** Writes a blob from the decoded form; optional parts are written when present (and their flag set). */
export function buildCompressed(o: Omit<CompressedObject, 'flags' | 'rest'> & { flags?: number; rest?: Uint8Array }): Uint8Array {
  const out: number[] = [];
  const buf = new ArrayBuffer(4);
  const view = new DataView(buf);
  const u8 = (n: number) => out.push(n & 0xff);
  const u16 = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff);
  const u32 = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const f32 = (n: number) => {
    view.setFloat32(0, n, true);
    out.push(...new Uint8Array(buf));
  };
  const uuid = (s: string) => {
    const h = s.replaceAll('-', '');
    for (let i = 0; i < 16; i++) out.push(Number.parseInt(h.slice(i * 2, i * 2 + 2), 16));
  };
  const raw = (b: Uint8Array) => out.push(...b);
  let flags = o.flags ?? 0;
  if (o.angularVelocity) flags |= CompressedFlags.hasAngularVelocity;
  if (o.parentId) flags |= CompressedFlags.hasParent;
  if (o.treeSpecies !== undefined) flags |= CompressedFlags.tree;
  else if (o.scratchPad) flags |= CompressedFlags.scratchPad;
  if (o.text) flags |= CompressedFlags.hasText;
  if (o.mediaUrl) flags |= CompressedFlags.mediaUrl;
  if (o.particles) flags |= CompressedFlags.hasParticles;
  if (o.sound) flags |= CompressedFlags.hasSound;
  if (o.nameValues) flags |= CompressedFlags.hasNameValues;
  if (o.textureAnim) flags |= CompressedFlags.textureAnimation;
  uuid(o.fullId);
  u32(o.localId);
  u8(o.pcode);
  u8(o.state);
  u32(o.crc);
  u8(o.material);
  u8(o.clickAction);
  for (const v of [...o.scale, ...o.position, ...o.rotation.slice(0, 3)]) f32(v);
  u32(flags);
  uuid(o.ownerId);
  if (o.angularVelocity) for (const v of o.angularVelocity) f32(v);
  if (o.parentId) u32(o.parentId);
  if (o.treeSpecies !== undefined) u8(o.treeSpecies);
  else if (o.scratchPad) {
    u8(o.scratchPad.length);
    raw(o.scratchPad);
  }
  if (o.text) {
    raw(o.text);
    u8(0);
    raw(o.textColor ?? new Uint8Array(4));
  }
  if (o.mediaUrl) {
    raw(o.mediaUrl);
    u8(0);
  }
  if (o.particles) raw(o.particles);
  u8(o.extraParams.length);
  for (const p of o.extraParams) {
    u16(p.type);
    u32(p.data.length);
    raw(p.data);
  }
  if (o.sound) {
    uuid(o.sound.id);
    f32(o.sound.gain);
    u8(o.sound.flags);
    f32(o.sound.radius);
  }
  if (o.nameValues) {
    raw(o.nameValues);
    u8(0);
  }
  const s = o.shape;
  u8(s.pathCurve);
  u16(s.pathBegin);
  u16(s.pathEnd);
  for (const v of [s.pathScaleX, s.pathScaleY, s.pathShearX, s.pathShearY, s.pathTwist, s.pathTwistBegin, s.pathRadiusOffset])
    u8(v);
  for (const v of [s.pathTaperX, s.pathTaperY, s.pathRevolutions, s.pathSkew, s.profileCurve]) u8(v);
  u16(s.profileBegin);
  u16(s.profileEnd);
  u16(s.profileHollow);
  u32(o.textureEntry.length);
  raw(o.textureEntry);
  if (o.textureAnim) {
    u32(o.textureAnim.length);
    raw(o.textureAnim);
  }
  if (o.rest) raw(o.rest);
  return Uint8Array.from(out);
}
