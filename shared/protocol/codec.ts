/**
 * Storm protocol v1 codec: binary little-endian frames. Byte 0 is the message tag; the payload
 * follows. Every decoder either returns a message that satisfies its schema or throws ProtocolError.
 */
import type { z } from 'zod';
import { ByteReader, ByteWriter, decodeUtf8, encodeUtf8 } from './byte-io';
import type { Bounds, EntityUpdate } from './entity';
import { ProtocolError } from './errors';
import {
  MAX_ACTION_BYTES,
  MAX_ACTION_RESULT_BYTES,
  MAX_CHAT_BYTES,
  MAX_CLIENT_FRAME_BYTES,
  MAX_DESCRIPTION_BYTES,
  MAX_DESPAWN_IDS,
  MAX_ENTITIES_PER_FRAME,
  MAX_ERROR_CODE_BYTES,
  MAX_ERROR_MESSAGE_BYTES,
  MAX_FACES,
  MAX_MAP_REGIONS,
  MAX_NAME_BYTES,
  MAX_P2P_PEERS,
  MAX_SERVER_FRAME_BYTES,
  MAX_SESSION_BYTES,
  MAX_SESSION_REGIONS,
  MAX_TERRAIN_PATCH_SIDE,
  MAX_TOKEN_BYTES,
  PROTOCOL_VERSION,
} from './limits';
import {
  ALPHA_MODES,
  type FaceMaterial,
  MAX_HOVER_TEXT_BYTES,
  MAX_TEXTURE_ANIM_VALUE,
  MAX_TEXTURE_REPEATS,
  sculptFromByte,
  sculptTypeByte,
  type TextureAnim,
  textureAnimFlags,
  textureAnimModeByte,
} from './material';
import { ClientMessage, DEFAULT_BOUNDS, mapRequestProblem, ServerMessage, TRAVEL_KINDS } from './messages';
import { PRIM_SHAPE_FIELDS } from './prim-shape';
import {
  dequantizeAxis,
  packRotation,
  quantizeAxis,
  quantizeIntent,
  quantizeVelocity,
  unpackRotation,
  VELOCITY_UNIT,
} from './quantize';
import { MAX_PRELOAD_SOUNDS, MAX_SOUND_RADIUS } from './sound';

/** Message tags: client → edge below 0x80, edge → client from 0x80. */
export const CLIENT_TAGS = {
  hello: 0x01,
  input: 0x02,
  chat: 0x03,
  action: 0x04,
  ack: 0x05,
  ping: 0x06,
  p2p: 0x07,
  teleport: 0x08,
  map_request: 0x09,
} as const;
export const SERVER_TAGS = {
  welcome: 0x81,
  snapshot: 0x82,
  delta: 0x83,
  despawn: 0x84,
  terrain: 0x85,
  chat: 0x86,
  action_result: 0x87,
  error: 0x88,
  pong: 0x89,
  sound_trigger: 0x8a,
  sound_preload: 0x8b,
  region_info: 0x8c,
  peers: 0x8d,
  regions: 0x8e,
  travel: 0x8f,
  map: 0x90,
} as const;

/** Bits of an entity record's field mask. */
export const FIELD = {
  kind: 1,
  parent: 2,
  name: 4,
  description: 8,
  position: 16,
  rotation: 32,
  scale: 64,
  velocity: 128,
  shape: 256,
  colors: 512,
  /** Optional: the source world's object UUID (16 bytes), only where it has one. */
  uuid: 1024,
  /** Optional: simulation flags (u8; bit 0 = physical: it falls, rolls and can be pushed). */
  physics: 2048,
  /** Optional: the entity's attached sound (asset 16 bytes, gain f32, radius f32, flags u8). Bit 2048 is taken by `physical`. */
  sound: 4096,
  /** Optional: per-face materials (u8 count, then MATERIAL_BYTES each). */
  materials: 8192,
  /** Optional: sculpt or mesh geometry (SL SculptType byte, 0 = none; then the 16-byte map or mesh asset). */
  sculpt: 16384,
  /** Set when a second u16 of mask bits follows (the bits from 65536 up). */
  extended: 32768,
  /** Optional, extended: hover text (u8-length UTF-8, then RGBA u8×4). */
  text: 65536,
  /** Optional, extended: a Finalverse glTF model (its 32-byte SHA-256). */
  model: 131072,
  /** Optional, extended: the region slot (u16) a grid entity's position is in (see the `regions` frame). */
  region: 262144,
  /**
   * Optional, extended: the owner (u8 flags: bit 0 a 16-byte UUID follows, bit 1 a u8-length UTF-8 name follows;
   * at least one). Older decoders refuse the unknown bit, so it is sent only by sides that speak it.
   */
  owner: 524288,
  /**
   * Optional, extended: a texture animation (SL's 16-byte TextureAnim block: u8 mode with ANIM_ON, i8 face, u8 sizeX,
   * u8 sizeY, f32 start, length, rate; a lone u8 0 means removed). Older decoders refuse the bit, as for `owner`.
   */
  textureAnim: 1048576,
} as const;
/** Every required field: how an entity travels in a snapshot or when it is new to the receiver (plus `uuid` where known). */
export const FIELD_ALL = 1023;
/** Every bit a field mask may carry. */
const FIELD_KNOWN =
  FIELD_ALL |
  FIELD.uuid |
  FIELD.physics |
  FIELD.sound |
  FIELD.materials |
  FIELD.sculpt |
  FIELD.extended |
  FIELD.text |
  FIELD.model |
  FIELD.region |
  FIELD.owner |
  FIELD.textureAnim;

