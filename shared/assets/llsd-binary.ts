/** Binary LLSD (Second Life's structured data format): a bounded parser and a small encoder. */
import { decodeUtf8, encodeUtf8 } from '../lludp/utf8';
import { uuidFromBytes } from '../lludp/uuid';
import { AssetError } from './errors';

/**
 * A parsed LLSD value. undef is `null`; integers and reals are both `number`; uuid (lower-case 8-4-4-4-12) and
 * uri are `string`; binary is a `Uint8Array` (a copy); a date is a `Date`; maps are `Map`s, so no key can reach a
 * prototype.
 */
export type LlsdValue = null | boolean | number | string | Uint8Array | Date | LlsdValue[] | LlsdMap;

/** An LLSD map. */
export type LlsdMap = Map<string, LlsdValue>;

/** Bounds for {@link parseLlsdBinary}. */
export interface LlsdLimits {
  /** Deepest nesting of arrays and maps (the outermost container is depth 1). */
  maxDepth: number;
  /** Most array elements and map entries in all, counted as each count is read. */
  maxItems: number;
}

/** The default limits: depth 32, a million items. */
export const LLSD_LIMITS: Readonly<LlsdLimits> = { maxDepth: 32, maxItems: 1_000_000 };

/** The optional text header of a binary LLSD document. */
const PREFIX = '<? LLSD/Binary ?>';

/** The smallest encoding of one map entry: 'k', a u32 key length, and a one-byte value. */
const MIN_MAP_ENTRY_BYTES = 6;

class Reader {
  private readonly view: DataView;
  pos: number;
  items = 0;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly limits: LlsdLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get left(): number {
    return this.bytes.length - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.left) {
      throw new AssetError('asset_truncated', `llsd: ${what} at byte ${this.pos} needs ${n} bytes, ${this.left} left`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] ?? 0;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  f64(littleEndian: boolean, what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, littleEndian);
    this.pos += 8;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, false);
    this.pos += 4;
    return v;
  }

  /** Reads a u32 length and that many UTF-8 bytes. */
  text(what: string): string {
    const start = this.pos;
    const n = this.u32(`${what} length`);
    this.need(n, what);
    const s = decodeUtf8(this.bytes.subarray(this.pos, this.pos + n));
    if (s === null) throw new AssetError('asset_bad_format', `llsd: ${what} at byte ${start} is not UTF-8`);
    this.pos += n;
    return s;
  }

  /** Counts `n` more items against the limit, and checks they can fit in the bytes left (`minBytes` each). */
  count(n: number, minBytes: number, what: string): void {
    if (n * minBytes > this.left) {
      throw new AssetError(
        'asset_truncated',
        `llsd: ${what} at byte ${this.pos} announces ${n} items, more than the ${this.left} bytes left can hold`,
      );
    }
    this.items += n;
    if (this.items > this.limits.maxItems) {
      throw new AssetError('asset_too_large', `llsd: more than ${this.limits.maxItems} items in all (at byte ${this.pos})`);
    }
  }
}

function readValue(r: Reader, depth: number): LlsdValue {
  const at = r.pos;
  const tag = r.u8('a value type');
  switch (tag) {
    case 0x21: // '!'
      return null;
    case 0x31: // '1'
      return true;
    case 0x30: // '0'
      return false;
    case 0x69: // 'i'
      return r.i32('an integer');
    case 0x72: // 'r'
      return r.f64(false, 'a real');
    case 0x75: // 'u'
      r.need(16, 'a uuid');
      r.pos += 16;
      return uuidFromBytes(r.bytes, r.pos - 16);
    case 0x62: // 'b'
      return r.take(r.u32('a binary length'), 'binary data');
    case 0x73: // 's'
      return r.text('a string');
    case 0x6c: // 'l'
      return r.text('a uri');
    case 0x64: {
      // 'd': seconds since the epoch, little-endian unlike every other number here.
      const seconds = r.f64(true, 'a date');
      return new Date(Math.round(seconds * 1000));
    }
    case 0x5b: {
      // '['
      if (depth >= r.limits.maxDepth)
        throw new AssetError('asset_too_large', `llsd: nested deeper than ${r.limits.maxDepth} at byte ${at}`);
      const n = r.u32('an array count');
      r.count(n, 1, 'an array');
      const out: LlsdValue[] = [];
      for (let i = 0; i < n; i++) out.push(readValue(r, depth + 1));
      if (r.u8('the end of an array') !== 0x5d) {
        throw new AssetError('asset_bad_format', `llsd: the array at byte ${at} does not end with ']' after ${n} items`);
      }
      return out;
    }
    case 0x7b: {
      // '{'
      if (depth >= r.limits.maxDepth)
        throw new AssetError('asset_too_large', `llsd: nested deeper than ${r.limits.maxDepth} at byte ${at}`);
      const n = r.u32('a map count');
      r.count(n, MIN_MAP_ENTRY_BYTES, 'a map');
      const out: LlsdMap = new Map();
      for (let i = 0; i < n; i++) {
        const k = r.pos;
        if (r.u8('a map key') !== 0x6b) throw new AssetError('asset_bad_format', `llsd: expected a key ('k') at byte ${k}`);
        const key = r.text('a map key');
        out.set(key, readValue(r, depth + 1));
      }
      if (r.u8('the end of a map') !== 0x7d) {
        throw new AssetError('asset_bad_format', `llsd: the map at byte ${at} does not end with '}' after ${n} entries`);
      }
      return out;
    }
    default:
      throw new AssetError('asset_bad_format', `llsd: unknown value type 0x${tag.toString(16).padStart(2, '0')} at byte ${at}`);
  }
}

