/** LLUDP packet encoder: checks every value against the template, writes the body, zero-codes, appends acks. */
import { LludpError } from './errors';
import { getMessageRegistry } from './message-registry';
import type { Message, PacketInit } from './packet';
import { HEADER_BYTES, MAX_PACKET_BYTES, PacketFlags } from './packet';
import type { BlockTemplate, FieldTemplate, MessageTemplate } from './parse-template';
import { isUuid, uuidToBytes } from './uuid';
import { zeroEncode } from './zero-code';

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  U8: [0, 0xff],
  U16: [0, 0xffff],
  U32: [0, 0xffffffff],
  S8: [-0x80, 0x7f],
  S16: [-0x8000, 0x7fff],
  S32: [-0x80000000, 0x7fffffff],
  IPPORT: [0, 0xffff],
};
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

class BodyWriter {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(
    capacity: number,
    readonly message: string,
  ) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  fail(where: string, what: string): never {
    throw new LludpError('lludp_bad_value', `${this.message}.${where}: ${what}`);
  }

  room(n: number, where: string): number {
    const p = this.pos;
    if (p + n > this.bytes.length) {
      throw new LludpError('lludp_too_large', `${this.message}.${where}: the message exceeds ${MAX_PACKET_BYTES} bytes`);
    }
    this.pos = p + n;
    return p;
  }

  u8(value: number, where: string): void {
    this.bytes[this.room(1, where)] = value;
  }

  floats(value: unknown, n: number, width: 4 | 8, where: string): number[] {
    if (!Array.isArray(value) || value.length !== n) this.fail(where, `expected an array of ${n} numbers`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const c: unknown = value[i];
      if (typeof c !== 'number') this.fail(where, `component ${i} is not a number`);
      out.push(c);
    }
    const p = this.room(n * width, where);
    for (let i = 0; i < n; i++) {
      if (width === 4) this.view.setFloat32(p + i * 4, out[i] ?? 0, true);
      else this.view.setFloat64(p + i * 8, out[i] ?? 0, true);
    }
    return out;
  }

