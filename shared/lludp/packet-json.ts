/** The JSON form of a packet (what the inspector CLI prints and reads): lossless for every decoded packet. */
import { describeMessageId } from './decode-packet';
import { LludpError } from './errors';
import { getMessageRegistry } from './message-registry';
import type { FieldValue, Message, Packet, PacketInit } from './packet';
import type { FieldTemplate } from './parse-template';
import { encodeUtf8, printableText } from './utf8';
import { fromHex, toHex } from './uuid';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The JSON form of a packet. */
export interface PacketJson {
  header: {
    flags: number;
    sequence: number;
    reliable: boolean;
    resent: boolean;
    zerocoded: boolean;
    appendedAcks: boolean;
    /** Extra header bytes as hex. */
    extra: string;
  };
  acks: number[];
  message: string;
  /** The wire id as the template writes it (for reading only; `message` decides when encoding). */
  id?: string;
  blocks: Record<string, Json>;
  trailing?: string;
  omittedBlocks?: number;
}

/** A float as JSON: finite numbers as numbers, -0, NaN and infinities as strings (JSON has no literal for them). */
function floatJson(n: number): Json {
  if (Object.is(n, -0)) return '-0';
  return Number.isFinite(n) ? n : String(n);
}

function fieldToJson(f: FieldTemplate, v: FieldValue): Json {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return f.type === 'F32' || f.type === 'F64' ? floatJson(v) : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) {
    if (f.type === 'Fixed') return toHex(v);
    return printableText(v) ?? { hex: toHex(v) };
  }
  return v.map(floatJson);
}

/** Converts a decoded packet to its JSON form: UUIDs as strings, Variable fields as text where printable else `{hex}`. */
export function packetToJson(packet: Packet): PacketJson {
  const t = getMessageRegistry().byName.get(packet.message.name);
  if (!t) throw new LludpError('lludp_unknown_message', `message ${packet.message.name} is not in the template`, 'internal');
  const blocks: Record<string, Json> = {};
  // The generated block types and the template tables describe the same shape; walk it by the tables.
  const src = packet.message.blocks as unknown as Record<string, Record<string, FieldValue> | Record<string, FieldValue>[]>;
  for (const b of t.blocks) {
    const one = (value: Record<string, FieldValue>): Json => {
      const o: { [key: string]: Json } = {};
      for (const f of b.fields) o[f.name] = fieldToJson(f, value[f.name] as FieldValue);
      return o;
    };
    const value = src[b.name];
    if (value === undefined) continue;
    blocks[b.name] = Array.isArray(value) ? value.map(one) : one(value);
  }
  const h = packet.header;
  const json: PacketJson = {
    header: {
      flags: h.flags,
      sequence: h.sequence,
      reliable: h.reliable,
      resent: h.resent,
      zerocoded: h.zerocoded,
      appendedAcks: (h.flags & 0x10) !== 0,
      extra: toHex(h.extra),
    },
    acks: packet.acks,
    message: t.name,
    id: describeMessageId(t.id),
    blocks,
  };
  if (packet.trailing) json.trailing = toHex(packet.trailing);
  if (packet.omittedBlocks) json.omittedBlocks = packet.omittedBlocks;
  return json;
}

function bad(where: string, what: string): never {
  throw new LludpError('lludp_bad_json', `${where}: ${what}`);
}

function floatFromJson(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === '-0') return -0;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return bad(where, 'expected a number (or "-0", "NaN", "Infinity", "-Infinity")');
}

function hexFromJson(v: unknown, where: string): Uint8Array {
  const bytes = typeof v === 'string' ? fromHex(v) : null;
  return bytes ?? bad(where, 'expected hex text');
}

function fieldFromJson(f: FieldTemplate, v: unknown, where: string): unknown {
  switch (f.type) {
    case 'U64':
    case 'S64':
      if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
      return bad(where, 'expected an integer as a decimal string');
    case 'F32':
    case 'F64':
      return floatFromJson(v, where);
    case 'LLVector3':
    case 'LLVector3d':
    case 'LLVector4':
    case 'LLQuaternion':
      if (!Array.isArray(v)) return bad(where, 'expected an array of numbers');
      return v.map((c: unknown, i) => floatFromJson(c, `${where}[${i}]`));
    case 'Fixed':
      return hexFromJson(v, where);
    case 'Variable':
      if (typeof v === 'string') return encodeUtf8(v);
      if (typeof v === 'object' && v !== null && 'hex' in v) return hexFromJson(v.hex, where);
      return bad(where, 'expected text or {"hex": "…"}');
    default:
      return v;
  }
}

