/**
 * The pool worker's side: attach to the world's shared memory, load kernel modules, then wait on
 * the control block and run the jobs the owner writes there. Thin `*.worker.ts` entries call
 * `serveEcsWorker` with their environment's messaging.
 */
import { attachWorld, type WorldView } from './layout';
import {
  CMD,
  CTL,
  DT_BYTE,
  type FromWorker,
  JOB_INTS,
  type Kernel,
  type KernelRef,
  type PoolMemory,
  type ToWorker,
  workerBase,
  writeError,
} from './worker-protocol';

/** The messaging a worker entry provides. */
export interface WorkerScope {
  postMessage(message: FromWorker): void;
  onMessage(handler: (message: ToWorker) => void): void;
}

/** Imports a module by URL (the entry supplies it, so bundlers and Node loaders see their own import()). */
export type ModuleImporter = (url: string) => Promise<Record<string, unknown>>;

async function loadKernels(refs: readonly KernelRef[], importer: ModuleImporter): Promise<Kernel[]> {
  const modules = new Map<string, Record<string, unknown>>();
  const out: Kernel[] = [];
  for (const ref of refs) {
    let mod = modules.get(ref.module);
    if (!mod) {
      mod = await importer(ref.module);
      modules.set(ref.module, mod);
    }
    const fn = mod[ref.export];
    if (typeof fn !== 'function') throw new Error(`ecs worker: ${ref.module} has no function export ${ref.export}`);
    out.push(fn as Kernel);
  }
  return out;
}

/** Runs the worker side of the pool until the owner says quit. */
export function serveEcsWorker(scope: WorkerScope, importer: ModuleImporter): void {
  let index = -1;
  let view: WorldView | undefined;
  let pool: PoolMemory | undefined;
  let kernels: Kernel[] = [];
  let kernelRefs: KernelRef[] = [];

  const start = async (refs: readonly KernelRef[]) => {
    try {
      kernelRefs = [...kernelRefs, ...refs];
      kernels = [...kernels, ...(await loadKernels(refs, importer))];
    } catch (e) {
      scope.postMessage({ type: 'failed', index, message: e instanceof Error ? e.message : String(e) });
      return;
    }
    if (!view || !pool) return;
    const ctl = new Int32Array(pool.control);
    // Read the epoch before saying ready, so a dispatch right after "ready" is never missed.
    const seen = Atomics.load(ctl, CTL.epoch);
    scope.postMessage({ type: 'ready', index });
    loop(view, pool, seen);
  };

  const loop = (w: WorldView, mem: PoolMemory, initial: number) => {
    const ctl = new Int32Array(mem.control);
    const f64 = new Float64Array(mem.control, DT_BYTE, 1);
    const runs = new Uint32Array(mem.runs);
    const errors = new Uint16Array(mem.errors);
    const base = workerBase(index);
    let seen = initial;
    for (;;) {
      Atomics.wait(ctl, CTL.epoch, seen);
      const epoch = Atomics.load(ctl, CTL.epoch);
      if (epoch === seen) continue;
      seen = epoch;
      const command = Atomics.load(ctl, CTL.command);
      if (command === CMD.run) {
        w.refresh();
        const dt = f64[0] ?? 0;
        const tick = Atomics.load(ctl, CTL.tick);
        const jobs = ctl[base] ?? 0;
        ctl[base + 1] = -1;
        for (let j = 0; j < jobs; j++) {
          const at = base + 4 + j * JOB_INTS;
          const kernel = kernels[ctl[at] ?? -1];
          const off = ctl[at + 1] ?? 0;
          const len = ctl[at + 2] ?? 0;
          try {
            if (!kernel) throw new Error(`kernel ${ctl[at]} is not loaded in this worker`);
            kernel(w, runs.subarray(off, off + len), { dt, tick, since: ctl[at + 3] ?? 0, worker: index });
          } catch (e) {
            // Only the first failure per dispatch is kept; the other jobs still run.
            if ((ctl[base + 1] ?? -1) < 0) {
              ctl[base + 1] = j;
              ctl[base + 2] = writeError(errors, index, e instanceof Error ? e.message : String(e));
            }
          }
        }
      }
      if (Atomics.sub(ctl, CTL.pending, 1) === 1) Atomics.notify(ctl, CTL.pending);
      if (command !== CMD.run) return;
    }
  };

  scope.onMessage((msg) => {
    if (msg.type === 'init') {
      index = msg.index;
      pool = msg.pool;
      try {
        view = attachWorld(msg.world);
      } catch (e) {
        scope.postMessage({ type: 'failed', index, message: e instanceof Error ? e.message : String(e) });
        return;
      }
      void start(msg.kernels);
    } else if (msg.type === 'load') {
      void start(msg.kernels);
    }
  });
}
