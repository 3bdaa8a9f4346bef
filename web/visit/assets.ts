/**
 * `visit --assets`: what the region's entities look like, as the viewer's ECS holds it (Faces, Surface and Sculpt
 * over the material table, hover texts, sounds), and every asset they name, fetched through the edge's asset route
 * with the viewer's asset store (web/assets/asset-store.ts) and decoded by the viewer's own decoders: J2K textures
 * (web/assets/j2k.ts), sculpt maps into sculpt meshes (shared/geometry/sculpt.ts), LLMesh (shared/assets/llmesh.ts).
 * In a Finalverse world, the glTF models its entities draw, from the edge's model route, through the viewer's model
 * decoder (web/assets/gltf-model.ts). Sounds are measured from their Ogg headers (the browser decodes them with Web Audio, which Node lacks).
 */
import { type DecodedLlmesh, decodeLlmesh, LLMESH_LODS, type LlmeshLod } from '../../shared/assets/llmesh';
import { StormError } from '../../shared/errors';
import { primFaceCount } from '../../shared/geometry/prim-faces';
import { generateSculptLods, type SculptMap } from '../../shared/geometry/sculpt';
import {
  type EntitySculpt,
  type HoverText,
  NO_TEXTURE,
  type PrimShape,
  type SculptTypeName,
  sculptFromByte,
  sculptTypeByte,
  type TexGen,
  type TextureAnim,
  textureAnimFlags,
} from '../../shared/protocol';
import type { AssetKind, AssetStore } from '../assets/asset-store';
import { decodeGltfModel } from '../assets/gltf-model';
import { decodeJ2k } from '../assets/j2k';
import type { EntityId, World } from '../engine';
import { Faces, MAX_FACE_COLORS, Sculpt, Shape, Sound, Surface, surfaceMaterial, TextureAnimation } from '../scene/components';
import type { MaterialTableReader } from '../scene/material-table';
import { oggInfo } from './ogg';
import { round } from './report';

/** The material table as read here (the world worker's writer has the same read side). */
export type MaterialLookup = Pick<MaterialTableReader, 'assetId' | 'read'>;

type Rgba = [number, number, number, number];

/** One face as `visit --assets` prints it. */
export interface VisitFace {
  texture: string;
  color: Rgba;
  repeats: [number, number];
  offset: [number, number];
  /** Radians. */
  rotation: number;
  fullbright: boolean;
  glow: number;
  /** SL TexGen: `planar` projects the position on the face's plane (repeats per half metre), else the shape's UVs. */
  texgen: TexGen;
}

/** A sculpted prim: its type and map, and the finest LOD of the mesh the viewer builds from the map. */
export interface VisitSculpt {
  type: SculptTypeName;
  map: string;
  invert: boolean;
  mirror: boolean;
  vertices: number | null;
  triangles: number | null;
}

/** One LOD of a decoded mesh: `source` is the LOD of the asset it came from (a missing LOD falls back). */
export interface VisitLod {
  lod: LlmeshLod;
  source: LlmeshLod;
  submeshes: number;
  vertices: number;
  triangles: number;
}

export interface VisitMesh {
  asset: string;
  /** Null when the asset could not be fetched or decoded (its `assets` entry says why). */
  lods: VisitLod[] | null;
}

/** One asset: what came through the edge and what the decoders made of it. */
export interface VisitAsset {
  kind: AssetKind;
  bytes: number | null;
  sha256: string | null;
  /** Textures: full size and components. */
  width?: number;
  height?: number;
  components?: number;
  /** Meshes. */
  lods?: VisitLod[];
  /** Sounds: the last granule position over the sample rate. */
  duration_s?: number;
  /** Models (Finalverse glTF): what the viewer draws of it: vertices, triangles, faces (one per material). */
  vertices?: number;
  triangles?: number;
  faces?: number;
  /** Models: the textures the glTF declares. */
  textures?: number;
  /**
   * Models: the base colour images its faces use, from their headers (format, size, encoded bytes) or why the check
   * refused one. Node has no PNG/JPEG decoder (the viewer decodes them with createImageBitmap), so visit does not
   * decode them.
   */
  images?: { format: string | null; width: number | null; height: number | null; bytes: number; error: string | null }[];
  error: { code: string; message: string } | null;
}

/** What an entity's appearance reports. */
export interface VisitLooks {
  faces: VisitFace[];
  sculpt: VisitSculpt | null;
  mesh: VisitMesh | null;
  text: HoverText | null;
  /** Its texture animation (llSetTextureAnim), or null. */
  textureAnim: TextureAnim | null;
}

/** What the ECS holds about one entity's appearance, read while the visit is still in the region. */
export interface RawLooks {
  netId: number;
  prim: boolean;
  shape: PrimShape | null;
  /** Material-table indices per face (compact: the last repeats). */
  materials: number[];
  /** Colours per face (compact: faces past the list use the first). */
  colors: Rgba[];
  sculpt: EntitySculpt | null;
  text: HoverText | null;
  sound: string | null;
  textureAnim: TextureAnim | null;
}