const MIN_SCALE = 0.001;
const MAX_SCALE = 65536;

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new ProtocolError('protocol_invalid', `${what} is malformed${where}: ${issue?.message ?? 'schema mismatch'}`);
}

function writeLongString(w: ByteWriter, text: string, max: number, what: string): void {
  const b = encodeUtf8(text);
  if (b.length > max) throw new ProtocolError('protocol_too_large', `${what} is ${b.length} bytes, the limit is ${max}`);
  w.u32(b.length);
  w.bytes(b);
}

function readLongString(r: ByteReader, max: number, what: string): string {
  const n = r.u32();
  if (n > max) throw new ProtocolError('protocol_too_large', `${what} is ${n} bytes, the limit is ${max}`);
  return decodeUtf8(r.bytes(n));
}

function readJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError('protocol_invalid', `${what} is not valid JSON`);
  }
}

const clampScale = (v: number): number => (Number.isNaN(v) ? MIN_SCALE : Math.min(MAX_SCALE, Math.max(MIN_SCALE, v)));

/** Writes one entity record: id, field mask, then the fields the mask names. */
function writeEntity(w: ByteWriter, e: EntityUpdate, bounds: Bounds): void {
  const has = (v: unknown, bit: number): number => (v === undefined ? 0 : bit);
  const mask =
    has(e.kind, FIELD.kind) |
    has(e.parent, FIELD.parent) |
    has(e.name, FIELD.name) |
    has(e.description, FIELD.description) |
    has(e.position, FIELD.position) |
    has(e.rotation, FIELD.rotation) |
    has(e.scale, FIELD.scale) |
    has(e.velocity, FIELD.velocity) |
    has(e.shape, FIELD.shape) |
    has(e.colors, FIELD.colors) |
    has(e.uuid, FIELD.uuid) |
    has(e.physical, FIELD.physics) |
    has(e.sound, FIELD.sound) |
    has(e.materials, FIELD.materials) |
    has(e.sculpt, FIELD.sculpt) |
    has(e.text, FIELD.text) |
    has(e.model, FIELD.model) |
    has(e.region, FIELD.region) |
    has(e.owner, FIELD.owner) |
    has(e.textureAnim, FIELD.textureAnim);
  const high = Math.floor(mask / 65536);
  w.u32(e.id);
  w.u16((mask & 0xffff) | (high > 0 ? FIELD.extended : 0));
  if (high > 0) w.u16(high);
  if (e.kind !== undefined) w.u8(e.kind === 'avatar' ? 1 : 0);
  if (e.parent !== undefined) w.u32(e.parent);
  if (e.name !== undefined) w.string(e.name, MAX_NAME_BYTES, 'an entity name');
  if (e.description !== undefined) w.string(e.description, MAX_DESCRIPTION_BYTES, 'an entity description');
  if (e.position !== undefined)
    for (let i = 0; i < 3; i++) w.u16(quantizeAxis(e.position[i] ?? 0, bounds.min[i] ?? 0, bounds.max[i] ?? 0));
  if (e.rotation !== undefined) w.u32(packRotation(e.rotation));
  if (e.scale !== undefined) for (const v of e.scale) w.f32(clampScale(v));
  if (e.velocity !== undefined) for (const v of e.velocity) w.i16(quantizeVelocity(v));
  if (e.shape !== undefined) {
    const shape = e.shape;
    for (const f of PRIM_SHAPE_FIELDS) w[f.kind](shape[f.name]);
  }
  if (e.colors !== undefined) {
    if (e.colors.length > MAX_FACES)
      throw new ProtocolError('protocol_too_large', `an entity has ${e.colors.length} face colours, the limit is ${MAX_FACES}`);
    w.u8(e.colors.length);
    for (const c of e.colors) for (const v of c) w.u8(v);
  }
  if (e.uuid !== undefined) {
    writeUuid(w, e.uuid, 'entity uuid');
  }
  if (e.physical !== undefined) w.u8(e.physical ? 1 : 0);
  if (e.sound !== undefined) {
    writeUuid(w, e.sound.asset, 'a sound asset');
    w.f32(clampUnit(e.sound.gain));
    w.f32(clampRadius(e.sound.radius));
    w.u8(e.sound.flags & 0xff);
  }
  if (e.materials !== undefined) {
    if (e.materials.length > MAX_FACES)
      throw new ProtocolError(
        'protocol_too_large',
        `an entity has ${e.materials.length} face materials, the limit is ${MAX_FACES}`,
      );
    w.u8(e.materials.length);
    for (const m of e.materials) writeMaterial(w, m);
  }
  if (e.sculpt !== undefined) {
    if (e.sculpt === null) w.u8(0);
    else {
      w.u8(sculptTypeByte(e.sculpt));
      writeUuid(w, e.sculpt.map, 'a sculpt map');
    }
  }
  if (e.text !== undefined) {
    const b = encodeUtf8(e.text.text);
    if (b.length > MAX_HOVER_TEXT_BYTES)
      throw new ProtocolError('protocol_too_large', `hover text is ${b.length} bytes, the limit is ${MAX_HOVER_TEXT_BYTES}`);
    w.u8(b.length);
    w.bytes(b);
    for (const v of e.text.color) w.u8(v);
  }
  if (e.model !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(e.model))
      throw new ProtocolError('protocol_invalid', `a model hash "${e.model.slice(0, 70)}" is not 64 lower-case hex digits`);
    for (let i = 0; i < 32; i++) w.u8(Number.parseInt(e.model.slice(i * 2, i * 2 + 2), 16));
  }
  if (e.region !== undefined) w.u16(e.region);
  if (e.owner !== undefined) {
    const { uuid, name } = e.owner;
    if (uuid === undefined && (name === undefined || name === ''))
      throw new ProtocolError('protocol_invalid', 'an entity owner needs a uuid or a name');
    const hasName = name !== undefined && name !== '';
    w.u8((uuid !== undefined ? 1 : 0) | (hasName ? 2 : 0));
    if (uuid !== undefined) writeUuid(w, uuid, 'an owner uuid');
    if (hasName) w.string(name, MAX_NAME_BYTES, 'an owner name');
  }
  if (e.textureAnim !== undefined) writeTextureAnim(w, e.textureAnim);
}