  field(f: FieldTemplate, value: unknown, where: string): void {
    const v = this.view;
    switch (f.type) {
      case 'U8':
      case 'U16':
      case 'U32':
      case 'S8':
      case 'S16':
      case 'S32':
      case 'IPPORT': {
        const [lo, hi] = INT_RANGES[f.type] ?? [0, 0];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < lo || value > hi) {
          this.fail(where, `expected an integer in ${lo}..${hi} for ${f.type}, got ${describe(value)}`);
        }
        const p = this.room(f.size, where);
        if (f.type === 'U8' || f.type === 'S8') v.setUint8(p, value & 0xff);
        else if (f.type === 'U16' || f.type === 'S16') v.setUint16(p, value & 0xffff, true);
        else if (f.type === 'IPPORT') v.setUint16(p, value, false);
        else v.setUint32(p, value >>> 0, true);
        return;
      }
      case 'U64':
      case 'S64': {
        const min = f.type === 'U64' ? 0n : -(1n << 63n);
        const max = f.type === 'U64' ? (1n << 64n) - 1n : (1n << 63n) - 1n;
        if (typeof value !== 'bigint' || value < min || value > max)
          this.fail(where, `expected a bigint in ${min}..${max} for ${f.type}`);
        v.setBigUint64(this.room(8, where), BigInt.asUintN(64, value), true);
        return;
      }
      case 'F32':
      case 'F64':
        if (typeof value !== 'number') this.fail(where, `expected a number, got ${describe(value)}`);
        if (f.type === 'F32') v.setFloat32(this.room(4, where), value, true);
        else v.setFloat64(this.room(8, where), value, true);
        return;
      case 'LLVector3':
        this.floats(value, 3, 4, where);
        return;
      case 'LLVector3d':
        this.floats(value, 3, 8, where);
        return;
      case 'LLVector4':
        this.floats(value, 4, 4, where);
        return;
      case 'LLQuaternion': {
        if (!Array.isArray(value) || (value.length !== 3 && value.length !== 4))
          this.fail(where, 'expected [x, y, z] or [x, y, z, w]');
        const w: unknown = value[3];
        // q and -q are the same rotation; the wire carries x, y, z of the one with w >= 0.
        const flip = typeof w === 'number' && w < 0;
        this.floats(
          flip ? value.slice(0, 3).map((c: unknown) => (typeof c === 'number' ? -c : c)) : value.slice(0, 3),
          3,
          4,
          where,
        );
        return;
      }
      case 'LLUUID':
        if (typeof value !== 'string' || !isUuid(value)) this.fail(where, `expected a UUID string, got ${describe(value)}`);
        uuidToBytes(value, this.bytes, this.room(16, where));
        return;
      case 'BOOL':
        if (typeof value !== 'boolean') this.fail(where, `expected a boolean, got ${describe(value)}`);
        this.u8(value ? 1 : 0, where);
        return;
      case 'IPADDR': {
        const m = typeof value === 'string' ? IPV4.exec(value) : null;
        const parts = m ? m.slice(1, 5).map(Number) : [];
        if (parts.length !== 4 || parts.some((n) => n > 255))
          this.fail(where, `expected a dotted IPv4 address, got ${describe(value)}`);
        const p = this.room(4, where);
        for (let i = 0; i < 4; i++) this.bytes[p + i] = parts[i] ?? 0;
        return;
      }
      case 'Fixed': {
        if (!(value instanceof Uint8Array) || value.length !== f.size)
          this.fail(where, `expected ${f.size} bytes, got ${describe(value)}`);
        this.bytes.set(value, this.room(f.size, where));
        return;
      }
      case 'Variable': {
        if (!(value instanceof Uint8Array)) this.fail(where, `expected bytes, got ${describe(value)}`);
        const max = f.size === 1 ? 0xff : 0xffff;
        if (value.length > max) this.fail(where, `${value.length} bytes exceed the Variable ${f.size} limit of ${max}`);
        const p = this.room(f.size + value.length, where);
        if (f.size === 1) this.bytes[p] = value.length;
        else v.setUint16(p, value.length, true);
        this.bytes.set(value, p + f.size);
        return;
      }
    }
  }

  block(b: BlockTemplate, value: unknown, where: string): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(where, 'expected an object of fields');
    const fields = value as Record<string, unknown>;
    for (const f of b.fields) {
      if (!(f.name in fields)) this.fail(`${where}.${f.name}`, 'missing');
      this.field(f, fields[f.name], `${where}.${f.name}`);
    }
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** The wire bytes of a message id. */
function writeMessageId(w: BodyWriter, t: MessageTemplate): void {
  switch (t.frequency) {
    case 'High':
      w.u8(t.number, 'id');
      return;
    case 'Medium':
      w.u8(0xff, 'id');
      w.u8(t.number, 'id');
      return;
    case 'Low':
      w.u8(0xff, 'id');
      w.u8(0xff, 'id');
      w.u8(t.number >>> 8, 'id');
      w.u8(t.number & 0xff, 'id');
      return;
    case 'Fixed':
      for (const shift of [24, 16, 8, 0]) w.u8((t.number >>> shift) & 0xff, 'id');
  }
}

/** Writes the body of one message (id included) and returns the bytes written. */
export function encodeMessageBody(message: Message, omittedBlocks = 0, trailing?: Uint8Array): Uint8Array {
  const t = typeof message?.name === 'string' ? getMessageRegistry().byName.get(message.name) : undefined;
  if (!t) throw new LludpError('lludp_unknown_message', `message ${describe(message?.name)} is not in the template`);
  const w: BodyWriter = new BodyWriter(MAX_PACKET_BYTES, t.name);
  writeMessageId(w, t);
  const blocks: unknown = message.blocks;
  if (typeof blocks !== 'object' || blocks === null) w.fail('blocks', 'expected an object of blocks');
  const byName = blocks as Record<string, unknown>;
  const omitFrom = t.blocks.length - omittedBlocks;
  for (let bi = 0; bi < t.blocks.length; bi++) {
    const b = t.blocks[bi] as BlockTemplate;
    const value = byName[b.name];
    if (b.kind === 'Single') {
      w.block(b, value, b.name);
      continue;
    }
    if (value === undefined && b.kind === 'Variable') {
      // Absent Variable blocks are empty.
      if (bi < omitFrom) w.u8(0, b.name);
      continue;
    }
    if (!Array.isArray(value)) w.fail(b.name, 'expected an array of blocks');
    if (b.kind === 'Multiple' && value.length !== b.count)
      w.fail(b.name, `expected exactly ${b.count} blocks, got ${value.length}`);
    if (b.kind === 'Variable') {
      if (value.length > 255) w.fail(b.name, `${value.length} blocks exceed the limit of 255`);
      if (bi >= omitFrom && value.length === 0) continue;
      w.u8(value.length, b.name);
    }
    for (let i = 0; i < value.length; i++) w.block(b, value[i], `${b.name}[${i}]`);
  }
  if (trailing?.length) w.bytes.set(trailing, w.room(trailing.length, 'trailing'));
  return w.bytes.subarray(0, w.pos);
}

