/** A test-side LLMesh writer: submeshes to binary LLSD, deflated with node:zlib, behind a header. */
import { deflateSync } from 'node:zlib';
import { encodeLlsdBinary, type LlsdMap, type LlsdValue } from '../../../../shared/assets/llsd-binary';

/** One submesh as plain numbers: positions within `domain`, uvs within `uvDomain`, normals any length. */
export interface TestSubmesh {
  positions: number[];
  triangles: number[];
  normals?: number[];
  uvs?: number[];
  domain?: { min: [number, number, number]; max: [number, number, number] };
  uvDomain?: { min: [number, number]; max: [number, number] };
}

function u16le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(i * 2, v, true);
  });
  return out;
}

const quantize = (v: number, lo: number, hi: number): number =>
  Math.min(65535, Math.max(0, Math.round(((v - lo) / (hi - lo || 1)) * 65535)));

/** The LLSD map of a submesh, quantised the way SL's uploader does. */
export function submeshLlsd(s: TestSubmesh): LlsdMap {
  const min = s.domain?.min ?? [-0.5, -0.5, -0.5];
  const max = s.domain?.max ?? [0.5, 0.5, 0.5];
  const m: LlsdMap = new Map<string, LlsdValue>();
  m.set('Position', u16le(s.positions.map((v, i) => quantize(v, min[i % 3] ?? 0, max[i % 3] ?? 0))));
  m.set('TriangleList', u16le(s.triangles));
  if (s.domain) {
    m.set(
      'PositionDomain',
      new Map<string, LlsdValue>([
        ['Min', [...min]],
        ['Max', [...max]],
      ]),
    );
  }
  if (s.normals) m.set('Normal', u16le(s.normals.map((v) => quantize(v, -1, 1))));
  if (s.uvs) {
    const umin = s.uvDomain?.min ?? [0, 0];
    const umax = s.uvDomain?.max ?? [1, 1];
    m.set('TexCoord0', u16le(s.uvs.map((v, i) => quantize(v, umin[i % 2] ?? 0, umax[i % 2] ?? 0))));
    if (s.uvDomain) {
      m.set(
        'TexCoord0Domain',
        new Map<string, LlsdValue>([
          ['Min', [...umin]],
          ['Max', [...umax]],
        ]),
      );
    }
  }
  return m;
}

/** The `{NoGeometry: true}` submesh of a face without triangles. */
export const NO_GEOMETRY: LlsdMap = new Map([['NoGeometry', true]]);

/** A LOD block: the submesh array as binary LLSD, zlib-deflated. */
export function lodBlock(submeshes: LlsdValue[]): Uint8Array {
  return new Uint8Array(deflateSync(encodeLlsdBinary(submeshes)));
}

/** A whole asset: a header listing the blocks (by header key, e.g. `high_lod`) and the blocks after it, in order. */
export function llmeshAsset(blocks: Record<string, Uint8Array>, extraHeader: [string, LlsdValue][] = []): Uint8Array {
  const header: LlsdMap = new Map<string, LlsdValue>([['version', 1], ...extraHeader]);
  let offset = 0;
  for (const [key, bytes] of Object.entries(blocks)) {
    header.set(
      key,
      new Map<string, LlsdValue>([
        ['offset', offset],
        ['size', bytes.length],
      ]),
    );
    offset += bytes.length;
  }
  const head = encodeLlsdBinary(header);
  const out = new Uint8Array(head.length + offset);
  out.set(head);
  let at = head.length;
  for (const bytes of Object.values(blocks)) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** One triangle in the z = 0 plane, counter-clockwise seen from +z. */
export const TRIANGLE: TestSubmesh = { positions: [-0.5, -0.5, 0, 0.5, -0.5, 0, 0, 0.5, 0], triangles: [0, 1, 2] };