/** A texture animation: SL's block (mode with ANIM_ON first), or a lone 0 for "removed". */
function writeTextureAnim(w: ByteWriter, a: TextureAnim | null): void {
  if (a === null) {
    w.u8(0);
    return;
  }
  w.u8(textureAnimModeByte(a));
  w.i8(Math.max(-1, Math.min(MAX_FACES - 1, Math.trunc(a.face))));
  w.u8(a.sizeX & 0xff);
  w.u8(a.sizeY & 0xff);
  w.f32(FINITE(a.start, MAX_TEXTURE_ANIM_VALUE));
  w.f32(FINITE(a.length, MAX_TEXTURE_ANIM_VALUE));
  w.f32(FINITE(a.rate, MAX_TEXTURE_ANIM_VALUE));
}

function readTextureAnim(r: ByteReader): Record<string, unknown> | null {
  const mode = r.u8();
  if (mode === 0) return null;
  if ((mode & 1) === 0 || mode & 0x80)
    throw new ProtocolError('protocol_invalid', `texture animation mode 0x${mode.toString(16)} is not on or has unknown bits`);
  return {
    ...textureAnimFlags(mode),
    face: r.i8(),
    sizeX: r.u8(),
    sizeY: r.u8(),
    start: r.f32(),
    length: r.f32(),
    rate: r.f32(),
  };
}

/** Bytes of one encoded face material. */
export const MATERIAL_BYTES = 16 + 4 * 4 + 4 + 1 + 1 + 1 + 1;
const FINITE = (v: number, limit: number): number => (Number.isFinite(v) ? Math.min(limit, Math.max(-limit, v)) : 0);

/** A face material's flags bit for planar TexGen (older decoders refuse it; it is sent only where a face is planar). */
const MATERIAL_PLANAR = 0x20;

/**
 * texture, repeats f32×2, offset f32×2, rotation f32, glow u8 (/255), flags u8 (fullbright bit 0, alpha mode bits 1-2,
 * shiny bits 3-4, planar TexGen bit 5), bump u8, cutoff u8 (/255).
 */
function writeMaterial(w: ByteWriter, m: FaceMaterial): void {
  writeUuid(w, m.texture, 'a face texture');
  w.f32(FINITE(m.repeats[0], MAX_TEXTURE_REPEATS));
  w.f32(FINITE(m.repeats[1], MAX_TEXTURE_REPEATS));
  w.f32(FINITE(m.offset[0], 1));
  w.f32(FINITE(m.offset[1], 1));
  w.f32(FINITE(m.rotation, 2 * Math.PI));
  w.u8(Math.round(clampUnit(m.glow) * 255));
  w.u8(
    (m.fullbright ? 1 : 0) |
      (ALPHA_MODES.indexOf(m.alphaMode) << 1) |
      ((m.shiny & 3) << 3) |
      (m.texgen === 'planar' ? MATERIAL_PLANAR : 0),
  );
  w.u8(m.bump & 31);
  w.u8(Math.round(clampUnit(m.alphaCutoff) * 255));
}

function readMaterial(r: ByteReader): Record<string, unknown> {
  const texture = readUuid(r);
  const repeats = [r.f32(), r.f32()];
  const offset = [r.f32(), r.f32()];
  const rotation = r.f32();
  const glow = r.u8() / 255;
  const flags = r.u8();
  if (flags & 0xc0) throw new ProtocolError('protocol_invalid', `face material flags 0x${flags.toString(16)} have unknown bits`);
  const alphaMode = ALPHA_MODES[(flags >> 1) & 3];
  const bump = r.u8();
  const alphaCutoff = r.u8() / 255;
  return {
    texture,
    repeats,
    offset,
    rotation,
    glow,
    fullbright: (flags & 1) !== 0,
    alphaMode,
    alphaCutoff,
    shiny: (flags >> 3) & 3,
    bump,
    texgen: flags & MATERIAL_PLANAR ? 'planar' : 'default',
  };
}

/** A gain into [0, 1] (NaN: 0); a radius into [0, MAX_SOUND_RADIUS]. */
const clampUnit = (v: number): number => (Number.isNaN(v) ? 0 : Math.min(1, Math.max(0, v)));
const clampRadius = (v: number): number => (Number.isNaN(v) ? 0 : Math.min(MAX_SOUND_RADIUS, Math.max(0, v)));

function writeUuid(w: ByteWriter, uuid: string, what: string): void {
  if (!UUID_TEXT.test(uuid)) throw new ProtocolError('protocol_invalid', `${what} "${uuid.slice(0, 40)}" is not a UUID`);
  const hex = uuid.replaceAll('-', '');
  for (let i = 0; i < 16; i++) w.u8(Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 bytes as a lower-case 8-4-4-4-12 UUID. */
function readUuid(r: ByteReader): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-';
    s += HEX[r.u8()];
  }
  return s;
}