/** Reads an entity's appearance from the App's columns. */
export function readLooks(
  world: World,
  ecs: EntityId,
  netId: number,
  sounds: readonly string[] | null,
  text: HoverText | undefined,
  table: MaterialLookup,
): RawLooks {
  const slot = world.indexOf(ecs);
  const prim = world.has(ecs, Shape);
  const materials: number[] = [];
  if (world.has(ecs, Surface)) {
    const count = world.column(Surface, 'count')[slot] ?? 0;
    const bytes = world.column(Surface, 'material');
    for (let f = 0; f < count; f++) materials.push(surfaceMaterial(bytes, slot, f));
  }
  const colors: Rgba[] = [];
  if (world.has(ecs, Faces)) {
    const count = world.column(Faces, 'count')[slot] ?? 0;
    const rgba = world.column(Faces, 'rgba');
    const base = slot * MAX_FACE_COLORS * 4;
    for (let f = 0; f < count; f++) {
      const o = base + f * 4;
      colors.push([rgba[o] ?? 0, rgba[o + 1] ?? 0, rgba[o + 2] ?? 0, rgba[o + 3] ?? 0]);
    }
  }
  let sculpt: EntitySculpt | null = null;
  if (world.has(ecs, Sculpt)) {
    const type = world.column(Sculpt, 'type')[slot] ?? 0;
    const map = table.assetId(world.column(Sculpt, 'asset')[slot] ?? 0);
    if (map !== NO_TEXTURE) sculpt = sculptFromByte(type, map);
  }
  let textureAnim: TextureAnim | null = null;
  if (world.has(ecs, TextureAnimation)) {
    const a = world.get(ecs, TextureAnimation);
    textureAnim = {
      ...textureAnimFlags(a.mode),
      face: a.face,
      sizeX: a.sizeX,
      sizeY: a.sizeY,
      start: a.start,
      length: a.length,
      rate: a.rate,
    };
  }
  let sound: string | null = null;
  if (sounds && world.has(ecs, Sound)) sound = sounds[world.column(Sound, 'asset')[slot] ?? -1] ?? null;
  return {
    netId,
    prim,
    shape: prim ? world.get(ecs, Shape) : null,
    materials,
    colors,
    sculpt,
    text: text && text.text !== '' ? text : null,
    sound,
    textureAnim,
  };
}

/**
 * Every asset the entities name, by UUID: face textures and sculpt maps (textures), mesh assets, sounds; plus
 * `textures` named elsewhere (the region's terrain textures).
 */
export function namedAssets(
  looks: readonly RawLooks[],
  table: MaterialLookup,
  textures: readonly string[] = [],
): Map<string, AssetKind> {
  const out = new Map<string, AssetKind>();
  const add = (id: string, kind: AssetKind) => {
    if (id !== NO_TEXTURE && !out.has(id)) out.set(id, kind);
  };
  for (const t of textures) add(t, 'texture');
  for (const l of looks) {
    for (const m of l.materials) add(table.assetId(table.read(m).texture), 'texture');
    // Faces without a Surface use the default material, which has no texture.
    if (l.sculpt) add(l.sculpt.map, l.sculpt.type === 'mesh' ? 'mesh' : 'texture');
    if (l.sound) add(l.sound, 'sound');
  }
  return out;
}

/** What loadAssets gives: the report, and the decoded sculpt maps and meshes for the entities' report. */
export interface LoadedAssets {
  report: Record<string, VisitAsset>;
  sculptMaps: Map<string, SculptMap>;
  meshes: Map<string, DecodedLlmesh>;
}

export interface LoadAssetsDeps {
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
}