/** Skips the optional `<? LLSD/Binary ?>` header and the newline after it. */
function skipPrefix(bytes: Uint8Array, offset: number): number {
  if (offset + PREFIX.length > bytes.length) return offset;
  for (let i = 0; i < PREFIX.length; i++) if (bytes[offset + i] !== PREFIX.charCodeAt(i)) return offset;
  let at = offset + PREFIX.length;
  if (bytes[at] === 0x0d) at++;
  if (bytes[at] === 0x0a) at++;
  return at;
}

/**
 * Parses one binary LLSD value starting at `offset` (an optional `<? LLSD/Binary ?>` header is skipped) and returns
 * it with the offset just past it; bytes after it are left alone. Throws {@link AssetError} only: `asset_truncated`,
 * `asset_bad_format` or `asset_too_large` (deeper than `limits.maxDepth`, more than `limits.maxItems` items).
 */
export function parseLlsdBinary(
  bytes: Uint8Array,
  offset = 0,
  limits: Partial<LlsdLimits> = {},
): { value: LlsdValue; end: number } {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new AssetError('asset_truncated', `llsd: offset ${offset} is outside the ${bytes.length} bytes`);
  }
  const r = new Reader(bytes, skipPrefix(bytes, offset), { ...LLSD_LIMITS, ...limits });
  const value = readValue(r, 0);
  return { value, end: r.pos };
}

/** A growable byte buffer for the encoder. */
class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, false);
    this.length += 4;
  }

  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, false);
    this.length += 4;
  }

  f64(v: number, littleEndian: boolean): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, littleEndian);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: Writer, v: LlsdValue, depth: number): void {
  if (v === null) w.u8(0x21);
  else if (v === true) w.u8(0x31);
  else if (v === false) w.u8(0x30);
  else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff && !Object.is(v, -0)) {
      w.u8(0x69);
      w.i32(v);
    } else {
      w.u8(0x72);
      w.f64(v, false);
    }
  } else if (typeof v === 'string') {
    const b = encodeUtf8(v);
    w.u8(0x73);
    w.u32(b.length);
    w.bytes(b);
  } else if (v instanceof Uint8Array) {
    w.u8(0x62);
    w.u32(v.length);
    w.bytes(v);
  } else if (v instanceof Date) {
    w.u8(0x64);
    w.f64(v.getTime() / 1000, true);
  } else {
    if (depth >= LLSD_LIMITS.maxDepth)
      throw new AssetError('asset_too_large', `llsd: cannot encode values nested deeper than ${LLSD_LIMITS.maxDepth}`);
    if (Array.isArray(v)) {
      w.u8(0x5b);
      w.u32(v.length);
      for (const item of v) writeValue(w, item, depth + 1);
      w.u8(0x5d);
    } else {
      w.u8(0x7b);
      w.u32(v.size);
      for (const [key, item] of v) {
        const k = encodeUtf8(key);
        w.u8(0x6b);
        w.u32(k.length);
        w.bytes(k);
        writeValue(w, item, depth + 1);
      }
      w.u8(0x7d);
    }
  }
}

/**
 * Encodes a value as binary LLSD, without the text header. Integral numbers in the int32 range become integers
 * ('i'), other numbers (and -0) reals ('r'); strings are written as strings ('s'), never as uuid or uri. Throws
 * {@link AssetError} `asset_too_large` for values nested deeper than the parser's default depth.
 */
export function encodeLlsdBinary(value: LlsdValue): Uint8Array {
  const w = new Writer();
  writeValue(w, value, 0);
  return w.result();
}
