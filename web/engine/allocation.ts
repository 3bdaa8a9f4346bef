/**
 * The allocation plan (seed 12.1): how many worker threads, how they split between the ECS and AI,
 * and the memory budget (which bounds the SharedArrayBuffer entity capacity). A plain object: log it,
 * test it, feed it to createWorld and the worker pool.
 */
import { EngineCode, ecsError } from './errors';
import { MAX_CAPACITY, type WorldLayout } from './layout';

/** What the plan is computed from. */
export interface AllocationInput {
  /** navigator.hardwareConcurrency (or os.availableParallelism() in Node). */
  readonly hardwareConcurrency: number;
  /** Forecast CPU load 0..1 (seed 12.3; 1 = use every spare core). Default 1. */
  readonly cpuLoad?: number;
  /** Share of worker threads (and memory) given to AI, 0..1. Default 0.4 (the seed's 60/40 split). */
  readonly aiShare?: number;
  /** Threads kept free for the main thread and the render worker. Default 2. */
  readonly reservedThreads?: number;
  /** Total memory the engine may use, in bytes. Default 512 MiB. */
  readonly memoryBudgetBytes?: number;
  /** Bytes one entity slot costs (see `bytesPerEntity`). Default 64. */
  readonly bytesPerEntity?: number;
}

/** The plan. */
export interface AllocationPlan {
  readonly hardwareConcurrency: number;
  readonly workerThreads: number;
  readonly ecsWorkers: number;
  readonly aiWorkers: number;
  readonly memoryBudgetBytes: number;
  readonly ecsMemoryBytes: number;
  readonly aiMemoryBytes: number;
  /** Entity slots the ECS share of the memory affords (capped at the id space). */
  readonly entityCapacity: number;
}

/** Bytes one entity slot takes in a layout: every column's lanes, plus a sparse slot for a few cached queries. */
export function bytesPerEntity(layout: WorldLayout, cachedQueries = 8): number {
  return layout.columns.reduce((n, c) => n + c.lanes * c.bytesPerLane, 0) + cachedQueries * 4;
}

/** Computes an allocation plan; throws InvalidConfig on inputs out of range. */
export function createAllocationPlan(input: AllocationInput): AllocationPlan {
  const hc = input.hardwareConcurrency;
  const cpuLoad = input.cpuLoad ?? 1;
  const aiShare = input.aiShare ?? 0.4;
  const reserved = input.reservedThreads ?? 2;
  const budget = input.memoryBudgetBytes ?? 512 * 1024 * 1024;
  const perEntity = input.bytesPerEntity ?? 64;
  const check = (ok: boolean, what: string) => {
    if (!ok) throw ecsError(EngineCode.InvalidConfig, `allocation plan: ${what}`);
  };
  check(Number.isInteger(hc) && hc >= 1, `hardwareConcurrency ${hc} must be a positive integer`);
  check(cpuLoad >= 0 && cpuLoad <= 1, `cpuLoad ${cpuLoad} must be in 0..1`);
  check(aiShare >= 0 && aiShare <= 1, `aiShare ${aiShare} must be in 0..1`);
  check(Number.isInteger(reserved) && reserved >= 0, `reservedThreads ${reserved} must be a non-negative integer`);
  check(budget > 0, `memoryBudgetBytes ${budget} must be positive`);
  check(perEntity > 0, `bytesPerEntity ${perEntity} must be positive`);
  const spare = Math.max(1, hc - reserved);
  const workerThreads = Math.max(1, Math.ceil(spare * Math.max(cpuLoad, 1 / spare)));
  // The ECS always gets at least one worker; AI gets the rest of its share.
  const ecsWorkers = Math.max(1, Math.round(workerThreads * (1 - aiShare)));
  const aiWorkers = Math.max(0, workerThreads - ecsWorkers);
  const aiMemoryBytes = Math.floor(budget * aiShare);
  const ecsMemoryBytes = budget - aiMemoryBytes;
  return {
    hardwareConcurrency: hc,
    workerThreads,
    ecsWorkers,
    aiWorkers,
    memoryBudgetBytes: budget,
    ecsMemoryBytes,
    aiMemoryBytes,
    entityCapacity: Math.min(MAX_CAPACITY, Math.floor(ecsMemoryBytes / perEntity)),
  };
}
