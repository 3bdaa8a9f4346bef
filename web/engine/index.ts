/** The engine core's public surface (ECS): one barrel, explicit named exports. */

export { type AllocationInput, type AllocationPlan, bytesPerEntity, createAllocationPlan } from './allocation';
export {
  App,
  type AppOptions,
  type AppSystemTiming,
  createApp,
  defineEvent,
  defineResource,
  type EventKey,
  type EventReader,
  type FrameStats,
  type Plugin,
  type ResourceKey,
} from './app';
export { CachedQuery } from './cached-query';
export { monotonicMs } from './clock';
export { CommandBuffer, type CommandMemory, CommandOp } from './command-buffer';
export { EngineCode, EngineError } from './errors';
export {
  attachWorld,
  computeLayout,
  DEFAULT_CAPACITY,
  growableSupported,
  MAX_CAPACITY,
  type WorldLayout,
  type WorldMemory,
  WorldView,
} from './layout';
export { ensureEngineMemory, type MemoryMode } from './memory-mode';
export {
  createMetricRecorder,
  MAX_METRIC_CAPACITY,
  type MetricRecorder,
  type MetricRecorderOptions,
} from './metric-recorder';
export {
  describeMetric,
  FORECAST_QUANTITIES,
  LoadForecast,
  METRIC_CONSTRAINTS,
  METRIC_KEY,
  METRICS,
  METRICS_VERSION,
  type MetricDescription,
  type MetricName,
  MetricSnapshot,
  type MetricUnit,
  OptimPlan,
  PerfSchema,
  PLAN_KNOBS,
  parseMetricSnapshot,
} from './metrics';
export { createOptimPlan, MIN_DETAIL, type OptimPlanInput } from './optim-plan';
export { and, type Expr, has, keyOf, normalize, not, or, type QuerySpec } from './query';
export { createLruPolicy, createPredictedReusePolicy, type EvictionPolicy, simulateCache } from './query-cache';
export {
  createScheduler,
  PHASES,
  type Phase,
  Scheduler,
  type SystemContext,
  type SystemDef,
  type SystemFailure,
  type SystemTiming,
  splitRuns,
} from './schedule';
export { type ComponentDef, type ComponentOptions, defineComponent, type FieldKind } from './schema';
export { deserializeEntity, serializeEntity, validateEntityBytes } from './serialize';
export { type ChromeTrace, type ChromeTraceEvent, TraceRecorder, type TraceSpan } from './trace';
export { createWorkerPool, WorkerPool, type WorkerPort } from './worker-pool';
export type { FrameInfo, Kernel, KernelRef } from './worker-protocol';
export { serveEcsWorker, type WorkerScope } from './worker-runtime';
export { createWorld, type EntityId, NO_ENTITY, World, type WorldOptions } from './world';
