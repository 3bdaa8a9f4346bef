/** Bounds-checked little-endian reader for the packed payloads inside LLUDP fields (errors name the payload). */
import { LludpError } from './errors';
import type { Vector3, Vector4 } from './packet';
import { uuidFromBytes } from './uuid';

/** Reads a packed payload front to back; every read checks the bounds and fails with `lludp_bad_payload`. */
export class PayloadReader {
  readonly view: DataView;
  readonly end: number;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
    start = 0,
    end?: number,
  ) {
    if (!(bytes instanceof Uint8Array)) throw new LludpError('lludp_bad_payload', `${what}: expected bytes (a Uint8Array)`);
    this.end = end ?? bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  /** Bytes left. */
  get left(): number {
    return this.end - this.pos;
  }

  fail(what: string): never {
    throw new LludpError('lludp_bad_payload', `${this.what}: ${what}`);
  }

  take(n: number, field: string): number {
    const p = this.pos;
    if (n < 0 || p + n > this.end) this.fail(`${field} needs ${n} byte(s) at offset ${p} but ${this.end - p} are left`);
    this.pos = p + n;
    return p;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)] ?? 0;
  }

  s8(field: string): number {
    return this.view.getInt8(this.take(1, field));
  }

  u16(field: string): number {
    return this.view.getUint16(this.take(2, field), true);
  }

  s16(field: string): number {
    return this.view.getInt16(this.take(2, field), true);
  }

  u32(field: string): number {
    return this.view.getUint32(this.take(4, field), true);
  }

  f32(field: string): number {
    return this.view.getFloat32(this.take(4, field), true);
  }

  vector3(field: string): Vector3 {
    const p = this.take(12, field);
    const v = this.view;
    return [v.getFloat32(p, true), v.getFloat32(p + 4, true), v.getFloat32(p + 8, true)];
  }

  vector4(field: string): Vector4 {
    const p = this.take(16, field);
    const v = this.view;
    return [v.getFloat32(p, true), v.getFloat32(p + 4, true), v.getFloat32(p + 8, true), v.getFloat32(p + 12, true)];
  }

  /** A quaternion sent as x, y, z (w derived, never negative). */
  quaternion(field: string): Vector4 {
    const [x, y, z] = this.vector3(field);
    const ww = 1 - (x * x + y * y + z * z);
    return [x, y, z, ww > 0 ? Math.sqrt(ww) : 0];
  }

  uuid(field: string): string {
    return uuidFromBytes(this.bytes, this.take(16, field));
  }

  bytesOf(n: number, field: string): Uint8Array {
    const p = this.take(n, field);
    return this.bytes.subarray(p, p + n);
  }

  /** A NUL-terminated string's bytes (the NUL is consumed, not returned). */
  cString(field: string): Uint8Array {
    const start = this.pos;
    let i = start;
    while (i < this.end && this.bytes[i] !== 0) i++;
    if (i >= this.end) this.fail(`${field} has no NUL terminator`);
    this.pos = i + 1;
    return this.bytes.subarray(start, i);
  }

  /** A u16 mapped linearly onto [lower, upper], with values within one step of zero snapped to 0 (as the viewer does). */
  u16Float(lower: number, upper: number, field: string): number {
    return unitToRange(this.u16(field) / 65535, lower, upper, 65535);
  }

  /** A u8 mapped linearly onto [lower, upper], snapped to 0 like {@link u16Float}. */
  u8Float(lower: number, upper: number, field: string): number {
    return unitToRange(this.u8(field) / 255, lower, upper, 255);
  }
}

function unitToRange(unit: number, lower: number, upper: number, steps: number): number {
  const delta = upper - lower;
  const value = Math.fround(unit * delta + lower);
  return Math.abs(value) < delta / steps ? 0 : value;
}