/** Reads one entity record into a plain object (checked by the message schema afterwards). */
function readEntity(r: ByteReader, bounds: Bounds): Record<string, unknown> {
  const out: Record<string, unknown> = { id: r.u32() };
  const low = r.u16();
  const mask = low & FIELD.extended ? low + r.u16() * 65536 : low;
  if ((mask & ~FIELD_KNOWN) !== 0)
    throw new ProtocolError('protocol_invalid', `entity field mask 0x${mask.toString(16)} has unknown bits`);
  if (mask & FIELD.kind) {
    const k = r.u8();
    if (k > 1) throw new ProtocolError('protocol_invalid', `entity kind ${k} is unknown`);
    out.kind = k === 1 ? 'avatar' : 'prim';
  }
  if (mask & FIELD.parent) out.parent = r.u32();
  if (mask & FIELD.name) out.name = r.string(MAX_NAME_BYTES, 'an entity name');
  if (mask & FIELD.description) out.description = r.string(MAX_DESCRIPTION_BYTES, 'an entity description');
  if (mask & FIELD.position) {
    out.position = [0, 1, 2].map((i) => dequantizeAxis(r.u16(), bounds.min[i] ?? 0, bounds.max[i] ?? 0));
  }
  if (mask & FIELD.rotation) out.rotation = unpackRotation(r.u32());
  if (mask & FIELD.scale) out.scale = [r.f32(), r.f32(), r.f32()];
  if (mask & FIELD.velocity) out.velocity = [r.i16() * VELOCITY_UNIT, r.i16() * VELOCITY_UNIT, r.i16() * VELOCITY_UNIT];
  if (mask & FIELD.shape) {
    const shape: Record<string, number> = {};
    for (const f of PRIM_SHAPE_FIELDS) shape[f.name] = r[f.kind]();
    out.shape = shape;
  }
  if (mask & FIELD.colors) {
    const n = r.u8();
    if (n > MAX_FACES)
      throw new ProtocolError('protocol_too_large', `an entity has ${n} face colours, the limit is ${MAX_FACES}`);
    const colors: number[][] = [];
    for (let i = 0; i < n; i++) colors.push([r.u8(), r.u8(), r.u8(), r.u8()]);
    out.colors = colors;
  }
  if (mask & FIELD.uuid) out.uuid = readUuid(r);
  if (mask & FIELD.physics) {
    const flags = r.u8();
    if (flags & ~1) throw new ProtocolError('protocol_invalid', `entity physics flags 0x${flags.toString(16)} have unknown bits`);
    out.physical = (flags & 1) !== 0;
  }
  if (mask & FIELD.sound) out.sound = { asset: readUuid(r), gain: r.f32(), radius: r.f32(), flags: r.u8() };
  if (mask & FIELD.materials) {
    const n = r.u8();
    if (n > MAX_FACES)
      throw new ProtocolError('protocol_too_large', `an entity has ${n} face materials, the limit is ${MAX_FACES}`);
    const materials: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) materials.push(readMaterial(r));
    out.materials = materials;
  }
  if (mask & FIELD.sculpt) {
    const type = r.u8();
    if (type === 0) out.sculpt = null;
    else {
      const sculpt = sculptFromByte(type, readUuid(r));
      if (sculpt === null || (type & 0x38) !== 0)
        throw new ProtocolError('protocol_invalid', `sculpt type 0x${type.toString(16)} is unknown`);
      out.sculpt = sculpt;
    }
  }
  if (mask & FIELD.text) {
    const n = r.u8();
    if (n > MAX_HOVER_TEXT_BYTES)
      throw new ProtocolError('protocol_too_large', `hover text is ${n} bytes, the limit is ${MAX_HOVER_TEXT_BYTES}`);
    out.text = { text: decodeUtf8(r.bytes(n)), color: [r.u8(), r.u8(), r.u8(), r.u8()] };
  }
  if (mask & FIELD.model) {
    let hash = '';
    for (let i = 0; i < 32; i++) hash += HEX[r.u8()];
    out.model = hash;
  }
  if (mask & FIELD.region) out.region = r.u16();
  if (mask & FIELD.owner) {
    const flags = r.u8();
    if (flags === 0 || flags & ~3)
      throw new ProtocolError('protocol_invalid', `entity owner flags 0x${flags.toString(16)} are not 1, 2 or 3`);
    const owner: { uuid?: string; name?: string } = {};
    if (flags & 1) owner.uuid = readUuid(r);
    if (flags & 2) owner.name = r.string(MAX_NAME_BYTES, 'an owner name');
    out.owner = owner;
  }
  if (mask & FIELD.textureAnim) out.textureAnim = readTextureAnim(r);
  return out;
}

/** A bound peer id (`p` + 32 hex digits) as its 16 bytes. */
function writePeerId(w: ByteWriter, id: string): void {
  if (!/^p[0-9a-f]{32}$/.test(id)) throw new ProtocolError('protocol_invalid', `"${id.slice(0, 40)}" is not a bound peer id`);
  for (let i = 1; i < 33; i += 2) w.u8(Number.parseInt(id.slice(i, i + 2), 16));
}

function readPeerId(r: ByteReader): string {
  let id = 'p';
  for (const b of r.bytes(16)) id += b.toString(16).padStart(2, '0');
  return id;
}

