/** Browser entry of an ECS pool worker; the logic is web/engine/worker-runtime.ts (Node's entry is in tests/unit/engine). */
import type { FromWorker, ToWorker } from '../engine/worker-protocol';
import { serveEcsWorker } from '../engine/worker-runtime';

const scope = self as unknown as DedicatedWorkerGlobalScope;
serveEcsWorker(
  {
    postMessage: (m: FromWorker) => scope.postMessage(m),
    onMessage: (h: (m: ToWorker) => void) => {
      scope.onmessage = (e: MessageEvent<ToWorker>) => h(e.data);
    },
  },
  (url) => import(/* @vite-ignore */ url),
);
