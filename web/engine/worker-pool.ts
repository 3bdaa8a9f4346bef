/**
 * The owner's worker pool: spawns workers through a caller-supplied function (Node worker_threads or
 * browser Workers), posts them the world's shared memory once, then drives them every frame through
 * an Atomics barrier on a control block (no messages per frame).
 */
import type { AllocationPlan } from './allocation';
import { EngineCode, ecsError } from './errors';
import type { WorldMemory } from './layout';
import {
  CMD,
  CTL,
  DT_BYTE,
  ERROR_CHARS,
  type FromWorker,
  JOB_INTS,
  type KernelRef,
  MAX_JOBS,
  type PoolMemory,
  readError,
  type ToWorker,
  WORKER_INTS,
  workerBase,
} from './worker-protocol';

/** A spawned worker as the pool sees it. */
export interface WorkerPort {
  postMessage(message: ToWorker): void;
  onMessage(handler: (message: FromWorker) => void): void;
  terminate(): void;
}

/** One unit of work for a worker: a kernel over a slice of the runs area. */
export interface PoolJob {
  readonly kernel: number;
  /** Sorted slot runs [lo, hi, …] this job covers. */
  readonly runs: Uint32Array;
  readonly since: number;
}

/** A job that threw in a worker. */
export interface JobFailure {
  readonly worker: number;
  readonly job: number;
  readonly message: string;
}

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  readonly world: WorldMemory;
  /** Worker count; give this or `plan` (its `ecsWorkers`). */
  readonly size?: number;
  readonly plan?: Pick<AllocationPlan, 'ecsWorkers'>;
  readonly spawn: (index: number) => WorkerPort;
  readonly kernels?: readonly KernelRef[];
  /** Words in the shared runs area (default: 2 × capacity + 1024). */
  readonly runsWords?: number;
  /** How long to wait for workers to start, in ms (default 30 s). */
  readonly startTimeoutMs?: number;
}

function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The owner side of the pool. */
export class WorkerPool {
  readonly size: number;
  /** Workers the schedule gives jobs to (1..size; the live optimisation plan's ECS threads); the others idle. */
  active: number;
  /** Jobs each worker got in the last run (what `active` did). */
  lastJobs: number[] = [];
  private readonly ctl: Int32Array;
  private readonly dt: Float64Array;
  private readonly runs: Uint32Array;
  private readonly errors: Uint16Array;
  private readonly kernelIndex = new Map<string, number>();
  private readonly blocking = canBlock();
  private inFlight = false;
  private closed = false;

  constructor(
    private readonly ports: readonly WorkerPort[],
    readonly memory: PoolMemory,
    kernels: readonly KernelRef[],
  ) {
    this.size = ports.length;
    this.active = this.size;
    this.ctl = new Int32Array(memory.control);
    this.dt = new Float64Array(memory.control, DT_BYTE, 1);
    this.runs = new Uint32Array(memory.runs);
    this.errors = new Uint16Array(memory.errors);
    kernels.forEach((k, i) => {
      this.kernelIndex.set(`${k.module}#${k.export}`, i);
    });
  }

  /** Gives jobs to `n` workers from the next stage on (clamped to 1..size); returns the number in use. */
  setActive(n: number): number {
    this.active = Number.isFinite(n) ? Math.max(1, Math.min(this.size, Math.floor(n))) : this.size;
    return this.active;
  }

  /** The index workers know a kernel by, or -1 when it was not loaded. */
  kernelId(ref: KernelRef): number {
    return this.kernelIndex.get(`${ref.module}#${ref.export}`) ?? -1;
  }

  /** Loads more kernel modules into every worker (between frames). */
  async load(kernels: readonly KernelRef[], timeoutMs = 30_000): Promise<void> {
    const fresh = kernels.filter((k) => this.kernelId(k) < 0);
    if (fresh.length === 0) return;
    this.dispatch([], CMD.yield);
    this.join();
    const ready = waitAll(this.ports, timeoutMs);
    for (const p of this.ports) p.postMessage({ type: 'load', kernels: fresh });
    await ready;
    for (const k of fresh) this.kernelIndex.set(`${k.module}#${k.export}`, this.kernelIndex.size);
  }

