/** UTF-8 without TextEncoder/TextDecoder (shared/ sees lib ES2023 only): strict decoding, plain encoding. */

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    let c = ch.codePointAt(0) ?? 0xfffd;
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

/** Decodes strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF); null when the bytes are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] ?? 0;
    let c: number;
    let n: number;
    if (b < 0x80) {
      c = b;
      n = 0;
    } else if (b >= 0xc2 && b < 0xe0) {
      c = b & 0x1f;
      n = 1;
    } else if (b >= 0xe0 && b < 0xf0) {
      c = b & 0x0f;
      n = 2;
    } else if (b >= 0xf0 && b < 0xf5) {
      c = b & 0x07;
      n = 3;
    } else return null;
    for (let k = 1; k <= n; k++) {
      const cb = bytes[i + k];
      if (cb === undefined || (cb & 0xc0) !== 0x80) return null;
      c = (c << 6) | (cb & 0x3f);
    }
    if ((n === 2 && c < 0x800) || (n === 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff)) return null;
    s += String.fromCodePoint(c);
    i += n + 1;
  }
  return s;
}

/**
 * Text of a Variable field for display: strict UTF-8 without control characters (tab, newline and carriage
 * return allowed), with at most one NUL and only as the last byte (the C string terminator); else null.
 */
export function printableText(bytes: Uint8Array): string | null {
  const text = decodeUtf8(bytes);
  if (text === null) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 && i === text.length - 1) continue;
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13) || (c >= 0x7f && c < 0xa0)) return null;
  }
  return text;
}

/** The text of a string field without its trailing NUL terminator (invalid UTF-8 becomes U+FFFD per bad byte). */
export function fieldText(bytes: Uint8Array): string {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 0 ? bytes.length - 1 : bytes.length;
  const body = bytes.subarray(0, end);
  const strict = decodeUtf8(body);
  if (strict !== null) return strict;
  let s = '';
  for (const b of body) s += b < 0x80 ? String.fromCharCode(b) : '\ufffd';
  return s;
}

/** A string field's bytes: UTF-8 with the NUL terminator the viewer and simulator expect. */
export function textField(text: string): Uint8Array {
  const utf8 = encodeUtf8(text);
  const out = new Uint8Array(utf8.length + 1);
  out.set(utf8);
  return out;
}
