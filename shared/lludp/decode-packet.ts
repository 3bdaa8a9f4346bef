/** LLUDP packet decoder: header, appended acks, zero-coding, message id and template-driven body. */
import { LludpError } from './errors';
import { getMessageRegistry } from './message-registry';
import type { BlockValue, FieldValue, Message, Packet, PacketHeader } from './packet';
import { HEADER_BYTES, MAX_PACKET_BYTES, PacketFlags } from './packet';
import type { BlockTemplate, FieldTemplate, MessageTemplate } from './parse-template';
import { uuidFromBytes } from './uuid';
import { zeroDecode } from './zero-code';

/** Reads the wire id at `pos`: returns the 32-bit id key and its width, or null when the body is too short. */
function readMessageId(body: Uint8Array, pos: number): { id: number; width: number } | null {
  const b0 = body[pos];
  if (b0 === undefined) return null;
  if (b0 !== 0xff) return { id: b0, width: 1 };
  const b1 = body[pos + 1];
  if (b1 === undefined) return null;
  if (b1 !== 0xff) return { id: 0xff00 | b1, width: 2 };
  const b2 = body[pos + 2];
  const b3 = body[pos + 3];
  if (b2 === undefined || b3 === undefined) return null;
  // FF FF then two bytes: Fixed ids are FF FF FF xx, Low ids FF FF and a big-endian u16 below 0xFF00.
  return { id: (0xffff0000 | (b2 << 8) | b3) >>> 0, width: 4 };
}

/** Formats a 32-bit id key the way the template writes it. */
export function describeMessageId(id: number): string {
  if (id <= 0xff) return `High ${id}`;
  if (id <= 0xffff) return `Medium ${id & 0xff}`;
  if (id >>> 8 === 0xffffff) return `Fixed 0x${id.toString(16).toUpperCase()}`;
  return `Low ${id & 0xffff} (0x${id.toString(16).toUpperCase().padStart(8, '0')})`;
}

class BodyReader {
  readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly message: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  fail(where: string, what: string): never {
    throw new LludpError('lludp_truncated', `${this.message}.${where}: ${what}`);
  }

  need(n: number, where: string): void {
    if (this.pos + n > this.bytes.length) {
      this.fail(where, `needs ${n} byte(s) at offset ${this.pos} but the body has ${this.bytes.length - this.pos} left`);
    }
  }

  field(f: FieldTemplate, where: string): FieldValue {
    const v = this.view;
    let p = this.pos;
    if (f.type === 'Variable') {
      this.need(f.size, where);
      const len = f.size === 1 ? (this.bytes[p] ?? 0) : v.getUint16(p, true);
      p += f.size;
      this.pos = p;
      this.need(len, where);
      this.pos = p + len;
      return this.bytes.subarray(p, p + len);
    }
    this.need(f.size, where);
    this.pos = p + f.size;
    switch (f.type) {
      case 'U8':
        return v.getUint8(p);
      case 'U16':
        return v.getUint16(p, true);
      case 'U32':
        return v.getUint32(p, true);
      case 'U64':
        return v.getBigUint64(p, true);
      case 'S8':
        return v.getInt8(p);
      case 'S16':
        return v.getInt16(p, true);
      case 'S32':
        return v.getInt32(p, true);
      case 'S64':
        return v.getBigInt64(p, true);
      case 'F32':
        return v.getFloat32(p, true);
      case 'F64':
        return v.getFloat64(p, true);
      case 'LLVector3':
        return [v.getFloat32(p, true), v.getFloat32(p + 4, true), v.getFloat32(p + 8, true)];
      case 'LLVector3d':
        return [v.getFloat64(p, true), v.getFloat64(p + 8, true), v.getFloat64(p + 16, true)];
      case 'LLVector4':
        return [v.getFloat32(p, true), v.getFloat32(p + 4, true), v.getFloat32(p + 8, true), v.getFloat32(p + 12, true)];
      case 'LLQuaternion': {
        const x = v.getFloat32(p, true);
        const y = v.getFloat32(p + 4, true);
        const z = v.getFloat32(p + 8, true);
        const ww = 1 - (x * x + y * y + z * z);
        return [x, y, z, ww > 0 ? Math.sqrt(ww) : 0];
      }
      case 'LLUUID':
        return uuidFromBytes(this.bytes, p);
      case 'BOOL':
        return v.getUint8(p) !== 0;
      case 'IPADDR':
        return `${this.bytes[p]}.${this.bytes[p + 1]}.${this.bytes[p + 2]}.${this.bytes[p + 3]}`;
      case 'IPPORT':
        return v.getUint16(p, false);
      case 'Fixed':
        return this.bytes.subarray(p, p + f.size);
    }
  }

