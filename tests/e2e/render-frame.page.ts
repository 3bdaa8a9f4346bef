/** In-page module for the render bench: frame time of the world renderer with N visible instanced prims. */
import { createInstanceBatch, pushInstance } from '../../web/render/instance-batch';
import { BASIC_SHAPES, basicShapeMeshes } from '../../web/render/local-scene';
import { createTestHeightfield } from '../../web/render/mesh/terrain-mesh';
import { createWorldRenderer } from '../../web/render/world-renderer';

export interface FrameTiming {
  instances: number;
  cull: 'gpu' | 'cpu';
  /** Median and p95 wall time per frame (encode + submit + onSubmittedWorkDone), ms. */
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
}

/** Renders `frames` frames of a scene with `count` prims spread in front of the camera, for each cull mode. */
export async function frameTiming(counts: number[], frames: number): Promise<{ adapter: string; results: FrameTiming[] }> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('bench: render: no WebGPU adapter');
  const device = await adapter.requestDevice();
  const canvas = document.createElement('canvas');
  canvas.width = 1280;
  canvas.height = 720;
  document.body.append(canvas);
  const context = canvas.getContext('webgpu');
  if (!context) throw new Error('bench: render: no WebGPU canvas context');
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({ device, format, alphaMode: 'opaque' });
  const meshes = basicShapeMeshes();
  const terrain = createTestHeightfield(257, 257, 20, 2);
  const results: FrameTiming[] = [];
  for (const count of counts) {
    const batch = createInstanceBatch(count, count);
    const side = Math.ceil(Math.sqrt(count));
    // A square of prims 0.8 m apart, centred ahead of the camera and all inside the view.
    for (let i = 0; i < count; i++) {
      const x = 128 + ((i % side) - side / 2) * 0.8;
      const y = 200 + Math.floor(i / side) * 0.8;
      pushInstance(batch, {
        mesh: i % BASIC_SHAPES.length,
        position: [x, y, 24],
        rotation: [0, 0, 0, 1],
        scale: [0.5, 0.5, 0.5],
        faceColors: [[0.8, 0.3, 0.2, 1]],
      });
    }
    for (const cull of ['gpu', 'cpu'] as const) {
      const renderer = createWorldRenderer(device, context, format, { cull });
      renderer.setMeshes(meshes);
      renderer.setTerrain(terrain);
      renderer.setInstances(batch);
      const camera = {
        eye: [128, 200 - side * 0.5, 24 + side * 0.6] as [number, number, number],
        target: [128, 200 + side * 0.4, 24] as [number, number, number],
        fovY: Math.PI / 2.5,
        far: 4096,
      };
      const times: number[] = [];
      for (let f = 0; f < frames + 2; f++) {
        const t0 = performance.now();
        renderer.render(camera, canvas.width, canvas.height);
        await device.queue.onSubmittedWorkDone();
        if (f >= 2) times.push(performance.now() - t0);
      }
      renderer.destroy();
      times.sort((a, b) => a - b);
      results.push({
        instances: count,
        cull,
        medianMs: times[Math.floor(times.length / 2)] ?? 0,
        p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))] ?? 0,
        minMs: times[0] ?? 0,
        maxMs: times[times.length - 1] ?? 0,
      });
    }
  }
  canvas.remove();
  return { adapter: `${adapter.info.vendor} ${adapter.info.architecture}`, results };
}
