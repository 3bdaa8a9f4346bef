/** The world renderer: sky, terrain and instanced prims, culled per frame and drawn by mesh/LOD slot. */
import primWgsl from '../../shaders/prim.wgsl?raw';
import skyWgsl from '../../shaders/sky.wgsl?raw';
import terrainWgsl from '../../shaders/terrain.wgsl?raw';
import { type MeshData, packMeshes } from '../../shared/geometry/mesh-data';
import { cullLodCpu } from './cull/cpu-cull-lod';
import { DRAW_ARGS_WORDS } from './cull/cull-schema';
import {
  type CullResult,
  createCullParams,
  createDrawLayout,
  DEFAULT_LOD_POLICY,
  type DrawLayout,
  type MeshLodRange,
} from './cull/cull-types';
import { projectionScale } from './cull/frustum';
import { createGpuCullLod, type GpuCullLod } from './cull/gpu-cull-lod';
import type { InstanceBatch } from './instance-batch';
import { lookAt, mat4Invert, multiplyMat4, perspective, type Vec3 } from './math';
import {
  createTerrainPatchGrid,
  generateTerrainPatch,
  type Heightfield,
  TERRAIN_LOD_COUNT,
  type TerrainPatchGrid,
} from './mesh/terrain-mesh';
import { bufferSize, MeshBuffers, uploadable } from './mesh-buffers';
import { FACE_FLOATS, FRAME_BYTES, INSTANCE_FLOATS, TERRAIN_PARAMS_BYTES, withStructs } from './schemas';
import { TextureLayers } from './texture-layers';

/** Patches at or beyond these distances (metres) use LOD 1, 2, 3. */
const TERRAIN_LOD_DISTANCES = [96, 192, 384] as const;
/** Above this many patches only the two coarsest LODs are built (an 8192 m var region has 16384 patches). */
const TERRAIN_FULL_LOD_PATCHES = 256;

/** What the camera does this frame. */
export interface CameraView {
  eye: Vec3;
  target: Vec3;
  /** Vertical field of view in radians. */
  fovY: number;
  near?: number;
  far?: number;
}

/** Lighting and atmosphere. */
export interface Environment {
  sunDir: Vec3;
  sunColor: Vec3;
  ambient: Vec3;
  skyZenith: Vec3;
  skyHorizon: Vec3;
  fogDensity: number;
  /** Water level in metres, or null for none. */
  waterLevel: number | null;
}

export const DEFAULT_ENVIRONMENT: Environment = {
  sunDir: normalize3([-0.35, -0.5, 0.8]),
  sunColor: [0.85, 0.82, 0.75],
  ambient: [0.38, 0.4, 0.45],
  skyZenith: [0.16, 0.38, 0.78],
  skyHorizon: [0.62, 0.75, 0.9],
  fogDensity: 0.0025,
  waterLevel: null,
};

/** How the terrain is textured: the layers of its four textures (-1: none yet) and their height blend. */
export interface TerrainLook {
  layers: readonly [number, number, number, number];
  startHeights: readonly [number, number, number, number];
  heightRanges: readonly [number, number, number, number];
  /** The region's size in metres. */
  regionSize: readonly [number, number];
}

/** Metres one terrain texture repeat covers (SL's RenderTerrainScale). */
const TERRAIN_TEXTURE_METRES = 12;

/** Per-frame figures for the performance overlay and tests. */
export interface FrameStats {
  instances: number;
  /** Visible instances when culled on the CPU; -1 when the GPU culled (the count stays on the GPU). */
  visible: number;
  drawCalls: number;
  /** This frame's view-projection matrix (for name tags projected by the UI). */
  viewProj: Float32Array;
}

/** How the renderer culls: on the GPU with indirect draws (default), or with the CPU reference. */
export interface RendererOptions {
  cull: 'gpu' | 'cpu';
}

const DEPTH_FORMAT: GPUTextureFormat = 'depth24plus';

function normalize3(v: Vec3): Vec3 {
  const l = Math.hypot(v[0], v[1], v[2]) || 1;
  return [v[0] / l, v[1] / l, v[2] / l];
}

