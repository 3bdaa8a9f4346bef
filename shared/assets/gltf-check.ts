/**
 * glTF 2.0 container and structure checks: what the edge runs before it stores an uploaded model and the viewer
 * runs again before it decodes one. GLB framing (magic, version, length, JSON and BIN chunks), the JSON of the parts
 * we use (a zod schema), every reference and byte range (buffer views inside buffers, accessors inside buffer
 * views, aligned), data: URIs only (never an external URI), and count limits. Decoding the model into meshes is
 * @gltf-transform/core's job (web/assets/gltf-model.ts); this module only decides whether the bytes are safe to
 * hand it. Throws GltfError and nothing else, whatever the bytes.
 */
import { z } from 'zod';
import { StormError } from '../errors';
import { decodeUtf8 } from '../lludp/utf8';

/** Stable codes of {@link GltfError} (docs/errors.md). */
export type GltfErrorCode =
  /** Over a size or count limit (bytes, nodes, meshes, vertices, indices …). */
  | 'gltf_too_large'
  /** The bytes end before a header, chunk or buffer they announce. */
  | 'gltf_truncated'
  /** Not a GLB or glTF JSON container: wrong magic, version, chunk types or lengths. */
  | 'gltf_bad_container'
  /** The JSON does not parse or does not match the glTF 2.0 schema of the parts we use. */
  | 'gltf_bad_json'
  /** A reference to an object that does not exist, or a byte range outside its buffer or view. */
  | 'gltf_out_of_bounds'
  /** A buffer or image names an external URI (only embedded data: URIs and the GLB BIN chunk are accepted). */
  | 'gltf_external_uri'
  /** Valid glTF that we do not draw: a required extension, sparse accessors, no triangles. */
  | 'gltf_unsupported';

/** A model that was refused: the message starts with "gltf: " and says what was wrong and where. */
export class GltfError extends StormError {
  declare readonly code: GltfErrorCode;

  constructor(code: GltfErrorCode, message: string) {
    super(code, message.startsWith('gltf: ') ? message : `gltf: ${message}`, 'check');
    this.name = 'GltfError';
  }
}

/** Limits of an accepted model. */
export const GLTF_LIMITS = {
  /** Whole upload (GLB or JSON), bytes. */
  bytes: 8 * 1024 * 1024,
  /** The JSON (GLB JSON chunk, or the whole .gltf less its data: URIs' weight is not discounted). */
  jsonBytes: 8 * 1024 * 1024,
  buffers: 16,
  bufferViews: 4096,
  accessors: 4096,
  meshes: 256,
  /** Primitives over all meshes. */
  primitives: 1024,
  nodes: 4096,
  /** Node instances of meshes (a mesh drawn by two nodes counts twice). */
  meshInstances: 1024,
  /** Deepest node nesting. */
  depth: 64,
  materials: 256,
  textures: 256,
  images: 64,
  /** Vertices drawn, over every mesh instance. */
  vertices: 262_144,
  /** Indices drawn (3 a triangle), over every mesh instance. */
  indices: 1_572_864,
} as const;

const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a; // "JSON"
const CHUNK_BIN = 0x004e4942; // "BIN\0"

/** Component types: bytes each. */
export const COMPONENT_BYTES: Readonly<Record<number, number>> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };
/** Components of each accessor type. */
export const TYPE_COMPONENTS = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 } as const;

const index = z.number().int().min(0).max(0xffffffff);
const count = z.number().int().min(0).max(0xffffffff);
const finite = z.number().finite();
const extras = { extensions: z.record(z.string(), z.unknown()).optional(), extras: z.unknown().optional() };

const Accessor = z.object({
  bufferView: index.optional(),
  byteOffset: count.optional(),
  componentType: z.literal([5120, 5121, 5122, 5123, 5125, 5126]),
  normalized: z.boolean().optional(),
  count: z.number().int().min(1).max(0xffffffff),
  type: z.enum(['SCALAR', 'VEC2', 'VEC3', 'VEC4', 'MAT2', 'MAT3', 'MAT4']),
  max: z.array(finite).max(16).optional(),
  min: z.array(finite).max(16).optional(),
  sparse: z.unknown().optional(),
  ...extras,
});

