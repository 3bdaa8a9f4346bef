/** Messages of the single-worker viewer: the render worker's own, plus the world worker's wrapped in `world`. */
import type { RenderCommand, RenderEvent } from '../render/render-protocol';
import type { WorldCommand, WorldEvent } from '../world/world-protocol';

export type RenderWorldCommand = RenderCommand | { type: 'world'; command: WorldCommand };
export type RenderWorldEvent = RenderEvent | { type: 'world'; event: WorldEvent };
