/**
 * The App (Bevy's model): it owns the world, the resources, the events, the schedule and the plugins. A
 * plugin's `build(app)` adds systems (with declared reads and writes, so the scheduler can run the ones that
 * do not conflict together), resources, events and startup systems. `update(dt)` runs one frame through the
 * scheduler's phases; every system is timed, and frames, phases and systems are spans of a Chrome trace.
 */

import { monotonicMs } from './clock';
import { EngineCode, ecsError } from './errors';
import { createScheduler, type Scheduler, type SystemDef, type SystemFailure, type SystemTiming } from './schedule';
import { type ChromeTrace, TraceRecorder } from './trace';
import type { WorkerPool } from './worker-pool';
import { createWorld, World, type WorldOptions } from './world';

/** A typed key for one resource (a single value the App holds: a connection, a clock, a settings object). */
export interface ResourceKey<T> {
  readonly name: string;
  /** Type carrier only; never set. */
  readonly type?: (value: T) => T;
}

/** A typed key for one event stream. */
export interface EventKey<T> {
  readonly name: string;
  /** Most events kept per frame; a send beyond it is dropped and counted (default 4,096). */
  readonly capacity: number;
  /** Type carrier only; never set. */
  readonly type?: (value: T) => T;
}

/** Declares a resource key. Keys are compared by identity: two keys with one name are two resources. */
export function defineResource<T>(name: string): ResourceKey<T> {
  return Object.freeze({ name });
}

/** Declares an event stream. Keys are compared by identity. */
export function defineEvent<T>(name: string, options: { capacity?: number } = {}): EventKey<T> {
  const capacity = options.capacity ?? 4096;
  if (!Number.isInteger(capacity) || capacity < 1)
    throw ecsError(EngineCode.InvalidConfig, `event ${name}: capacity ${capacity} must be a positive integer`);
  return Object.freeze({ name, capacity });
}

/** Reads the events sent since this reader last read (each reader has its own cursor). */
export interface EventReader<T> {
  /** Events not yet seen by this reader, oldest first. Events live for the frame they were sent in and the next. */
  read(): readonly T[];
}

/** One event stream: double-buffered, so an event sent in frame N is readable in N (after the sender) and N+1. */
class Events<T> {
  private previous: T[] = [];
  private previousStart = 0;
  private current: T[] = [];
  private currentStart = 0;
  private sent = 0;
  dropped = 0;

  constructor(private readonly capacity: number) {}

  /** How many more events this frame holds. */
  room(): number {
    return this.capacity - this.current.length;
  }

  send(value: T): boolean {
    if (this.current.length >= this.capacity) {
      this.dropped++;
      return false;
    }
    this.current.push(value);
    this.sent++;
    return true;
  }

  readFrom(cursor: number): { events: T[]; next: number } {
    const out: T[] = [];
    const from = Math.max(cursor, this.previousStart);
    for (let seq = from; seq < this.sent; seq++) {
      const value = seq < this.currentStart ? this.previous[seq - this.previousStart] : this.current[seq - this.currentStart];
      if (value !== undefined) out.push(value);
    }
    return { events: out, next: this.sent };
  }

  swap(): void {
    this.previous = this.current;
    this.previousStart = this.currentStart;
    this.current = [];
    this.currentStart = this.sent;
  }
}

/** A plugin: a named piece of the App that adds its systems, resources and events in `build`. */
export interface Plugin {
  readonly name: string;
  /** Plugins that must be added first (their resources and events are used by this one). */
  readonly after?: readonly string[];
  build(app: App): void;
}

/** A system as the App lists it: the scheduler's timing plus the plugin that added it. */
export interface AppSystemTiming extends SystemTiming {
  readonly plugin: string;
}

/** Options of `createApp`. */
export interface AppOptions {
  /** The world, or the options to create one. */
  readonly world: World | WorldOptions;
  readonly pool?: WorkerPool;
  /** Seconds per fixed-update step (default 1/60). */
  readonly fixedDt?: number;
  readonly maxFixedSteps?: number;
  /** The clock, in ms (default performance.now). */
  readonly now?: () => number;
  /** Spans kept for the trace (default 16,384; 0 turns the trace off). */
  readonly traceSpans?: number;
  /** Called for every system failure (failures are also kept by the schedule). */
  readonly onError?: (failure: SystemFailure) => void;
}

/** Frame time statistics over the last frames. */
export interface FrameStats {
  readonly frames: number;
  readonly lastMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

const FRAME_WINDOW = 120;

/** The App. Create with `createApp`. */
export class App {
  readonly world: World;
  readonly schedule: Scheduler;
  readonly trace: TraceRecorder;
  private readonly now: () => number;
  private readonly plugins = new Map<string, Plugin>();
  private readonly resources = new Map<object, unknown>();
  private readonly events = new Map<object, Events<unknown>>();
  private readonly owners = new Map<string, string>();
  private building: string | null = null;
  private readonly frameMs = new Float64Array(FRAME_WINDOW);
  private frames = 0;