const Primitive = z.object({
  attributes: z.record(z.string().max(64), index),
  indices: index.optional(),
  material: index.optional(),
  mode: z.number().int().min(0).max(6).optional(),
  targets: z.array(z.record(z.string(), index)).max(64).optional(),
  ...extras,
});

const Node = z.object({
  children: z.array(index).max(GLTF_LIMITS.nodes).optional(),
  mesh: index.optional(),
  matrix: z.array(finite).length(16).optional(),
  translation: z.tuple([finite, finite, finite]).optional(),
  rotation: z.tuple([finite, finite, finite, finite]).optional(),
  scale: z.tuple([finite, finite, finite]).optional(),
  ...extras,
});

const TextureInfo = z.object({ index, texCoord: count.optional(), ...extras });

const Material = z
  .object({
    pbrMetallicRoughness: z
      .object({
        baseColorFactor: z.tuple([finite, finite, finite, finite]).optional(),
        baseColorTexture: TextureInfo.optional(),
        ...extras,
      })
      .passthrough()
      .optional(),
    alphaMode: z.enum(['OPAQUE', 'MASK', 'BLEND']).optional(),
    alphaCutoff: z.number().min(0).optional(),
    doubleSided: z.boolean().optional(),
    ...extras,
  })
  .passthrough();

/** The glTF 2.0 JSON we read (unknown properties of these objects pass through untouched). */
export const GltfJson = z
  .object({
    asset: z.object({ version: z.string().regex(/^2\.\d+$/, 'glTF 2.x'), minVersion: z.string().optional() }).passthrough(),
    extensionsUsed: z.array(z.string().max(128)).max(64).optional(),
    extensionsRequired: z.array(z.string().max(128)).max(64).optional(),
    buffers: z
      .array(z.object({ byteLength: z.number().int().min(1), uri: z.string().optional(), ...extras }))
      .max(GLTF_LIMITS.buffers)
      .optional(),
    bufferViews: z
      .array(
        z.object({
          buffer: index,
          byteOffset: count.optional(),
          byteLength: z.number().int().min(1),
          byteStride: z.number().int().min(4).max(252).multipleOf(4).optional(),
          target: z.number().int().optional(),
          ...extras,
        }),
      )
      .max(GLTF_LIMITS.bufferViews)
      .optional(),
    accessors: z.array(Accessor).max(GLTF_LIMITS.accessors).optional(),
    meshes: z
      .array(z.object({ primitives: z.array(Primitive).min(1).max(GLTF_LIMITS.primitives), ...extras }).passthrough())
      .max(GLTF_LIMITS.meshes)
      .optional(),
    nodes: z.array(Node.passthrough()).max(GLTF_LIMITS.nodes).optional(),
    scenes: z
      .array(z.object({ nodes: z.array(index).max(GLTF_LIMITS.nodes).optional(), ...extras }).passthrough())
      .max(64)
      .optional(),
    scene: index.optional(),
    materials: z.array(Material).max(GLTF_LIMITS.materials).optional(),
    textures: z
      .array(z.object({ source: index.optional(), sampler: index.optional(), ...extras }).passthrough())
      .max(GLTF_LIMITS.textures)
      .optional(),
    images: z
      .array(
        z
          .object({
            uri: z.string().optional(),
            bufferView: index.optional(),
            mimeType: z.string().max(64).optional(),
            ...extras,
          })
          .passthrough(),
      )
      .max(GLTF_LIMITS.images)
      .optional(),
    samplers: z.array(z.unknown()).max(256).optional(),
  })
  .passthrough();
export type GltfJson = z.infer<typeof GltfJson>;

