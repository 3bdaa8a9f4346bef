/** LLMesh assets (Second Life mesh, asset type 49): the header, and LOD blocks decoded to MeshData. */
import { computeBounds, type MeshData, putUnitNormal } from '../geometry/mesh-data';
import { AssetError } from './errors';
import { type Inflate, inflateZlib } from './inflate';
import { type LlsdMap, type LlsdValue, parseLlsdBinary } from './llsd-binary';

/** The four visual LODs, finest first. */
export const LLMESH_LODS = ['high', 'medium', 'low', 'lowest'] as const;

/** One of the four visual LODs. */
export type LlmeshLod = (typeof LLMESH_LODS)[number];

/** Where a block lies: `offset` counts from the end of the header. */
export interface LlmeshBlock {
  offset: number;
  size: number;
}

/** The parsed header of an LLMesh asset. */
export interface LlmeshHeader {
  /** Byte offset where the header ends and the blocks begin. */
  headerEnd: number;
  /** The header's `version` (0 when absent). */
  version: number;
  /** The visual LODs present (a block of size 0 counts as absent, as in SL viewers). */
  lods: Partial<Record<LlmeshLod, LlmeshBlock>>;
  physicsConvex?: LlmeshBlock;
  physicsMesh?: LlmeshBlock;
  skin?: LlmeshBlock;
}

/** A decoded mesh: one MeshData per LOD, finest first. */
export interface DecodedLlmesh {
  /**
   * Four entries, high to lowest. A missing LOD reuses (the same object as) the next finer LOD present, else the
   * next coarser one.
   */
  lods: MeshData[];
  /** Which LOD of the asset each entry of `lods` was decoded from. */
  sources: LlmeshLod[];
  /** Submeshes (faces) of the finest LOD present. */
  submeshes: number;
}

/** SL's face limit: at most 8 submeshes per mesh. */
export const LLMESH_MAX_SUBMESHES = 8;
/** Vertices one submesh may have (its triangle indices are u16). */
export const LLMESH_MAX_VERTICES = 65_536;
/** Compressed size of one block. */
export const LLMESH_MAX_BLOCK_BYTES = 4 * 1024 * 1024;
/** Inflated size of one block. */
export const LLMESH_MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/** The newest header version SL viewers accept. */
const MAX_VERSION = 999;

const LOD_KEYS: Record<LlmeshLod, string> = { high: 'high_lod', medium: 'medium_lod', low: 'low_lod', lowest: 'lowest_lod' };

function isMap(v: LlsdValue | undefined): v is LlsdMap {
  return v instanceof Map;
}

function block(header: LlsdMap, key: string): LlmeshBlock | undefined {
  const v = header.get(key);
  if (v === undefined) return undefined;
  if (!isMap(v)) throw new AssetError('asset_bad_format', `llmesh: header ${key} is not a map`);
  const offset = v.get('offset');
  const size = v.get('size');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new AssetError('asset_bad_format', `llmesh: header ${key}.offset is not a non-negative integer`);
  }
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new AssetError('asset_bad_format', `llmesh: header ${key}.size is not a non-negative integer`);
  }
  return size === 0 ? undefined : { offset, size };
}

/**
 * Parses the header at the start of an LLMesh asset. Throws {@link AssetError}: `asset_truncated`,
 * `asset_bad_format` (not a map, a block entry without integer offset and size, a version over 999) or
 * `asset_too_large`.
 */
