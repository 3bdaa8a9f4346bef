/** Helpers that build packet bytes by hand (independently of the codec) for the LLUDP tests. */

/** Concatenates hex strings (spaces ignored) and byte arrays. */
export function bytes(...parts: (string | Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') {
      const h = p.replace(/\s+/g, '');
      for (let i = 0; i < h.length; i += 2) out.push(Number.parseInt(h.slice(i, i + 2), 16));
    } else out.push(...p);
  }
  return Uint8Array.from(out);
}

/** Little-endian u32. */
export function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/** Little-endian u16. */
export function u16le(n: number): number[] {
  return [n & 0xff, n >>> 8];
}

/** Little-endian float32. */
export function f32le(...values: number[]): number[] {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  for (const [i, x] of values.entries()) v.setFloat32(i * 4, x, true);
  return [...b];
}

/** A UUID's 16 bytes. */
export function uuid(text: string): number[] {
  const h = text.replaceAll('-', '');
  return Array.from({ length: 16 }, (_, i) => Number.parseInt(h.slice(i * 2, i * 2 + 2), 16));
}

/** ASCII text with a trailing NUL. */
export function cstr(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0)).concat(0);
}

/** Bytes as lower-case hex. */
export function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Zero-codes bytes by hand: each run of zeros (at most 255) becomes 0x00 and the run length. */
export function zc(plain: Uint8Array): number[] {
  const coded: number[] = [];
  for (let i = 0; i < plain.length; i++) {
    if (plain[i] !== 0) {
      coded.push(plain[i] ?? 0);
      continue;
    }
    let run = 0;
    while (plain[i] === 0 && run < 255) {
      run++;
      i++;
    }
    i--;
    coded.push(0, run);
  }
  return coded;
}