/** A model that passed every check. */
export interface CheckedGltf {
  format: 'glb' | 'gltf';
  json: GltfJson;
  /** The GLB BIN chunk's bytes (a view into the input), or null. */
  bin: Uint8Array | null;
  /** Size of the default scene's bounding box in metres, z up (glTF's y up turned to the region's z up). */
  size: [number, number, number];
  /** Centre of that box, z up: the decoder centres the model's mesh on it and scales it by `size` to a unit box. */
  center: [number, number, number];
  /** Vertices and triangles drawn, over every mesh instance of the default scene. */
  vertices: number;
  triangles: number;
}

const fail = (code: GltfErrorCode, message: string): never => {
  throw new GltfError(code, message);
};

/** The glTF magic at the start: a GLB. */
export function isGlb(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x67 && bytes[1] === 0x6c && bytes[2] === 0x54 && bytes[3] === 0x46;
}

/** Checks `bytes` (a GLB, or glTF JSON with embedded data: URIs only); returns what it found or throws GltfError. */
export function checkGltf(bytes: Uint8Array): CheckedGltf {
  if (bytes.length > GLTF_LIMITS.bytes)
    fail('gltf_too_large', `the model is ${bytes.length} bytes; the limit is ${GLTF_LIMITS.bytes} (8 MiB)`);
  if (bytes.length === 0) fail('gltf_truncated', 'the model is empty');
  let format: 'glb' | 'gltf';
  let jsonBytes: Uint8Array;
  let bin: Uint8Array | null = null;
  if (isGlb(bytes)) {
    format = 'glb';
    ({ json: jsonBytes, bin } = readGlb(bytes));
  } else {
    format = 'gltf';
    // JSON: the first non-space byte is "{"; anything else is neither container.
    let i = 0;
    while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
    if (i === 0 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
    if (bytes[i] !== 0x7b)
      fail('gltf_bad_container', 'the model is neither a GLB (magic "glTF") nor glTF JSON (starting with "{")');
    jsonBytes = bytes;
  }
  const json = parseJson(jsonBytes);
  return { format, json, bin, ...checkStructure(json, format, bin) };
}

function readGlb(bytes: Uint8Array): { json: Uint8Array; bin: Uint8Array | null } {
  if (bytes.length < 20)
    fail('gltf_truncated', `a GLB is at least 20 bytes (header and a chunk header); this one is ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) fail('gltf_bad_container', 'the GLB magic is not "glTF"');
  const version = view.getUint32(4, true);
  if (version !== 2) fail('gltf_bad_container', `GLB version ${version}; only glTF 2 is read`);
  const length = view.getUint32(8, true);
  if (length > bytes.length) fail('gltf_truncated', `the GLB header says ${length} bytes; ${bytes.length} arrived`);
  if (length < bytes.length)
    fail('gltf_bad_container', `the GLB header says ${length} bytes; ${bytes.length} arrived (trailing bytes)`);
  let at = 12;
  let json: Uint8Array | null = null;
  let bin: Uint8Array | null = null;
  let chunk = 0;
  while (at < length) {
    if (at + 8 > length) fail('gltf_truncated', `GLB chunk ${chunk} header at byte ${at} runs past the end`);
    const size = view.getUint32(at, true);
    const type = view.getUint32(at + 4, true);
    const start = at + 8;
    if (size > length - start) fail('gltf_truncated', `GLB chunk ${chunk} says ${size} bytes; ${length - start} remain`);
    if (size % 4 !== 0) fail('gltf_bad_container', `GLB chunk ${chunk} is ${size} bytes, not a multiple of 4`);
    if (chunk === 0 && type !== CHUNK_JSON) fail('gltf_bad_container', 'the first GLB chunk is not JSON');
    if (chunk === 0) json = bytes.subarray(start, start + size);
    else if (type === CHUNK_JSON) fail('gltf_bad_container', `GLB chunk ${chunk} is a second JSON chunk`);
    else if (type === CHUNK_BIN) {
      if (chunk !== 1) fail('gltf_bad_container', `the BIN chunk must be the second chunk, not chunk ${chunk}`);
      bin = bytes.subarray(start, start + size);
    }
    // Other chunk types are skipped, as the specification says.
    at = start + size;
    chunk++;
  }
  if (!json) return fail('gltf_bad_container', 'the GLB has no JSON chunk');
  return { json, bin };
}

function parseJson(bytes: Uint8Array): GltfJson {
  if (bytes.length > GLTF_LIMITS.jsonBytes)
    fail('gltf_too_large', `the glTF JSON is ${bytes.length} bytes; the limit is ${GLTF_LIMITS.jsonBytes}`);
  // A UTF-8 byte order mark may lead the JSON.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = decodeUtf8(bytes.subarray(bom));
  if (text === null) return fail('gltf_bad_json', 'the glTF JSON is not UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail(
      'gltf_bad_json',
      `the glTF JSON does not parse (${err instanceof Error ? err.message.slice(0, 120) : 'syntax error'})`,
    );
  }
  const r = GltfJson.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the document';
    // A list longer than its limit (nodes, accessors …) is a model too large, not a malformed one.
    const code = issue?.code === 'too_big' && issue.origin === 'array' ? 'gltf_too_large' : 'gltf_bad_json';
    return fail(code, `${where}: ${issue?.message ?? 'does not match glTF 2.0'}`);
  }
  return r.data;
}

/** The byte length a base64 data: URI decodes to, or null when it is not one (or not base64). */
export function dataUriBytes(uri: string, kind: 'buffer' | 'image'): number | null {
  const m = /^data:([\w.+/-]*)(;[\w=.+-]+)*;base64,/.exec(uri.slice(0, 256));
  if (!m) return null;
  const mime = m[1] ?? '';
  const allowed = kind === 'buffer' ? ['application/octet-stream', 'application/gltf-buffer', ''] : ['image/png', 'image/jpeg'];
  if (!allowed.includes(mime)) return null;
  const data = uri.slice(m[0].length);
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) return null;
  const pad = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return (data.length / 4) * 3 - pad;
}

type Mat4 = Float64Array;

function identity(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

/** a × b, column-major. */
function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (a[k * 4 + r] ?? 0) * (b[c * 4 + k] ?? 0);
      out[c * 4 + r] = s;
    }
  return out;
}

/** A node's local matrix from `matrix` or translation/rotation/scale (column-major). */
export function nodeMatrix(n: z.infer<typeof Node>): Mat4 {
  if (n.matrix) return Float64Array.from(n.matrix);
  const [tx, ty, tz] = n.translation ?? [0, 0, 0];
  let [x, y, z, w] = n.rotation ?? [0, 0, 0, 1];
  const l = Math.hypot(x, y, z, w) || 1;
  x /= l;
  y /= l;
  z /= l;
  w /= l;
  const [sx, sy, sz] = n.scale ?? [1, 1, 1];
  return Float64Array.from([
    (1 - 2 * (y * y + z * z)) * sx,
    2 * (x * y + z * w) * sx,
    2 * (x * z - y * w) * sx,
    0,
    2 * (x * y - z * w) * sy,
    (1 - 2 * (x * x + z * z)) * sy,
    2 * (y * z + x * w) * sy,
    0,
    2 * (x * z + y * w) * sz,
    2 * (y * z - x * w) * sz,
    (1 - 2 * (x * x + y * y)) * sz,
    0,
    tx,
    ty,
    tz,
    1,
  ]);
}

/** The scene drawn: `scene`, else the first, else every root node. */
export function sceneRoots(json: GltfJson): number[] {
  const scenes = json.scenes ?? [];
  const chosen = scenes[json.scene ?? 0];
  if (chosen) return chosen.nodes ?? [];
  const nodes = json.nodes ?? [];
  const child = new Set<number>();
  for (const n of nodes) for (const c of n.children ?? []) child.add(c);
  return nodes.map((_, i) => i).filter((i) => !child.has(i));
}

function checkStructure(
  json: GltfJson,
  format: 'glb' | 'gltf',
  bin: Uint8Array | null,
): Pick<CheckedGltf, 'size' | 'center' | 'vertices' | 'triangles'> {
  if (json.extensionsRequired && json.extensionsRequired.length > 0)
    fail('gltf_unsupported', `the model requires extension ${json.extensionsRequired[0]}, which the viewer does not read`);
  const buffers = json.buffers ?? [];
  const views = json.bufferViews ?? [];
  const accessors = json.accessors ?? [];
  const meshes = json.meshes ?? [];
  const nodes = json.nodes ?? [];
  const materials = json.materials ?? [];
  const textures = json.textures ?? [];
  const images = json.images ?? [];

  // Buffers: the GLB BIN chunk (buffer 0 without a uri) or a base64 data: URI; nothing external.
  for (const [i, b] of buffers.entries()) {
    let available: number;
    if (b.uri === undefined) {
      if (format !== 'glb' || i !== 0) fail('gltf_bad_json', `buffers.${i} has no uri and is not the GLB BIN chunk`);
      if (!bin) throw new GltfError('gltf_truncated', `buffers.${i} is the GLB BIN chunk, but the GLB has none`);
      available = bin.length;
    } else {
      const n = dataUriBytes(b.uri, 'buffer');
      if (n === null)
        fail(
          'gltf_external_uri',
          `buffers.${i}.uri is not an embedded base64 data: URI ("${b.uri.slice(0, 40)}"); external files are not read: upload a GLB`,
        );
      available = n ?? 0;
    }
    if (b.byteLength > available) fail('gltf_truncated', `buffers.${i} says ${b.byteLength} bytes; ${available} are there`);
  }
  for (const [i, v] of views.entries()) {
    const buffer = buffers[v.buffer];
    if (!buffer) throw new GltfError('gltf_out_of_bounds', `bufferViews.${i}.buffer ${v.buffer} does not exist`);
    const end = (v.byteOffset ?? 0) + v.byteLength;
    if (end > buffer.byteLength)
      fail('gltf_out_of_bounds', `bufferViews.${i} ends at byte ${end}; buffer ${v.buffer} has ${buffer.byteLength}`);
  }
  for (const [i, a] of accessors.entries()) {
    if (a.sparse !== undefined) fail('gltf_unsupported', `accessors.${i} is sparse; sparse accessors are not read`);
    const size = (COMPONENT_BYTES[a.componentType] ?? 4) * TYPE_COMPONENTS[a.type];
    if (a.bufferView === undefined) continue;
    const view = views[a.bufferView];
    if (!view) throw new GltfError('gltf_out_of_bounds', `accessors.${i}.bufferView ${a.bufferView} does not exist`);
    const stride = view.byteStride ?? size;
    if (stride < size) fail('gltf_bad_json', `accessors.${i}: byteStride ${stride} is less than its element (${size} bytes)`);
    const offset = a.byteOffset ?? 0;
    const end = offset + stride * (a.count - 1) + size;
    if (end > view.byteLength)
      fail(
        'gltf_out_of_bounds',
        `accessors.${i} reads to byte ${end} of bufferView ${a.bufferView}, which has ${view.byteLength}`,
      );
    const component = COMPONENT_BYTES[a.componentType] ?? 4;
    if ((offset + (view.byteOffset ?? 0)) % component !== 0)
      fail('gltf_bad_json', `accessors.${i} starts at a byte not aligned to its ${component}-byte components`);
  }
  for (const [i, t] of textures.entries()) {
    if (t.source !== undefined && !images[t.source])
      fail('gltf_out_of_bounds', `textures.${i}.source ${t.source} does not exist`);
  }
  for (const [i, im] of images.entries()) {
    if (im.bufferView !== undefined) {
      if (!views[im.bufferView]) fail('gltf_out_of_bounds', `images.${i}.bufferView ${im.bufferView} does not exist`);
    } else if (im.uri === undefined || dataUriBytes(im.uri, 'image') === null) {
      fail(
        'gltf_external_uri',
        `images.${i} is not embedded (a bufferView or a base64 PNG/JPEG data: URI); external files are not read: upload a GLB`,
      );
    }
  }
  for (const [i, m] of materials.entries()) {
    const t = m.pbrMetallicRoughness?.baseColorTexture;
    if (t && !textures[t.index]) fail('gltf_out_of_bounds', `materials.${i} baseColorTexture ${t.index} does not exist`);
  }

  let primitives = 0;
  for (const [m, mesh] of meshes.entries()) {
    primitives += mesh.primitives.length;
    if (primitives > GLTF_LIMITS.primitives) fail('gltf_too_large', `more than ${GLTF_LIMITS.primitives} primitives`);
    for (const [k, p] of mesh.primitives.entries()) {
      const where = `meshes.${m}.primitives.${k}`;
      const position = p.attributes.POSITION;
      if (position === undefined) throw new GltfError('gltf_bad_json', `${where} has no POSITION attribute`);
      let vertices = 0;
      for (const [name, a] of Object.entries(p.attributes)) {
        const acc = accessors[a];
        if (!acc) throw new GltfError('gltf_out_of_bounds', `${where}.attributes.${name} accessor ${a} does not exist`);
        if (name === 'POSITION') vertices = acc.count;
      }
      for (const [name, a] of Object.entries(p.attributes)) {
        if ((accessors[a]?.count ?? 0) !== vertices)
          fail('gltf_bad_json', `${where}.attributes.${name} has ${accessors[a]?.count} elements; POSITION has ${vertices}`);
      }
      const pos = accessors[position];
      if (pos?.type !== 'VEC3' || pos.componentType !== 5126) fail('gltf_bad_json', `${where}: POSITION must be VEC3 of floats`);
      if (!pos?.min || !pos.max || pos.min.length !== 3 || pos.max.length !== 3)
        fail('gltf_bad_json', `${where}: the POSITION accessor needs its min and max (the specification requires them)`);
      const normal = p.attributes.NORMAL;
      if (normal !== undefined) {
        const n = accessors[normal];
        if (n?.type !== 'VEC3' || n.componentType !== 5126) fail('gltf_bad_json', `${where}: NORMAL must be VEC3 of floats`);
      }
      const uv = p.attributes.TEXCOORD_0;
      if (uv !== undefined && accessors[uv]?.type !== 'VEC2') fail('gltf_bad_json', `${where}: TEXCOORD_0 must be VEC2`);
      if (p.indices !== undefined) {
        const ia = accessors[p.indices];
        if (!ia) throw new GltfError('gltf_out_of_bounds', `${where}.indices accessor ${p.indices} does not exist`);
        if (ia.type !== 'SCALAR' || ![5121, 5123, 5125].includes(ia.componentType))
          fail('gltf_bad_json', `${where}: indices must be SCALAR unsigned bytes, shorts or ints`);
      }
      if (p.material !== undefined && !materials[p.material])
        fail('gltf_out_of_bounds', `${where}.material ${p.material} does not exist`);
    }
  }

  // Nodes: references, one parent each, no cycles, bounded depth; then the default scene's bounds and counts.
  const parent = new Int32Array(nodes.length).fill(-1);
  for (const [i, n] of nodes.entries()) {
    if (n.mesh !== undefined && !meshes[n.mesh]) fail('gltf_out_of_bounds', `nodes.${i}.mesh ${n.mesh} does not exist`);
    for (const c of n.children ?? []) {
      if (c >= nodes.length) fail('gltf_out_of_bounds', `nodes.${i}.children names node ${c}, which does not exist`);
      if (parent[c] !== -1 || c === i)
        fail('gltf_bad_json', `node ${c} has more than one parent (the node graph must be a forest)`);
      parent[c] = i;
    }
  }
  if (json.scene !== undefined && !(json.scenes ?? [])[json.scene])
    fail('gltf_out_of_bounds', `scene ${json.scene} does not exist`);
  const roots = sceneRoots(json);
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  let vertices = 0;
  let indices = 0;
  let instances = 0;
  const seen = new Uint8Array(nodes.length);
  const stack: { node: number; matrix: Mat4; depth: number }[] = [];
  for (const r of roots) {
    if (r >= nodes.length) fail('gltf_out_of_bounds', `a scene names node ${r}, which does not exist`);
    if (parent[r] !== -1) fail('gltf_bad_json', `scene root node ${r} is another node's child`);
    stack.push({ node: r, matrix: identity(), depth: 1 });
  }
  while (stack.length > 0) {
    const { node, matrix, depth } = stack.pop() ?? { node: 0, matrix: identity(), depth: 0 };
    if (seen[node]) fail('gltf_bad_json', `node ${node} is reached twice from the scene (a cycle or a repeated root)`);
    seen[node] = 1;
    if (depth > GLTF_LIMITS.depth) fail('gltf_too_large', `nodes nest deeper than ${GLTF_LIMITS.depth}`);
    const n = nodes[node];
    if (!n) continue;
    const world = multiply(matrix, nodeMatrix(n));
    if (n.mesh !== undefined) {
      if (++instances > GLTF_LIMITS.meshInstances)
        fail('gltf_too_large', `more than ${GLTF_LIMITS.meshInstances} mesh instances`);
      for (const p of meshes[n.mesh]?.primitives ?? []) {
        const pos = accessors[p.attributes.POSITION ?? 0];
        if (!pos) continue;
        vertices += pos.count;
        const mode = p.mode ?? 4;
        const drawn = p.indices !== undefined ? (accessors[p.indices]?.count ?? 0) : pos.count;
        if (mode >= 4) indices += mode === 4 ? drawn : Math.max(0, drawn - 2) * 3;
        if (vertices > GLTF_LIMITS.vertices) fail('gltf_too_large', `more than ${GLTF_LIMITS.vertices} vertices are drawn`);
        if (indices > GLTF_LIMITS.indices) fail('gltf_too_large', `more than ${GLTF_LIMITS.indices / 3} triangles are drawn`);
        if (mode < 4) continue;
        const lo = pos.min ?? [0, 0, 0];
        const hi = pos.max ?? [0, 0, 0];
        for (let c = 0; c < 8; c++) {
          const x = c & 1 ? (hi[0] ?? 0) : (lo[0] ?? 0);
          const y = c & 2 ? (hi[1] ?? 0) : (lo[1] ?? 0);
          const z = c & 4 ? (hi[2] ?? 0) : (lo[2] ?? 0);
          for (let a = 0; a < 3; a++) {
            const v = (world[a] ?? 0) * x + (world[4 + a] ?? 0) * y + (world[8 + a] ?? 0) * z + (world[12 + a] ?? 0);
            min[a] = Math.min(min[a] ?? 0, v);
            max[a] = Math.max(max[a] ?? 0, v);
          }
        }
      }
    }
    for (const c of n.children ?? []) stack.push({ node: c, matrix: world, depth: depth + 1 });
  }
  if (indices === 0) fail('gltf_unsupported', 'the model draws no triangles (no mesh in its scene, or only points and lines)');
  const extent = (a: number): number => {
    const e = (max[a] ?? 0) - (min[a] ?? 0);
    if (!Number.isFinite(e)) fail('gltf_bad_json', 'the model has positions that are not finite');
    return e;
  };
  // glTF is y up; the region is z up: x stays, glTF's z (toward the viewer) becomes -y, glTF's y becomes z.
  const mid = (a: number): number => ((max[a] ?? 0) + (min[a] ?? 0)) / 2;
  return {
    size: [extent(0), extent(2), extent(1)],
    center: [mid(0), -mid(2), mid(1)],
    vertices,
    triangles: indices / 3,
  };
}
