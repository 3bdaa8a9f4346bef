/** World worker entry: the ECS owner (web/world/world-runtime.ts), in shared memory the render worker reads. */
import type { WorldEvent } from '../world/world-protocol';
import { runWorldHost } from '../world/world-runtime';

declare const self: DedicatedWorkerGlobalScope;

const handle = runWorldHost((event: WorldEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer), 3);
self.onmessage = (message: MessageEvent<unknown>) => handle(message.data);
