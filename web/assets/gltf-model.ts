/**
 * Finalverse glTF 2.0 models into the renderer's MeshData: the bytes pass the same checks the edge ran
 * (shared/assets/gltf-check.ts), @gltf-transform/core reads them, and every triangle primitive of the default
 * scene is baked with its node's world transform into one mesh, turned z up and fitted to the unit box (centred
 * on the checked bounds, scaled by their size: the entity's scale gives the model its size back, as a mesh prim's
 * does), one face per material with the material's base colour factor, its alpha mode and its base colour image
 * (embedded PNG/JPEG, header-checked here, decoded later by the decoder pool). Throws GltfError and nothing else: a
 * refused image is kept as its reason, and its faces keep their colour.
 */
import {
  type Document,
  type GLTF,
  type Node as GltfNode,
  type Texture as GltfTexture,
  type Material,
  type mat4,
  WebIO,
} from '@gltf-transform/core';
import { type CheckedGltf, checkGltf, GltfError } from '../../shared/assets/gltf-check';
import { computeBounds, type MeshData, putUnitNormal } from '../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../shared/geometry/prim-mesh';
import { inspectModelImage, type ModelImageInfo } from './model-image';

/** Faces a model may have (the renderer's faces per instance). */
export const MAX_MODEL_FACES = 32;

/** A base colour image a model embeds (a GLB buffer view or a data: URI), checked but not decoded. */
export interface ModelImage {
  /** The encoded image. */
  bytes: Uint8Array;
  /** What its header says, or null when the check refused it (`error` says why; its faces keep their colour). */
  info: ModelImageInfo | null;
  error?: string;
}

/** How a face of a model is drawn besides its colour: its base colour image and the material's alpha mode. */
export interface ModelFaceLook {
  /** Index into `images` (whose `info` is null when the image was refused), or -1 for none (or a TEXCOORD_1 texture). */
  image: number;
  /** glTF alphaMode as the renderer's FaceLook alphaMode: 0 blend, 1 mask, 2 opaque. */
  alphaMode: 0 | 1 | 2;
  alphaCutoff: number;
}

/** A model as the renderer draws it. */
export interface ModelGeometry {
  /** PRIM_LOD_COUNT LODs, finest first (one mesh for all: models carry no LODs of their own yet). */
  lods: MeshData[];
  /** Each face's colour: its material's base colour factor in sRGB, 0–1, with alpha. */
  colors: [number, number, number, number][];
  /** Each face's texture and alpha mode (as long as `colors`). */
  looks: ModelFaceLook[];
  /** The base colour images the faces use, each once. */
  images: ModelImage[];
  /** What the checks found (size, counts). */
  checked: CheckedGltf;
}

const linearToSrgb = (c: number): number => {
  const v = Math.min(1, Math.max(0, c));
  return v <= 0.0031308 ? v * 12.92 : 1.055 * v ** (1 / 2.4) - 0.055;
};

async function readDocument(bytes: Uint8Array, checked: CheckedGltf): Promise<Document> {
  const io = new WebIO();
  try {
    if (checked.format === 'glb') return await io.readBinary(bytes.slice());
    // The JSON passed GltfJson (a glTF 2.0 schema of what we read; the rest passes through), and its buffers and
    // images are data: URIs only, so nothing is fetched: it is the document gltf-transform expects.
    return await io.readJSON({ json: checked.json as GLTF.IGLTF, resources: {} });
  } catch (err) {
    throw new GltfError(
      'gltf_bad_container',
      `the model could not be read (${err instanceof Error ? err.message.slice(0, 160) : 'unknown'})`,
    );
  }
}

/** Upper 3×3 cofactors of a column-major 4×4: the normal matrix up to scale, and the determinant's sign. */
function normalMatrix(m: mat4): { n: number[]; flip: boolean } {
  const [a00, a01, a02, a10, a11, a12, a20, a21, a22] = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
  const c = [
    a11 * a22 - a12 * a21,
    a12 * a20 - a10 * a22,
    a10 * a21 - a11 * a20,
    a21 * a02 - a22 * a01,
    a22 * a00 - a20 * a02,
    a20 * a01 - a21 * a00,
    a01 * a12 - a02 * a11,
    a02 * a10 - a00 * a12,
    a00 * a11 - a01 * a10,
  ];
  const det = a00 * (c[0] ?? 0) + a01 * (c[1] ?? 0) + a02 * (c[2] ?? 0);
  return { n: c, flip: det < 0 };
}

