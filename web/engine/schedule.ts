/**
 * The scheduler: systems declare what they read and write and run in named phases. Within a phase,
 * consecutive systems whose access sets do not conflict form a stage and run in parallel on the
 * worker pool (a lone system splits its entity range across every worker); the owner applies queued
 * commands after each stage. A system that throws is reported with its name and phase; the loop goes on.
 */

import type { CachedQuery } from './cached-query';
import { monotonicMs } from './clock';
import { EngineCode, EngineError, ecsError } from './errors';
import type { QuerySpec } from './query';
import type { ComponentDef } from './schema';
import type { TraceRecorder } from './trace';
import type { PoolJob, WorkerPool } from './worker-pool';
import type { Kernel, KernelRef } from './worker-protocol';
import type { World } from './world';

/** The phases, in the order a frame runs them (startup only on the first frame). */
export const PHASES = ['startup', 'fixedUpdate', 'update', 'postUpdate', 'renderExtract'] as const;
export type Phase = (typeof PHASES)[number];

/** What an owner-thread system gets. */
export interface SystemContext {
  readonly world: World;
  readonly dt: number;
  readonly tick: number;
  readonly since: number;
  readonly phase: Phase;
}

/** A system. Give `run` (owner thread, may make structural changes) or `query` + `kernel`. */
export interface SystemDef {
  readonly name: string;
  readonly phase?: Phase;
  readonly reads?: readonly ComponentDef[];
  readonly writes?: readonly ComponentDef[];
  /** Runs alone in its stage (use for systems making structural changes). */
  readonly exclusive?: boolean;
  /**
   * Owner-thread body. It runs while the stage's worker kernels run, so a system making structural
   * changes directly (rather than through `world.commands`) should be `exclusive`.
   */
  readonly run?: (ctx: SystemContext) => void;
  /** The entities the kernel iterates; with filters (added/changed/removed) it runs on the owner. */
  readonly query?: QuerySpec;
  readonly kernel?: Kernel;
  /** Where pool workers load the same kernel; without it the kernel runs on the owner. */
  readonly worker?: KernelRef;
  /** Split the entity range across every worker when the system is alone in its stage (default true). */
  readonly split?: boolean;
}

/** A system failure, reported and kept; the loop continues. */
export interface SystemFailure {
  readonly system: string;
  readonly phase: Phase;
  readonly tick: number;
  readonly message: string;
  readonly error: EngineError;
}

/** Options of `createScheduler`. */
export interface SchedulerOptions {
  /** Seconds per fixed-update step (default 1/60). */
  readonly fixedDt?: number;
  /** Most fixed steps per frame; the rest of the backlog is dropped (default 5). */
  readonly maxFixedSteps?: number;
  readonly pool?: WorkerPool;
  /** Called for every failure (default: none; failures are also kept in `failures`). */
  readonly onError?: (failure: SystemFailure) => void;
  /** The clock for per-system timings, in ms (default performance.now). */
  readonly now?: () => number;
  /** Where per-system and per-phase spans go (default: none; timings are kept either way). */
  readonly trace?: TraceRecorder;
}

/** How long a system took, kept by the scheduler for every system. */
export interface SystemTiming {
  readonly system: string;
  readonly phase: Phase;
  /** Index of the system's stage within its phase (systems of one stage run together). */
  readonly stage: number;
  /** Where it ran: on the owner thread, or as a kernel on the worker pool (the stage's wall time). */
  readonly on: 'owner' | 'pool';
  /** Milliseconds of the last run, and an exponential mean over the recent runs (weight 1/16). */
  readonly lastMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  readonly runs: number;
}

interface Timing {
  lastMs: number;
  meanMs: number;
  maxMs: number;
  runs: number;
}

interface System {
  readonly def: SystemDef;
  readonly phase: Phase;
  readonly reads: ReadonlySet<string>;
  readonly writes: ReadonlySet<string>;
  query: CachedQuery | null;
  readonly filtered: boolean;
  kernelId: number;
  lastTick: number;
  /** Change-tick columns of the tracked components a kernel system writes (stamped over its runs). */
  readonly stamp: readonly number[];
  readonly timing: Timing;
}