/**
 * Encodes a packet: header, extra header, message id, body (zero-coded when asked), appended acks. Throws
 * {@link LludpError} naming the message, block and field when a value does not fit its template type, and when
 * the packet would exceed {@link MAX_PACKET_BYTES}. Packets from `decodePacket` re-encode byte for byte (when the
 * sender zero-coded greedily, as every known encoder does).
 */
export function encodePacket(packet: PacketInit): Uint8Array {
  if (typeof packet !== 'object' || packet === null) throw new LludpError('lludp_bad_value', 'packet: expected an object');
  const h = packet.header;
  if (typeof h !== 'object' || h === null) throw new LludpError('lludp_bad_value', 'header: expected an object');
  const name = typeof packet.message?.name === 'string' ? packet.message.name : '?';
  const seq = h.sequence;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) {
    throw new LludpError('lludp_bad_value', `${name}: header.sequence must be an integer in 0..4294967295`);
  }
  const extra = h.extra ?? new Uint8Array(0);
  if (!(extra instanceof Uint8Array) || extra.length > 255) {
    throw new LludpError('lludp_bad_value', `${name}: header.extra must be at most 255 bytes`);
  }
  const acks = packet.acks ?? [];
  if (acks.length > 255) throw new LludpError('lludp_bad_acks', `${name}: ${acks.length} appended acks exceed the limit of 255`);
  for (const a of acks) {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a > 0xffffffff) {
      throw new LludpError('lludp_bad_acks', `${name}: an appended ack must be an integer in 0..4294967295`);
    }
  }
  let flags = (h.flags ?? 0) & 0xff;
  const bit = (mask: number, on: boolean | undefined) => {
    if (on !== undefined) flags = on ? flags | mask : flags & ~mask;
  };
  bit(PacketFlags.reliable, h.reliable);
  bit(PacketFlags.resent, h.resent);
  bit(PacketFlags.zerocoded, h.zerocoded);
  if (acks.length > 0) flags |= PacketFlags.appendedAcks;
  const omitted = packet.omittedBlocks ?? 0;
  const message = encodeMessageBody(packet.message, Number.isInteger(omitted) && omitted > 0 ? omitted : 0, packet.trailing);
  let body: Uint8Array = new Uint8Array(extra.length + message.length);
  body.set(extra, 0);
  body.set(message, extra.length);
  if (flags & PacketFlags.zerocoded) body = zeroEncode(body);
  const ackBytes = flags & PacketFlags.appendedAcks ? 1 + acks.length * 4 : 0;
  const total = HEADER_BYTES + body.length + ackBytes;
  if (total > MAX_PACKET_BYTES)
    throw new LludpError('lludp_too_large', `${name}: packet of ${total} bytes exceeds ${MAX_PACKET_BYTES}`);
  const out = new Uint8Array(total);
  out[0] = flags;
  out[1] = seq >>> 24;
  out[2] = (seq >>> 16) & 0xff;
  out[3] = (seq >>> 8) & 0xff;
  out[4] = seq & 0xff;
  out[5] = extra.length;
  out.set(body, HEADER_BYTES);
  if (ackBytes) {
    let p = HEADER_BYTES + body.length;
    for (const a of acks) {
      out[p++] = a >>> 24;
      out[p++] = (a >>> 16) & 0xff;
      out[p++] = (a >>> 8) & 0xff;
      out[p++] = a & 0xff;
    }
    out[p] = acks.length;
  }
  return out;
}