  /** Copies jobs into the control block and wakes every worker. `perWorker[w]` are worker w's jobs. */
  run(perWorker: readonly (readonly PoolJob[])[], frame: { dt: number; tick: number }): void {
    this.dt[0] = frame.dt;
    Atomics.store(this.ctl, CTL.tick, frame.tick);
    this.lastJobs = Array.from({ length: this.size }, (_, w) => perWorker[w]?.length ?? 0);
    let off = 0;
    for (let w = 0; w < this.size; w++) {
      const jobs = perWorker[w] ?? [];
      if (jobs.length > MAX_JOBS)
        throw ecsError(EngineCode.InvalidConfig, `worker ${w} got ${jobs.length} jobs; at most ${MAX_JOBS} per stage`);
      const base = workerBase(w);
      this.ctl[base] = jobs.length;
      jobs.forEach((job, j) => {
        if (off + job.runs.length > this.runs.length) {
          throw ecsError(
            EngineCode.AllocFailed,
            `pool runs area (${this.runs.length} words) is too small for this stage; create the pool with a larger runsWords`,
          );
        }
        this.runs.set(job.runs, off);
        const at = base + 4 + j * JOB_INTS;
        this.ctl[at] = job.kernel;
        this.ctl[at + 1] = off;
        this.ctl[at + 2] = job.runs.length;
        this.ctl[at + 3] = job.since;
        off += job.runs.length;
      });
    }
    this.dispatch(perWorker, CMD.run);
  }

  /** Waits at the barrier until every worker finished; returns the jobs that threw. */
  join(): JobFailure[] {
    if (!this.inFlight) return [];
    let spins = 0;
    for (;;) {
      const p = Atomics.load(this.ctl, CTL.pending);
      if (p === 0) break;
      if (this.blocking && ++spins > 64) Atomics.wait(this.ctl, CTL.pending, p, 50);
    }
    this.inFlight = false;
    const failures: JobFailure[] = [];
    for (let w = 0; w < this.size; w++) {
      const base = workerBase(w);
      const job = this.ctl[base + 1] ?? -1;
      if (job >= 0 && (this.ctl[base] ?? 0) > 0)
        failures.push({ worker: w, job, message: readError(this.errors, w, this.ctl[base + 2] ?? 0) });
      this.ctl[base + 1] = -1;
    }
    return failures;
  }

  /** Stops and terminates every worker. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.join();
    this.dispatch([], CMD.quit);
    for (const p of this.ports) p.terminate();
  }

  private dispatch(_jobs: readonly (readonly PoolJob[])[], command: number): void {
    if (this.closed && command !== CMD.quit) throw ecsError(EngineCode.WorkerFailed, 'worker pool is closed');
    if (command !== CMD.run) for (let w = 0; w < this.size; w++) this.ctl[workerBase(w)] = 0;
    Atomics.store(this.ctl, CTL.command, command);
    Atomics.store(this.ctl, CTL.pending, this.size);
    Atomics.add(this.ctl, CTL.epoch, 1);
    Atomics.notify(this.ctl, CTL.epoch);
    this.inFlight = true;
  }
}

/** Timers exist in every runtime the engine targets, but not in the ES2023 lib it compiles against. */
const timers = globalThis as unknown as { setTimeout(f: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };

function waitAll(ports: readonly WorkerPort[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = ports.length;
    const timer = timers.setTimeout(
      () => reject(ecsError(EngineCode.WorkerFailed, `workers did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
    ports.forEach((p) => {
      p.onMessage((m) => {
        if (m.type === 'failed') {
          timers.clearTimeout(timer);
          reject(ecsError(EngineCode.WorkerFailed, `ecs worker ${m.index} failed to start: ${m.message}`));
        } else if (--left === 0) {
          timers.clearTimeout(timer);
          resolve();
        }
      });
    });
  });
}

/** Spawns `size` workers, attaches them to the world and loads the kernels; resolves when all are ready. */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const size = options.size ?? options.plan?.ecsWorkers ?? 0;
  if (!Number.isInteger(size) || size < 1 || size > 256) {
    throw ecsError(EngineCode.InvalidConfig, `pool size ${size} must be in 1..256 (give size or an allocation plan)`);
  }
  const kernels = options.kernels ?? [];
  const memory: PoolMemory = {
    control: new SharedArrayBuffer((CTL.header + size * WORKER_INTS) * 4),
    runs: new SharedArrayBuffer((options.runsWords ?? 2 * options.world.layout.capacity + 1024) * 4),
    errors: new SharedArrayBuffer(size * ERROR_CHARS * 2),
  };
  const ports = Array.from({ length: size }, (_, i) => options.spawn(i));
  const pool = new WorkerPool(ports, memory, kernels);
  const ready = waitAll(ports, options.startTimeoutMs ?? 30_000);
  ports.forEach((p, index) => {
    p.postMessage({ type: 'init', index, world: options.world, pool: memory, kernels });
  });
  try {
    await ready;
  } catch (e) {
    for (const p of ports) p.terminate();
    throw e;
  }
  return pool;
}