/** Encodes a client → edge message. */
export function encodeClientMessage(msg: ClientMessage): Uint8Array {
  const w = new ByteWriter(64);
  w.u8(CLIENT_TAGS[msg.type]);
  switch (msg.type) {
    case 'hello':
      w.u16(msg.version);
      w.string(msg.token, MAX_TOKEN_BYTES, 'the token');
      w.string(msg.world, 32, 'the world name');
      w.string(msg.resumeId, MAX_SESSION_BYTES, 'the resume id');
      w.u32(msg.baseline);
      // Flags: bit 0, a start place follows (three f64).
      w.u8(msg.at ? 1 : 0);
      if (msg.at) for (const v of msg.at) w.f64(v);
      break;
    case 'input':
      w.u32(msg.seq);
      for (const v of msg.move) w.i8(quantizeIntent(v));
      w.u32(packRotation(msg.rotation));
      w.u8(msg.flags);
      break;
    case 'chat':
      w.string(msg.text, MAX_CHAT_BYTES, 'a chat line');
      break;
    case 'action':
      w.u32(msg.id);
      w.string(JSON.stringify(msg.body), MAX_ACTION_BYTES, 'an action body');
      break;
    case 'ack':
      w.u32(msg.tick);
      break;
    case 'ping':
      w.u32(msg.nonce);
      w.f64(msg.clientTime);
      break;
    case 'p2p':
      w.u8(msg.on ? 1 : 0);
      break;
    case 'teleport':
      w.string(msg.region, MAX_NAME_BYTES, 'a region name');
      for (const v of msg.position) w.f32(v);
      break;
    case 'map_request':
      w.u16(msg.min[0]);
      w.u16(msg.min[1]);
      w.u16(msg.max[0]);
      w.u16(msg.max[1]);
      w.string(msg.name, MAX_NAME_BYTES, 'a region name');
      break;
  }
  const out = w.finish();
  if (out.length > MAX_CLIENT_FRAME_BYTES) {
    throw new ProtocolError(
      'protocol_too_large',
      `a ${msg.type} frame is ${out.length} bytes, the limit is ${MAX_CLIENT_FRAME_BYTES}`,
    );
  }
  return out;
}

/** A movement intent component from its i8 wire form, in [-1, 1]. */
const intent = (v: number): number => Math.max(-1, v / 127);

/** Decodes a client → edge frame; throws ProtocolError (and nothing else) on any bad input. */
export function decodeClientMessage(bytes: Uint8Array): ClientMessage {
  if (bytes.length > MAX_CLIENT_FRAME_BYTES) {
    throw new ProtocolError('protocol_too_large', `frame is ${bytes.length} bytes, the limit is ${MAX_CLIENT_FRAME_BYTES}`);
  }
  const r = new ByteReader(bytes);
  const tag = r.u8();
  let raw: Record<string, unknown>;
  switch (tag) {
    case CLIENT_TAGS.hello: {
      const version = r.u16();
      if (version !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          'protocol_version',
          `hello speaks version ${version}; this side speaks ${PROTOCOL_VERSION}; reload the viewer`,
        );
      }
      raw = {
        type: 'hello',
        version,
        token: r.string(MAX_TOKEN_BYTES, 'the token'),
        world: r.string(32, 'the world name'),
        resumeId: r.string(MAX_SESSION_BYTES, 'the resume id'),
        baseline: r.u32(),
      };
      const flags = r.u8();
      if ((flags & ~1) !== 0)
        throw new ProtocolError('protocol_invalid', `a hello frame is malformed at flags: unknown bits 0x${flags.toString(16)}`);
      if (flags & 1) raw.at = [r.f64(), r.f64(), r.f64()];
      break;
    }
    // The hot fixed-layout frames (input 20 Hz per visitor, ack, ping) need no schema pass: their binary
    // layout bounds every field (u32, i8 / 127 clamped to [-1, 1], u8, a packed unit quaternion); what the
    // layout cannot bound (a finite clientTime) is checked here.
    case CLIENT_TAGS.input: {
      const seq = r.u32();
      const move: [number, number, number] = [intent(r.i8()), intent(r.i8()), intent(r.i8())];
      const rotation = unpackRotation(r.u32());
      const flags = r.u8();
      r.end();
      return { type: 'input', seq, move, rotation, flags };
    }
    case CLIENT_TAGS.chat:
      raw = { type: 'chat', text: r.string(MAX_CHAT_BYTES, 'a chat line') };
      break;
    case CLIENT_TAGS.action:
      raw = { type: 'action', id: r.u32(), body: readJson(r.string(MAX_ACTION_BYTES, 'an action body'), 'an action body') };
      break;
    case CLIENT_TAGS.ack: {
      const tick = r.u32();
      r.end();
      return { type: 'ack', tick };
    }
    case CLIENT_TAGS.ping: {
      const nonce = r.u32();
      const clientTime = r.f64();
      r.end();
      if (!Number.isFinite(clientTime))
        throw new ProtocolError('protocol_invalid', 'a ping frame is malformed at clientTime: not a finite number');
      return { type: 'ping', nonce, clientTime };
    }
    case CLIENT_TAGS.p2p: {
      const on = r.u8();
      r.end();
      if (on > 1) throw new ProtocolError('protocol_invalid', `a p2p frame is malformed at on: ${on} is not 0 or 1`);
      return { type: 'p2p', on: on === 1 };
    }
    case CLIENT_TAGS.teleport:
      raw = { type: 'teleport', region: r.string(MAX_NAME_BYTES, 'a region name'), position: [r.f32(), r.f32(), r.f32()] };
      break;
    case CLIENT_TAGS.map_request: {
      const min = [r.u16(), r.u16()] as const;
      const max = [r.u16(), r.u16()] as const;
      const problem = mapRequestProblem({ min: [...min], max: [...max] });
      if (problem) throw new ProtocolError('protocol_invalid', `a map_request frame is malformed: ${problem}`);
      raw = { type: 'map_request', min, max, name: r.string(MAX_NAME_BYTES, 'a region name') };
      break;
    }
    default:
      throw new ProtocolError('protocol_unknown_type', `client message tag 0x${tag.toString(16).padStart(2, '0')} is unknown`);
  }
  r.end();
  return parse(ClientMessage, raw, `a ${String(raw.type)} frame`);
}

