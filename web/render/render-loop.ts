/** The render worker's loop: acquires the GPU, recovers from device loss, feeds the renderer a scene and a camera. */

import { createDecodePool, type DecodePool } from '../assets/decode-pool';
import type { TerrainTextures } from '../scene/heightfield';
import { type AssetStreams, createAssetStreams } from './asset-streams';
import {
  applyCameraShot,
  type CameraIntent,
  type CameraShotBase,
  type CameraState,
  cameraView,
  createCameraState,
  resetCameraShot,
  updateCamera,
} from './camera';
import { createLodBudget, updateLodBudget } from './cull/lod-budget';
import { FrameTimer, WorkTimer } from './frame-stats';
import { acquireGpu } from './gpu-context';
import { type LocalScene, previewScene, testScene } from './local-scene';
import { createModelStream, type ModelStream } from './model-stream';
import { createModelTextures, type ModelTextures } from './model-textures';
import { RenderPlan } from './render-plan';
import type { AssetSource, AssetStats, RenderCommand, RenderEvent, RenderStats } from './render-protocol';
import { createRenderScale, type RenderScale, scaledCanvasSize, setRenderScaleMode, updateRenderScale } from './render-scale';
import { WorldExtractor } from './world-extract';
import { createWorldRenderer, DEFAULT_ENVIRONMENT, type WorldRenderer } from './world-renderer';

function assetStats(s: AssetStreams): AssetStats {
  const t = s.textures.stats();
  const g = s.geometry.stats();
  const store = s.store.stats();
  return {
    texturesResident: t.resident,
    texturesLoading: t.loading + t.queued,
    texturesWaiting: t.waiting,
    texturesFailed: t.failed,
    textureLayers: t.layers,
    gpuTextureBytes: t.gpuBytes,
    geometryReady: g.ready,
    geometryLoading: g.loading + g.queued,
    geometryFailed: g.failed,
    bytesFromNetwork: store.bytesFromNetwork,
    bytesFromCache: store.bytesFromCache,
  };
}

function modelStats(m: ModelStream, t: ModelTextures | null): NonNullable<RenderStats['models']> {
  const g = m.stats();
  const store = m.store.stats();
  const images = t?.stats();
  return {
    texturesResident: images?.resident ?? 0,
    texturesFailed: images?.failed ?? 0,
    ready: g.ready,
    loading: g.loading + g.queued,
    failed: g.failed,
    bytesFromNetwork: store.bytesFromNetwork,
    bytesFromCache: store.bytesFromCache,
  };
}

/** What the loop needs from its worker. */
export interface RenderHost {
  gpu: GPU | undefined;
  crossOriginIsolated: boolean;
  post: (event: RenderEvent) => void;
  requestFrame: (callback: (now: number) => void) => void;
}

export interface RenderLoop {
  handle(command: Exclude<RenderCommand, { type: 'init' }>): void;
}

const IDLE_INTENT: CameraIntent = { move: [0, 0, 0], yaw: 0, pitch: 0, run: false };

/**
 * The longest the loop waits for the GPU to finish a frame before it goes on to the next (a queue that never
 * answers must not stop the loop; a software GPU's slowest frames take a second or two).
 */
const GPU_WAIT_MAX_MS = 5000;
/**
 * Share of the median frame time a frame may spend placing decoded textures beyond the first few (texture-stream.ts),
 * and its ceiling: on a slow GPU a frame is hundreds of ms, and a texture placed waits no frame more.
 */
const PLACE_SHARE = 0.1;
const PLACE_MAX_MS = 40;
/**
 * While frames are further apart than this (ms), a world change is also extracted between them, once a frame, looked
 * for every BETWEEN_FRAMES_CHECK_MS: the textures and geometry the new entities name start loading then, not when the
 * next frame comes (on a software GPU, up to a second later). Faster frames extract only in the frame.
 */
