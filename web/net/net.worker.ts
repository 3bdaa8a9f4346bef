/** Net worker entry point: serves one Storm connection (logic in net-worker-runtime.ts). */
import { serveNetWorker } from './net-worker-runtime';

declare const self: DedicatedWorkerGlobalScope;

const handle = serveNetWorker((event) => self.postMessage(event));
self.onmessage = (message: MessageEvent<unknown>) => handle(message.data);
