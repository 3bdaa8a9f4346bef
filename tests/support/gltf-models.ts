/**
 * glTF models for tests, made with @gltf-transform/core (the decoder the viewer uses): a valid box GLB, its
 * container taken apart and put back together (so a test can break one thing and keep the framing right), and the
 * same model as glTF JSON with its buffer in a data: URI. Runs in Node and in workerd.
 */
import { Document, WebIO } from '@gltf-transform/core';

/** A GLB of one box `size` metres a side (indexed, 8 vertices), `copies` nodes drawing it, coloured `color` (linear). */
export async function boxGlb(options: { size?: number; copies?: number; color?: [number, number, number, number] } = {}) {
  const h = (options.size ?? 1) / 2;
  const doc = new Document();
  const buffer = doc.createBuffer();
  const positions = new Float32Array([-h, -h, -h, h, -h, -h, h, h, -h, -h, h, -h, -h, -h, h, h, -h, h, h, h, h, -h, h, h]);
  const indices = new Uint16Array([
    0, 2, 1, 0, 3, 2, 4, 5, 6, 4, 6, 7, 0, 1, 5, 0, 5, 4, 2, 3, 7, 2, 7, 6, 1, 2, 6, 1, 6, 5, 3, 0, 4, 3, 4, 7,
  ]);
  const prim = doc
    .createPrimitive()
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(positions).setBuffer(buffer))
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(indices).setBuffer(buffer))
    .setMaterial(doc.createMaterial().setBaseColorFactor(options.color ?? [0.2, 0.6, 0.2, 1]));
  const mesh = doc.createMesh('box').addPrimitive(prim);
  const scene = doc.createScene();
  for (let i = 0; i < (options.copies ?? 1); i++)
    scene.addChild(
      doc
        .createNode(`box${i}`)
        .setMesh(mesh)
        .setTranslation([i * 2, 0, 0]),
    );
  return new WebIO().writeBinary(doc);
}

/** A GLB's JSON (parsed) and BIN chunk. */
export interface GlbParts {
  json: Record<string, unknown> & {
    buffers?: { byteLength: number; uri?: string }[];
    bufferViews?: { buffer: number; byteOffset?: number; byteLength: number }[];
    accessors?: { bufferView?: number; byteOffset?: number; count: number; componentType: number; type: string }[];
    nodes?: Record<string, unknown>[];
    scenes?: { nodes?: number[] }[];
    images?: Record<string, unknown>[];
    extensionsRequired?: string[];
  };
  bin: Uint8Array;
}

/** Takes a well-formed GLB apart. */
export function glbParts(glb: Uint8Array): GlbParts {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const jsonLength = view.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + jsonLength))) as GlbParts['json'];
  const binAt = 20 + jsonLength;
  const binLength = binAt + 8 <= glb.length ? view.getUint32(binAt, true) : 0;
  return { json, bin: glb.slice(binAt + 8, binAt + 8 + binLength) };
}

/** Puts a GLB together from JSON and BIN, padded and with every length right. */
export function buildGlb(json: unknown, bin: Uint8Array): Uint8Array {
  let text = new TextEncoder().encode(JSON.stringify(json));
  const jsonPad = (4 - (text.length % 4)) % 4;
  text = Uint8Array.from([...text, ...new Array<number>(jsonPad).fill(0x20)]);
  const binPad = (4 - (bin.length % 4)) % 4;
  const binPadded = new Uint8Array(bin.length + binPad);
  binPadded.set(bin);
  const total = 12 + 8 + text.length + (bin.length > 0 ? 8 + binPadded.length : 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, text.length, true);
  view.setUint32(16, 0x4e4f534a, true);
  out.set(text, 20);
  if (bin.length > 0) {
    const at = 20 + text.length;
    view.setUint32(at, binPadded.length, true);
    view.setUint32(at + 4, 0x004e4942, true);
    out.set(binPadded, at + 8);
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The same model as glTF JSON, its one buffer embedded as a base64 data: URI. */
export function gltfJsonOf(glb: Uint8Array): Uint8Array {
  const { json, bin } = glbParts(glb);
  const buffers = (json.buffers ?? []).map((b) => ({ ...b, uri: `data:application/octet-stream;base64,${base64(bin)}` }));
  return new TextEncoder().encode(JSON.stringify({ ...json, buffers }));
}