function conflicts(a: System, b: System): boolean {
  if (a.def.exclusive || b.def.exclusive) return true;
  for (const w of a.writes) if (b.writes.has(w) || b.reads.has(w)) return true;
  for (const w of b.writes) if (a.reads.has(w)) return true;
  return false;
}

/** Splits sorted runs into `parts` pieces of about equal entity counts. */
export function splitRuns(runs: Uint32Array, parts: number): Uint32Array[] {
  let total = 0;
  for (let r = 0; r < runs.length; r += 2) total += (runs[r + 1] ?? 0) - (runs[r] ?? 0);
  const per = Math.ceil(total / parts);
  const out: Uint32Array[] = [];
  let cur: number[] = [];
  let left = per;
  for (let r = 0; r < runs.length; r += 2) {
    let lo = runs[r] ?? 0;
    const hi = runs[r + 1] ?? 0;
    while (lo < hi) {
      const take = Math.min(hi - lo, left);
      cur.push(lo, lo + take);
      lo += take;
      left -= take;
      if (left === 0 && out.length < parts - 1) {
        out.push(Uint32Array.from(cur));
        cur = [];
        left = per;
      }
    }
  }
  out.push(Uint32Array.from(cur));
  while (out.length < parts) out.push(new Uint32Array(0));
  return out;
}

function runsFromIndices(indices: Uint32Array): Uint32Array {
  const sorted = Uint32Array.from(indices).sort();
  const out: number[] = [];
  for (let k = 0; k < sorted.length; k++) {
    const i = sorted[k] ?? 0;
    if (out.length > 0 && out[out.length - 1] === i) out[out.length - 1] = i + 1;
    else out.push(i, i + 1);
  }
  return Uint32Array.from(out);
}

/** Runs systems by phase; see the module comment. */
export class Scheduler {
  private readonly systems: System[] = [];
  private stagesByPhase: Map<Phase, System[][]> | null = null;
  private started = false;
  private accumulator = 0;
  private readonly fixedDt: number;
  private readonly maxFixedSteps: number;
  private readonly now: () => number;
  /** Every failure so far (most recent last; at most 256 kept). */
  readonly failures: SystemFailure[] = [];
  /** Commands refused at sync points. */
  readonly commandErrors: EngineError[] = [];

  constructor(
    readonly world: World,
    private readonly options: SchedulerOptions = {},
  ) {
    this.fixedDt = options.fixedDt ?? 1 / 60;
    this.maxFixedSteps = options.maxFixedSteps ?? 5;
    this.now = options.now ?? monotonicMs;
    if (!(this.fixedDt > 0)) throw ecsError(EngineCode.InvalidConfig, `fixedDt ${this.fixedDt} must be positive`);
  }

  /** Adds a system (before or between frames). */
  add(def: SystemDef): this {
    if (this.systems.some((s) => s.def.name === def.name))
      throw ecsError(EngineCode.InvalidConfig, `system ${def.name} is added twice`);
    if (!def.run && !def.kernel) throw ecsError(EngineCode.InvalidConfig, `system ${def.name} needs run or kernel`);
    if (def.kernel && !def.query) throw ecsError(EngineCode.InvalidConfig, `system ${def.name}: a kernel needs a query`);
    const filtered =
      !!def.query && (def.query.added?.length ?? 0) + (def.query.changed?.length ?? 0) + (def.query.removed?.length ?? 0) > 0;
    const pool = this.options.pool;
    let kernelId = -1;
    if (def.worker && pool && !filtered) {
      kernelId = pool.kernelId(def.worker);
      if (kernelId < 0)
        throw ecsError(
          EngineCode.InvalidConfig,
          `system ${def.name}: kernel ${def.worker.export} from ${def.worker.module} is not loaded in the pool`,
        );
    }
    let query: CachedQuery | null = null;
    if (def.query) {
      query = this.world.query(def.query);
      this.world.pin(query);
    }
    this.systems.push({
      def,
      phase: def.phase ?? 'update',
      reads: new Set((def.reads ?? []).map((c) => c.name)),
      writes: new Set((def.writes ?? []).map((c) => c.name)),
      query,
      filtered,
      kernelId,
      lastTick: 0,
      timing: { lastMs: 0, meanMs: 0, maxMs: 0, runs: 0 },
      stamp: def.kernel ? (def.writes ?? []).map((c) => this.world.component(c).changedColumn).filter((col) => col >= 0) : [],
    });
    this.stagesByPhase = null;
    return this;
  }