export function parseLlmeshHeader(bytes: Uint8Array): LlmeshHeader {
  const { value, end } = parseLlsdBinary(bytes, 0, { maxDepth: 8, maxItems: 4096 });
  if (!isMap(value)) throw new AssetError('asset_bad_format', 'llmesh: the header is not an LLSD map');
  const version = value.get('version') ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > MAX_VERSION) {
    throw new AssetError('asset_bad_format', `llmesh: header version ${String(version)} is not an integer in 0..${MAX_VERSION}`);
  }
  const header: LlmeshHeader = { headerEnd: end, version, lods: {} };
  for (const lod of LLMESH_LODS) {
    const b = block(value, LOD_KEYS[lod]);
    if (b) header.lods[lod] = b;
  }
  const physicsConvex = block(value, 'physics_convex');
  if (physicsConvex) header.physicsConvex = physicsConvex;
  const physicsMesh = block(value, 'physics_mesh');
  if (physicsMesh) header.physicsMesh = physicsMesh;
  const skin = block(value, 'skin');
  if (skin) header.skin = skin;
  return header;
}

/** A submesh checked and ready to copy out. */
interface Submesh {
  vertices: number;
  position?: DataView;
  normal?: DataView;
  texCoord?: DataView;
  triangles?: DataView;
  posMin: [number, number, number];
  posMax: [number, number, number];
  uvMin: [number, number];
  uvMax: [number, number];
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function binary(m: LlsdMap, key: string, where: string): Uint8Array | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array)) throw new AssetError('asset_bad_mesh', `${where}: ${key} is not binary`);
  return v;
}

function numbers(v: LlsdValue | undefined, n: number, what: string): number[] {
  if (!Array.isArray(v) || v.length < n) throw new AssetError('asset_bad_mesh', `${what} is not an array of ${n} numbers`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || Math.abs(x) > 1e6) {
      throw new AssetError('asset_bad_mesh', `${what}[${i}] is not a finite number of reasonable size`);
    }
    out.push(x);
  }
  return out;
}

function domain(m: LlsdMap, key: string, n: number, where: string): { min: number[]; max: number[] } | undefined {
  const v = m.get(key);
  if (v === undefined) return undefined;
  if (!isMap(v)) throw new AssetError('asset_bad_mesh', `${where}: ${key} is not a map`);
  return { min: numbers(v.get('Min'), n, `${where}: ${key}.Min`), max: numbers(v.get('Max'), n, `${where}: ${key}.Max`) };
}

function checkSubmesh(v: LlsdValue, where: string): Submesh {
  if (!isMap(v)) throw new AssetError('asset_bad_mesh', `${where} is not a map`);
  const empty: Submesh = { vertices: 0, posMin: [-0.5, -0.5, -0.5], posMax: [0.5, 0.5, 0.5], uvMin: [0, 0], uvMax: [1, 1] };
  // As SL viewers do: the key's presence marks a face without geometry.
  if (v.has('NoGeometry')) return empty;
  const position = binary(v, 'Position', where);
  const triangles = binary(v, 'TriangleList', where);
  if (!position) throw new AssetError('asset_bad_mesh', `${where}: no Position`);
  if (!triangles) throw new AssetError('asset_bad_mesh', `${where}: no TriangleList`);
  if (position.length % 6 !== 0) {
    throw new AssetError('asset_bad_mesh', `${where}: Position is ${position.length} bytes, not a multiple of 6 (u16 x, y, z)`);
  }
  const vertices = position.length / 6;
  if (vertices > LLMESH_MAX_VERTICES) {
    throw new AssetError('asset_too_large', `${where}: ${vertices} vertices, more than ${LLMESH_MAX_VERTICES}`);
  }
  if (triangles.length % 6 !== 0) {
    throw new AssetError('asset_bad_mesh', `${where}: TriangleList is ${triangles.length} bytes, not a multiple of 6 (u16 x 3)`);
  }
  const normal = binary(v, 'Normal', where);
  if (normal && normal.length !== position.length) {
    throw new AssetError('asset_bad_mesh', `${where}: Normal is ${normal.length} bytes, Position ${position.length}`);
  }
  const texCoord = binary(v, 'TexCoord0', where);
  if (texCoord && texCoord.length !== vertices * 4) {
    throw new AssetError(
      'asset_bad_mesh',
      `${where}: TexCoord0 is ${texCoord.length} bytes, ${vertices} vertices need ${vertices * 4}`,
    );
  }
  const tri = view(triangles);
  for (let i = 0; i < triangles.length; i += 2) {
    const index = tri.getUint16(i, true);
    if (index >= vertices) {
      throw new AssetError(
        'asset_bad_mesh',
        `${where}: TriangleList index ${i / 2} is ${index}, the submesh has ${vertices} vertices`,
      );
    }
  }
  const pd = domain(v, 'PositionDomain', 3, where);
  const td = domain(v, 'TexCoord0Domain', 2, where);
  const out: Submesh = {
    vertices,
    position: view(position),
    triangles: tri,
    posMin: pd ? [pd.min[0] ?? 0, pd.min[1] ?? 0, pd.min[2] ?? 0] : empty.posMin,
    posMax: pd ? [pd.max[0] ?? 0, pd.max[1] ?? 0, pd.max[2] ?? 0] : empty.posMax,
    uvMin: td ? [td.min[0] ?? 0, td.min[1] ?? 0] : empty.uvMin,
    uvMax: td ? [td.max[0] ?? 0, td.max[1] ?? 0] : empty.uvMax,
  };
  if (normal) out.normal = view(normal);
  if (texCoord) out.texCoord = view(texCoord);
  return out;
}

