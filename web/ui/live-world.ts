/**
 * The live world behind a canvas, for the full viewer and the embedded one alike: the world worker wired
 * to the render worker (shared memory and terrain), your input turning the camera and walking your avatar,
 * and a link's Finalverse place joined. Without cross-origin isolation there is no shared memory: the
 * render worker started `withWorld` then runs the world as well (web/workers/render-world.worker.ts);
 * a render worker started without it leaves startLiveWorld to report `world_not_isolated` and return null.
 */
import type { Place } from '../../shared/links/place-link';
import { renderCommandOf, type WorldCommand, type WorldEvent } from '../world/world-protocol';
import type { InputIntent } from './input';
import type { RenderHostHandle } from './render-host';
import { startWorldWorker } from './world-host-client';

export interface LiveWorld {
  send(command: WorldCommand): void;
  /** Your input: turns the camera (the render worker follows your avatar) and walks your avatar. */
  steer(intent: InputIntent): void;
  /** Joins a link's Finalverse world at its x/y/z; OpenSim places need a login first (connect-grid). */
  visit(place: Place): void;
  stop(): void;
}

/** Starts the world worker for `render`; every world event also goes to `onEvent`. */
export function startLiveWorld(render: RenderHostHandle, onEvent: (event: WorldEvent) => void): LiveWorld | null {
  // Without shared memory the render worker runs the world too (it hands itself memory and terrain).
  const hosted = render.world;
  hosted?.listen(onEvent);
  const worker =
    hosted ??
    startWorldWorker((event) => {
      const forRenderer = renderCommandOf(event);
      if (forRenderer) render.send(forRenderer);
      onEvent(event);
    });
  if (!worker) return null;
  // Your avatar faces where the camera looks: both start facing +Y and turn by the same deltas.
  let yaw = Math.PI / 2;
  return {
    send: (command) => {
      // The renderer fetches a grid session's textures and meshes through its asset route, with its token.
      if (command.type === 'connect-grid')
        render.send({
          type: 'assets',
          source: { origin: command.origin, session: command.socket.slice('/ws/grid/'.length), token: command.token },
        });
      else if (command.type === 'connect') render.send({ type: 'assets', source: null });
      worker.send(command);
    },
    steer: (intent) => {
      yaw += intent.yaw;
      render.send({
        type: 'input',
        intent: { move: [0, 0, 0], yaw: intent.yaw, pitch: intent.pitch, run: intent.run },
        toggleCamera: intent.toggleCamera,
      });
      worker.send({ type: 'input', move: intent.move, yaw, run: intent.run, fly: intent.fly });
    },
    visit: (place) => {
      if (place.kind !== 'fv') return;
      render.send({ type: 'assets', source: null });
      worker.send({
        type: 'connect',
        origin: location.origin,
        world: place.world,
        kind: 'fv',
        ...(place.position ? { at: [...place.position] } : {}),
      });
    },
    stop: () => worker.stop(),
  };
}

/** Input for a render worker with no world behind it: the camera flies freely. */
export function steerCamera(render: RenderHostHandle, intent: InputIntent): void {
  render.send({
    type: 'input',
    intent: { move: intent.move, yaw: intent.yaw, pitch: intent.pitch, run: intent.run },
    toggleCamera: intent.toggleCamera,
  });
}
