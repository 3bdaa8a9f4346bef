/** The Node worker_threads entry of an ECS pool worker (the browser's is web/workers/ecs-pool.worker.ts). */
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from '../../../web/engine/worker-protocol';
import { serveEcsWorker } from '../../../web/engine/worker-runtime';

const port = parentPort;
if (!port) throw new Error('ecs worker: not started as a worker thread');
serveEcsWorker(
  {
    postMessage: (m: FromWorker) => port.postMessage(m),
    onMessage: (h: (m: ToWorker) => void) => port.on('message', h),
  },
  (url) => import(url),
);
