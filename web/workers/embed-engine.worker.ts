/** Worker entry of the embed engine (an ECS world + the embed API); the logic is web/embed/engine-host.ts. */

import { serveEmbedEngine } from '../embed/engine-host';
import type { EngineMessage } from '../embed/engine-protocol';

const scope = self as unknown as DedicatedWorkerGlobalScope;
serveEmbedEngine(
  {
    postMessage: (m: EngineMessage) => scope.postMessage(m),
    onMessage: (h) => {
      scope.onmessage = (e: MessageEvent<unknown>) => h(e.data);
    },
  },
  scope,
);