/** Grows a buffer to at least `bytes` (power-of-two steps), destroying the old one. */
function ensureBuffer(
  device: GPUDevice,
  current: GPUBuffer | null,
  bytes: number,
  usage: GPUBufferUsageFlags,
  label: string,
): GPUBuffer {
  if (current && current.size >= Math.max(256, bytes)) return current;
  current?.destroy();
  return device.createBuffer({ label, size: bufferSize(bytes), usage });
}

/** The renderer bound to one device and canvas. Every GPU object it makes is released by destroy(). */
export interface WorldRenderer {
  /** Replaces the mesh set: meshes[m][lod]; every mesh has the same LOD count. */
  setMeshes(meshes: readonly (readonly MeshData[])[]): void;
  /** Replaces the terrain mesh (world metres), or removes it. */
  setTerrain(field: Heightfield | null): void;
  /** Replaces the instances drawn from the next frame on. */
  setInstances(batch: InstanceBatch): void;
  /** Re-uploads the records of the current batch after its transforms changed (same instances, same meshes). */
  updateTransforms(batch: InstanceBatch): void;
  /** Re-uploads the face records of the current batch (animated textures changed them; same batch, same layout). */
  updateFaces(batch: InstanceBatch): void;
  /** LOD bias from the adaptive budget: > 1 coarser, < 1 finer. */
  setLodBias(bias: number): void;
  /** Textures the terrain blends (null: its own colours). */
  setTerrainLook(look: TerrainLook | null): void;
  /** The texture layers faces and terrain sample (texture-stream.ts fills them). */
  readonly textures: TextureLayers;
  setEnvironment(env: Environment): void;
  /** Renders one frame to the canvas. */
  render(camera: CameraView, widthPx: number, heightPx: number): FrameStats;
  destroy(): void;
}

