/** LayerData decoder: bit-packed DCT patches (land, water, wind, cloud; var-region types too) into 16x16 values. */
import { LludpError } from './errors';

/** Layer types of LayerData.LayerID.Type. The "extended" ones are var-region layers (32-bit patch ids). */
export const LayerType = {
  land: 0x4c,
  landExtended: 0x4d,
  water: 0x57,
  waterExtended: 0x58,
  wind: 0x37,
  windExtended: 0x39,
  cloud: 0x38,
  cloudExtended: 0x3a,
} as const;

/** One decoded patch: its patch coordinates and 16x16 values, row-major (index = y * 16 + x), in metres for land. */
export interface TerrainPatch {
  x: number;
  y: number;
  values: Float32Array;
}

/** A decoded LayerData packet body. */
export interface LayerPatches {
  type: number;
  stride: number;
  patchSize: number;
  patches: TerrainPatch[];
}

const EXTENDED: ReadonlySet<number> = new Set([
  LayerType.landExtended,
  LayerType.waterExtended,
  LayerType.windExtended,
  LayerType.cloudExtended,
]);
const KNOWN: ReadonlySet<number> = new Set(Object.values(LayerType));
const END_OF_PATCHES = 97;
const SIZE = 16;
const OO_SQRT2 = Math.fround(Math.SQRT1_2);
/** At most this many patches in one packet (a 8192-byte packet cannot carry more). */
const MAX_PATCHES = 1024;

/** Zig-zag order of the DCT coefficients, as the viewer's `buildCopyMatrix`. */
const COPY_MATRIX = (() => {
  const m = new Int32Array(SIZE * SIZE);
  let diag = false;
  let right = true;
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < SIZE && j < SIZE) {
    m[j * SIZE + i] = count++;
    if (!diag) {
      if (right) {
        if (i < SIZE - 1) i++;
        else j++;
        right = false;
        diag = true;
      } else {
        if (j < SIZE - 1) j++;
        else i++;
        right = true;
        diag = true;
      }
    } else if (right) {
      i++;
      j--;
      if (i === SIZE - 1 || j === 0) diag = false;
    } else {
      i--;
      j++;
      if (j === SIZE - 1 || i === 0) diag = false;
    }
  }
  return m;
})();

const DEQUANTIZE = Float32Array.from({ length: SIZE * SIZE }, (_, n) => 1 + 2 * ((n % SIZE) + Math.floor(n / SIZE)));

const COSINES = (() => {
  const t = new Float32Array(SIZE * SIZE);
  const hposz = (Math.PI * 0.5) / SIZE;
  for (let u = 0; u < SIZE; u++) for (let n = 0; n < SIZE; n++) t[u * SIZE + n] = Math.cos((2 * n + 1) * u * hposz);
  return t;
})();

/** Reads bits most-significant first; multi-bit values assemble bytes little-endian, as the viewer's LLBitPack. */
class BitReader {
  private pos = 0;
  private readonly limit: number;

  constructor(private readonly data: Uint8Array) {
    this.limit = data.length * 8;
  }

  /** One bit. */
  bit(what: string): number {
    const p = this.pos;
    if (p >= this.limit) throw new LludpError('lludp_bad_payload', `LayerData: bit stream ends inside ${what}`);
    this.pos = p + 1;
    return ((this.data[p >> 3] ?? 0) >> (7 - (p & 7))) & 1;
  }

  /** Reads `count` (1..32) bits: the first 8 form the low byte, the next 8 the next byte, and so on. */
  bits(count: number, what: string): number {
    if (this.pos + count > this.limit) throw new LludpError('lludp_bad_payload', `LayerData: bit stream ends inside ${what}`);
    let value = 0;
    let scale = 1;
    while (count > 0) {
      const n = Math.min(count, 8);
      let b = 0;
      for (let k = 0; k < n; k++) {
        const p = this.pos++;
        b = (b << 1) | (((this.data[p >> 3] ?? 0) >> (7 - (p & 7))) & 1);
      }
      value += b * scale;
      scale *= 256;
      count -= n;
    }
    return value;
  }

  float(what: string): number {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, this.bits(32, what), true);
    return b.getFloat32(0, true);
  }
}

