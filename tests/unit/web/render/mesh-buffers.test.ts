/** The mesh buffers: a grown mesh list sends only its new meshes, and the GPU ends up holding exactly the full pack. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeshData, packMeshes } from '../../../../shared/geometry/mesh-data';
import { MeshBuffers } from '../../../../web/render/mesh-buffers';

/** A GPUDevice whose buffers hold real bytes: writes, GPU copies, and what was written (bytes per buffer label). */
function memoryDevice() {
  const written = new Map<string, number>();
  let made = 0;
  const makeBuffer = (d: GPUBufferDescriptor) => {
    made++;
    const bytes = new Uint8Array(d.size);
    return { label: d.label ?? '', size: d.size, bytes, destroyed: false, destroy() {} };
  };
  type Fake = ReturnType<typeof makeBuffer>;
  const device = {
    createBuffer: makeBuffer,
    createCommandEncoder: () => ({
      copyBufferToBuffer(src: Fake, so: number, dst: Fake, dO: number, size: number) {
        dst.bytes.set(src.bytes.subarray(so, so + size), dO);
      },
      finish: () => ({}),
    }),
    queue: {
      submit() {},
      writeBuffer(buffer: Fake, offset: number, data: ArrayBufferView) {
        const src = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        buffer.bytes.set(src, offset);
        written.set(buffer.label, (written.get(buffer.label) ?? 0) + src.byteLength);
      },
    },
  };
  return { device: device as unknown as GPUDevice, written, made: () => made };
}

/** The first `length` bytes a fake buffer holds. */
function held(buffer: GPUBuffer | null, length: number): number[] {
  const bytes = (buffer as unknown as { bytes: Uint8Array }).bytes;
  return Array.from(bytes.subarray(0, length));
}

function bytesOf(view: ArrayBufferView): number[] {
  return Array.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
}

/** A mesh of `vertices` vertices and `indices` indices with values drawn from `seed` (the content is arbitrary). */
function mesh(vertices: number, indices: number, seed: number): MeshData {
  const f = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => seed * 1000 + k * 100 + i * 0.5);
  return {
    positions: f(vertices * 3, 1),
    normals: f(vertices * 3, 2),
    uvs: f(vertices * 2, 3),
    faces: Uint8Array.from({ length: vertices }, (_, i) => (seed + i) % 8),
    indices: Uint16Array.from({ length: indices }, (_, i) => (i * 7 + seed) % Math.max(1, vertices)),
    vertexCount: vertices,
    indexCount: indices,
    faceCount: 8,
    bounds: { min: [0, 0, 0], max: [1, 1, 1], center: [0.5, 0.5, 0.5], radius: 1 },
  };
}

const g = globalThis as { GPUBufferUsage?: unknown };
const had = 'GPUBufferUsage' in g;
beforeAll(() => {
  if (!had) g.GPUBufferUsage = { INDEX: 16, VERTEX: 32, COPY_DST: 8, COPY_SRC: 4 };
});
afterAll(() => {
  if (!had) delete g.GPUBufferUsage;
});

/** The buffers hold exactly what packing `meshes` whole gives, with the same ranges. */
function expectFullPack(buffers: MeshBuffers, meshes: MeshData[][]): void {
  const whole = packMeshes(meshes);
  expect(buffers.ranges).toEqual(whole.ranges);
  expect(held(buffers.positions, whole.positions.byteLength)).toEqual(bytesOf(whole.positions));
  expect(held(buffers.normals, whole.normals.byteLength)).toEqual(bytesOf(whole.normals));
  expect(held(buffers.uvs, whole.uvs.byteLength)).toEqual(bytesOf(whole.uvs));
  expect(held(buffers.faces, whole.faces.length * 4)).toEqual(bytesOf(Uint32Array.from(whole.faces)));
  expect(held(buffers.indices, whole.indices.byteLength)).toEqual(bytesOf(whole.indices));
}

describe('mesh buffers', () => {
  it('sends only the meshes a grown list added, placed after the others', () => {
    const { device, written } = memoryDevice();
    const buffers = new MeshBuffers(device);
    const meshes: MeshData[][] = [
      [mesh(24, 36, 1), mesh(8, 12, 2)],
      [mesh(30, 60, 3), mesh(10, 12, 4)],
    ];
    buffers.set(meshes);
    expectFullPack(buffers, meshes);
    const before = written.get('mesh-positions') ?? 0;
    expect(before).toBe((24 + 8 + 30 + 10) * 12);
    meshes.push([mesh(100, 300, 5), mesh(20, 30, 6)]);
    buffers.set(meshes);
    // Only the new mesh's 120 vertices were written, not all 192 again.
    expect((written.get('mesh-positions') ?? 0) - before).toBe(120 * 12);
    expect(buffers.ranges[2]?.[0]).toEqual({ indexCount: 300, firstIndex: 36 + 12 + 60 + 12, baseVertex: 24 + 8 + 30 + 10 });
    expectFullPack(buffers, meshes);
    // The same list, not grown: nothing is sent.
    const now = written.get('mesh-positions');
    buffers.set(meshes);
    expect(written.get('mesh-positions')).toBe(now);
  });

  it('packs another list whole', () => {
    const { device } = memoryDevice();
    const buffers = new MeshBuffers(device);
    buffers.set([[mesh(50, 90, 1)], [mesh(40, 60, 2)]]);
    const other = [[mesh(3, 3, 9)]];
    buffers.set(other);
    expectFullPack(buffers, other);
    expect(buffers.size).toEqual({ vertices: 3, indices: 3 });
  });

  it('any sequence of appends leaves on the GPU exactly the whole pack, growing buffers by copying them', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 900 })), { minLength: 1, maxLength: 4 }),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        (steps) => {
          const { device } = memoryDevice();
          const buffers = new MeshBuffers(device);
          const meshes: MeshData[][] = [];
          let seed = 0;
          for (const added of steps) {
            for (const [v, i] of added) meshes.push([mesh(v, i, ++seed)]);
            buffers.set(meshes);
          }
          expectFullPack(buffers, meshes);
        },
      ),
      { numRuns: 60 },
    );
  });
});