/** Textures other than sculpt maps are decoded at most this large (their full size is reported all the same). */
const TEXTURE_DECODE_MAX = 1024;
/** Tries per asset when the edge asks to slow down (its per-session asset rate) or its capabilities are not there yet. */
const RETRIES = 5;
const RETRY_MS = 1000;

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes.slice());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof StormError) return { code: err.code, message: err.message };
  return { code: 'visit_asset_failed', message: `visit: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) };
}

/** A refusal worth waiting out: the edge's rate limit, or capabilities that have not arrived yet. */
function retryable(err: unknown): boolean {
  return (
    err instanceof StormError &&
    err.code === 'asset_unavailable' &&
    /grid_rate_limited|grid_asset_unavailable|HTTP 429|HTTP 503/.test(err.message)
  );
}

/**
 * Fetches every named asset (one after another, waiting out the edge's asset rate) and decodes it: textures to
 * their size (sculpt maps in full, kept for the sculpt meshes), meshes to their LODs, sounds to their length.
 * A failure is recorded in the asset's entry, never thrown.
 */
export async function loadAssets(
  named: ReadonlyMap<string, AssetKind>,
  sculptMaps: ReadonlySet<string>,
  store: AssetStore,
  deps: LoadAssetsDeps,
): Promise<LoadedAssets> {
  const out: LoadedAssets = { report: {}, sculptMaps: new Map(), meshes: new Map() };
  for (const [id, kind] of named) {
    const entry: VisitAsset = { kind, bytes: null, sha256: null, error: null };
    out.report[id] = entry;
    let bytes: Uint8Array | null = null;
    for (let attempt = 1; bytes === null; attempt++) {
      try {
        bytes = await store.get(kind, id);
      } catch (err) {
        if (attempt < RETRIES && retryable(err)) {
          store.clearFailures();
          await deps.sleep(RETRY_MS);
          continue;
        }
        entry.error = errorOf(err);
        deps.log(`asset ${kind} ${id}: ${entry.error.message}`);
        break;
      }
    }
    if (bytes === null) continue;
    entry.bytes = bytes.byteLength;
    entry.sha256 = await sha256(bytes);
    try {
      if (kind === 'texture') {
        const sculpt = sculptMaps.has(id);
        const t = await decodeJ2k(bytes, sculpt ? {} : { maxDimension: TEXTURE_DECODE_MAX });
        entry.width = t.fullWidth;
        entry.height = t.fullHeight;
        entry.components = t.components;
        if (sculpt) out.sculptMaps.set(id, { width: t.width, height: t.height, rgba: t.rgba });
      } else if (kind === 'mesh') {
        const mesh = await decodeLlmesh(bytes);
        out.meshes.set(id, mesh);
        entry.lods = meshLods(mesh);
      } else if (kind === 'model') {
        const model = await decodeGltfModel(bytes);
        const finest = model.lods[0];
        entry.vertices = finest?.vertexCount ?? 0;
        entry.triangles = (finest?.indexCount ?? 0) / 3;
        entry.faces = model.colors.length;
        entry.textures = model.checked.json.textures?.length ?? 0;
        entry.images = model.images.map((im) => ({
          format: im.info?.format ?? null,
          width: im.info?.width ?? null,
          height: im.info?.height ?? null,
          bytes: im.bytes.byteLength,
          error: im.error ?? null,
        }));
      } else {
        entry.duration_s = round(oggInfo(bytes).seconds, 3);
      }
    } catch (err) {
      entry.error = errorOf(err);
      deps.log(`asset ${kind} ${id}: ${entry.error.message}`);
    }
  }
  return out;
}

function meshLods(mesh: DecodedLlmesh): VisitLod[] {
  return mesh.lods.map((m, i) => ({
    lod: LLMESH_LODS[i] ?? 'high',
    source: mesh.sources[i] ?? 'high',
    submeshes: m.faceCount,
    vertices: m.vertexCount,
    triangles: m.indexCount / 3,
  }));
}

/**
 * An entity's appearance: one face per face it has (a prim's generated shape, 1 for a sculpty, a mesh's
 * submeshes once decoded), its sculpt with the vertex count of the sculpt mesh, its mesh's LODs, its hover text.
 */
export function looksReport(raw: RawLooks, table: MaterialLookup, loaded: LoadedAssets): VisitLooks {
  const decodedMesh = raw.sculpt?.type === 'mesh' ? loaded.meshes.get(raw.sculpt.map) : undefined;
  let count: number;
  if (raw.sculpt?.type === 'mesh') count = decodedMesh?.submeshes ?? Math.max(raw.materials.length, raw.colors.length, 1);
  else if (raw.sculpt) count = 1;
  else count = raw.shape ? primFaceCount(raw.shape) : Math.max(raw.materials.length, raw.colors.length, 1);
  const faces: VisitFace[] = [];
  for (let f = 0; f < Math.min(count, MAX_FACE_COLORS); f++) {
    const m = table.read(raw.materials.length > 0 ? (raw.materials[Math.min(f, raw.materials.length - 1)] ?? 0) : 0);
    faces.push({
      texture: table.assetId(m.texture),
      color: raw.colors[f] ?? raw.colors[0] ?? [255, 255, 255, 255],
      repeats: [round(m.repeats[0]), round(m.repeats[1])],
      offset: [round(m.offset[0]), round(m.offset[1])],
      rotation: round(m.rotation),
      fullbright: m.fullbright,
      glow: round(m.glow, 3),
      texgen: m.planar ? 'planar' : 'default',
    });
  }
  let sculpt: VisitSculpt | null = null;
  if (raw.sculpt) {
    const map = raw.sculpt.type === 'mesh' ? undefined : loaded.sculptMaps.get(raw.sculpt.map);
    let finest: { vertexCount: number; indexCount: number } | undefined;
    if (map) {
      try {
        finest = generateSculptLods(map, sculptTypeByte(raw.sculpt))[0];
      } catch (err) {
        const e = errorOf(err);
        const entry = loaded.report[raw.sculpt.map];
        if (entry && !entry.error) entry.error = e;
      }
    }
    sculpt = {
      ...raw.sculpt,
      vertices: finest ? finest.vertexCount : null,
      triangles: finest ? finest.indexCount / 3 : null,
    };
  }
  const mesh: VisitMesh | null =
    raw.sculpt?.type === 'mesh' ? { asset: raw.sculpt.map, lods: decodedMesh ? meshLods(decodedMesh) : null } : null;
  return { faces, sculpt, mesh, text: raw.text, textureAnim: raw.textureAnim };
}
