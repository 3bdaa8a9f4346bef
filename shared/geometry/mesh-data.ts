/** Mesh data as the renderer uploads it, a growable builder that computes smooth-per-face normals, and packing. */

/**
 * A triangle mesh in typed arrays. Vertex i: positions[3i..3i+3], normals[3i..3i+3], uvs[2i..2i+2] (texture
 * coordinates before the face's repeats/offset/rotation, SL convention: v = 0 at the bottom of the image),
 * faces[i] (the face it belongs to: its colour and material).
 */
export interface MeshData {
  positions: Float32Array;
  normals: Float32Array;
  uvs: Float32Array;
  /** Face index per vertex (Second Life numbering for prims: see prim-mesh.ts). */
  faces: Uint8Array;
  /** Uint16Array when every index fits, else Uint32Array. */
  indices: Uint16Array | Uint32Array;
  vertexCount: number;
  indexCount: number;
  /** Number of face indices the shape has (faces[i] < faceCount). */
  faceCount: number;
  /** Axis-aligned bounds and a bounding sphere around their centre, in mesh units. */
  bounds: { min: [number, number, number]; max: [number, number, number]; center: [number, number, number]; radius: number };
}

/** Triangles smaller than this (twice the area) are dropped: collapsed edges at poles, tapers to a point. */
const MIN_DOUBLE_AREA = 1e-10;

/** Builds a mesh group by group; each group is smooth inside and sharp at its border. */
export class MeshBuilder {
  private pos = new Float32Array(1024);
  private nrm = new Float32Array(1024);
  private uv = new Float32Array(684);
  private face = new Uint8Array(342);
  private idx = new Uint32Array(1024);
  private vcount = 0;
  private icount = 0;
  private groupStart = 0;
  private groupIndexStart = 0;

  get vertexCount(): number {
    return this.vcount;
  }

