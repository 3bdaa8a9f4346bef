/** LLUDP zero-coding: a run of 1..255 zero bytes is sent as 0x00 followed by the run length. */
import { LludpError } from './errors';

/**
 * Expands zero-coded bytes. Throws `lludp_bad_zerocoding` for a 0x00 without a count, a count of 0, or an output
 * beyond `limit` bytes (so a hostile packet cannot make it allocate much).
 */
export function zeroDecode(input: Uint8Array, limit: number): Uint8Array {
  let size = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 0) {
      const run = input[i + 1];
      if (run === undefined)
        throw new LludpError('lludp_bad_zerocoding', 'zero-coded body ends inside a zero run (0x00 without a count)');
      if (run === 0) throw new LludpError('lludp_bad_zerocoding', `zero-coded body has a zero run of length 0 at byte ${i}`);
      size += run;
      i++;
    } else size++;
    if (size > limit) throw new LludpError('lludp_too_large', `zero-coded body expands beyond ${limit} bytes`);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i] ?? 0;
    if (b === 0) {
      o += input[i + 1] ?? 0;
      i++;
    } else out[o++] = b;
  }
  return out;
}

/** Zero-codes bytes the way every known encoder does: runs of zeros greedily, at most 255 per 0x00 count pair. */
export function zeroEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length * 2);
  let o = 0;
  let run = 0;
  for (let i = 0; i < input.length; i++) {
    const b = input[i] ?? 0;
    if (b === 0) {
      run++;
      if (run === 255) {
        out[o++] = 0;
        out[o++] = 255;
        run = 0;
      }
      continue;
    }
    if (run > 0) {
      out[o++] = 0;
      out[o++] = run;
      run = 0;
    }
    out[o++] = b;
  }
  if (run > 0) {
    out[o++] = 0;
    out[o++] = run;
  }
  return out.slice(0, o);
}
