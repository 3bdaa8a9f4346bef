/** Shared mesh assertions: indices, degeneracy, normals, faces, and whether the surface is closed. */
import type { MeshData } from '../../../../shared/geometry/mesh-data';

/** Problems with a mesh's basic validity (empty when fine). */
export function basicProblems(m: MeshData): string[] {
  const out: string[] = [];
  if (m.indexCount % 3 !== 0) out.push(`index count ${m.indexCount} is not a multiple of 3`);
  if (m.indices.length !== m.indexCount) out.push('indices length differs from indexCount');
  if (m.positions.length !== m.vertexCount * 3 || m.normals.length !== m.vertexCount * 3 || m.faces.length !== m.vertexCount) {
    out.push('attribute lengths differ from vertexCount');
  }
  for (let i = 0; i < m.indexCount; i++) {
    if ((m.indices[i] ?? -1) >= m.vertexCount) {
      out.push(`index ${i} = ${m.indices[i]} out of range`);
      break;
    }
  }
  const p = m.positions;
  for (let t = 0; t < m.indexCount / 3; t++) {
    const [a, b, c] = [m.indices[t * 3] ?? 0, m.indices[t * 3 + 1] ?? 0, m.indices[t * 3 + 2] ?? 0];
    const u = [0, 1, 2].map((k) => (p[b * 3 + k] ?? 0) - (p[a * 3 + k] ?? 0));
    const v = [0, 1, 2].map((k) => (p[c * 3 + k] ?? 0) - (p[a * 3 + k] ?? 0));
    const [ux, uy, uz] = u as [number, number, number];
    const [vx, vy, vz] = v as [number, number, number];
    const area = Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx) / 2;
    if (!(area > 1e-11)) {
      out.push(`triangle ${t} is degenerate (area ${area})`);
      break;
    }
  }
  for (let v = 0; v < m.vertexCount; v++) {
    const len = Math.hypot(m.normals[v * 3] ?? 0, m.normals[v * 3 + 1] ?? 0, m.normals[v * 3 + 2] ?? 0);
    if (Math.abs(len - 1) > 1e-5) {
      out.push(`normal ${v} has length ${len}`);
      break;
    }
    if ((m.faces[v] ?? 255) >= m.faceCount) {
      out.push(`vertex ${v} has face ${m.faces[v]} >= faceCount ${m.faceCount}`);
      break;
    }
  }
  const seen = new Set(m.faces);
  for (let f = 0; f < m.faceCount; f++) if (!seen.has(f)) out.push(`face ${f} has no vertices`);
  return out;
}

/** Welds vertices by position and returns the directed-edge problems: a closed, consistently wound surface has none. */
export function openEdges(m: MeshData): string[] {
  const ids = new Map<string, number>();
  const weld = new Uint32Array(m.vertexCount);
  for (let v = 0; v < m.vertexCount; v++) {
    const key = [0, 1, 2].map((k) => Math.round((m.positions[v * 3 + k] ?? 0) * 1e4)).join(',');
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    weld[v] = id;
  }
  const edges = new Map<string, number>();
  for (let t = 0; t < m.indexCount / 3; t++) {
    for (let k = 0; k < 3; k++) {
      const a = weld[m.indices[t * 3 + k] ?? 0] ?? 0;
      const b = weld[m.indices[t * 3 + ((k + 1) % 3)] ?? 0] ?? 0;
      if (a === b) continue;
      const key = `${a}>${b}`;
      edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  const problems: string[] = [];
  for (const [key, count] of edges) {
    const [a, b] = key.split('>');
    const back = edges.get(`${b}>${a}`) ?? 0;
    if (count !== back) problems.push(`edge ${key} used ${count}× forward, ${back}× back`);
  }
  return problems;
}

/** Signed volume of the (closed) mesh: positive when the triangles face outward. */
export function signedVolume(m: MeshData): number {
  let vol = 0;
  const p = m.positions;
  for (let t = 0; t < m.indexCount / 3; t++) {
    const [a, b, c] = [m.indices[t * 3] ?? 0, m.indices[t * 3 + 1] ?? 0, m.indices[t * 3 + 2] ?? 0];
    const ax = p[a * 3] ?? 0,
      ay = p[a * 3 + 1] ?? 0,
      az = p[a * 3 + 2] ?? 0;
    const bx = p[b * 3] ?? 0,
      by = p[b * 3 + 1] ?? 0,
      bz = p[b * 3 + 2] ?? 0;
    const cx = p[c * 3] ?? 0,
      cy = p[c * 3 + 1] ?? 0,
      cz = p[c * 3 + 2] ?? 0;
    vol += (ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)) / 6;
  }
  return vol;
}
