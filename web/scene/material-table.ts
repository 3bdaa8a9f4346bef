/**
 * The material table: face materials and the asset ids they (and sculpts) name, in shared memory, so the ECS
 * columns hold small indices and the render worker reads the same records the world worker wrote. Append-only:
 * an entry never changes once its index is published (count stored last, with Atomics), so readers need no lock.
 * Index 0 of either table means "none" (no texture, the default material).
 */
import { DEFAULT_FACE_MATERIAL, type FaceMaterial, NO_TEXTURE } from '../../shared/protocol';

/** Most distinct asset ids (textures, sculpt maps, meshes) a world holds. */
export const ASSET_CAPACITY = 16_384;
/** Most distinct face materials a world holds. */
export const MATERIAL_CAPACITY = 65_536;
/** 4-byte words per material record. */
export const MATERIAL_WORDS = 12;

/** Word offsets within a material record (floats unless noted). */
export const MATERIAL_FIELD = {
  /** u32: asset index of the texture (0: none). */
  texture: 0,
  repeatU: 1,
  repeatV: 2,
  offsetU: 3,
  offsetV: 4,
  rotation: 5,
  glow: 6,
  alphaCutoff: 7,
  /** u32: MATERIAL_FLAGS. */
  flags: 8,
} as const;

/** Bits of a material's flags word. */
export const MATERIAL_FLAGS = {
  fullbright: 1,
  /** Two bits from bit 1: the index into ALPHA_MODES (blend, mask, none, emissive). */
  alphaShift: 1,
  alphaMask: 0b110,
  /** Planar TexGen: UVs from the position on the face's plane (shared/protocol FaceMaterial.texgen). */
  planar: 8,
} as const;

const HEADER_WORDS = 4;
const ALPHA_MODE_INDEX: Record<FaceMaterial['alphaMode'], number> = { blend: 0, mask: 1, none: 2, emissive: 3 };

/** One material as the table holds it: its texture as an asset index (0: none) and how it lies on the face. */
export interface MaterialRecord {
  texture: number;
  repeats: [number, number];
  offset: [number, number];
  rotation: number;
  glow: number;
  alphaCutoff: number;
  fullbright: boolean;
  /** The index into ALPHA_MODES (blend, mask, none, emissive). */
  alphaMode: number;
  /** Planar TexGen (else the shape's own UVs). */
  planar: boolean;
}

/** Bytes of the table's shared buffer. */
export function materialTableBytes(): number {
  return HEADER_WORDS * 4 + ASSET_CAPACITY * 16 + MATERIAL_CAPACITY * MATERIAL_WORDS * 4;
}

/** Creates the table's buffer (shared when the page is isolated; a plain buffer in the one-worker mode). */
export function createMaterialBuffer(shared = typeof SharedArrayBuffer !== 'undefined'): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(materialTableBytes()) : new ArrayBuffer(materialTableBytes());
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Views over the buffer, shared by writer and reader. */
class TableViews {
  protected readonly header: Int32Array;
  protected readonly ids: Uint8Array;
  protected readonly words: Uint32Array;
  protected readonly floats: Float32Array;

  constructor(buffer: ArrayBufferLike) {
    if (buffer.byteLength < materialTableBytes())
      throw new RangeError(`material table: the buffer holds ${buffer.byteLength} bytes, ${materialTableBytes()} needed`);
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.ids = new Uint8Array(buffer, HEADER_WORDS * 4, ASSET_CAPACITY * 16);
    const at = HEADER_WORDS * 4 + ASSET_CAPACITY * 16;
    this.words = new Uint32Array(buffer, at, MATERIAL_CAPACITY * MATERIAL_WORDS);
    this.floats = new Float32Array(buffer, at, MATERIAL_CAPACITY * MATERIAL_WORDS);
  }

  /** Published asset ids (index 0, "none", included). */
  get assetCount(): number {
    return Math.max(1, Atomics.load(this.header, 0));
  }

  /** Published materials (index 0, the default, included). */
  get materialCount(): number {
    return Math.max(1, Atomics.load(this.header, 1));
  }