/**
 * A list's length as a u16, after checking it against its limit (the writer's side of ByteReader.count):
 * "<what> holds <n> <unit>, the limit is <max><hint>" as protocol_too_large otherwise.
 */
function writeCount(w: ByteWriter, n: number, max: number, what: string, unit: string, hint = ''): void {
  if (n > max) throw new ProtocolError('protocol_too_large', `${what} holds ${n} ${unit}, the limit is ${max}${hint}`);
  w.u16(n);
}

/** Encodes an edge → client message; positions are quantized within `bounds` (the welcome's). */
export function encodeServerMessage(msg: ServerMessage, bounds: Bounds = DEFAULT_BOUNDS): Uint8Array {
  const w = new ByteWriter(msg.type === 'snapshot' || msg.type === 'delta' ? 1024 : 64);
  w.u8(SERVER_TAGS[msg.type]);
  switch (msg.type) {
    case 'welcome':
      w.u16(msg.version);
      w.string(msg.session, MAX_SESSION_BYTES, 'the session id');
      w.u32(msg.avatar);
      for (const v of [...msg.bounds.min, ...msg.bounds.max]) w.f64(v);
      w.f64(msg.serverTime);
      w.u32(msg.tick);
      w.u8(msg.resumed ? 1 : 0);
      w.u32(msg.permissions);
      break;
    case 'snapshot':
      w.u32(msg.tick);
      w.u16(msg.part);
      w.u16(msg.parts);
      writeCount(w, msg.entities.length, MAX_ENTITIES_PER_FRAME, 'a snapshot', 'entities', '; split it');
      for (const e of msg.entities) writeEntity(w, e, bounds);
      break;
    case 'delta':
      w.u32(msg.baseline);
      w.u32(msg.tick);
      writeCount(w, msg.entities.length, MAX_ENTITIES_PER_FRAME, 'a delta', 'entities', '; split it');
      for (const e of msg.entities) writeEntity(w, e, bounds);
      break;
    case 'despawn':
      w.u32(msg.tick);
      writeCount(w, msg.ids.length, MAX_DESPAWN_IDS, 'a despawn', 'ids');
      for (const id of msg.ids) w.u32(id);
      break;
    case 'terrain': {
      w.f32(msg.x);
      w.f32(msg.y);
      w.u8(msg.size);
      w.f32(msg.spacing);
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const h of msg.heights) {
        if (h < lo) lo = h;
        if (h > hi) hi = h;
      }
      if (!Number.isFinite(lo)) lo = 0;
      if (!Number.isFinite(hi)) hi = lo;
      const step = (hi - lo) / 65535;
      w.f32(lo);
      w.f32(step);
      for (const h of msg.heights) w.u16(step > 0 ? Math.round((h - lo) / step) : 0);
      break;
    }
    case 'chat':
      w.u32(msg.from);
      w.string(msg.name, MAX_NAME_BYTES, 'a speaker name');
      w.string(msg.text, MAX_CHAT_BYTES, 'a chat line');
      w.f64(msg.time);
      break;
    case 'action_result':
      w.u32(msg.id);
      writeLongString(w, JSON.stringify(msg.result), MAX_ACTION_RESULT_BYTES, 'an action result');
      break;
    case 'error':
      w.string(msg.code, MAX_ERROR_CODE_BYTES, 'an error code');
      w.string(msg.message, MAX_ERROR_MESSAGE_BYTES, 'an error message');
      break;
    case 'pong':
      w.u32(msg.nonce);
      w.f64(msg.clientTime);
      w.f64(msg.serverTime);
      break;
    case 'sound_trigger':
      writeUuid(w, msg.asset, 'a sound asset');
      for (const v of msg.position) w.f32(v);
      w.f32(clampUnit(msg.gain));
      w.u32(msg.parent);
      // Flags: bit 0, an owner UUID follows.
      w.u8(msg.owner === undefined ? 0 : 1);
      if (msg.owner !== undefined) writeUuid(w, msg.owner, 'a sound owner');
      break;
    case 'sound_preload':
      writeCount(w, msg.assets.length, MAX_PRELOAD_SOUNDS, 'a sound_preload', 'assets');
      for (const a of msg.assets) writeUuid(w, a, 'a sound asset');
      break;
    case 'region_info':
      for (const t of msg.terrainTextures) writeUuid(w, t, 'a terrain texture');
      for (const v of msg.terrainStartHeights) w.f32(v);
      for (const v of msg.terrainHeightRanges) w.f32(v);
      // NaN: no water.
      w.f32(msg.waterHeight ?? Number.NaN);
      break;
    case 'peers':
      // Flags: bit 0, the visitor's own peer id follows. Peer ids travel as their 16 bytes.
      w.u8(msg.self === '' ? 0 : 1);
      if (msg.self !== '') writePeerId(w, msg.self);
      writeCount(w, msg.peers.length, MAX_P2P_PEERS, 'a peers frame', 'peers');
      for (const p of msg.peers) {
        w.u32(p.entity);
        writePeerId(w, p.peer);
      }
      break;
    case 'regions':
      w.u16(msg.current);
      writeCount(w, msg.regions.length, MAX_SESSION_REGIONS, 'a regions frame', 'regions');
      for (const g of msg.regions) {
        w.u16(g.slot);
        w.string(g.name, MAX_NAME_BYTES, 'a region name');
        w.string(g.handle, 20, 'a region handle');
        w.u32(g.size[0]);
        w.u32(g.size[1]);
        w.f64(g.origin[0]);
        w.f64(g.origin[1]);
      }
      break;
    case 'travel':
      w.u8(TRAVEL_KINDS.indexOf(msg.kind));
      w.string(msg.region, MAX_NAME_BYTES, 'a region name');
      w.string(msg.message, MAX_ERROR_MESSAGE_BYTES, 'a travel message');
      w.f64(msg.ms);
      break;
    case 'map':
      writeCount(w, msg.regions.length, MAX_MAP_REGIONS, 'a map frame', 'regions');
      for (const g of msg.regions) {
        w.string(g.name, MAX_NAME_BYTES, 'a region name');
        w.u16(g.x);
        w.u16(g.y);
        w.u16(g.size[0]);
        w.u16(g.size[1]);
        w.u8(g.access);
        writeUuid(w, g.image, 'a map tile');
        w.u8(g.agents);
      }
      break;
  }
  const out = w.finish();
  if (out.length > MAX_SERVER_FRAME_BYTES) {
    throw new ProtocolError(
      'protocol_too_large',
      `a ${msg.type} frame is ${out.length} bytes, the limit is ${MAX_SERVER_FRAME_BYTES}; split it`,
    );
  }
  return out;
}

