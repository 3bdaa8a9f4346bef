/**
 * LLMesh decoding on the real simulator's art content (../shared/opensim/StormArt.oar). These tests fail, naming
 * the path, when the archive is missing: they are never skipped.
 */
import { describe, expect, it } from 'vitest';
import { decodeLlmesh, parseLlmeshHeader } from '../../../../shared/assets/llmesh';
import type { MeshData } from '../../../../shared/geometry/mesh-data';
import { oarAsset, readOar, STORM_ART_OAR } from '../../../support/oar';

const mesh = (uuid: string): Uint8Array => oarAsset(STORM_ART_OAR, `assets/${uuid}_mesh.llmesh`);
const triangles = (m: MeshData | undefined): number => (m ? m.indexCount / 3 : -1);

/** Problems of a decoded LOD: positions outside the -0.5..0.5 mesh cube, normals not unit, indices or faces out of range. */
function problems(m: MeshData): string[] {
  const out: string[] = [];
  const eps = 1e-4;
  const p = m.positions.findIndex((c) => !(Math.abs(c) <= 0.5 + eps));
  if (p >= 0) out.push(`position component ${p} is ${m.positions[p]}`);
  for (let v = 0; v < m.vertexCount; v++) {
    const len = Math.hypot(m.normals[v * 3] ?? 0, m.normals[v * 3 + 1] ?? 0, m.normals[v * 3 + 2] ?? 0);
    if (Math.abs(len - 1) > 1e-5) out.push(`normal ${v} has length ${len}`);
    if ((m.faces[v] ?? 255) >= m.faceCount) out.push(`vertex ${v} has face ${m.faces[v]}`);
  }
  const i = m.indices.findIndex((k) => k >= m.vertexCount);
  if (i >= 0) out.push(`index ${i} is ${m.indices[i]}`);
  if (!m.uvs.every(Number.isFinite)) out.push('a uv is not finite');
  return out.slice(0, 5);
}

/** Cosines between each triangle's geometric normal and its vertices' normals: the smallest and the mean. */
function normalAgreement(m: MeshData): { worst: number; mean: number } {
  let worst = 1;
  let sum = 0;
  const p = m.positions;
  for (let t = 0; t < m.indexCount; t += 3) {
    const [a, b, c] = [m.indices[t] ?? 0, m.indices[t + 1] ?? 0, m.indices[t + 2] ?? 0];
    const u = [0, 1, 2].map((k) => (p[b * 3 + k] ?? 0) - (p[a * 3 + k] ?? 0));
    const w = [0, 1, 2].map((k) => (p[c * 3 + k] ?? 0) - (p[a * 3 + k] ?? 0));
    const n = [
      (u[1] ?? 0) * (w[2] ?? 0) - (u[2] ?? 0) * (w[1] ?? 0),
      (u[2] ?? 0) * (w[0] ?? 0) - (u[0] ?? 0) * (w[2] ?? 0),
      (u[0] ?? 0) * (w[1] ?? 0) - (u[1] ?? 0) * (w[0] ?? 0),
    ];
    const len = Math.hypot(n[0] ?? 0, n[1] ?? 0, n[2] ?? 0);
    for (const v of [a, b, c]) {
      const dot = [0, 1, 2].reduce((s, k) => s + (n[k] ?? 0) * (m.normals[v * 3 + k] ?? 0), 0) / len;
      worst = Math.min(worst, dot);
      sum += dot;
    }
  }
  return { worst, mean: sum / m.indexCount };
}

describe('real meshes from StormArt.oar', () => {
  it('a missing archive fails with a message saying where it was expected', () => {
    expect(() => readOar('/nonexistent/StormArt.oar')).toThrow(/\/nonexistent\/StormArt\.oar is missing/);
  });

  it('the gem has 1 submesh and 4 LODs of 48 / 32 / 24 / 16 triangles', async () => {
    const bytes = mesh('20009cd8-5313-4566-b91a-479fad4d36dc');
    expect(Object.keys(parseLlmeshHeader(bytes).lods)).toEqual(['high', 'medium', 'low', 'lowest']);
    const d = await decodeLlmesh(bytes);
    expect(d.submeshes).toBe(1);
    expect(d.sources).toEqual(['high', 'medium', 'low', 'lowest']);
    expect(d.lods.map(triangles)).toEqual([48, 32, 24, 16]);
    // Flat-shaded and wound counter-clockwise: every vertex normal is its triangle's normal.
    for (const m of d.lods) expect(normalAgreement(m).worst).toBeGreaterThan(0.99);
    for (const m of d.lods) expect(problems(m)).toEqual([]);
  });

  it('the house has 2 submeshes, only high (452 triangles) and medium (52), and low and lowest fall back to medium', async () => {
    const d = await decodeLlmesh(mesh('55a97283-cfcf-43fe-98c6-b009f4332a46'));
    expect(d.submeshes).toBe(2);
    expect(d.sources).toEqual(['high', 'medium', 'medium', 'medium']);
    expect(d.lods.map(triangles)).toEqual([452, 52, 52, 52]);
    expect(d.lods[2]).toBe(d.lods[1]);
    const high = d.lods[0];
    if (!high) throw new Error('no high LOD');
    expect(high.faceCount).toBe(2);
    expect(new Set(high.faces)).toEqual(new Set([0, 1]));
    for (const m of d.lods) expect(problems(m)).toEqual([]);
  });

  it('the blob has 4992 / 1216 / 288 / 64 triangles and 2665 vertices at high', async () => {
    const d = await decodeLlmesh(mesh('430457ac-0d21-43b3-88bc-9603e74104fd'));
    expect(d.submeshes).toBe(1);
    expect(d.lods.map(triangles)).toEqual([4992, 1216, 288, 64]);
    expect(d.lods[0]?.vertexCount).toBe(2665);
    // Smooth normals: mostly on the front side of the triangles around them.
    for (const m of d.lods) expect(normalAgreement(m).mean).toBeGreaterThan(0.8);
    for (const m of d.lods) expect(problems(m)).toEqual([]);
  });
});
