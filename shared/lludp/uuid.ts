/** UUID text <-> 16 bytes (the wire order of LLUUID is the text order). */

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The all-zero UUID. */
export const NULL_UUID = '00000000-0000-0000-0000-000000000000';

/** Formats 16 bytes at `offset` as a lower-case UUID string. The caller checks the bounds. */
export function uuidFromBytes(bytes: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[bytes[offset + i] ?? 0];
  }
  return s;
}

/** True when `text` is a UUID in 8-4-4-4-12 hex form (either case). */
export function isUuid(text: string): boolean {
  return UUID_TEXT.test(text);
}

/** Writes a UUID string's 16 bytes at `offset`. The caller checks the text with {@link isUuid} first. */
export function uuidToBytes(text: string, out: Uint8Array = new Uint8Array(16), offset = 0): Uint8Array {
  const hex = text.replaceAll('-', '');
  for (let i = 0; i < 16; i++) out[offset + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Bytes as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Hex text (even length, either case) as bytes, or null when it is not hex. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}
