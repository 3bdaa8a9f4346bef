/** TextureEntry decoder: the default face and per-face overrides (texture, colour, repeats, offsets, glow …). */
import { LludpError } from './errors';
import { PayloadReader } from './payload-reader';

/** One face's appearance. Colours are RGBA in 0..1 (the wire stores each byte inverted). */
export interface TextureFace {
  textureId: string;
  color: [number, number, number, number];
  repeatU: number;
  repeatV: number;
  offsetU: number;
  offsetV: number;
  /** Radians. */
  rotation: number;
  /** Bump (bits 0-4), fullbright (bit 5), shiny (bits 6-7). */
  material: number;
  /** Media flag (bit 0) and texture-gen mode (bits 1-2). */
  media: number;
  /** 0..1. */
  glow: number;
  materialId: string;
}

/** A decoded TextureEntry: `defaultFace`, and for each face index the fields that differ from it. */
export interface TextureEntry {
  defaultFace: TextureFace;
  overrides: Map<number, Partial<TextureFace>>;
}

/** Faces a bitfield can name: 7 bits per byte, at most 7 bytes (the viewer allows 45 faces). */
const MAX_BITFIELD_BYTES = 7;

const DEFAULT_FACE: TextureFace = {
  textureId: '00000000-0000-0000-0000-000000000000',
  color: [1, 1, 1, 1],
  repeatU: 1,
  repeatV: 1,
  offsetU: 0,
  offsetV: 0,
  rotation: 0,
  material: 0,
  media: 0,
  glow: 0,
  materialId: '00000000-0000-0000-0000-000000000000',
};

/** Reads a face bitfield (7 bits per byte, high bit = more); returns the face indices it names (empty ends a section). */
function faceBits(r: PayloadReader, section: string): number[] {
  if (r.left <= 0) return [];
  let bits = 0;
  let size = 0;
  let b: number;
  let count = 0;
  do {
    if (++count > MAX_BITFIELD_BYTES) r.fail(`${section} face bitfield is longer than ${MAX_BITFIELD_BYTES} bytes`);
    b = r.u8(`${section} face bitfield`);
    bits = bits * 128 + (b & 0x7f);
    size += 7;
  } while (b & 0x80);
  const faces: number[] = [];
  for (let face = 0; face < size; face++) if (Math.floor(bits / 2 ** face) % 2 === 1) faces.push(face);
  return faces;
}

/**
 * Decodes TextureEntry bytes (as in ObjectUpdate.ObjectData.TextureEntry; ObjectUpdateCompressed and
 * ImprovedTerseObjectUpdate prefix them with a 4-byte length, which the caller strips). Sections after the colours
 * may be missing (older senders stop early): they keep the defaults. Throws `lludp_bad_payload` on truncation.
 */
export function decodeTextureEntry(bytes: Uint8Array): TextureEntry {
  const def: TextureFace = { ...DEFAULT_FACE, color: [1, 1, 1, 1] };
  const overrides = new Map<number, Partial<TextureFace>>();
  if (!(bytes instanceof Uint8Array)) throw new LludpError('lludp_bad_payload', 'TextureEntry: expected bytes (a Uint8Array)');
  if (bytes.length === 0) return { defaultFace: def, overrides };
  if (bytes.length < 16)
    throw new LludpError('lludp_bad_payload', `TextureEntry: ${bytes.length} bytes cannot hold the default texture`);
  const r = new PayloadReader(bytes, 'TextureEntry');
  const section = <K extends keyof TextureFace>(key: K, read: (name: string) => TextureFace[K]): void => {
    if (r.left <= 0) return;
    def[key] = read(key);
    for (;;) {
      const faces = faceBits(r, key);
      if (faces.length === 0) break;
      const value = read(key);
      for (const f of faces) {
        const o = overrides.get(f) ?? {};
        o[key] = value;
        overrides.set(f, o);
      }
    }
  };
  const color = (name: string): TextureFace['color'] => {
    const p = r.take(4, name);
    return [0, 1, 2, 3].map((i) => (255 - (bytes[p + i] ?? 0)) / 255) as TextureFace['color'];
  };
  section('textureId', (n) => r.uuid(n));
  section('color', color);
  section('repeatU', (n) => r.f32(n));
  section('repeatV', (n) => r.f32(n));
  section('offsetU', (n) => r.s16(n) / 32767);
  section('offsetV', (n) => r.s16(n) / 32767);
  section('rotation', (n) => (r.s16(n) / 32768) * 2 * Math.PI);
  section('material', (n) => r.u8(n));
  section('media', (n) => r.u8(n));
  section('glow', (n) => r.u8(n) / 255);
  if (r.left >= 16) section('materialId', (n) => r.uuid(n));
  return { defaultFace: def, overrides };
}

/** The resolved appearance of face `index`: the default with that face's overrides applied. */
export function textureFace(entry: TextureEntry, index: number): TextureFace {
  return { ...entry.defaultFace, ...entry.overrides.get(index) };
}