  /** Adds a vertex (texture coordinates u, v) and returns its index. */
  vertex(x: number, y: number, z: number, face: number, u = 0, v = 0): number {
    if (this.vcount * 3 + 3 > this.pos.length) {
      const grow = (a: Float32Array<ArrayBuffer>): Float32Array<ArrayBuffer> => {
        const b = new Float32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.pos = grow(this.pos);
      this.nrm = grow(this.nrm);
      const uv = new Float32Array((this.pos.length / 3 + 1) * 2);
      uv.set(this.uv);
      this.uv = uv;
      const f = new Uint8Array(this.face.length * 2 + 3);
      f.set(this.face);
      this.face = f;
    }
    const i = this.vcount++;
    this.pos[i * 3] = x;
    this.pos[i * 3 + 1] = y;
    this.pos[i * 3 + 2] = z;
    this.uv[i * 2] = u;
    this.uv[i * 2 + 1] = v;
    this.face[i] = face;
    return i;
  }

  /** Adds triangle (a, b, c), counter-clockwise seen from the front, unless it is degenerate. */
  triangle(a: number, b: number, c: number): void {
    const p = this.pos;
    const ux = (p[b * 3] ?? 0) - (p[a * 3] ?? 0);
    const uy = (p[b * 3 + 1] ?? 0) - (p[a * 3 + 1] ?? 0);
    const uz = (p[b * 3 + 2] ?? 0) - (p[a * 3 + 2] ?? 0);
    const vx = (p[c * 3] ?? 0) - (p[a * 3] ?? 0);
    const vy = (p[c * 3 + 1] ?? 0) - (p[a * 3 + 1] ?? 0);
    const vz = (p[c * 3 + 2] ?? 0) - (p[a * 3 + 2] ?? 0);
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    if (Math.hypot(nx, ny, nz) < MIN_DOUBLE_AREA) return;
    if (this.icount + 3 > this.idx.length) {
      const b2 = new Uint32Array(this.idx.length * 2);
      b2.set(this.idx);
      this.idx = b2;
    }
    this.idx[this.icount++] = a;
    this.idx[this.icount++] = b;
    this.idx[this.icount++] = c;
    // Area-weighted normals: the cross product's length is twice the area.
    this.addNormal(a, nx, ny, nz);
    this.addNormal(b, nx, ny, nz);
    this.addNormal(c, nx, ny, nz);
  }

  private addNormal(v: number, nx: number, ny: number, nz: number): void {
    this.nrm[v * 3] = (this.nrm[v * 3] ?? 0) + nx;
    this.nrm[v * 3 + 1] = (this.nrm[v * 3 + 1] ?? 0) + ny;
    this.nrm[v * 3 + 2] = (this.nrm[v * 3 + 2] ?? 0) + nz;
  }

  /** A map key for the vertex's position rounded to 1e-4 (a number when it fits in 48 bits, else a string). */
  private positionKey(v: number): number | string {
    const qx = Math.round((this.pos[v * 3] ?? 0) * 1e4);
    const qy = Math.round((this.pos[v * 3 + 1] ?? 0) * 1e4);
    const qz = Math.round((this.pos[v * 3 + 2] ?? 0) * 1e4);
    const r = 32768;
    if (qx > -r && qx < r && qy > -r && qy < r && qz > -r && qz < r) return (qx + r) * 4294967296 + (qy + r) * 65536 + (qz + r);
    return `${qx},${qy},${qz}`;
  }

  /** Adds quad a-b-c-d (counter-clockwise) as two triangles. */
  quad(a: number, b: number, c: number, d: number): void {
    this.triangle(a, b, c);
    this.triangle(a, c, d);
  }

  /**
   * Closes the current smoothing group: vertices of the group at the same position (seams, poles) share one normal,
   * the sum of their triangles' normals.
   */
  endGroup(): void {
    const start = this.groupStart;
    const end = this.vcount;
    const sums = new Map<number | string, number>();
    const acc: number[] = [];
    const keys: number[] = [];
    for (let v = start; v < end; v++) {
      const key = this.positionKey(v);
      let slot = sums.get(key);
      if (slot === undefined) {
        slot = acc.length / 3;
        sums.set(key, slot);
        acc.push(0, 0, 0);
      }
      keys.push(slot);
      acc[slot * 3] = (acc[slot * 3] ?? 0) + (this.nrm[v * 3] ?? 0);
      acc[slot * 3 + 1] = (acc[slot * 3 + 1] ?? 0) + (this.nrm[v * 3 + 1] ?? 0);
      acc[slot * 3 + 2] = (acc[slot * 3 + 2] ?? 0) + (this.nrm[v * 3 + 2] ?? 0);
    }
    for (let v = start; v < end; v++) {
      const slot = keys[v - start] ?? 0;
      let x = acc[slot * 3] ?? 0;
      let y = acc[slot * 3 + 1] ?? 0;
      let z = acc[slot * 3 + 2] ?? 0;
      if (Math.hypot(x, y, z) < 1e-20) {
        // Opposite sheets cancelled out: fall back to the vertex's own triangles.
        x = this.nrm[v * 3] ?? 0;
        y = this.nrm[v * 3 + 1] ?? 0;
        z = this.nrm[v * 3 + 2] ?? 0;
      }
      putUnitNormal(this.nrm, v * 3, x, y, z);
    }
    this.groupStart = end;
    this.groupIndexStart = this.icount;
  }

  /** True when the current group has produced at least one triangle so far. */
  groupHasTriangles(): boolean {
    return this.icount > this.groupIndexStart;
  }

  /** Drops unreferenced vertices, picks the index width and computes bounds. */
  finish(faceCount: number): MeshData {
    if (this.groupStart !== this.vcount) this.endGroup();
    const remap = new Int32Array(this.vcount).fill(-1);
    let n = 0;
    for (let i = 0; i < this.icount; i++) {
      const v = this.idx[i] ?? 0;
      if (remap[v] === -1) remap[v] = n++;
    }
    const positions = new Float32Array(n * 3);
    const normals = new Float32Array(n * 3);
    const uvs = new Float32Array(n * 2);
    const faces = new Uint8Array(n);
    for (let v = 0; v < this.vcount; v++) {
      const to = remap[v] ?? -1;
      if (to < 0) continue;
      for (let k = 0; k < 3; k++) {
        positions[to * 3 + k] = this.pos[v * 3 + k] ?? 0;
        normals[to * 3 + k] = this.nrm[v * 3 + k] ?? 0;
      }
      uvs[to * 2] = this.uv[v * 2] ?? 0;
      uvs[to * 2 + 1] = this.uv[v * 2 + 1] ?? 0;
      faces[to] = this.face[v] ?? 0;
    }
    const indices = n <= 0xffff ? new Uint16Array(this.icount) : new Uint32Array(this.icount);
    for (let i = 0; i < this.icount; i++) indices[i] = remap[this.idx[i] ?? 0] ?? 0;
    return {
      positions,
      normals,
      uvs,
      faces,
      indices,
      vertexCount: n,
      indexCount: this.icount,
      faceCount,
      bounds: computeBounds(positions),
    };
  }
}

/** Writes (x, y, z) scaled to unit length at `out[at..at+3]`; a zero vector becomes +z. */
export function putUnitNormal(out: Float32Array, at: number, x: number, y: number, z: number): void {
  const len = Math.hypot(x, y, z);
  if (len < 1e-20) {
    out[at] = 0;
    out[at + 1] = 0;
    out[at + 2] = 1;
    return;
  }
  out[at] = x / len;
  out[at + 1] = y / len;
  out[at + 2] = z / len;
}

/** Axis-aligned bounds of xyz triples and the sphere around their centre that holds them all. */
export function computeBounds(positions: Float32Array): MeshData['bounds'] {
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  const n = positions.length / 3;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const c = positions[i * 3 + k] ?? 0;
      if (c < (lo[k] ?? 0)) lo[k] = c;
      if (c > (hi[k] ?? 0)) hi[k] = c;
    }
  }
  const min: [number, number, number] = [lo[0] ?? 0, lo[1] ?? 0, lo[2] ?? 0];
  const max: [number, number, number] = [hi[0] ?? 0, hi[1] ?? 0, hi[2] ?? 0];
  if (n === 0) return { min: [0, 0, 0], max: [0, 0, 0], center: [0, 0, 0], radius: 0 };
  const center: [number, number, number] = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    const dx = (positions[i * 3] ?? 0) - center[0];
    const dy = (positions[i * 3 + 1] ?? 0) - center[1];
    const dz = (positions[i * 3 + 2] ?? 0) - center[2];
    r2 = Math.max(r2, dx * dx + dy * dy + dz * dz);
  }
  return { min, max, center, radius: Math.sqrt(r2) };
}

