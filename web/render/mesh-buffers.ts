/**
 * The prim/sculpt/mesh geometry on the GPU: every mesh's LODs packed into one set of vertex and index buffers (so
 * one instanced draw per LOD slot can use any of them). The extractor's mesh list only grows while a world loads (a
 * new prim shape, sculpt map or mesh asset is appended, none is replaced), so when the list given is the one given
 * last time, grown, only the new meshes are packed and written after the others; the buffers grow by doubling,
 * copying what they hold on the GPU. Any other list is packed whole. Before, every new shape re-packed and re-sent
 * all of them: a region whose shapes arrive a few at a time paid for its whole geometry again each time.
 */
import { type MeshData, packMeshes } from '../../shared/geometry/mesh-data';
import type { MeshLodRange } from './cull/cull-types';

/** The buffers: four vertex attributes and the indices. */
type StreamName = 'positions' | 'normals' | 'faces' | 'uvs' | 'indices';
const STREAMS: readonly StreamName[] = ['positions', 'normals', 'faces', 'uvs', 'indices'];
/** Bytes per element of each. */
const BYTES_PER: Record<StreamName, number> = { positions: 12, normals: 12, faces: 4, uvs: 8, indices: 4 };
/** The size of a GPU buffer made to hold `bytes`: a power of two, at least 256 (so growing one is rare). */
export function bufferSize(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(256, bytes)));
}

/** A typed array's bytes as an ArrayBuffer-backed view (writeBuffer takes no SharedArrayBuffer). */
export function uploadable(view: Float32Array | Uint32Array | Uint16Array): ArrayBufferView<ArrayBuffer> {
  if (view.buffer instanceof ArrayBuffer) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

export class MeshBuffers {
  /** Where each mesh's LODs lie: ranges[mesh][lod]. */
  ranges: MeshLodRange[][] = [];
  private readonly buffers: Record<StreamName, GPUBuffer | null> = {
    positions: null,
    normals: null,
    faces: null,
    uvs: null,
    indices: null,
  };
  /** The list uploaded last and how many of its meshes are on the GPU. */
  private source: readonly (readonly MeshData[])[] | null = null;
  private packed = 0;
  private vertices = 0;
  private indexCount = 0;

  constructor(private readonly device: GPUDevice) {}

  get positions(): GPUBuffer | null {
    return this.buffers.positions;
  }
  get normals(): GPUBuffer | null {
    return this.buffers.normals;
  }
  get faces(): GPUBuffer | null {
    return this.buffers.faces;
  }
  get uvs(): GPUBuffer | null {
    return this.buffers.uvs;
  }
  get indices(): GPUBuffer | null {
    return this.buffers.indices;
  }

  /** Vertices and indices held. */
  get size(): { vertices: number; indices: number } {
    return { vertices: this.vertices, indices: this.indexCount };
  }

  /**
   * Puts `meshes` (meshes[m][lod]) on the GPU: the meshes past the ones sent last time when `meshes` is the same list,
   * grown; else all of them. The list's existing entries must not have been replaced (the extractor only appends).
   */
  set(meshes: readonly (readonly MeshData[])[]): void {
    const grown = meshes === this.source && meshes.length >= this.packed;
    if (!grown) {
      this.ranges = [];
      this.packed = 0;
      this.vertices = 0;
      this.indexCount = 0;
    }
    this.source = meshes;
    if (grown && meshes.length === this.packed) return;
    const fresh = packMeshes(meshes.slice(this.packed));
    const baseVertex = this.vertices;
    const firstIndex = this.indexCount;
    const vertices = baseVertex + fresh.faces.length;
    const indices = firstIndex + fresh.indices.length;
    this.append('positions', baseVertex, vertices, fresh.positions);
    this.append('normals', baseVertex, vertices, fresh.normals);
    this.append('faces', baseVertex, vertices, Uint32Array.from(fresh.faces));
    this.append('uvs', baseVertex, vertices, fresh.uvs);
    this.append('indices', firstIndex, indices, fresh.indices);
    for (const row of fresh.ranges)
      this.ranges.push(
        row.map((r) => ({
          indexCount: r.indexCount,
          firstIndex: r.firstIndex + firstIndex,
          baseVertex: r.baseVertex + baseVertex,
        })),
      );
    this.vertices = vertices;
    this.indexCount = indices;
    this.packed = meshes.length;
  }

  destroy(): void {
    for (const name of STREAMS) {
      this.buffers[name]?.destroy();
      this.buffers[name] = null;
    }
    this.source = null;
    this.ranges = [];
    this.packed = 0;
    this.vertices = 0;
    this.indexCount = 0;
  }

  /**
   * Writes `data` into buffer `name` after its first `at` elements, the buffer made to hold `count` in all first
   * (a larger one, with those `at` elements copied on the GPU, when it is too small).
   */
  private append(name: StreamName, at: number, count: number, data: Float32Array | Uint32Array | Uint16Array): void {
    const bytesPer = BYTES_PER[name];
    let buffer = this.buffers[name];
    if (!buffer || buffer.size < count * bytesPer) {
      const usage =
        (name === 'indices' ? GPUBufferUsage.INDEX : GPUBufferUsage.VERTEX) | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
      const next = this.device.createBuffer({ label: `mesh-${name}`, size: bufferSize(count * bytesPer), usage });
      if (buffer && at > 0) {
        const encoder = this.device.createCommandEncoder({ label: `mesh-${name}-grow` });
        encoder.copyBufferToBuffer(buffer, 0, next, 0, at * bytesPer);
        this.device.queue.submit([encoder.finish()]);
      }
      // Destroyed once the work already submitted with it (the copy, earlier frames) is done.
      buffer?.destroy();
      this.buffers[name] = next;
      buffer = next;
    }
    this.device.queue.writeBuffer(buffer, at * bytesPer, uploadable(data));
  }
}