  /** Stages of a phase as system names (what runs together). */
  stages(phase: Phase): string[][] {
    return (this.plan().get(phase) ?? []).map((stage) => stage.map((s) => s.def.name));
  }

  /** Every system's timing, in phase order and then stage order (what the performance overlay lists). */
  timings(): SystemTiming[] {
    const out: SystemTiming[] = [];
    const plan = this.plan();
    for (const phase of PHASES) {
      (plan.get(phase) ?? []).forEach((stage, index) => {
        for (const s of stage)
          out.push({
            system: s.def.name,
            phase,
            stage: index,
            on: s.kernelId >= 0 ? 'pool' : 'owner',
            lastMs: s.timing.lastMs,
            meanMs: s.timing.meanMs,
            maxMs: s.timing.maxMs,
            runs: s.timing.runs,
          });
      });
    }
    return out;
  }

  /** Runs one frame of `dt` seconds: startup (first frame), fixed steps, update, post-update, render-extract. */
  frame(dt: number): SystemFailure[] {
    const before = this.failures.length;
    const plan = this.plan();
    if (!this.started) {
      this.started = true;
      this.runPhase('startup', plan, dt);
    }
    this.accumulator += dt;
    let steps = 0;
    while (this.accumulator >= this.fixedDt && steps < this.maxFixedSteps) {
      this.runPhase('fixedUpdate', plan, this.fixedDt);
      this.accumulator -= this.fixedDt;
      steps++;
    }
    if (steps === this.maxFixedSteps) this.accumulator = Math.min(this.accumulator, this.fixedDt);
    this.runPhase('update', plan, dt);
    this.runPhase('postUpdate', plan, dt);
    this.runPhase('renderExtract', plan, dt);
    return this.failures.slice(before);
  }

  private plan(): Map<Phase, System[][]> {
    if (this.stagesByPhase) return this.stagesByPhase;
    const plan = new Map<Phase, System[][]>();
    for (const phase of PHASES) {
      const stages: System[][] = [];
      let cur: System[] = [];
      for (const s of this.systems) {
        if (s.phase !== phase) continue;
        if (cur.some((o) => conflicts(o, s))) {
          stages.push(cur);
          cur = [];
        }
        cur.push(s);
      }
      if (cur.length > 0) stages.push(cur);
      plan.set(phase, stages);
    }
    this.stagesByPhase = plan;
    return plan;
  }

  private runPhase(phase: Phase, plan: Map<Phase, System[][]>, dt: number): void {
    const stages = plan.get(phase) ?? [];
    if (stages.length === 0) return;
    const start = this.options.trace ? this.now() : 0;
    for (const stage of stages) {
      this.runStage(stage, phase, dt);
      // The tick advances per stage, before queued commands land, so a system's next `since` sees them.
      this.world.advanceTick();
      const applied = this.world.applyCommands();
      for (const e of applied.errors) this.commandErrors.push(e);
      if (this.commandErrors.length > 256) this.commandErrors.splice(0, this.commandErrors.length - 256);
    }
    this.options.trace?.span(phase, 'phase', start, this.now());
  }

  private timed(s: System, start: number, end: number): void {
    const ms = end - start;
    const t = s.timing;
    t.lastMs = ms;
    t.meanMs = t.runs === 0 ? ms : t.meanMs + (ms - t.meanMs) / 16;
    if (ms > t.maxMs) t.maxMs = ms;
    t.runs++;
    this.options.trace?.span(s.def.name, 'system', start, end);
  }