/** Several meshes (each with its LODs) in one vertex and one index buffer, with the ranges the cull pass draws. */
export interface PackedMeshes {
  positions: Float32Array;
  normals: Float32Array;
  uvs: Float32Array;
  faces: Uint8Array;
  indices: Uint32Array;
  /** ranges[mesh][lod]: where that LOD lives (baseVertex is added to every index by drawIndexed). */
  ranges: { indexCount: number; firstIndex: number; baseVertex: number }[][];
}

/** Packs `meshes[mesh][lod]` into shared buffers (indices stay relative to each LOD's baseVertex). */
export function packMeshes(meshes: readonly (readonly MeshData[])[]): PackedMeshes {
  let vertices = 0;
  let indexTotal = 0;
  for (const lods of meshes) {
    for (const m of lods) {
      vertices += m.vertexCount;
      indexTotal += m.indexCount;
    }
  }
  const positions = new Float32Array(vertices * 3);
  const normals = new Float32Array(vertices * 3);
  const uvs = new Float32Array(vertices * 2);
  const faces = new Uint8Array(vertices);
  const indices = new Uint32Array(indexTotal);
  const ranges: PackedMeshes['ranges'] = [];
  let v = 0;
  let i = 0;
  for (const lods of meshes) {
    const row: PackedMeshes['ranges'][number] = [];
    for (const m of lods) {
      positions.set(m.positions, v * 3);
      normals.set(m.normals, v * 3);
      uvs.set(m.uvs, v * 2);
      faces.set(m.faces, v);
      indices.set(m.indices, i);
      row.push({ indexCount: m.indexCount, firstIndex: i, baseVertex: v });
      v += m.vertexCount;
      i += m.indexCount;
    }
    ranges.push(row);
  }
  return { positions, normals, uvs, faces, indices, ranges };
}
