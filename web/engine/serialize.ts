/**
 * Entity (de)serialization: every component of an entity to little-endian bytes and back, with the
 * bytes validated against the world's schema before anything is written (seed 16.2 queryEntity /
 * updateComponent).
 *
 * Format: u32 magic "SCE1" · u32 layout hash · u16 component count · u16 0 ·
 * per component: u16 component id · u16 0 · u32 byte length · its fields in declaration order.
 */
import { EngineCode, type EngineError, ecsError } from './errors';
import type { ComponentLayout, WorldLayout } from './layout';
import type { ColumnArray } from './schema';
import type { EntityId, World } from './world';

/** "SCE1" read as a little-endian u32. */
export const ENTITY_MAGIC = 0x31454353;
const HEAD = 12;
const PART = 8;

function bad(message: string): EngineError {
  return ecsError(EngineCode.BadBytes, `entity bytes: ${message}`);
}

function writeLane(dv: DataView, at: number, kind: string, v: number): number {
  switch (kind) {
    case 'f64':
      dv.setFloat64(at, v, true);
      return 8;
    case 'i8':
      dv.setInt8(at, v);
      return 1;
    case 'u8':
      dv.setUint8(at, v);
      return 1;
    case 'i16':
      dv.setInt16(at, v, true);
      return 2;
    case 'u16':
      dv.setUint16(at, v, true);
      return 2;
    case 'i32':
      dv.setInt32(at, v, true);
      return 4;
    case 'u32':
      dv.setUint32(at, v, true);
      return 4;
    default:
      dv.setFloat32(at, v, true);
      return 4;
  }
}

function readLane(dv: DataView, at: number, kind: string): number {
  switch (kind) {
    case 'f64':
      return dv.getFloat64(at, true);
    case 'i8':
      return dv.getInt8(at);
    case 'u8':
      return dv.getUint8(at);
    case 'i16':
      return dv.getInt16(at, true);
    case 'u16':
      return dv.getUint16(at, true);
    case 'i32':
      return dv.getInt32(at, true);
    case 'u32':
      return dv.getUint32(at, true);
    default:
      return dv.getFloat32(at, true);
  }
}

/** The element kind of a field's column, from its schema kind name. */
function laneKind(kind: string): string {
  if (kind === 'vec3' || kind === 'quat' || kind === 'f32') return 'f32';
  if (kind === 'entity') return 'u32';
  if (kind.startsWith('bytes')) return 'u8';
  return kind;
}

/** Serializes every component of a live entity. Throws StaleEntity for a stale id. */
export function serializeEntity(world: World, id: EntityId): Uint8Array {
  const index = world.indexOf(id);
  const present = world.layout.components.filter((c) => world.hasBit(index, c.id));
  const size = present.reduce((n, c) => n + PART + c.bytes, HEAD);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, ENTITY_MAGIC, true);
  dv.setUint32(4, world.layout.hash, true);
  dv.setUint16(8, present.length, true);
  let at = HEAD;
  for (const c of present) {
    dv.setUint16(at, c.id, true);
    dv.setUint32(at + 4, c.bytes, true);
    at += PART;
    for (const f of c.fields) {
      const col = world.views[f.column] as ColumnArray;
      const kind = laneKind(f.kind);
      for (let l = 0; l < f.lanes; l++) at += writeLane(dv, at, kind, col[index * f.lanes + l] ?? 0);
    }
  }
  return out;
}

/** One validated component record: where its field bytes start. */
interface Part {
  component: ComponentLayout;
  offset: number;
}

/** Validates bytes against a layout; returns the component records. Throws BadBytes or SchemaMismatch. */
export function validateEntityBytes(layout: WorldLayout, bytes: Uint8Array): Part[] {
  if (bytes.length < HEAD) throw bad(`${bytes.length} bytes is shorter than the ${HEAD}-byte header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== ENTITY_MAGIC) throw bad('wrong magic (expected "SCE1"); these are not serialized entity bytes');
  const hash = dv.getUint32(4, true);
  if (hash !== layout.hash) {
    throw ecsError(
      EngineCode.SchemaMismatch,
      `entity bytes: written for schema ${hash.toString(16)}, this world is ${layout.hash.toString(16)}; both sides must declare the same components`,
    );
  }
  const count = dv.getUint16(8, true);
  if (dv.getUint16(10, true) !== 0) throw bad('reserved header bytes are not zero');
  const parts: Part[] = [];
  const seen = new Set<number>();
  let at = HEAD;
  for (let k = 0; k < count; k++) {
    if (at + PART > bytes.length) throw bad(`component record ${k} at byte ${at} runs past the end (${bytes.length} bytes)`);
    const cid = dv.getUint16(at, true);
    const len = dv.getUint32(at + 4, true);
    const component = layout.components[cid];
    if (!component) throw bad(`component id ${cid} at byte ${at} does not exist (the world has ${layout.components.length})`);
    if (seen.has(cid)) throw bad(`component ${component.name} appears twice`);
    seen.add(cid);
    if (dv.getUint16(at + 2, true) !== 0) throw bad(`reserved bytes of record ${k} are not zero`);
    if (len !== component.bytes) throw bad(`component ${component.name} has ${len} bytes, its schema needs ${component.bytes}`);
    if (at + PART + len > bytes.length) throw bad(`component ${component.name} runs past the end`);
    let p = at + PART;
    for (const f of component.fields) {
      const kind = laneKind(f.kind);
      for (let l = 0; l < f.lanes; l++) {
        const v = readLane(dv, p, kind);
        if ((kind === 'f32' || kind === 'f64') && !Number.isFinite(v))
          throw bad(`${component.name}.${f.name} holds a non-finite number`);
        p += f.bytes / f.lanes;
      }
    }
    parts.push({ component, offset: at + PART });
    at += PART + len;
  }
  if (at !== bytes.length) throw bad(`${bytes.length - at} trailing bytes after ${count} components`);
  return parts;
}

/**
 * Writes serialized components into the world: onto `target` (adding missing components; others are
 * kept) or, without a target, onto a new entity. Nothing is written unless all bytes validate.
 */
export function deserializeEntity(world: World, bytes: Uint8Array, target?: EntityId): EntityId {
  const parts = validateEntityBytes(world.layout, bytes);
  const id = target ?? world.create();
  const index = world.indexOf(id);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const { component: c, offset } of parts) {
    const def = world.componentDef(c.id);
    if (!world.hasBit(index, c.id)) world.add(id, def);
    let p = offset;
    for (const f of c.fields) {
      const col = world.views[f.column] as ColumnArray;
      const kind = laneKind(f.kind);
      const step = f.bytes / f.lanes;
      for (let l = 0; l < f.lanes; l++) {
        col[index * f.lanes + l] = readLane(dv, p, kind);
        p += step;
      }
    }
    world.markChanged(index, def);
  }
  return id;
}