  /** The UUID at an asset index (NO_TEXTURE for 0 or an unpublished index). */
  assetId(index: number): string {
    if (index <= 0 || index >= this.assetCount) return NO_TEXTURE;
    let s = '';
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
      s += HEX[this.ids[index * 16 + i] ?? 0];
    }
    return s;
  }

  /** A word of material `index` (u32 fields: texture, flags). */
  word(index: number, field: number): number {
    return this.words[index * MATERIAL_WORDS + field] ?? 0;
  }

  /** A float field of material `index`. */
  float(index: number, field: number): number {
    return this.floats[index * MATERIAL_WORDS + field] ?? 0;
  }

  /** Material `index`, all its fields. */
  read(index: number): MaterialRecord {
    const F = MATERIAL_FIELD;
    const flags = this.word(index, F.flags);
    return {
      texture: this.word(index, F.texture),
      repeats: [this.float(index, F.repeatU), this.float(index, F.repeatV)],
      offset: [this.float(index, F.offsetU), this.float(index, F.offsetV)],
      rotation: this.float(index, F.rotation),
      glow: this.float(index, F.glow),
      alphaCutoff: this.float(index, F.alphaCutoff),
      fullbright: (flags & MATERIAL_FLAGS.fullbright) !== 0,
      alphaMode: (flags & MATERIAL_FLAGS.alphaMask) >> MATERIAL_FLAGS.alphaShift,
      planar: (flags & MATERIAL_FLAGS.planar) !== 0,
    };
  }
}

/** The render worker's side. */
export class MaterialTableReader extends TableViews {}

/** The world worker's side: interns asset ids and materials. */
export class MaterialTableWriter extends TableViews {
  private readonly assetIndex = new Map<string, number>([[NO_TEXTURE, 0]]);
  private readonly materialIndex = new Map<string, number>();
  private warned = false;

  constructor(buffer: ArrayBufferLike) {
    super(buffer);
    Atomics.store(this.header, 0, 1);
    this.writeMaterial(0, DEFAULT_FACE_MATERIAL, 0);
    this.materialIndex.set(materialKey(DEFAULT_FACE_MATERIAL), 0);
    Atomics.store(this.header, 1, 1);
  }

  /** The index of an asset id, interning it (0 for the nil UUID, or when the table is full). */
  intern(uuid: string): number {
    const known = this.assetIndex.get(uuid);
    if (known !== undefined) return known;
    const n = this.assetCount;
    if (n >= ASSET_CAPACITY) return this.full('asset ids', ASSET_CAPACITY);
    const hex = uuid.replaceAll('-', '');
    for (let i = 0; i < 16; i++) this.ids[n * 16 + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) || 0;
    this.assetIndex.set(uuid, n);
    Atomics.store(this.header, 0, n + 1);
    return n;
  }

  /** The index of a material, interning it and its texture (0 is the default material). */
  material(m: FaceMaterial): number {
    const key = materialKey(m);
    const known = this.materialIndex.get(key);
    if (known !== undefined) return known;
    const n = this.materialCount;
    if (n >= MATERIAL_CAPACITY) return this.full('materials', MATERIAL_CAPACITY);
    this.writeMaterial(n, m, this.intern(m.texture));
    this.materialIndex.set(key, n);
    Atomics.store(this.header, 1, n + 1);
    return n;
  }

  private writeMaterial(n: number, m: FaceMaterial, texture: number): void {
    const o = n * MATERIAL_WORDS;
    const F = MATERIAL_FIELD;
    this.words[o + F.texture] = texture;
    this.floats[o + F.repeatU] = m.repeats[0];
    this.floats[o + F.repeatV] = m.repeats[1];
    this.floats[o + F.offsetU] = m.offset[0];
    this.floats[o + F.offsetV] = m.offset[1];
    this.floats[o + F.rotation] = m.rotation;
    this.floats[o + F.glow] = m.glow;
    this.floats[o + F.alphaCutoff] = m.alphaCutoff;
    this.words[o + F.flags] =
      (m.fullbright ? MATERIAL_FLAGS.fullbright : 0) |
      (ALPHA_MODE_INDEX[m.alphaMode] << MATERIAL_FLAGS.alphaShift) |
      (m.texgen === 'planar' ? MATERIAL_FLAGS.planar : 0);
  }

  private full(what: string, capacity: number): number {
    if (!this.warned) {
      this.warned = true;
      console.warn(`material table: more than ${capacity} ${what}; further ones are drawn with the default`);
    }
    return 0;
  }
}

function materialKey(m: FaceMaterial): string {
  return `${m.texture}|${m.repeats[0]}|${m.repeats[1]}|${m.offset[0]}|${m.offset[1]}|${m.rotation}|${m.glow}|${m.fullbright ? 1 : 0}|${m.alphaMode}|${m.alphaCutoff}|${m.texgen}`;
}