/** Sums area-weighted triangle normals of indices[from..to) into `out`, per vertex counted from `base`. */
function accumulateNormals(
  positions: Float32Array,
  indices: Uint16Array | Uint32Array,
  from: number,
  to: number,
  base: number,
  out: Float64Array,
): void {
  for (let i = from; i < to; i += 3) {
    const a = indices[i] ?? 0;
    const b = indices[i + 1] ?? 0;
    const c = indices[i + 2] ?? 0;
    const ax = positions[a * 3] ?? 0;
    const ay = positions[a * 3 + 1] ?? 0;
    const az = positions[a * 3 + 2] ?? 0;
    const ux = (positions[b * 3] ?? 0) - ax;
    const uy = (positions[b * 3 + 1] ?? 0) - ay;
    const uz = (positions[b * 3 + 2] ?? 0) - az;
    const vx = (positions[c * 3] ?? 0) - ax;
    const vy = (positions[c * 3 + 1] ?? 0) - ay;
    const vz = (positions[c * 3 + 2] ?? 0) - az;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    for (const v of [a - base, b - base, c - base]) {
      out[v * 3] = (out[v * 3] ?? 0) + nx;
      out[v * 3 + 1] = (out[v * 3 + 1] ?? 0) + ny;
      out[v * 3 + 2] = (out[v * 3 + 2] ?? 0) + nz;
    }
  }
}

