/** LLBitPack-style bit writer/reader for tests, and a land → var-region land LayerData transcoder. */
import { LayerType } from '../../shared/lludp/layer-data';

/** Writes bits as LLBitPack does: most significant first, multi-byte values low byte first. */
export class BitWriter {
  private readonly out: number[] = [];
  private bit = 0;

  bits(value: number, count: number): this {
    let v = value;
    let left = count;
    while (left > 0) {
      const n = Math.min(8, left);
      const chunk = v % 256;
      for (let k = n - 1; k >= 0; k--) this.one((chunk >> k) & 1);
      v = Math.floor(v / 256);
      left -= n;
    }
    return this;
  }

  private one(b: number): void {
    if (this.bit === 0) this.out.push(0);
    const last = this.out.length - 1;
    this.out[last] = (this.out[last] ?? 0) | (b << (7 - this.bit));
    this.bit = (this.bit + 1) % 8;
  }

  float(f: number): this {
    const b = new DataView(new ArrayBuffer(4));
    b.setFloat32(0, f, true);
    return this.bits(b.getUint32(0, true), 32);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** Reads bits as the decoder does. */
export class BitReader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}
  bits(count: number): number {
    let value = 0;
    let shift = 0;
    let left = count;
    while (left > 0) {
      const n = Math.min(8, left);
      let b = 0;
      for (let k = 0; k < n; k++, this.pos++) b = (b << 1) | (((this.data[this.pos >> 3] ?? 0) >> (7 - (this.pos & 7))) & 1);
      value += b * 2 ** shift;
      shift += 8;
      left -= n;
    }
    return value;
  }
}

/** Rewrites a land (0x4C) LayerData stream as var-region land (0x4D): 32-bit patch ids, patches moved by (dx, dy). */
export function toExtendedLand(data: Uint8Array, dx: number, dy: number): Uint8Array {
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