/**
 * One entity record as it appears inside a snapshot or delta frame. A sender that fans the same change
 * out to many clients encodes it once and assembles each client's frames with encodeDeltaFrames.
 */
export function encodeEntityRecord(e: EntityUpdate, bounds: Bounds = DEFAULT_BOUNDS): Uint8Array {
  const w = new ByteWriter(64);
  writeEntity(w, e, bounds);
  return w.finish();
}

/** Delta frame header: tag, baseline u32, tick u32, count u16. */
const DELTA_HEADER_BYTES = 11;

/**
 * Delta frames (baseline, tick) carrying pre-encoded entity records (encodeEntityRecord), split so that
 * no frame exceeds MAX_ENTITIES_PER_FRAME records or MAX_SERVER_FRAME_BYTES; byte-identical to
 * encodeServerMessage of the same delta when one frame suffices.
 */
export function encodeDeltaFrames(baseline: number, tick: number, records: readonly Uint8Array[]): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let start = 0;
  while (start < records.length) {
    let end = start;
    let size = DELTA_HEADER_BYTES;
    while (end < records.length && end - start < MAX_ENTITIES_PER_FRAME) {
      const n = records[end]?.length ?? 0;
      if (end > start && size + n > MAX_SERVER_FRAME_BYTES) break;
      size += n;
      end++;
    }
    if (size > MAX_SERVER_FRAME_BYTES)
      throw new ProtocolError('protocol_too_large', `an entity record of ${size} bytes does not fit in a frame`);
    const out = new Uint8Array(size);
    const view = new DataView(out.buffer);
    out[0] = SERVER_TAGS.delta;
    view.setUint32(1, baseline >>> 0, true);
    view.setUint32(5, tick >>> 0, true);
    view.setUint16(9, end - start, true);
    let at = DELTA_HEADER_BYTES;
    for (let i = start; i < end; i++) {
      const r = records[i] as Uint8Array;
      out.set(r, at);
      at += r.length;
    }
    frames.push(out);
    start = end;
  }
  return frames;
}