/** Creates the renderer for a configured canvas context. */
export function createWorldRenderer(
  device: GPUDevice,
  context: GPUCanvasContext,
  format: GPUTextureFormat,
  options: RendererOptions = { cull: 'gpu' },
): WorldRenderer {
  let env = DEFAULT_ENVIRONMENT;
  const frameBuffer = device.createBuffer({
    label: 'frame',
    size: FRAME_BYTES,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const frameData = new Float32Array(FRAME_BYTES / 4);

  const frameLayout = device.createBindGroupLayout({
    label: 'frame-only',
    entries: [{ binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } }],
  });
  const primLayout = device.createBindGroupLayout({
    label: 'prim',
    entries: [
      { binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
      // The visible-index region of one draw slot: bound per draw at the slot's (256-byte aligned) start.
      { binding: 3, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage', hasDynamicOffset: true } },
      { binding: 4, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'float', viewDimension: '2d-array' } },
      { binding: 5, visibility: GPUShaderStage.FRAGMENT, sampler: { type: 'filtering' } },
    ],
  });
  const terrainLayout = device.createBindGroupLayout({
    label: 'terrain',
    entries: [
      { binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
      { binding: 2, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'float', viewDimension: '2d-array' } },
      { binding: 3, visibility: GPUShaderStage.FRAGMENT, sampler: { type: 'filtering' } },
    ],
  });
  const textures = new TextureLayers(device);
  const sampler = device.createSampler({
    label: 'repeat',
    addressModeU: 'repeat',
    addressModeV: 'repeat',
    magFilter: 'linear',
    minFilter: 'linear',
    mipmapFilter: 'linear',
    maxAnisotropy: 4,
  });
  const terrainParams = device.createBuffer({
    label: 'terrain-params',
    size: TERRAIN_PARAMS_BYTES,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  const writeTerrainLook = (look: TerrainLook | null): void => {
    const data = new ArrayBuffer(TERRAIN_PARAMS_BYTES);
    const ints = new Int32Array(data);
    const floats = new Float32Array(data);
    ints.set(look ? look.layers : [-1, -1, -1, -1], 0);
    floats.set(look ? look.startHeights : [0, 0, 0, 0], 4);
    floats.set(look ? look.heightRanges : [1, 1, 1, 1], 8);
    floats.set(look ? [look.regionSize[0], look.regionSize[1], TERRAIN_TEXTURE_METRES, 1] : [256, 256, 1, 0], 12);
    device.queue.writeBuffer(terrainParams, 0, data);
  };
  writeTerrainLook(null);
  /** The texture layers' version the prim bind group and the terrain bind group were made with. */
  let textureVersion = -1;
  let terrainTextureVersion = -1;
  let terrainGroup: GPUBindGroup | null = null;
  const frameGroup = device.createBindGroup({
    layout: frameLayout,
    entries: [{ binding: 0, resource: { buffer: frameBuffer } }],
  });

  const module = (label: string, code: string) => device.createShaderModule({ label, code: withStructs(code) });
  const skyModule = module('sky', skyWgsl);
  const terrainModule = module('terrain', terrainWgsl);
  const primModule = module('prim', primWgsl);
  const depthStencil = (write: boolean): GPUDepthStencilState => ({
    format: DEPTH_FORMAT,
    depthWriteEnabled: write,
    depthCompare: 'less',
  });

  const skyPipeline = device.createRenderPipeline({
    label: 'sky',
    layout: device.createPipelineLayout({ bindGroupLayouts: [frameLayout] }),
    vertex: { module: skyModule, entryPoint: 'vs' },
    fragment: { module: skyModule, entryPoint: 'fs', targets: [{ format }] },
    // Drawn after the opaque geometry, at the far plane: only the pixels nothing covers are shaded.
    depthStencil: { format: DEPTH_FORMAT, depthWriteEnabled: false, depthCompare: 'less-equal' },
  });
  const terrainPipeline = device.createRenderPipeline({
    label: 'terrain',
    layout: device.createPipelineLayout({ bindGroupLayouts: [terrainLayout] }),
    vertex: {
      module: terrainModule,
      entryPoint: 'vs',
      buffers: [
        { arrayStride: 12, attributes: [{ shaderLocation: 0, offset: 0, format: 'float32x3' }] },
        { arrayStride: 12, attributes: [{ shaderLocation: 1, offset: 0, format: 'float32x3' }] },
      ],
    },
    fragment: { module: terrainModule, entryPoint: 'fs', targets: [{ format }] },
    primitive: { topology: 'triangle-list', cullMode: 'back' },
    depthStencil: depthStencil(true),
  });
  const primPipeline = (blend: boolean): GPURenderPipeline =>
    device.createRenderPipeline({
      label: blend ? 'prim-blend' : 'prim-opaque',
      layout: device.createPipelineLayout({ bindGroupLayouts: [primLayout] }),
      vertex: {
        module: primModule,
        entryPoint: blend ? 'vs_blend' : 'vs_opaque',
        buffers: [
          { arrayStride: 12, attributes: [{ shaderLocation: 0, offset: 0, format: 'float32x3' }] },
          { arrayStride: 12, attributes: [{ shaderLocation: 1, offset: 0, format: 'float32x3' }] },
          { arrayStride: 4, attributes: [{ shaderLocation: 2, offset: 0, format: 'uint32' }] },
          { arrayStride: 8, attributes: [{ shaderLocation: 3, offset: 0, format: 'float32x2' }] },
        ],
      },
      fragment: {
        module: primModule,
        entryPoint: blend ? 'fs_blend' : 'fs_opaque',
        targets: [
          blend
            ? {
                format,
                blend: {
                  color: { srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha', operation: 'add' },
                  alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha', operation: 'add' },
                },
              }
            : { format },
        ],
      },
      primitive: { topology: 'triangle-list', cullMode: 'none' },
      // See-through faces are drawn after every opaque one, tested against depth but not writing it.
      depthStencil: depthStencil(!blend),
    });
  const opaquePipeline = primPipeline(false);
  const blendPipeline = primPipeline(true);

  let depth: GPUTexture | null = null;
  const meshBuffers = new MeshBuffers(device);
  let meshLods: MeshLodRange[][] = [];
  let terrainPositions: GPUBuffer | null = null;
  let terrainNormals: GPUBuffer | null = null;
  let terrainIndex: GPUBuffer | null = null;
  let terrainGrid: TerrainPatchGrid | null = null;
  /** terrainRanges[patch][lod], with lods below terrainMinLod absent. */
  let terrainRanges: { indexCount: number; firstIndex: number; baseVertex: number }[][] = [];
  let terrainMinLod = 0;
  let instanceBuffer: GPUBuffer | null = null;
  let faceBuffer: GPUBuffer | null = null;
  let visibleBuffer: GPUBuffer | null = null;
  /** Instance ids of the see-through instances, farthest first (the blend pass's own visible list). */
  let blendBuffer: GPUBuffer | null = null;
  let blendGroup: GPUBindGroup | null = null;
  let blendIds = new Uint32Array(0);
  let blendOrder = new Float32Array(0);
  let primGroup: GPUBindGroup | null = null;
  let batch: InstanceBatch | null = null;
  let layout: DrawLayout | null = null;
  let cull: CullResult | undefined;
  let gpuCull: GpuCullLod | null = null;
  let lodBias = 1;

  const rebuildLayout = (): void => {
    layout = batch && meshLods.length > 0 ? createDrawLayout(batch.meshIds, batch.count, meshLods, { regionAlign: 64 }) : null;
    cull = undefined;
    if (!layout || !batch || !instanceBuffer || !faceBuffer) return;
    let visible: GPUBuffer;
    if (options.cull === 'gpu') {
      if (!gpuCull || gpuCull.capacity < batch.count) {
        gpuCull?.destroy();
        gpuCull = createGpuCullLod(device, Math.max(64, 2 ** Math.ceil(Math.log2(Math.max(1, batch.count)))), layout);
      } else {
        gpuCull.setLayout(layout);
      }
      gpuCull.writeInstances({ count: batch.count, spheres: batch.spheres, meshIds: batch.meshIds });
      visible = gpuCull.buffers.visible;
    } else {
      visibleBuffer = ensureBuffer(
        device,
        visibleBuffer,
        layout.visibleCapacity * 4,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        'visible',
      );
      visible = visibleBuffer;
    }
    primGroup = device.createBindGroup({
      label: `prim-textures-${textures.version}`,
      layout: primLayout,
      entries: [
        { binding: 0, resource: { buffer: frameBuffer } },
        { binding: 1, resource: { buffer: instanceBuffer } },
        { binding: 2, resource: { buffer: faceBuffer } },
        { binding: 3, resource: { buffer: visible, size: Math.max(1, layout.maxRegion) * 4 } },
        { binding: 4, resource: textures.texture.createView({ dimension: '2d-array' }) },
        { binding: 5, resource: sampler },
      ],
    });
    textureVersion = textures.version;
    blendGroup = null;
    if (batch.seeThroughCount > 0) {
      blendIds = new Uint32Array(batch.seeThroughCount);
      blendOrder = new Float32Array(batch.seeThroughCount);
      blendBuffer = ensureBuffer(
        device,
        blendBuffer,
        blendIds.byteLength,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        'blend-visible',
      );
      blendGroup = device.createBindGroup({
        label: `prim-blend-${textures.version}`,
        layout: primLayout,
        entries: [
          { binding: 0, resource: { buffer: frameBuffer } },
          { binding: 1, resource: { buffer: instanceBuffer } },
          { binding: 2, resource: { buffer: faceBuffer } },
          { binding: 3, resource: { buffer: blendBuffer, size: blendIds.byteLength } },
          { binding: 4, resource: textures.texture.createView({ dimension: '2d-array' }) },
          { binding: 5, resource: sampler },
        ],
      });
    }
  };

  /**
   * The see-through instances, farthest from the eye first (so nearer glass blends over farther glass), written
   * to the blend list; returns how many.
   */
  const sortSeeThrough = (eye: Vec3): number => {
    if (!batch || !blendBuffer) return 0;
    const { spheres, seeThrough } = batch;
    let n = 0;
    for (let i = 0; i < batch.count && n < blendIds.length; i++) {
      if (seeThrough[i] !== 1) continue;
      blendIds[n] = i;
      blendOrder[n] = Math.hypot(
        (spheres[i * 4] ?? 0) - eye[0],
        (spheres[i * 4 + 1] ?? 0) - eye[1],
        (spheres[i * 4 + 2] ?? 0) - eye[2],
      );
      n++;
    }
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => (blendOrder[b] ?? 0) - (blendOrder[a] ?? 0));
    const ids = Uint32Array.from(order, (k) => blendIds[k] ?? 0);
    const distances = Float32Array.from(order, (k) => blendOrder[k] ?? 0);
    blendIds.set(ids);
    blendOrder.set(distances);
    device.queue.writeBuffer(blendBuffer, 0, ids);
    return n;
  };

  const makeTerrainGroup = (): GPUBindGroup =>
    device.createBindGroup({
      label: `terrain-textures-${textures.version}`,
      layout: terrainLayout,
      entries: [
        { binding: 0, resource: { buffer: frameBuffer } },
        { binding: 1, resource: { buffer: terrainParams } },
        { binding: 2, resource: textures.texture.createView({ dimension: '2d-array' }) },
        { binding: 3, resource: sampler },
      ],
    });

  const writeFrame = (camera: CameraView, aspect: number): Float32Array => {
    const proj = perspective(camera.fovY, aspect, camera.near ?? 0.2, camera.far ?? 2048);
    const view = lookAt(camera.eye, camera.target, [0, 0, 1]);
    const viewProj = multiplyMat4(proj, view);
    const f = frameData;
    f.set(viewProj, 0);
    f.set(mat4Invert(viewProj), 16);
    f.set([...camera.eye, env.fogDensity], 32);
    f.set([...env.sunDir, 0], 36);
    f.set([...env.sunColor, 1], 40);
    f.set([...env.ambient, 1], 44);
    f.set([...env.skyZenith, 1], 48);
    f.set([...env.skyHorizon, 1], 52);
    f.set([env.waterLevel ?? 0, env.waterLevel === null ? 0 : 1, 0, 0], 56);
    device.queue.writeBuffer(frameBuffer, 0, f);
    return viewProj;
  };

  return {
    textures,
    setTerrainLook(look) {
      writeTerrainLook(look);
    },
    setMeshes(meshes) {
      // Only the meshes past those sent last time, when the list only grew (mesh-buffers.ts).
      meshBuffers.set(meshes);
      meshLods = meshBuffers.ranges;
      rebuildLayout();
    },
    setTerrain(field) {
      terrainGrid = field ? createTerrainPatchGrid(field) : null;
      terrainRanges = [];
      if (!field || !terrainGrid) return;
      const patches = terrainGrid.patchesX * terrainGrid.patchesY;
      terrainMinLod = patches > TERRAIN_FULL_LOD_PATCHES ? TERRAIN_LOD_COUNT - 2 : 0;
      const meshes: MeshData[][] = [];
      for (let py = 0; py < terrainGrid.patchesY; py++) {
        for (let px = 0; px < terrainGrid.patchesX; px++) {
          const lods: MeshData[] = [];
          for (let lod = terrainMinLod; lod < TERRAIN_LOD_COUNT; lod++) lods.push(generateTerrainPatch(field, px, py, lod));
          meshes.push(lods);
        }
      }
      const packed = packMeshes(meshes);
      terrainRanges = packed.ranges;
      const vertexUsage = GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST;
      terrainPositions = ensureBuffer(device, terrainPositions, packed.positions.byteLength, vertexUsage, 'terrain-positions');
      terrainNormals = ensureBuffer(device, terrainNormals, packed.normals.byteLength, vertexUsage, 'terrain-normals');
      terrainIndex = ensureBuffer(
        device,
        terrainIndex,
        packed.indices.byteLength,
        GPUBufferUsage.INDEX | GPUBufferUsage.COPY_DST,
        'terrain-indices',
      );
      device.queue.writeBuffer(terrainPositions, 0, uploadable(packed.positions));
      device.queue.writeBuffer(terrainNormals, 0, uploadable(packed.normals));
      device.queue.writeBuffer(terrainIndex, 0, uploadable(packed.indices));
    },
    setInstances(next) {
      batch = next;
      instanceBuffer = ensureBuffer(
        device,
        instanceBuffer,
        next.records.byteLength,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        'instances',
      );
      faceBuffer = ensureBuffer(
        device,
        faceBuffer,
        next.faceCount * FACE_FLOATS * 4,
        GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        'faces',
      );
      device.queue.writeBuffer(instanceBuffer, 0, uploadable(next.records.subarray(0, next.count * INSTANCE_FLOATS)));
      device.queue.writeBuffer(faceBuffer, 0, uploadable(next.faces.subarray(0, next.faceCount * FACE_FLOATS)));
      rebuildLayout();
    },
    updateTransforms(next) {
      if (next !== batch || !instanceBuffer) {
        this.setInstances(next);
        return;
      }
      device.queue.writeBuffer(instanceBuffer, 0, uploadable(next.records.subarray(0, next.count * INSTANCE_FLOATS)));
      gpuCull?.writeInstances({ count: next.count, spheres: next.spheres, meshIds: next.meshIds });
    },
    updateFaces(next) {
      if (next !== batch || !faceBuffer) {
        this.setInstances(next);
        return;
      }
      device.queue.writeBuffer(faceBuffer, 0, uploadable(next.faces.subarray(0, next.faceCount * FACE_FLOATS)));
    },
    setLodBias(bias) {
      lodBias = bias;
    },
    setEnvironment(next) {
      env = next;
    },
    render(camera, widthPx, heightPx) {
      const target = context.getCurrentTexture();
      if (!depth || depth.width !== target.width || depth.height !== target.height) {
        depth?.destroy();
        depth = device.createTexture({
          size: [target.width, target.height],
          format: DEPTH_FORMAT,
          usage: GPUTextureUsage.RENDER_ATTACHMENT,
        });
      }
      const viewProj = writeFrame(camera, widthPx / Math.max(1, heightPx));
      // The texture layers grew (a new GPU texture): bind the new one.
      if (textures.version !== textureVersion) {
        rebuildLayout();
        textureVersion = textures.version;
      }
      if (!terrainGroup || terrainTextureVersion !== textures.version) {
        terrainGroup = makeTerrainGroup();
        terrainTextureVersion = textures.version;
      }
      let visible = -1;
      let drawCalls = 0;
      const encoder = device.createCommandEncoder({ label: 'frame' });
      if (layout && batch) {
        const params = createCullParams(
          { viewProj, eye: camera.eye, projScale: projectionScale(camera.fovY, heightPx) },
          DEFAULT_LOD_POLICY,
          lodBias,
          layout.lodCount,
        );
        if (gpuCull) {
          // GPU-driven: the compute pass writes the visible indices and the indirect draw arguments.
          gpuCull.setParams(params, batch.count);
          gpuCull.encode(encoder);
        } else {
          cull = cullLodCpu({ count: batch.count, spheres: batch.spheres, meshIds: batch.meshIds }, layout, params, cull);
          if (visibleBuffer)
            device.queue.writeBuffer(visibleBuffer, 0, uploadable(cull.visible.subarray(0, layout.visibleCapacity)));
          visible = cull.visibleCount;
        }
      }
      const pass = encoder.beginRenderPass({
        colorAttachments: [
          { view: target.createView(), clearValue: { r: 0, g: 0, b: 0, a: 1 }, loadOp: 'clear', storeOp: 'store' },
        ],
        depthStencilAttachment: { view: depth.createView(), depthClearValue: 1, depthLoadOp: 'clear', depthStoreOp: 'store' },
      });
      // Front to back as far as it goes: the opaque prims, then the terrain (its pixels behind them are rejected by
      // depth before shading), then the sky where nothing was drawn, then the see-through faces over all of it.
      const prims = layout && (cull || gpuCull) && primGroup ? layout : null;
      /** Binds the mesh buffers (the terrain binds its own in between the opaque and the see-through prims). */
      const bindMeshes = (): boolean => {
        const { positions, normals, faces, uvs, indices } = meshBuffers;
        if (!positions || !normals || !faces || !uvs || !indices) return false;
        pass.setVertexBuffer(0, positions);
        pass.setVertexBuffer(1, normals);
        pass.setVertexBuffer(2, faces);
        pass.setVertexBuffer(3, uvs);
        pass.setIndexBuffer(indices, 'uint32');
        return true;
      };
      if (prims && primGroup && bindMeshes()) {
        // Opaque pixels first, by the cull pass's draw slots.
        pass.setPipeline(opaquePipeline);
        for (let s = 0; s < prims.slotCount; s++) {
          pass.setBindGroup(0, primGroup, [(prims.slotBase[s] ?? 0) * 4]);
          if (gpuCull) {
            // Empty slots cost an indirect draw of zero instances; the CPU never learns which are empty.
            pass.drawIndexedIndirect(gpuCull.buffers.draws, s * DRAW_ARGS_WORDS * 4);
          } else if (cull) {
            const a = cull.drawArgs;
            const o = s * DRAW_ARGS_WORDS;
            const instances = a[o + 1] ?? 0;
            if (instances === 0) continue;
            pass.drawIndexed(a[o] ?? 0, instances, a[o + 2] ?? 0, a[o + 3] ?? 0, 0);
          }
          drawCalls += 1;
        }
      }
      if (terrainGrid && terrainPositions && terrainNormals && terrainIndex) {
        pass.setPipeline(terrainPipeline);
        pass.setBindGroup(0, terrainGroup);
        pass.setVertexBuffer(0, terrainPositions);
        pass.setVertexBuffer(1, terrainNormals);
        pass.setIndexBuffer(terrainIndex, 'uint32');
        const sph = terrainGrid.spheres;
        for (let p = 0; p < terrainRanges.length; p++) {
          const d = Math.hypot(
            (sph[p * 4] ?? 0) - camera.eye[0],
            (sph[p * 4 + 1] ?? 0) - camera.eye[1],
            (sph[p * 4 + 2] ?? 0) - camera.eye[2],
          );
          const wanted = TERRAIN_LOD_DISTANCES.filter((limit) => d >= limit).length;
          const range = terrainRanges[p]?.[Math.max(0, wanted - terrainMinLod)];
          if (!range) continue;
          pass.drawIndexed(range.indexCount, 1, range.firstIndex, range.baseVertex);
          drawCalls += 1;
        }
      }
      pass.setBindGroup(0, frameGroup);
      pass.setPipeline(skyPipeline);
      pass.draw(3);
      drawCalls += 1;
      if (prims) {
        // Then the see-through faces of the few see-through instances, farthest first, blended over the rest.
        const blended = blendGroup ? sortSeeThrough(camera.eye) : 0;
        if (blendGroup && blended > 0 && batch && bindMeshes()) {
          pass.setPipeline(blendPipeline);
          pass.setBindGroup(0, blendGroup, [0]);
          for (let k = 0; k < blended; k++) {
            const id = blendIds[k] ?? 0;
            const lods = meshLods[batch.meshIds[id] ?? 0];
            if (!lods || lods.length === 0) continue;
            const dist = blendOrder[k] ?? 0;
            const radius = batch.spheres[id * 4 + 3] ?? 1;
            // Finest LOD while the instance is large on screen, coarser with distance (as the cull pass roughly does).
            const lod = Math.min(lods.length - 1, dist < radius * 16 ? 0 : dist < radius * 48 ? 1 : 2);
            const range = lods[lod];
            if (!range || range.indexCount === 0) continue;
            pass.drawIndexed(range.indexCount, 1, range.firstIndex, range.baseVertex, k);
            drawCalls += 1;
          }
        }
      }
      pass.end();
      device.queue.submit([encoder.finish()]);
      return { instances: batch?.count ?? 0, visible, drawCalls, viewProj };
    },
    destroy() {
      for (const b of [
        frameBuffer,
        terrainParams,
        terrainPositions,
        terrainNormals,
        terrainIndex,
        instanceBuffer,
        faceBuffer,
        visibleBuffer,
        blendBuffer,
      ])
        b?.destroy();
      depth?.destroy();
      meshBuffers.destroy();
      textures.destroy();
    },
  };
}