  private runStage(stage: System[], phase: Phase, dt: number): void {
    const tick = this.world.tick;
    const pool = this.options.pool;
    const onWorkers = pool ? stage.filter((s) => s.kernelId >= 0) : [];
    const onOwner = stage.filter((s) => !onWorkers.includes(s));
    const jobOwners: System[][] = [];
    const poolStart = this.now();
    if (pool && onWorkers.length > 0) {
      // Only the workers the plan keeps active get jobs (the rest wake, find none, and wait again).
      const perWorker: PoolJob[][] = Array.from({ length: pool.size }, () => []);
      const only = onWorkers[0];
      if (onWorkers.length === 1 && only && only.def.split !== false && only.query) {
        const parts = splitRuns(this.world.runsOf(only.query), pool.active);
        parts.forEach((runs, w) => {
          perWorker[w]?.push({ kernel: only.kernelId, runs, since: only.lastTick });
          jobOwners[w] = [only];
        });
      } else {
        onWorkers.forEach((s, k) => {
          const w = k % pool.active;
          perWorker[w]?.push({
            kernel: s.kernelId,
            runs: s.query ? this.world.runsOf(s.query) : new Uint32Array(0),
            since: s.lastTick,
          });
          const owners = jobOwners[w] ?? [];
          owners.push(s);
          jobOwners[w] = owners;
        });
      }
      pool.run(perWorker, { dt, tick });
    }
    for (const s of onOwner) this.runOnOwner(s, phase, dt, tick);
    if (pool && onWorkers.length > 0) {
      for (const f of pool.join()) {
        const s = jobOwners[f.worker]?.[f.job];
        if (s)
          this.fail(
            s,
            phase,
            tick,
            new EngineError(
              EngineCode.SystemFailed,
              `ecs: system ${s.def.name} failed in ${phase} (worker ${f.worker}): ${f.message}`,
            ),
          );
      }
      const poolEnd = this.now();
      for (const s of onWorkers) {
        if (s.query) this.stamp(s, this.world.runsOf(s.query), tick);
        s.lastTick = tick;
        this.timed(s, poolStart, poolEnd);
      }
    }
  }

  private runOnOwner(s: System, phase: Phase, dt: number, tick: number): void {
    const start = this.now();
    try {
      if (s.def.run) s.def.run({ world: this.world, dt, tick, since: s.lastTick, phase });
      if (s.def.kernel && s.def.query && s.query) {
        const runs = s.filtered ? runsFromIndices(this.world.read(s.def.query, s.lastTick)) : this.world.runsOf(s.query);
        s.def.kernel(this.world, runs, { dt, tick, since: s.lastTick, worker: -1 });
        this.stamp(s, runs, tick);
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.fail(
        s,
        phase,
        tick,
        new EngineError(EngineCode.SystemFailed, `ecs: system ${s.def.name} failed in ${phase}: ${message}`),
      );
    }
    s.lastTick = tick;
    this.timed(s, start, this.now());
  }

  /** Marks the written tracked components changed at `tick` over the runs (a fill per run). */
  private stamp(s: System, runs: Uint32Array, tick: number): void {
    for (const col of s.stamp) {
      const ticks = this.world.views[col] as Uint32Array;
      for (let r = 0; r < runs.length; r += 2) ticks.fill(tick, runs[r], runs[r + 1]);
    }
  }

  private fail(s: System, phase: Phase, tick: number, error: EngineError): void {
    const failure: SystemFailure = { system: s.def.name, phase, tick, message: error.message, error };
    this.failures.push(failure);
    if (this.failures.length > 256) this.failures.shift();
    this.options.onError?.(failure);
  }
}

/** Creates a scheduler for a world (optionally with a worker pool). */
export function createScheduler(world: World, options: SchedulerOptions = {}): Scheduler {
  return new Scheduler(world, options);
}
