/**
 * The viewer in ONE worker, for pages that are not cross-origin isolated (an embed in a browser without
 * Document-Isolation-Policy): without SharedArrayBuffer the world worker and the render worker cannot
 * share the ECS, so this worker runs both, on plain ArrayBuffers (web/engine/memory-mode.ts), and hands
 * the world's memory and terrain to its render loop directly. The page gets render events as usual and
 * world events wrapped in `{ type: 'world' }`.
 */
import { embedPlugin } from '../embed/embed-plugin';
import { ensureEngineMemory } from '../engine/memory-mode';
import { trustedPluginsPlugin } from '../plugin-runtime/trusted-runner';
import { createRenderLoop, type RenderLoop } from '../render/render-loop';
import { renderCommandOf } from '../world/world-protocol';
import { runWorldHost } from '../world/world-runtime';
import type { RenderWorldCommand, RenderWorldEvent } from './render-world-protocol';

declare const self: DedicatedWorkerGlobalScope;

const memory = ensureEngineMemory(self);
const post = (event: RenderWorldEvent): void => self.postMessage(event);
let loop: RenderLoop | null = null;
let world: ((data: unknown) => void) | null = null;

self.onmessage = (message: MessageEvent<RenderWorldCommand>) => {
  const command = message.data;
  if (command.type === 'init') {
    const render = createRenderLoop(command, {
      gpu: self.navigator.gpu,
      crossOriginIsolated: self.crossOriginIsolated,
      post,
      requestFrame: (cb) => self.requestAnimationFrame(cb),
    });
    loop = render;
    world = runWorldHost(
      (event) => {
        const forRenderer = renderCommandOf(event);
        if (forRenderer) render.handle(forRenderer);
        else post({ type: 'world', event });
      },
      1,
      [embedPlugin({ memory }), trustedPluginsPlugin()],
    );
    return;
  }
  if (command.type === 'world') world?.(command.command);
  else loop?.handle(command);
};