/** Decodes a model (GLB, or glTF JSON with embedded data) into the renderer's geometry. */
export async function decodeGltfModel(bytes: Uint8Array): Promise<ModelGeometry> {
  const checked = checkGltf(bytes);
  const doc = await readDocument(bytes, checked);
  const root = doc.getRoot();
  const scene = root.getDefaultScene() ?? root.listScenes()[0] ?? null;
  const [sx, sy, sz] = checked.size.map((s) => (s > 1e-6 ? s : 1)) as [number, number, number];
  const [cx, cy, cz] = checked.center;

  const faceOf = new Map<Material | null, number>();
  const colors: ModelGeometry['colors'] = [];
  const looks: ModelFaceLook[] = [];
  const images: ModelImage[] = [];
  const imageOf = new Map<GltfTexture, number>();
  const image = (m: Material | null): number => {
    const texture = m?.getBaseColorTexture() ?? null;
    // Only TEXCOORD_0 is carried to the renderer: a texture on another set is left out (the face keeps its colour).
    if (!texture || (m?.getBaseColorTextureInfo()?.getTexCoord() ?? 0) !== 0) return -1;
    const known = imageOf.get(texture);
    if (known !== undefined) return known;
    const bytes = texture.getImage();
    if (!bytes) return -1;
    let entry: ModelImage;
    try {
      entry = { bytes, info: inspectModelImage(bytes) };
    } catch (err) {
      entry = { bytes, info: null, error: err instanceof Error ? err.message : String(err) };
    }
    images.push(entry);
    imageOf.set(texture, images.length - 1);
    return images.length - 1;
  };
  const face = (m: Material | null): number => {
    const known = faceOf.get(m);
    if (known !== undefined) return known;
    if (colors.length >= MAX_MODEL_FACES) return MAX_MODEL_FACES - 1;
    const f = m?.getBaseColorFactor() ?? [1, 1, 1, 1];
    colors.push([linearToSrgb(f[0]), linearToSrgb(f[1]), linearToSrgb(f[2]), Math.min(1, Math.max(0, f[3]))]);
    const mode = m?.getAlphaMode() ?? 'OPAQUE';
    looks.push({
      image: image(m),
      alphaMode: mode === 'BLEND' ? 0 : mode === 'MASK' ? 1 : 2,
      alphaCutoff: mode === 'MASK' ? Math.min(1, Math.max(0, m?.getAlphaCutoff() ?? 0.5)) : 0,
    });
    faceOf.set(m, colors.length - 1);
    return colors.length - 1;
  };

  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const faces: number[] = [];
  const indices: number[] = [];
  const nodes = scene ? [] : root.listNodes().filter((n) => !n.getParentNode());
  const visit = (fn: (node: GltfNode) => void): void => {
    if (scene) scene.traverse(fn);
    else for (const n of nodes) n.traverse(fn);
  };
  visit((node) => {
    const mesh = node.getMesh();
    if (!mesh) return;
    const w = node.getWorldMatrix();
    const { n: nm, flip } = normalMatrix(w);
    for (const prim of mesh.listPrimitives()) {
      const mode = prim.getMode();
      if (mode < 4) continue; // points and lines are not drawn
      const pos = prim.getAttribute('POSITION');
      if (!pos) continue;
      const count = pos.getCount();
      const base = positions.length / 3;
      const f = face(prim.getMaterial());
      const nrm = prim.getAttribute('NORMAL');
      const uv = prim.getAttribute('TEXCOORD_0');
      const p = [0, 0, 0];
      const q = [0, 0, 0];
      const t = [0, 0];
      for (let i = 0; i < count; i++) {
        pos.getElement(i, p);
        const x = w[0] * (p[0] ?? 0) + w[4] * (p[1] ?? 0) + w[8] * (p[2] ?? 0) + w[12];
        const y = w[1] * (p[0] ?? 0) + w[5] * (p[1] ?? 0) + w[9] * (p[2] ?? 0) + w[13];
        const z = w[2] * (p[0] ?? 0) + w[6] * (p[1] ?? 0) + w[10] * (p[2] ?? 0) + w[14];
        // y up to z up (x, -z, y), then into the unit box.
        positions.push((x - cx) / sx, (-z - cy) / sy, (y - cz) / sz);
        if (nrm) {
          nrm.getElement(i, q);
          const nx = (nm[0] ?? 0) * (q[0] ?? 0) + (nm[3] ?? 0) * (q[1] ?? 0) + (nm[6] ?? 0) * (q[2] ?? 0);
          const ny = (nm[1] ?? 0) * (q[0] ?? 0) + (nm[4] ?? 0) * (q[1] ?? 0) + (nm[7] ?? 0) * (q[2] ?? 0);
          const nz = (nm[2] ?? 0) * (q[0] ?? 0) + (nm[5] ?? 0) * (q[1] ?? 0) + (nm[8] ?? 0) * (q[2] ?? 0);
          const sign = flip ? -1 : 1;
          // A normal under the unit-box scaling: multiplied by the size (the inverse transpose of 1/size).
          normals.push(sign * nx * sx, -sign * nz * sy, sign * ny * sz);
        } else normals.push(0, 0, 0);
        if (uv) {
          uv.getElement(i, t);
          // glTF's v runs down the image; the renderer's (SL's) up.
          uvs.push(t[0] ?? 0, 1 - (t[1] ?? 0));
        } else uvs.push(0, 0);
        faces.push(f);
      }
      const list = prim.getIndices()?.getArray() ?? null;
      const drawn = list ? list.length : count;
      const at = (k: number): number => {
        const v = list ? (list[k] ?? 0) : k;
        if (v >= count)
          throw new GltfError(
            'gltf_out_of_bounds',
            `a primitive of mesh "${mesh.getName()}" has index ${v}; it has ${count} vertices`,
          );
        return base + v;
      };
      const tri = (a: number, b: number, c: number): void => {
        if (flip) indices.push(at(a), at(c), at(b));
        else indices.push(at(a), at(b), at(c));
      };
      if (mode === 4) for (let k = 0; k + 2 < drawn; k += 3) tri(k, k + 1, k + 2);
      else if (mode === 5) for (let k = 0; k + 2 < drawn; k++) k % 2 === 0 ? tri(k, k + 1, k + 2) : tri(k + 1, k, k + 2);
      else for (let k = 1; k + 1 < drawn; k++) tri(0, k, k + 1);
      if (!nrm) {
        // No normals: each vertex gets the area-weighted sum of its triangles' normals (in the unit box's space).
        for (
          let k = indices.length - (mode === 4 ? Math.floor(drawn / 3) : Math.max(0, drawn - 2)) * 3;
          k < indices.length;
          k += 3
        ) {
          const a = indices[k] ?? 0;
          const b = indices[k + 1] ?? 0;
          const c = indices[k + 2] ?? 0;
          const ux = (positions[b * 3] ?? 0) - (positions[a * 3] ?? 0);
          const uy = (positions[b * 3 + 1] ?? 0) - (positions[a * 3 + 1] ?? 0);
          const uz = (positions[b * 3 + 2] ?? 0) - (positions[a * 3 + 2] ?? 0);
          const vx = (positions[c * 3] ?? 0) - (positions[a * 3] ?? 0);
          const vy = (positions[c * 3 + 1] ?? 0) - (positions[a * 3 + 1] ?? 0);
          const vz = (positions[c * 3 + 2] ?? 0) - (positions[a * 3 + 2] ?? 0);
          const nx = uy * vz - uz * vy;
          const ny = uz * vx - ux * vz;
          const nz = ux * vy - uy * vx;
          for (const v of [a, b, c]) {
            normals[v * 3] = (normals[v * 3] ?? 0) + nx;
            normals[v * 3 + 1] = (normals[v * 3 + 1] ?? 0) + ny;
            normals[v * 3 + 2] = (normals[v * 3 + 2] ?? 0) + nz;
          }
        }
      }
    }
  });
  if (indices.length === 0) throw new GltfError('gltf_unsupported', 'the model draws no triangles');
  const vertexCount = positions.length / 3;
  const normalArray = new Float32Array(vertexCount * 3);
  for (let v = 0; v < vertexCount; v++)
    putUnitNormal(normalArray, v * 3, normals[v * 3] ?? 0, normals[v * 3 + 1] ?? 0, normals[v * 3 + 2] ?? 0);
  const positionArray = Float32Array.from(positions);
  const mesh: MeshData = {
    positions: positionArray,
    normals: normalArray,
    uvs: Float32Array.from(uvs),
    faces: Uint8Array.from(faces),
    indices: vertexCount <= 0x10000 ? Uint16Array.from(indices) : Uint32Array.from(indices),
    vertexCount,
    indexCount: indices.length,
    faceCount: Math.max(1, colors.length),
    bounds: computeBounds(positionArray),
  };
  return { lods: Array.from({ length: PRIM_LOD_COUNT }, () => mesh), colors, looks, images, checked };
}
