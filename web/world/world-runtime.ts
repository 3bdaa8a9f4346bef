/**
 * The world side of the viewer, as a worker runs it: the world App (web/world/world-app.ts) stepped at
 * 60 Hz, and the page's commands parsed once at the door and handed to it as events. An input that changes
 * where you go runs a frame at once, so the room and your peers hear of it without waiting for the next tick. The world worker posts
 * every event to the page; the single-worker viewer (web/workers/render-world.worker.ts) hands memory and
 * terrain to its own render loop instead.
 */
import type { Plugin } from '../engine';
import { Materials } from './keys';
import { MetricsKey } from './plugins/metrics';
import { createWorldApp } from './world-app';
import { movementKey, WorldCommand, type WorldEvent } from './world-protocol';

/** Frames per second of the world App. */
export const WORLD_HZ = 60;

/** Runs the world App; returns the handler for the main thread's messages. */
export function runWorldHost(
  post: (event: WorldEvent, transfer?: Transferable[]) => void,
  workers: number,
  /** Plugins of the layers above the world (the worker entry adds the embed API's). */
  plugins: Plugin[] = [],
  hardwareConcurrency = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency,
): (data: unknown) => void {
  // Rapier comes in its own chunk, so the world starts (and shows the server's positions) while it loads.
  const rapier = import('../../shared/physics/rapier').then((m) => m.loadRapier());
  const world = createWorldApp({ post, now: () => performance.now(), hardwareConcurrency, workers, plugins, rapier });
  post({
    type: 'memory',
    memory: world.app.world.memory,
    sync: world.sync,
    renderList: world.renderList,
    materials: world.app.resource(Materials).buffer,
  });
  let last = performance.now();
  const frame = (): void => {
    const now = performance.now();
    world.frame(Math.min(0.25, (now - last) / 1000));
    last = now;
  };
  setInterval(frame, 1000 / WORLD_HZ);
  let intent = '';
  return (data) => {
    const parsed = WorldCommand.safeParse(data);
    if (!parsed.success) {
      post({
        type: 'error',
        code: 'world_bad_command',
        message: `world: malformed command (${parsed.error.issues[0]?.message ?? 'unknown'})`,
      });
      return;
    }
    if (parsed.data.type === 'trace')
      post({ type: 'trace', trace: world.app.exportTrace('world worker'), metrics: world.app.resource(MetricsKey).toJsonl() });
    else world.command(parsed.data);
    if (parsed.data.type === 'input') {
      // Turning alone waits for the next frame; a changed step or stop goes out now (the input plugin sends it to
      // the room, the p2p plugin to your peers) rather than up to a frame later.
      const { move, run, fly } = parsed.data;
      const next = movementKey(move, run, fly);
      if (next !== intent) {
        intent = next;
        frame();
      }
    }
  };
}
