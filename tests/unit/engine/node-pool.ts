/** Spawns ECS pool workers as Node worker threads running TypeScript (through tsx). */
import { Worker } from 'node:worker_threads';
import type { WorkerPort } from '../../../web/engine/worker-pool';
import type { FromWorker } from '../../../web/engine/worker-protocol';

/** URL of the kernels module, as workers import it. */
export const KERNELS = new URL('./kernels.ts', import.meta.url).href;

const ENTRY = new URL('./node-ecs-worker.ts', import.meta.url).href;

/**
 * A worker thread running node-ecs-worker.ts. `execArgv: ['--import', 'tsx']` does not reach a worker's
 * entry module on Node 20, so a one-line bootstrap registers tsx and then imports the entry.
 */
export function spawnNodeWorker(): WorkerPort {
  const worker = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ENTRY)}); })`, {
    eval: true,
  });
  return {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (h: (m: FromWorker) => void) => {
      worker.on('message', h);
    },
    terminate: () => {
      void worker.terminate();
    },
  };
}
