/** LayerData terrain: OpenSim's land patches match node-metaverse's heights; var-region layers and bad streams. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacket, LludpError } from '../../../../shared/lludp';
import { decodeLayerData, LayerType } from '../../../../shared/lludp/layer-data';
import { sessionDatagrams, sessionExpected } from './session-fixture';

/** Writes bits the way LLBitPack does: most significant first, multi-byte values low byte first. */
class BitWriter {
  private readonly out: number[] = [];
  private bit = 0;

  bits(value: number, count: number): this {
    let v = value;
    while (count > 0) {
      const n = Math.min(8, count);
      const chunk = v % 256;
      for (let k = n - 1; k >= 0; k--) this.one((chunk >> k) & 1);
      v = Math.floor(v / 256);
      count -= n;
    }
    return this;
  }

  float(f: number): this {
    const b = new DataView(new ArrayBuffer(4));
    b.setFloat32(0, f, true);
    return this.bits(b.getUint32(0, true), 32);
  }

  private one(b: number): void {
    if (this.bit === 0) this.out.push(0);
    const last = this.out.length - 1;
    this.out[last] = (this.out[last] ?? 0) | (b << (7 - this.bit));
    this.bit = (this.bit + 1) % 8;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** Reads bits like the decoder (test-side copy, used to transcode patches). */
class BitReader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}
  bits(count: number): number {
    let value = 0;
    let shift = 0;
    while (count > 0) {
      const n = Math.min(8, count);
      let b = 0;
      for (let k = 0; k < n; k++, this.pos++) b = (b << 1) | (((this.data[this.pos >> 3] ?? 0) >> (7 - (this.pos & 7))) & 1);
      value += b * 2 ** shift;
      shift += 8;
      count -= n;
    }
    return value;
  }
}

/** Rewrites a land (0x4C) LayerData stream as var-region land (0x4D): 32-bit patch ids, patches moved by (dx, dy). */
function toExtended(data: Uint8Array, dx: number, dy: number): Uint8Array {
  const r = new BitReader(data);
  const w = new BitWriter();
  w.bits(r.bits(16), 16).bits(r.bits(8), 8);
  r.bits(8);
  w.bits(LayerType.landExtended, 8);
  for (;;) {
    const q = r.bits(8);
    w.bits(q, 8);
    if (q === 97) break;
    w.bits(r.bits(32), 32).bits(r.bits(16), 16);
    const ids = r.bits(10);
    w.bits(((ids >> 5) + dx) * 65536 + (ids & 0x1f) + dy, 32);
    const wordBits = (q & 0x0f) + 2;
    for (let n = 0; n < 256; n++) {
      const nonZero = r.bits(1);
      w.bits(nonZero, 1);
      if (!nonZero) continue;
      const value = r.bits(1);
      w.bits(value, 1);
      if (!value) break;
      w.bits(r.bits(1), 1).bits(r.bits(wordBits), wordBits);
    }
  }
  return w.bytes();
}

const layers = sessionDatagrams
  .map((d) => decodePacket(d).message)
  .flatMap((m) => (m.name === 'LayerData' ? [{ type: m.blocks.LayerID.Type, data: m.blocks.LayerData.Data }] : []));
const land = layers.filter((l) => l.type === LayerType.land);

describe('LayerData terrain', () => {
  it('OpenSim land patches decode to the heights node-metaverse computed, covering the whole 256 m region', () => {
    const heights = new Map<string, number>();
    for (const l of land) {
      const d = decodeLayerData(l.type, l.data);
      expect(d.patchSize).toBe(16);
      for (const p of d.patches) {
        for (let j = 0; j < 16; j++)
          for (let i = 0; i < 16; i++) heights.set(`${p.x * 16 + i},${p.y * 16 + j}`, p.values[j * 16 + i] ?? 0);
      }
    }
    expect(heights.size).toBe(256 * 256);
    for (const [x, y, h] of sessionExpected.terrain) expect(heights.get(`${x},${y}`)).toBeCloseTo(h, 4);
  });

  it('var-region land (0x4D) carries 32-bit patch ids and decodes the same heights at patch coordinates beyond 31', () => {
    for (const l of land) {
      const normal = decodeLayerData(l.type, l.data);
      const extended = decodeLayerData(LayerType.landExtended, toExtended(l.data, 40, 100));
      expect(extended.patches.map((p) => [p.x, p.y])).toEqual(normal.patches.map((p) => [p.x + 40, p.y + 100]));
      expect(extended.patches.map((p) => p.values)).toEqual(normal.patches.map((p) => p.values));
    }
  });

  it('a patch with no coefficients is flat at dcOffset + range / 2', () => {
    const data = new BitWriter().bits(16, 16).bits(16, 8).bits(LayerType.land, 8);
    data
      .bits(0x28, 8)
      .float(20)
      .bits(10, 16)
      .bits((3 << 5) | 4, 10)
      .bits(1, 1)
      .bits(0, 1);
    data.bits(97, 8);
    const d = decodeLayerData(LayerType.land, data.bytes());
    expect(d.patches).toHaveLength(1);
    expect(d.patches[0]).toMatchObject({ x: 3, y: 4 });
    for (const v of d.patches[0]?.values ?? []) expect(v).toBeCloseTo(25, 5);
  });

  it('rejects an unknown layer type and a patch size other than 16', () => {
    expect(() => decodeLayerData(0x42, new Uint8Array(8))).toThrowError(/layer type 0x42 is unknown/);
    const big = new BitWriter().bits(32, 16).bits(32, 8).bits(LayerType.land, 8).bits(97, 8).bytes();
    expect(() => decodeLayerData(LayerType.land, big)).toThrowError(/patch size 32 is not supported/);
  });

  it('truncated, mutated and random streams fail only with LludpError', () => {
    const sample = land[0]?.data ?? new Uint8Array(0);
    fc.assert(
      fc.property(
        fc.nat(sample.length),
        fc.nat(sample.length),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 600 }),
        (cut, at, value, junk) => {
          const mutated = sample.slice();
          mutated[at] = value;
          for (const [type, data] of [
            [LayerType.land, sample.subarray(0, cut)],
            [LayerType.land, mutated],
            [LayerType.landExtended, mutated],
            [LayerType.land, junk],
          ] as const) {
            try {
              decodeLayerData(type, data);
            } catch (e) {
              expect(e).toBeInstanceOf(LludpError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