const BETWEEN_FRAMES_AFTER_MS = 100;
const BETWEEN_FRAMES_CHECK_MS = 50;

/** Starts rendering into `init.canvas`; reports readiness, stats and device loss through `host.post`. */
export function createRenderLoop(init: Extract<RenderCommand, { type: 'init' }>, host: RenderHost): RenderLoop {
  const canvas = init.canvas;
  let size = { width: init.width, height: init.height, dpr: init.devicePixelRatio };
  const scene: LocalScene = init.scene === 'test' ? testScene() : previewScene();
  const camera: CameraState = createCameraState([...scene.camera.eye]);
  const look = [
    scene.camera.target[0] - scene.camera.eye[0],
    scene.camera.target[1] - scene.camera.eye[1],
    scene.camera.target[2] - scene.camera.eye[2],
  ] as const;
  camera.yaw = Math.atan2(look[1], look[0]);
  camera.pitch = Math.atan2(look[2], Math.hypot(look[0], look[1]));
  camera.fovY = scene.camera.fovY;
  let intent: CameraIntent = IDLE_INTENT;
  // The camera as it was before the first shot a plugin set (put back by a null shot).
  let shotBase: CameraShotBase | null = null;
  let extractor: WorldExtractor | null = null;
  let terrain = scene.terrain;
  let waterLevel: number | null = null;
  let terrainTextures: TerrainTextures | null = null;
  let assetSource: AssetSource | null = null;
  let streams: AssetStreams | null = null;
  let pool: DecodePool | null = null;
  let terrainLookKey = '';
  /** Finalverse glTF models, from this page's edge (made with the first world; geometry only, so it outlives devices). */
  let models: ModelStream | null = null;
  /** The models' base colour images, in the current renderer's texture layers (remade with them). */
  let modelTextures: ModelTextures | null = null;
  /** Starts the decoder pool's workers and has them load OpenJPEG (idempotent). */
  const warmDecoders = (): DecodePool => {
    pool ??= createDecodePool(plan ? { size: plan.decodeWorkers } : {});
    pool.warm();
    return pool;
  };
  /** (Re)makes the asset streams for the current source and renderer (none without a source). */
  const restartStreams = (): void => {
    streams = null;
    if (assetSource && renderer) {
      // A visit that draws textures has begun: the decoders load now (unless 'prepare-assets' started them already).
      streams = createAssetStreams(assetSource, warmDecoders(), renderer.textures);
    }
    extractor?.setStreams(streams);
    terrainLookKey = '';
  };
  /** The terrain's textures once resident (asked for every frame until they are). */
  const updateTerrainLook = (r: WorldRenderer): void => {
    if (!terrainTextures || !streams || !terrain) {
      if (terrainLookKey !== 'none') r.setTerrainLook(null);
      terrainLookKey = 'none';
      return;
    }
    const t = streams.textures;
    const layers = terrainTextures.ids.map((id) => t.layerOf(id, 0)?.layer ?? -1) as [number, number, number, number];
    const key = layers.join(',');
    if (key === terrainLookKey) return;
    terrainLookKey = key;
    const spacing = terrain.spacing ?? 1;
    r.setTerrainLook(
      layers.some((l) => l >= 0)
        ? {
            layers,
            startHeights: terrainTextures.startHeights,
            heightRanges: terrainTextures.heightRanges,
            regionSize: [(terrain.width - 1) * spacing, (terrain.height - 1) * spacing],
          }
        : null,
    );
  };
  let device: GPUDevice | null = null;
  let renderer: WorldRenderer | null = null;
  let generation = 0;
  let frames = 0;
  let lastStats = 0;
  let lastCamera = 0;
  let last = 0;
  const timer = new FrameTimer();
  // The render worker's time per frame, from its start until the GPU finished it (what the plan's render detail
  // changes), beside the time between frames.
  const work = new WorkTimer();
  /** What a frame may spend placing decoded textures past the first few (PLACE_SHARE of the median frame, once a second). */
  let placeBudgetMs = 0;
  // The LOD budget moves the detail thresholds with measured frame time toward 16.6 ms.
  let budget = createLodBudget();
  /** The live optimisation plan's settings (null until the page sends one: full detail). */
  let plan: RenderPlan | null = null;
  /** Dynamic resolution: the share of each side drawn, from the measured frame times (render-scale.ts). */
  let resolution: RenderScale = createRenderScale();

  const applySize = (): void => {
    const drawn = scaledCanvasSize(size, resolution.scale);
    canvas.width = drawn.width;
    canvas.height = drawn.height;
  };
  /** Feeds a frame's measured time to the dynamic resolution; a new scale resizes the canvas for the next frame. */
  const measured = (ms: number): void => {
    work.add(ms);
    const before = resolution.scale;
    resolution = updateRenderScale(resolution, ms);
    if (resolution.scale !== before) applySize();
  };

  const start = async (): Promise<void> => {
    const mine = ++generation;
    const gpu = await acquireGpu(host.gpu, canvas);
    if (!gpu.ok) {
      host.post({ type: 'unavailable', reason: gpu.reason, crossOriginIsolated: host.crossOriginIsolated });
      return;
    }
    device = gpu.device;
    let gpuErrors = 0;
    // A WebGPU validation or memory error is our bug: say it (the first few), the loop goes on.
    gpu.device.addEventListener('uncapturederror', (event) => {
      if (gpuErrors++ < 3) host.post({ type: 'error', message: `render: GPU error: ${event.error.message.slice(0, 600)}` });
    });
    renderer = createWorldRenderer(gpu.device, gpu.context, gpu.format);
    if (plan) renderer.textures.setBudget(plan.textureMemoryBytes);
    // New texture layers: every texture is loaded again (from the asset cache) as it is drawn.
    restartStreams();
    // Model images too. They decode on the same pool, which starts its workers on the first (no OpenJPEG warm-up).
    modelTextures = createModelTextures(renderer.textures, () => {
      pool ??= createDecodePool(plan ? { size: plan.decodeWorkers } : {});
      return pool;
    });
    extractor?.setModelTextures(modelTextures);
    if (extractor) {
      // A new device after loss: everything is uploaded again on the next extraction.
      extractor.meshesChanged = true;
      worldStructure = -1;
    } else {
      renderer.setMeshes(scene.meshes);
      renderer.setInstances(scene.instances);
    }
    renderer.setTerrain(terrain);
    renderer.setEnvironment({ ...DEFAULT_ENVIRONMENT, waterLevel });
    host.post({ type: 'ready', adapter: gpu.adapter, crossOriginIsolated: host.crossOriginIsolated });
    gpu.device.lost.then((info) => {
      if (mine !== generation) return;
      renderer = null;
      device = null;
      // A frame waiting on the lost device's work goes on (drawing nothing until the new device is up).
      if (awaited === gpu.device) {
        awaited = null;
        host.requestFrame(frame);
      }
      host.post({ type: 'device-lost', reason: info.message || info.reason || 'unknown' });
      // One place recovers: acquire a new device on the same canvas and rebuild every GPU resource.
      start().catch((err: unknown) => host.post({ type: 'error', message: String(err) }));
    });
  };

  let worldStructure = 0;
  const pullWorld = (r: WorldRenderer, ex: WorldExtractor): void => {
    const change = ex.extract();
    // Animated textures move their faces' UVs every frame (only the face records of animated prims are rewritten).
    const animated = ex.animate(performance.now());
    if (change === 'none' && worldStructure !== -1) {
      if (animated) r.updateFaces(ex.batch);
      return;
    }
    if (ex.meshesChanged && ex.meshes.length > 0) {
      r.setMeshes(ex.meshes);
      ex.meshesChanged = false;
    }
    if (change === 'structure' || worldStructure === -1) r.setInstances(ex.batch);
    else {
      r.updateTransforms(ex.batch);
      if (animated) r.updateFaces(ex.batch);
    }
    worldStructure = 0;
  };

  /** When the last frame began (performance.now()), and whether a world change was extracted since (at most once). */
  let frameBegan = 0;
  let extractedBetween = false;
  /** Extracts a world change between two far-apart frames and starts the loads it asks for (see BETWEEN_FRAMES_AFTER_MS). */
  const extractBetweenFrames = (): void => {
    if (extractedBetween || !renderer || !extractor || performance.now() - frameBegan < BETWEEN_FRAMES_AFTER_MS) return;
    if (!extractor.rebuildPending()) return;
    extractedBetween = true;
    try {
      pullWorld(renderer, extractor);
      if (streams) {
        streams.textures.startLoads();
        streams.geometry.pump();
      }
    } catch (err) {
      if (frameFailures++ < 3)
        host.post({ type: 'error', message: `render: an extraction between frames failed: ${String(err)}` });
    }
  };
  setInterval(extractBetweenFrames, BETWEEN_FRAMES_CHECK_MS);

  let frameFailures = 0;
  /** The device whose GPU work the loop waits on before its next frame (null: not waiting). */
  let awaited: GPUDevice | null = null;
  /**
   * One frame in flight: the next frame is asked for once the GPU has done this one. A frame queued behind others
   * would draw what was known when it was encoded; on a software GPU each queued frame holds a newly placed texture
   * (and the camera) back by a whole frame, hundreds of ms. Encoding takes well under a millisecond, so the GPU idles
   * for no longer than that between frames.
   */
  const frame = (now: number): void => {
    try {
      const began = performance.now();
      frameBegan = began;
      extractedBetween = false;
      drawFrame(now);
      const d = device;
      if (renderer && d) {
        awaited = d;
        /** The next frame, once: after the GPU's answer, or after GPU_WAIT_MAX_MS without one (a stalled queue). */
        const next = (done: boolean): void => {
          clearTimeout(stall);
          if (awaited !== d) return;
          awaited = null;
          // The frame's time until the GPU has done what it submitted: the CPU's part alone (encoding, submit) is
          // well under a millisecond on a software GPU, which does the drawing after submit.
          if (done) measured(performance.now() - began);
          host.requestFrame(frame);
        };
        const stall = setTimeout(() => next(false), GPU_WAIT_MAX_MS);
        d.queue.onSubmittedWorkDone().then(
          () => next(true),
          () => next(false),
        );
        return;
      }
    } catch (err) {
      // A frame that throws is reported (the first few times) and the loop goes on: the next frame may succeed.
      if (frameFailures++ < 3)
        host.post({
          type: 'error',
          message: `render: a frame failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        });
    }
    awaited = null;
    host.requestFrame(frame);
  };

  const drawFrame = (now: number): void => {
    const dt = last ? Math.min(0.1, (now - last) / 1000) : 0;
    last = now;
    if (renderer) {
      if (streams) {
        streams.textures.pump(placeBudgetMs);
        streams.geometry.pump();
        updateTerrainLook(renderer);
      }
      models?.pump();
      modelTextures?.pump();
      if (extractor) pullWorld(renderer, extractor);
      modelTextures?.startLoads();
      if (streams) {
        // What this frame's pass asked for starts loading now: frames can be a second apart while a world loads.
        streams.textures.startLoads();
        streams.geometry.pump();
      }
      updateCamera(camera, intent, dt);
      intent = { ...intent, yaw: 0, pitch: 0 };
      if (dt > 0) {
        budget = updateLodBudget(budget, dt * 1000);
        // The plan's bias (ahead of a forecast overload) on top of the one measured frames ask for.
        renderer.setLodBias(Math.min(8, budget.bias * (plan?.lodBias ?? 1)));
      }
      const view = cameraView(camera, extractor?.selfPosition() ?? null);
      if (plan?.drawDistanceM) view.far = plan.drawDistanceM;
      // The full size picks LODs and the aspect: a lower render scale changes the pixels drawn, not the geometry.
      const full = scaledCanvasSize(size, 1);
      const stats = renderer.render(view, full.width, full.height);
      timer.tick(now);
      if (now - lastCamera > 100) {
        lastCamera = now;
        host.post({ type: 'camera', viewProj: Array.from(stats.viewProj) });
      }
      frames += 1;
      if (frames === 1 || frames % 120 === 0) host.post({ type: 'frame', frames });
      if (now - lastStats > 1000) {
        lastStats = now;
        const t = timer.summary();
        const workP50 = work.p50();
        placeBudgetMs = Math.min(PLACE_MAX_MS, PLACE_SHARE * workP50);
        host.post({
          type: 'stats',
          stats: {
            fps: t.fps,
            frameMsP50: t.p50,
            frameMsP95: t.p95,
            workMsP50: workP50,
            renderScale: resolution.scale,
            renderScaleMode: resolution.mode,
            instances: stats.instances,
            visible: stats.visible,
            drawCalls: stats.drawCalls,
            ...(streams ? { assets: assetStats(streams) } : {}),
            ...(models ? { models: modelStats(models, modelTextures) } : {}),
          },
        });
      }
    }
  };

  applySize();
  start()
    .then(() => host.requestFrame(frame))
    .catch((err: unknown) => host.post({ type: 'error', message: String(err) }));

  return {
    handle(command) {
      switch (command.type) {
        case 'resize':
          size = { width: command.width, height: command.height, dpr: command.devicePixelRatio };
          applySize();
          break;
        case 'input':
          intent = { ...command.intent, yaw: intent.yaw + command.intent.yaw, pitch: intent.pitch + command.intent.pitch };
          if (command.toggleCamera) camera.mode = camera.mode === 'free' ? 'follow' : 'free';
          break;
        case 'camera-shot':
          if (command.shot) {
            const before = applyCameraShot(camera, command.shot);
            shotBase ??= before;
          } else if (shotBase) {
            resetCameraShot(camera, shotBase);
            shotBase = null;
          }
          break;
        case 'attach-world':
          extractor = new WorldExtractor(command.memory, command.sync, command.renderList, command.materials, streams);
          if (typeof location !== 'undefined') models ??= createModelStream(location.origin);
          extractor.setModels(models);
          extractor.setModelTextures(modelTextures);
          camera.mode = 'follow';
          worldStructure = -1;
          renderer?.setInstances(extractor.batch);
          break;
        case 'terrain':
          terrain = command.field ?? terrain;
          waterLevel = command.waterLevel;
          terrainTextures = command.textures;
          terrainLookKey = '';
          if (command.field) renderer?.setTerrain(command.field);
          renderer?.setEnvironment({ ...DEFAULT_ENVIRONMENT, waterLevel });
          break;
        case 'assets':
          assetSource = command.source;
          restartStreams();
          break;
        case 'prepare-assets':
          // A grid's login form shows: the decoders start and load OpenJPEG while the person types (not without
          // WebGPU: nothing would draw what they decode).
          if (host.gpu) warmDecoders();
          break;
        case 'plan': {
          const parsed = RenderPlan.safeParse(command.plan);
          if (!parsed.success) {
            host.post({ type: 'error', message: `render: a plan failed validation: ${parsed.error.issues[0]?.message ?? ''}` });
            break;
          }
          plan = parsed.data;
          renderer?.textures.setBudget(plan.textureMemoryBytes);
          pool?.resize(plan.decodeWorkers);
          break;
        }
        case 'render-scale':
          resolution = setRenderScaleMode(resolution, command.mode);
          applySize();
          break;
        case 'lose-device':
          device?.destroy();
          break;
      }
    },
  };
}