/** Decodes an edge → client frame (positions within `bounds`, the welcome's); throws only ProtocolError. */
export function decodeServerMessage(bytes: Uint8Array, bounds: Bounds = DEFAULT_BOUNDS): ServerMessage {
  if (bytes.length > MAX_SERVER_FRAME_BYTES) {
    throw new ProtocolError('protocol_too_large', `frame is ${bytes.length} bytes, the limit is ${MAX_SERVER_FRAME_BYTES}`);
  }
  const r = new ByteReader(bytes);
  const tag = r.u8();
  let raw: Record<string, unknown>;
  switch (tag) {
    case SERVER_TAGS.welcome: {
      const version = r.u16();
      if (version !== PROTOCOL_VERSION) {
        throw new ProtocolError(
          'protocol_version',
          `welcome speaks version ${version}; this viewer speaks ${PROTOCOL_VERSION}; reload the page`,
        );
      }
      raw = {
        type: 'welcome',
        version,
        session: r.string(MAX_SESSION_BYTES, 'the session id'),
        avatar: r.u32(),
        bounds: { min: [r.f64(), r.f64(), r.f64()], max: [r.f64(), r.f64(), r.f64()] },
        serverTime: r.f64(),
        tick: r.u32(),
        resumed: r.u8() === 1,
        permissions: r.u32(),
      };
      break;
    }
    case SERVER_TAGS.snapshot: {
      const tick = r.u32();
      const part = r.u16();
      const parts = r.u16();
      const n = r.count(MAX_ENTITIES_PER_FRAME, 'a snapshot');
      const entities: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) entities.push(readEntity(r, bounds));
      raw = { type: 'snapshot', tick, part, parts, entities };
      break;
    }
    case SERVER_TAGS.delta: {
      const baseline = r.u32();
      const tick = r.u32();
      const n = r.count(MAX_ENTITIES_PER_FRAME, 'a delta');
      const entities: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) entities.push(readEntity(r, bounds));
      raw = { type: 'delta', baseline, tick, entities };
      break;
    }
    case SERVER_TAGS.despawn: {
      const tick = r.u32();
      const n = r.count(MAX_DESPAWN_IDS, 'a despawn');
      const ids: number[] = [];
      for (let i = 0; i < n; i++) ids.push(r.u32());
      raw = { type: 'despawn', tick, ids };
      break;
    }
    case SERVER_TAGS.terrain: {
      const x = r.f32();
      const y = r.f32();
      const size = r.u8();
      if (size > MAX_TERRAIN_PATCH_SIDE)
        throw new ProtocolError('protocol_too_large', `terrain patch side ${size} exceeds ${MAX_TERRAIN_PATCH_SIDE}`);
      const spacing = r.f32();
      const lo = r.f32();
      const step = r.f32();
      const heights: number[] = [];
      for (let i = 0; i < size * size; i++) heights.push(lo + r.u16() * step);
      raw = { type: 'terrain', x, y, size, spacing, heights };
      break;
    }
    case SERVER_TAGS.chat:
      raw = {
        type: 'chat',
        from: r.u32(),
        name: r.string(MAX_NAME_BYTES, 'a speaker name'),
        text: r.string(MAX_CHAT_BYTES, 'a chat line'),
        time: r.f64(),
      };
      break;
    case SERVER_TAGS.action_result:
      raw = {
        type: 'action_result',
        id: r.u32(),
        result: readJson(readLongString(r, MAX_ACTION_RESULT_BYTES, 'an action result'), 'an action result'),
      };
      break;
    case SERVER_TAGS.error:
      raw = {
        type: 'error',
        code: r.string(MAX_ERROR_CODE_BYTES, 'an error code'),
        message: r.string(MAX_ERROR_MESSAGE_BYTES, 'an error message'),
      };
      break;
    case SERVER_TAGS.pong:
      raw = { type: 'pong', nonce: r.u32(), clientTime: r.f64(), serverTime: r.f64() };
      break;
    case SERVER_TAGS.sound_trigger: {
      raw = { type: 'sound_trigger', asset: readUuid(r), position: [r.f32(), r.f32(), r.f32()], gain: r.f32(), parent: r.u32() };
      const flags = r.u8();
      if ((flags & ~1) !== 0)
        throw new ProtocolError(
          'protocol_invalid',
          `a sound_trigger frame is malformed at flags: unknown bits 0x${flags.toString(16)}`,
        );
      if (flags & 1) raw.owner = readUuid(r);
      break;
    }
    case SERVER_TAGS.sound_preload: {
      const n = r.count(MAX_PRELOAD_SOUNDS, 'a sound_preload');
      const assets: string[] = [];
      for (let i = 0; i < n; i++) assets.push(readUuid(r));
      raw = { type: 'sound_preload', assets };
      break;
    }
    case SERVER_TAGS.region_info: {
      const terrainTextures = [readUuid(r), readUuid(r), readUuid(r), readUuid(r)];
      const terrainStartHeights = [r.f32(), r.f32(), r.f32(), r.f32()];
      const terrainHeightRanges = [r.f32(), r.f32(), r.f32(), r.f32()];
      const water = r.f32();
      raw = {
        type: 'region_info',
        terrainTextures,
        terrainStartHeights,
        terrainHeightRanges,
        waterHeight: Number.isNaN(water) ? null : water,
      };
      break;
    }
    case SERVER_TAGS.peers: {
      const flags = r.u8();
      if ((flags & ~1) !== 0)
        throw new ProtocolError('protocol_invalid', `a peers frame is malformed at flags: unknown bits 0x${flags.toString(16)}`);
      const self = flags & 1 ? readPeerId(r) : '';
      const n = r.count(MAX_P2P_PEERS, 'a peers frame');
      const peers: { entity: number; peer: string }[] = [];
      for (let i = 0; i < n; i++) peers.push({ entity: r.u32(), peer: readPeerId(r) });
      raw = { type: 'peers', self, peers };
      break;
    }
    case SERVER_TAGS.regions: {
      const current = r.u16();
      const n = r.count(MAX_SESSION_REGIONS, 'a regions frame');
      const regions: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++)
        regions.push({
          slot: r.u16(),
          name: r.string(MAX_NAME_BYTES, 'a region name'),
          handle: r.string(20, 'a region handle'),
          size: [r.u32(), r.u32()],
          origin: [r.f64(), r.f64()],
        });
      raw = { type: 'regions', current, regions };
      break;
    }
    case SERVER_TAGS.travel: {
      const k = r.u8();
      const kind = TRAVEL_KINDS[k];
      if (kind === undefined) throw new ProtocolError('protocol_invalid', `travel kind ${k} is unknown`);
      raw = {
        type: 'travel',
        kind,
        region: r.string(MAX_NAME_BYTES, 'a region name'),
        message: r.string(MAX_ERROR_MESSAGE_BYTES, 'a travel message'),
        ms: r.f64(),
      };
      break;
    }
    case SERVER_TAGS.map: {
      const n = r.count(MAX_MAP_REGIONS, 'a map frame');
      const regions: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++)
        regions.push({
          name: r.string(MAX_NAME_BYTES, 'a region name'),
          x: r.u16(),
          y: r.u16(),
          size: [r.u16(), r.u16()],
          access: r.u8(),
          image: readUuid(r),
          agents: r.u8(),
        });
      raw = { type: 'map', regions };
      break;
    }
    default:
      throw new ProtocolError('protocol_unknown_type', `server message tag 0x${tag.toString(16).padStart(2, '0')} is unknown`);
  }
  r.end();
  return parse(ServerMessage, raw, `a ${String(raw.type)} frame`);
}
