/** World worker entry: the ECS owner (web/world/world-runtime.ts), in shared memory the render worker reads. */
import { embedPlugin } from '../embed/embed-plugin';
import { trustedPluginsPlugin } from '../plugin-runtime/trusted-runner';
import type { WorldEvent } from '../world/world-protocol';
import { runWorldHost } from '../world/world-runtime';

declare const self: DedicatedWorkerGlobalScope;

// The world lives in SharedArrayBuffers here (the page is isolated, or this worker would not be started).
// Two worker threads run the viewer: this one and the render worker.
const handle = runWorldHost((event: WorldEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer), 2, [
  embedPlugin({ memory: 'shared-memory' }),
  // Operator-listed trusted plugins, imported here and run on the engine's schedule (docs/plugins.md).
  trustedPluginsPlugin(),
]);
self.onmessage = (message: MessageEvent<unknown>) => handle(message.data);