  block(b: BlockTemplate, where: string): BlockValue {
    const out: BlockValue = {};
    for (const f of b.fields) out[f.name] = this.field(f, `${where}.${f.name}`);
    return out;
  }
}

/** Decodes the body of one message (after its id) from `body` at `start`; returns the message and where it ended. */
export function decodeMessageBody(
  template: MessageTemplate,
  body: Uint8Array,
  start: number,
): { message: Message; end: number; omittedBlocks: number } {
  const r = new BodyReader(body, start, template.name);
  const blocks: Record<string, BlockValue | BlockValue[]> = {};
  let omitted = 0;
  for (const b of template.blocks) {
    if (b.kind === 'Single') {
      blocks[b.name] = r.block(b, b.name);
      continue;
    }
    let count = b.count;
    if (b.kind === 'Variable') {
      if (r.pos >= body.length) {
        // A Variable block missing at the very end of a message is legal: the viewer reads it as empty.
        omitted++;
        blocks[b.name] = [];
        continue;
      }
      count = body[r.pos] ?? 0;
      r.pos++;
    }
    const list: BlockValue[] = [];
    for (let i = 0; i < count; i++) list.push(r.block(b, `${b.name}[${i}]`));
    blocks[b.name] = list;
  }
  // The blocks were built from the template of this very message, so they have its shape.
  return { message: { name: template.name, blocks } as unknown as Message, end: r.pos, omittedBlocks: omitted };
}

/**
 * Decodes one LLUDP datagram. Throws {@link LludpError} (never another error) when it is shorter or longer than
 * allowed, badly zero-coded, has an unknown message id, or a block or field runs off the end: the message names
 * the place ("lludp: ObjectUpdate.ObjectData[2].Data: …").
 */
export function decodePacket(datagram: Uint8Array): Packet {
  if (!(datagram instanceof Uint8Array)) throw new LludpError('lludp_bad_value', 'a datagram must be a Uint8Array (or Buffer)');
  const len = datagram.length;
  if (len > MAX_PACKET_BYTES) throw new LludpError('lludp_too_large', `packet of ${len} bytes exceeds ${MAX_PACKET_BYTES}`);
  if (len < HEADER_BYTES + 1) throw new LludpError('lludp_truncated', `packet of ${len} bytes is shorter than a header and id`);
  const flags = datagram[0] ?? 0;
  const sequence =
    (((datagram[1] ?? 0) << 24) | ((datagram[2] ?? 0) << 16) | ((datagram[3] ?? 0) << 8) | (datagram[4] ?? 0)) >>> 0;
  const extraLength = datagram[5] ?? 0;
  let bodyEnd = len;
  const acks: number[] = [];
  if (flags & PacketFlags.appendedAcks) {
    const count = datagram[len - 1] ?? 0;
    bodyEnd = len - 1 - count * 4;
    if (bodyEnd < HEADER_BYTES + 1) {
      throw new LludpError(
        'lludp_bad_acks',
        `packet of ${len} bytes cannot hold the ${count} appended ack(s) its last byte announces`,
      );
    }
    for (let i = 0; i < count; i++) {
      const p = bodyEnd + i * 4;
      acks.push(
        (((datagram[p] ?? 0) << 24) | ((datagram[p + 1] ?? 0) << 16) | ((datagram[p + 2] ?? 0) << 8) | (datagram[p + 3] ?? 0)) >>>
          0,
      );
    }
  }
  const zerocoded = (flags & PacketFlags.zerocoded) !== 0;
  const raw = datagram.subarray(HEADER_BYTES, bodyEnd);
  const body = zerocoded ? zeroDecode(raw, MAX_PACKET_BYTES) : raw;
  if (extraLength > body.length) {
    throw new LludpError('lludp_truncated', `extra header of ${extraLength} bytes is longer than the ${body.length}-byte body`);
  }
  const extra = body.subarray(0, extraLength);
  const idAt = readMessageId(body, extraLength);
  if (!idAt) throw new LludpError('lludp_truncated', 'packet ends inside the message id');
  const template = getMessageRegistry().byId.get(idAt.id);
  if (!template) {
    throw new LludpError(
      'lludp_unknown_message',
      `message id ${describeMessageId(idAt.id)} is not in the template; drop the packet`,
    );
  }
  const { message, end, omittedBlocks } = decodeMessageBody(template, body, extraLength + idAt.width);
  const header: PacketHeader = {
    flags,
    sequence,
    reliable: (flags & PacketFlags.reliable) !== 0,
    resent: (flags & PacketFlags.resent) !== 0,
    zerocoded,
    extra,
  };
  const packet: Packet = { header, acks, message };
  if (end < body.length) packet.trailing = body.subarray(end);
  if (omittedBlocks > 0) packet.omittedBlocks = omittedBlocks;
  return packet;
}