/** Turns the LOD block's LLSD (an array of submesh maps) into MeshData. */
function meshFromLlsd(value: LlsdValue, where: string): MeshData {
  if (!Array.isArray(value)) throw new AssetError('asset_bad_mesh', `${where}: the block is not an array of submeshes`);
  if (value.length === 0) throw new AssetError('asset_bad_mesh', `${where}: the block has no submeshes`);
  if (value.length > LLMESH_MAX_SUBMESHES) {
    throw new AssetError('asset_bad_mesh', `${where}: ${value.length} submeshes, more than SL's ${LLMESH_MAX_SUBMESHES}`);
  }
  const subs = value.map((v, i) => checkSubmesh(v, `${where}: submesh ${i}`));
  let vertexCount = 0;
  let indexCount = 0;
  for (const s of subs) {
    vertexCount += s.vertices;
    indexCount += (s.triangles?.byteLength ?? 0) / 2;
  }
  const positions = new Float32Array(vertexCount * 3);
  const normals = new Float32Array(vertexCount * 3);
  const uvs = new Float32Array(vertexCount * 2);
  const faces = new Uint8Array(vertexCount);
  const indices = vertexCount <= 0x10000 ? new Uint16Array(indexCount) : new Uint32Array(indexCount);
  let base = 0;
  let at = 0;
  for (let f = 0; f < subs.length; f++) {
    const s = subs[f];
    if (!s || s.vertices === 0 || !s.position || !s.triangles) continue;
    const q = 1 / 65535;
    for (let v = 0; v < s.vertices; v++) {
      const o = (base + v) * 3;
      for (let k = 0; k < 3; k++) {
        const lo = s.posMin[k] ?? 0;
        const hi = s.posMax[k] ?? 0;
        positions[o + k] = lo + (hi - lo) * s.position.getUint16(v * 6 + k * 2, true) * q;
      }
      if (s.texCoord) {
        for (let k = 0; k < 2; k++) {
          const lo = s.uvMin[k] ?? 0;
          const hi = s.uvMax[k] ?? 0;
          uvs[(base + v) * 2 + k] = lo + (hi - lo) * s.texCoord.getUint16(v * 4 + k * 2, true) * q;
        }
      }
      faces[base + v] = f;
    }
    const first = at;
    for (let i = 0; i < s.triangles.byteLength; i += 2) indices[at++] = base + s.triangles.getUint16(i, true);
    // Normals: the asset's, normalised; computed from the triangles where it has none (or a zero one).
    let computed: Float64Array | undefined;
    const fromTriangles = (): Float64Array => {
      if (!computed) {
        const local = new Float64Array(s.vertices * 3);
        accumulateNormals(positions, indices, first, at, base, local);
        computed = local;
      }
      return computed;
    };
    for (let v = 0; v < s.vertices; v++) {
      const o = (base + v) * 3;
      let x: number;
      let y: number;
      let z: number;
      if (s.normal) {
        x = s.normal.getUint16(v * 6, true) * q * 2 - 1;
        y = s.normal.getUint16(v * 6 + 2, true) * q * 2 - 1;
        z = s.normal.getUint16(v * 6 + 4, true) * q * 2 - 1;
      } else {
        x = 0;
        y = 0;
        z = 0;
      }
      if (Math.hypot(x, y, z) < 1e-6) {
        const n = fromTriangles();
        x = n[v * 3] ?? 0;
        y = n[v * 3 + 1] ?? 0;
        z = n[v * 3 + 2] ?? 0;
      }
      putUnitNormal(normals, o, x, y, z);
    }
    base += s.vertices;
  }
  return {
    positions,
    normals,
    uvs,
    faces,
    indices,
    vertexCount,
    indexCount,
    faceCount: subs.length,
    bounds: computeBounds(positions),
  };
}

/**
 * Decodes one visual LOD of an LLMesh asset (the whole asset's bytes, and its parsed header) into MeshData:
 * submesh i becomes face i, a `NoGeometry` submesh keeps its face index and adds nothing. Throws
 * {@link AssetError}: `asset_bad_mesh` when the header has no such LOD or the block is not a valid mesh,
 * `asset_truncated` when the block runs past the end of `bytes`, `asset_bad_format` for corrupt zlib data or LLSD,
 * `asset_too_large` past the limits ({@link LLMESH_MAX_BLOCK_BYTES}, {@link LLMESH_MAX_INFLATED_BYTES},
 * {@link LLMESH_MAX_VERTICES}).
 */
export async function decodeLlmeshLod(
  bytes: Uint8Array,
  header: LlmeshHeader,
  lod: LlmeshLod,
  inflate: Inflate = inflateZlib,
): Promise<MeshData> {
  const where = `llmesh ${LOD_KEYS[lod]}`;
  const b = header.lods[lod];
  if (!b) throw new AssetError('asset_bad_mesh', `${where}: the header has no such LOD`);
  return decodeBlock(bytes, header, b, where, inflate);
}

/**
 * Decodes the `physics_mesh` block of an LLMesh asset (the uploader's physics model, submeshes as in a visual LOD)
 * into MeshData, or null when the header has none. Throws {@link AssetError} as {@link decodeLlmeshLod} does.
 */
