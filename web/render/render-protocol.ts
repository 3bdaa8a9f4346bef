/** Messages between the main thread and the render worker. */

/** What the renderer reports about the GPU it got. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
}

/** Main thread → render worker. */
export type RenderCommand =
  | { type: 'init'; canvas: OffscreenCanvas; width: number; height: number; devicePixelRatio: number }
  | { type: 'resize'; width: number; height: number; devicePixelRatio: number };

/** Render worker → main thread. */
export type RenderEvent =
  | { type: 'ready'; adapter: AdapterSummary; crossOriginIsolated: boolean }
  | { type: 'unavailable'; reason: string; crossOriginIsolated: boolean }
  | { type: 'device-lost'; reason: string }
  | { type: 'frame'; frames: number }
  | { type: 'error'; message: string };

/** The colour a frame is cleared to before anything is drawn (linear RGBA, written as-is to an unorm target). */
export const CLEAR_COLOR = { r: 0.24, g: 0.47, b: 0.72, a: 1 } as const;
