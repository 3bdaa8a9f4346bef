/** Little-endian byte reader and writer with bounds checks; strings are strict UTF-8. */
import { ProtocolError } from './errors';

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD, as TextEncoder does). */
export function encodeUtf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else cp = 0xfffd;
    } else if (cp >= 0xdc00 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(out);
}

/** Decodes strict UTF-8; overlong forms, surrogates and truncated sequences are refused. */
export function decodeUtf8(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  const bad = (): never => {
    throw new ProtocolError('protocol_invalid', 'a string is not valid UTF-8; send UTF-8 text');
  };
  const cont = (at: number): number => {
    const b = bytes[at];
    if (b === undefined || (b & 0xc0) !== 0x80) return bad();
    return b & 63;
  };
  const codes: number[] = [];
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let cp: number;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = ((b & 31) << 6) | cont(i + 1);
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = ((b & 15) << 12) | (cont(i + 1) << 6) | cont(i + 2);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) bad();
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = ((b & 7) << 18) | (cont(i + 1) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      if (cp < 0x10000 || cp > 0x10ffff) bad();
      i += 4;
    } else return bad();
    codes.push(cp);
    if (codes.length >= 4096) {
      out += String.fromCodePoint(...codes);
      codes.length = 0;
    }
  }
  return out + String.fromCodePoint(...codes);
}

/** Appends little-endian values to a growing buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Claims `n` bytes and returns their offset; call it before reading `this.view` (it may grow). */
  private reserve(n: number): number {
    const at = this.len;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.len += n;
    return at;
  }

  u8(v: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, v);
  }
  i8(v: number): void {
    const at = this.reserve(1);
    this.view.setInt8(at, v);
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.view.setUint16(at, v, true);
  }
  i16(v: number): void {
    const at = this.reserve(2);
    this.view.setInt16(at, v, true);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }
  f32(v: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
  }
  f64(v: number): void {
    const at = this.reserve(8);
    this.view.setFloat64(at, v, true);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }

  /** A UTF-8 string with a u16 byte-length prefix; refuses strings over `maxBytes`. */
  string(text: string, maxBytes: number, what: string): void {
    const b = encodeUtf8(text);
    if (b.length > maxBytes) {
      throw new ProtocolError('protocol_too_large', `${what} is ${b.length} bytes, the limit is ${maxBytes}; shorten it`);
    }
    this.u16(b.length);
    this.bytes(b);
  }

  /** The bytes written so far (a copy sized to fit). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads little-endian values; running past the end throws `protocol_truncated`. */
export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private take(n: number): number {
    const at = this.at;
    if (at + n > this.buf.length) {
      throw new ProtocolError('protocol_truncated', `frame ended after ${this.buf.length} bytes; ${at + n} were needed`);
    }
    this.at += n;
    return at;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }
  i8(): number {
    return this.view.getInt8(this.take(1));
  }
  u16(): number {
    return this.view.getUint16(this.take(2), true);
  }
  i16(): number {
    return this.view.getInt16(this.take(2), true);
  }
  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }
  f32(): number {
    return this.view.getFloat32(this.take(4), true);
  }
  f64(): number {
    return this.view.getFloat64(this.take(8), true);
  }
  bytes(n: number): Uint8Array {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }

  /** A u16-length-prefixed UTF-8 string of at most `maxBytes` bytes. */
  string(maxBytes: number, what: string): string {
    const n = this.u16();
    if (n > maxBytes) throw new ProtocolError('protocol_too_large', `${what} is ${n} bytes, the limit is ${maxBytes}`);
    return decodeUtf8(this.bytes(n));
  }

  /** A count prefix (u16 or u32) checked against `max` before anything is allocated. */
  count(max: number, what: string, wide = false): number {
    const n = wide ? this.u32() : this.u16();
    if (n > max) throw new ProtocolError('protocol_too_large', `${what} holds ${n} items, the limit is ${max}`);
    return n;
  }

  /** Refuses bytes left over after a complete message. */
  end(): void {
    if (this.at !== this.buf.length) {
      throw new ProtocolError('protocol_trailing_bytes', `${this.buf.length - this.at} bytes follow the end of the message`);
    }
  }
}

/** The UTF-8 byte length of a string (what the wire limits count). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