/** Inverse DCT of one 16x16 block, columns then rows (sums in float64, stored as float32); `temp` is scratch. */
function idct(block: Float32Array, temp: Float32Array): void {
  // A column whose coefficients are all zero gives zeros in that column of `temp`: the row pass can stop early.
  let lastColumn = 0;
  for (let column = 0; column < SIZE; column++) {
    // Most high-frequency coefficients are zero: find the last non-zero one in this column.
    let last = 0;
    for (let u = SIZE - 1; u > 0; u--) {
      if (block[u * SIZE + column] !== 0) {
        last = u;
        break;
      }
    }
    const dc = OO_SQRT2 * (block[column] ?? 0);
    if (dc !== 0 || last > 0) lastColumn = column;
    for (let n = 0; n < SIZE; n++) {
      let total = dc;
      for (let u = 1; u <= last; u++) total += (block[u * SIZE + column] ?? 0) * (COSINES[u * SIZE + n] ?? 0);
      temp[SIZE * n + column] = total;
    }
  }
  for (let line = 0; line < SIZE; line++) {
    const row = line * SIZE;
    const dc = OO_SQRT2 * (temp[row] ?? 0);
    for (let n = 0; n < SIZE; n++) {
      let total = dc;
      for (let u = 1; u <= lastColumn; u++) total += (temp[row + u] ?? 0) * (COSINES[u * SIZE + n] ?? 0);
      block[row + n] = total * (2 / SIZE);
    }
  }
}

/**
 * Decodes LayerData.LayerData.Data for a layer `type` (LayerData.LayerID.Type): the group header (stride, patch
 * size, type), then patches until the end marker. Land values are heights in metres. Var-region types (0x4D …)
 * carry 32-bit patch ids (x in the high 16 bits). Throws `lludp_bad_payload` for unknown types, patch sizes
 * other than 16, or a bit stream that ends early.
 */
export function decodeLayerData(type: number, data: Uint8Array): LayerPatches {
  if (!(data instanceof Uint8Array)) throw new LludpError('lludp_bad_payload', 'LayerData: expected bytes (a Uint8Array)');
  if (!KNOWN.has(type)) throw new LludpError('lludp_bad_payload', `LayerData: layer type 0x${type.toString(16)} is unknown`);
  const bits = new BitReader(data);
  const stride = bits.bits(16, 'the group header');
  const patchSize = bits.bits(8, 'the group header');
  const headerType = bits.bits(8, 'the group header');
  if (patchSize !== SIZE)
    throw new LludpError('lludp_bad_payload', `LayerData: patch size ${patchSize} is not supported (only 16)`);
  const extended = EXTENDED.has(type);
  const patches: TerrainPatch[] = [];
  const coefficients = new Int32Array(SIZE * SIZE);
  const temp = new Float32Array(SIZE * SIZE);
  for (;;) {
    const quantWBits = bits.bits(8, 'a patch header');
    if (quantWBits === END_OF_PATCHES) break;
    if (patches.length >= MAX_PATCHES) throw new LludpError('lludp_bad_payload', `LayerData: more than ${MAX_PATCHES} patches`);
    const dcOffset = bits.float('a patch header');
    const range = bits.bits(16, 'a patch header');
    const ids = bits.bits(extended ? 32 : 10, 'a patch header');
    const x = extended ? Math.floor(ids / 65536) : ids >> 5;
    const y = extended ? ids % 65536 : ids & 0x1f;
    const wordBits = (quantWBits & 0x0f) + 2;
    coefficients.fill(0);
    for (let n = 0; n < SIZE * SIZE; n++) {
      if (bits.bit('a coefficient') === 0) continue;
      if (bits.bit('a coefficient') === 0) break; // end of block: the rest stay zero
      const negative = bits.bit('a coefficient') !== 0;
      const v = bits.bits(wordBits, 'a coefficient');
      coefficients[n] = negative ? -v : v;
    }
    const block = new Float32Array(SIZE * SIZE);
    for (let n = 0; n < SIZE * SIZE; n++) block[n] = (coefficients[COPY_MATRIX[n] ?? 0] ?? 0) * (DEQUANTIZE[n] ?? 0);
    idct(block, temp);
    const prequant = (quantWBits >> 4) + 2;
    const quantize = 1 << prequant;
    const mult = Math.fround((1 / quantize) * range);
    const addval = Math.fround(mult * (1 << (prequant - 1)) + dcOffset);
    for (let n = 0; n < SIZE * SIZE; n++) block[n] = (block[n] ?? 0) * mult + addval;
    patches.push({ x, y, values: block });
  }
  return { type: headerType, stride, patchSize, patches };
}