  constructor(options: AppOptions) {
    this.world = options.world instanceof World ? options.world : createWorld(options.world);
    this.now = options.now ?? monotonicMs;
    this.trace = new TraceRecorder(Math.max(1, options.traceSpans ?? 16_384), this.now);
    this.trace.enabled = options.traceSpans !== 0;
    this.schedule = createScheduler(this.world, {
      now: this.now,
      trace: this.trace,
      ...(options.pool ? { pool: options.pool } : {}),
      ...(options.fixedDt !== undefined ? { fixedDt: options.fixedDt } : {}),
      ...(options.maxFixedSteps !== undefined ? { maxFixedSteps: options.maxFixedSteps } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Adds a plugin: checks its dependencies are there, then runs its build. A name can be added once. */
  addPlugin(plugin: Plugin): this {
    if (this.plugins.has(plugin.name)) throw ecsError(EngineCode.InvalidConfig, `plugin ${plugin.name} is added twice`);
    for (const dep of plugin.after ?? [])
      if (!this.plugins.has(dep))
        throw ecsError(EngineCode.InvalidConfig, `plugin ${plugin.name} needs plugin ${dep}; add ${dep} first`);
    this.plugins.set(plugin.name, plugin);
    const outer = this.building;
    this.building = plugin.name;
    try {
      plugin.build(this);
    } finally {
      this.building = outer;
    }
    return this;
  }

  /** Adds plugins in order. */
  addPlugins(...plugins: Plugin[]): this {
    for (const p of plugins) this.addPlugin(p);
    return this;
  }

  hasPlugin(name: string): boolean {
    return this.plugins.has(name);
  }

  /** Plugin names in the order they were added. */
  pluginNames(): string[] {
    return [...this.plugins.keys()];
  }

  /** Adds a system (see SystemDef); inside a plugin's build it is listed under that plugin. */
  addSystem(def: SystemDef): this {
    this.schedule.add(def);
    this.owners.set(def.name, this.building ?? 'app');
    return this;
  }

  /** Sets a resource (replacing any earlier value). */
  insertResource<T>(key: ResourceKey<T>, value: T): this {
    this.resources.set(key, value);
    return this;
  }

  /** The value of a resource; throws a clear error when it was never inserted. */
  resource<T>(key: ResourceKey<T>): T {
    if (!this.resources.has(key))
      throw ecsError(EngineCode.InvalidConfig, `resource ${key.name} is not in the app; a plugin must insert it first`);
    return this.resources.get(key) as T;
  }

  hasResource<T>(key: ResourceKey<T>): boolean {
    return this.resources.has(key);
  }

  /** Registers an event stream (idempotent for the same key). */
  addEvent<T>(key: EventKey<T>): this {
    if (!this.events.has(key)) this.events.set(key, new Events<unknown>(key.capacity));
    return this;
  }

  /** Sends an event; returns false (and counts it) when the stream is full this frame. */
  send<T>(key: EventKey<T>, value: T): boolean {
    return this.stream(key).send(value);
  }

  /** How many more events stream `key` takes this frame (a sender with a queue of its own sends only that many). */
  eventRoom<T>(key: EventKey<T>): number {
    return this.stream(key).room();
  }

  /** A new reader of an event stream (it sees events sent from now on and those of the current and last frame). */
  reader<T>(key: EventKey<T>): EventReader<T> {
    const stream = this.stream(key) as Events<T>;
    let cursor = 0;
    return {
      read: () => {
        const { events, next } = stream.readFrom(cursor);
        cursor = next;
        return events;
      },
    };
  }

  /** Events dropped because a stream was full. */
  droppedEvents<T>(key: EventKey<T>): number {
    return this.stream(key).dropped;
  }

  /** Runs one frame of `dt` seconds through the schedule; returns the failures of this frame. */
  update(dt: number): SystemFailure[] {
    const start = this.now();
    const failures = this.schedule.frame(dt);
    for (const stream of this.events.values()) stream.swap();
    const end = this.now();
    this.trace.span('frame', 'frame', start, end);
    this.frameMs[this.frames % FRAME_WINDOW] = end - start;
    this.frames++;
    return failures;
  }

  /** Frame times of the recent frames (the App's own work, not the time between frames). */
  frameStats(): FrameStats {
    const n = Math.min(this.frames, FRAME_WINDOW);
    if (n === 0) return { frames: 0, lastMs: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0 };
    const sorted = Float64Array.from(this.frameMs.subarray(0, n)).sort();
    const at = (p: number) => sorted[Math.min(n - 1, Math.floor((p / 100) * n))] ?? 0;
    return {
      frames: this.frames,
      lastMs: this.frameMs[(this.frames - 1) % FRAME_WINDOW] ?? 0,
      p50Ms: at(50),
      p95Ms: at(95),
      p99Ms: at(99),
    };
  }

  /** Every system in phase and stage order, with its timing and its plugin. */
  systems(): AppSystemTiming[] {
    return this.schedule.timings().map((t) => ({ ...t, plugin: this.owners.get(t.system) ?? 'app' }));
  }

  /** The recorded spans (frames, phases, systems) as a Chrome trace. */
  exportTrace(process = 'stormcore engine'): ChromeTrace {
    return this.trace.toChromeTrace(process);
  }

  private stream<T>(key: EventKey<T>): Events<unknown> {
    const stream = this.events.get(key);
    if (!stream) throw ecsError(EngineCode.InvalidConfig, `event ${key.name} is not registered; call addEvent first`);
    return stream;
  }
}

/** Creates an App over a new (or given) world. */
export function createApp(options: AppOptions): App {
  return new App(options);
}