/**
 * Converts the JSON form back to what `encodePacket` takes. Type errors in fields are left for the encoder, which
 * names the message, block and field; this only undoes the JSON-specific forms (hex, text, bigint strings).
 */
export function packetFromJson(input: unknown): PacketInit {
  if (typeof input !== 'object' || input === null) return bad('packet', 'expected a JSON object');
  const j = input as Partial<Record<keyof PacketJson, unknown>>;
  if (typeof j.message !== 'string') return bad('packet', 'expected "message": the message name');
  const t = getMessageRegistry().byName.get(j.message);
  if (!t) throw new LludpError('lludp_unknown_message', `message ${JSON.stringify(j.message)} is not in the template`);
  const header = j.header;
  if (typeof header !== 'object' || header === null) return bad(t.name, 'expected "header": {sequence, flags, …}');
  const h = header as Record<string, unknown>;
  const flag = (key: string): boolean | undefined => {
    const v = h[key];
    if (v === undefined || typeof v === 'boolean') return v;
    return bad(`${t.name}: header.${key}`, 'expected a boolean');
  };
  const flags = h.flags;
  if (flags !== undefined && (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0 || flags > 255)) {
    return bad(`${t.name}: header.flags`, 'expected an integer in 0..255');
  }
  const init: PacketInit = {
    header: {
      sequence: h.sequence as number,
      extra: h.extra === undefined ? new Uint8Array(0) : hexFromJson(h.extra, `${t.name}: header.extra`),
    },
    // Blocks are filled below from the template; the encoder checks every field against it.
    message: { name: t.name, blocks: {} } as unknown as Message,
  };
  if (flags !== undefined) init.header.flags = flags;
  for (const key of ['reliable', 'resent', 'zerocoded'] as const) {
    const v = flag(key);
    if (v !== undefined) init.header[key] = v;
  }
  const appended = flag('appendedAcks');
  if (appended !== undefined) init.header.flags = appended ? (init.header.flags ?? 0) | 0x10 : (init.header.flags ?? 0) & ~0x10;
  if (j.acks !== undefined) {
    if (!Array.isArray(j.acks)) return bad(`${t.name}: acks`, 'expected an array of sequence numbers');
    init.acks = j.acks as number[];
  }
  if (j.trailing !== undefined) init.trailing = hexFromJson(j.trailing, `${t.name}: trailing`);
  if (j.omittedBlocks !== undefined) {
    if (typeof j.omittedBlocks !== 'number') return bad(`${t.name}: omittedBlocks`, 'expected a number');
    init.omittedBlocks = j.omittedBlocks;
  }
  const blocksIn = j.blocks ?? {};
  if (typeof blocksIn !== 'object' || blocksIn === null || Array.isArray(blocksIn))
    return bad(`${t.name}: blocks`, 'expected an object');
  const src = blocksIn as Record<string, unknown>;
  for (const name of Object.keys(src)) {
    if (!t.blocks.some((b) => b.name === name)) bad(`${t.name}.${name}`, 'no such block in this message');
  }
  const out: Record<string, unknown> = {};
  for (const b of t.blocks) {
    const one = (value: unknown, where: string): unknown => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const fields = value as Record<string, unknown>;
      const o: Record<string, unknown> = {};
      for (const key of Object.keys(fields)) {
        if (!b.fields.some((f) => f.name === key)) bad(`${t.name}.${where}.${key}`, 'no such field in this block');
      }
      for (const f of b.fields)
        if (f.name in fields) o[f.name] = fieldFromJson(f, fields[f.name], `${t.name}.${where}.${f.name}`);
      return o;
    };
    const value = src[b.name];
    if (value === undefined) continue;
    out[b.name] = Array.isArray(value) ? value.map((v, i) => one(v, `${b.name}[${i}]`)) : one(value, b.name);
  }
  (init.message as { blocks: unknown }).blocks = out;
  return init;
}
