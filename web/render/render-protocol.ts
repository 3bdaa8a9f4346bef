/** Messages between the main thread and the render worker. */
import type { GridAssetRoute } from '../assets/grid-sources';
import type { WorldMemory } from '../engine';
import type { Heightfield, TerrainTextures } from '../scene/heightfield';
import type { CameraIntent, CameraShot } from './camera';

/** What the renderer reports about the GPU it got. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
}

/** An OpenSim session's asset route: GET `${origin}/api/grid/${session}/asset/<kind>/<uuid>` with the token. */
export type AssetSource = GridAssetRoute;

/** Which built-in scene to show while no world feeds the renderer. */
export type LocalSceneName = 'preview' | 'test';

/** Main thread → render worker. */
export type RenderCommand =
  | { type: 'init'; canvas: OffscreenCanvas; width: number; height: number; devicePixelRatio: number; scene: LocalSceneName }
  | { type: 'resize'; width: number; height: number; devicePixelRatio: number }
  | { type: 'input'; intent: CameraIntent; toggleCamera: boolean }
  /** A camera setting from outside the input (a plugin with camera:control); null puts back the one before the first. */
  | { type: 'camera-shot'; shot: CameraShot | null }
  /**
   * Draw the world whose ECS columns live in `memory` (instead of the local scene); `sync` is its sequence lock and
   * `renderList` the slots to draw (web/scene/render-list.ts).
   */
  | {
      type: 'attach-world';
      memory: WorldMemory;
      sync: SharedArrayBuffer;
      renderList: SharedArrayBuffer;
      /** The material table the world's Surface and Sculpt columns index (web/scene/material-table.ts). */
      materials: ArrayBufferLike;
    }
  /** The world's terrain (null: none yet), its water level and its textures (null: the viewer's own colours). */
  | { type: 'terrain'; field: Heightfield | null; waterLevel: number | null; textures: TerrainTextures | null }
  /** Where the world's assets come from: an OpenSim session's asset route and token; null: none (Finalverse). */
  | { type: 'assets'; source: AssetSource | null }
  /**
   * A visit that will draw grid textures is coming (a grid's login form shows): start the texture decoders now, so
   * their workers load pdf.js and OpenJPEG's wasm bytes while the person types, not after the login.
   */
  | { type: 'prepare-assets' }
  /** The live optimisation plan's part for the renderer (web/render/render-plan.ts; parsed on arrival). */
  | { type: 'plan'; plan: unknown }
  /** Dynamic resolution: 'auto' lowers the drawn resolution while frames are far over budget; 'full' holds it at 1. */
  | { type: 'render-scale'; mode: 'auto' | 'full' }
  /** Test hook: destroys the GPU device to exercise device-loss recovery. */
  | { type: 'lose-device' };

/** Per-second figures for the performance overlay. */
export interface RenderStats {
  fps: number;
  frameMsP50: number;
  frameMsP95: number;
  /** The median of the render worker's time per frame from its start until the GPU finished its work (not the interval). */
  workMsP50: number;
  /** The share of each side of the canvas drawn (dynamic resolution, web/render/render-scale.ts): 1 is full. */
  renderScale: number;
  /** Whether the scale follows frame times ('auto') or is held at full. */
  renderScaleMode: 'auto' | 'full';
  instances: number;
  visible: number;
  drawCalls: number;
  /** The asset pipeline, while a world with assets is shown. */
  assets?: AssetStats;
  /**
   * Finalverse glTF models, once a world is attached: decoded, on their way, failed; bytes by where they came from;
   * their base colour images resident in texture layers and failed (refused by the check or the decoder).
   */
  models?: {
    ready: number;
    loading: number;
    failed: number;
    bytesFromNetwork: number;
    bytesFromCache: number;
    texturesResident: number;
    texturesFailed: number;
  };
}

/** Textures and sculpt/mesh geometry: resident, on their way, failed; asset bytes by where they came from. */
export interface AssetStats {
  texturesResident: number;
  texturesLoading: number;
  /** Drawn but without a layer: the texture budget is full of textures drawn nearer. */
  texturesWaiting: number;
  texturesFailed: number;
  textureLayers: number;
  gpuTextureBytes: number;
  geometryReady: number;
  geometryLoading: number;
  geometryFailed: number;
  bytesFromNetwork: number;
  bytesFromCache: number;
}

/** Render worker → main thread. */
export type RenderEvent =
  | { type: 'ready'; adapter: AdapterSummary; crossOriginIsolated: boolean }
  | { type: 'unavailable'; reason: string; crossOriginIsolated: boolean }
  | { type: 'device-lost'; reason: string }
  | { type: 'frame'; frames: number }
  | { type: 'stats'; stats: RenderStats }
  /** The camera's view-projection (column-major) and the canvas size in CSS pixels, ~10 times a second. */
  | { type: 'camera'; viewProj: number[] }
  | { type: 'error'; message: string };