export async function decodeLlmeshPhysicsMesh(
  bytes: Uint8Array,
  header: LlmeshHeader,
  inflate: Inflate = inflateZlib,
): Promise<MeshData | null> {
  const b = header.physicsMesh;
  return b ? decodeBlock(bytes, header, b, 'llmesh physics_mesh', inflate) : null;
}

/** Inflates, parses and decodes one block of submeshes; `where` names it in errors. */
async function decodeBlock(
  bytes: Uint8Array,
  header: LlmeshHeader,
  b: LlmeshBlock,
  where: string,
  inflate: Inflate,
): Promise<MeshData> {
  if (b.size > LLMESH_MAX_BLOCK_BYTES) {
    throw new AssetError('asset_too_large', `${where}: the block is ${b.size} bytes, more than ${LLMESH_MAX_BLOCK_BYTES}`);
  }
  const start = header.headerEnd + b.offset;
  if (start + b.size > bytes.length) {
    throw new AssetError(
      'asset_truncated',
      `${where}: the block (bytes ${start}..${start + b.size}) runs past the end of the ${bytes.length}-byte asset`,
    );
  }
  let inflated: Uint8Array;
  try {
    inflated = await inflate(bytes.subarray(start, start + b.size), LLMESH_MAX_INFLATED_BYTES);
  } catch (e) {
    if (e instanceof AssetError) throw new AssetError(e.code, `${where}: ${e.message.replace(/^assets: /, '')}`);
    throw new AssetError('asset_bad_format', `${where}: inflating failed (${e instanceof Error ? e.message : String(e)})`);
  }
  if (inflated.length > LLMESH_MAX_INFLATED_BYTES) {
    throw new AssetError('asset_too_large', `${where}: the block inflates to more than ${LLMESH_MAX_INFLATED_BYTES} bytes`);
  }
  let value: LlsdValue;
  try {
    value = parseLlsdBinary(inflated, 0, { maxDepth: 8 }).value;
  } catch (e) {
    if (e instanceof AssetError) throw new AssetError(e.code, `${where}: ${e.message.replace(/^assets: /, '')}`);
    throw e;
  }
  return meshFromLlsd(value, where);
}

/**
 * Decodes every visual LOD of an LLMesh asset. Missing LODs fall back to the next finer LOD present, else the
 * next coarser one (`sources` says which). Throws {@link AssetError} as {@link decodeLlmeshLod} does, and
 * `asset_bad_mesh` when the asset has no visual LOD at all.
 */
export async function decodeLlmesh(bytes: Uint8Array, inflate: Inflate = inflateZlib): Promise<DecodedLlmesh> {
  const header = parseLlmeshHeader(bytes);
  const present = LLMESH_LODS.filter((lod) => header.lods[lod] !== undefined);
  if (present.length === 0) throw new AssetError('asset_bad_mesh', 'llmesh: the header lists no visual LOD');
  const decoded = new Map<LlmeshLod, MeshData>();
  for (const lod of present) decoded.set(lod, await decodeLlmeshLod(bytes, header, lod, inflate));
  const sources = LLMESH_LODS.map((lod, i): LlmeshLod => {
    if (decoded.has(lod)) return lod;
    for (let j = i - 1; j >= 0; j--) {
      const finer = LLMESH_LODS[j];
      if (finer && decoded.has(finer)) return finer;
    }
    for (let j = i + 1; j < LLMESH_LODS.length; j++) {
      const coarser = LLMESH_LODS[j];
      if (coarser && decoded.has(coarser)) return coarser;
    }
    return lod; // unreachable: at least one LOD is present
  });
  const lods = sources.map((lod) => {
    const m = decoded.get(lod);
    if (!m) throw new AssetError('asset_bad_mesh', `llmesh: internal: LOD ${lod} was not decoded`);
    return m;
  });
  // lods[0] is the finest LOD present.
  return { lods, sources, submeshes: lods[0]?.faceCount ?? 0 };
}
