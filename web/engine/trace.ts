/**
 * Profiling spans: a bounded ring of complete spans (a name, a category, a start and a duration in
 * microseconds, a thread lane) that exports as a Chrome trace (the JSON Object Format: `traceEvents` of
 * `ph: "X"` events), which Perfetto and chrome://tracing open as they are.
 */
import { monotonicMs } from './clock';
import { EngineCode, ecsError } from './errors';

/** One finished span. Times in microseconds from the recorder's clock origin. */
export interface TraceSpan {
  readonly name: string;
  /** What kind of span: "frame", "phase", "system", or any caller's word. */
  readonly cat: string;
  readonly ts: number;
  readonly dur: number;
  /** The lane the span is drawn on (0: the owner thread; pool workers are 1..n). */
  readonly tid: number;
}

/** A Chrome trace event of a complete span, or the metadata event that names a lane. */
export type ChromeTraceEvent =
  | { name: string; cat: string; ph: 'X'; ts: number; dur: number; pid: number; tid: number }
  | { name: 'thread_name' | 'process_name'; ph: 'M'; pid: number; tid: number; args: { name: string } };

/** The document `exportTrace` gives: save it as .json and open it in Perfetto. */
export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
}

/**
 * Keeps the newest `capacity` spans in typed arrays (names interned), so recording a span allocates nothing
 * and a full ring costs 17 bytes a span outside the JS heap.
 */
export class TraceRecorder {
  private readonly nameOf: Uint16Array;
  private readonly catOf: Uint16Array;
  private readonly ts: Float64Array;
  private readonly dur: Float32Array;
  private readonly tid: Uint8Array;
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private head = 0;
  private count = 0;
  /** Turn off to make `span` a no-op (the timings the scheduler keeps do not depend on it). */
  enabled = true;

  constructor(
    readonly capacity = 16_384,
    /** The clock, in milliseconds (performance.now where there is one). */
    readonly now: () => number = monotonicMs,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1 << 20)
      throw ecsError(EngineCode.InvalidConfig, `trace capacity ${capacity} must be an integer in 1..1048576`);
    this.nameOf = new Uint16Array(capacity);
    this.catOf = new Uint16Array(capacity);
    this.ts = new Float64Array(capacity);
    this.dur = new Float32Array(capacity);
    this.tid = new Uint8Array(capacity);
  }

  /** Records a span that started at `startMs` and ended at `endMs` (both from `now`). */
  span(name: string, cat: string, startMs: number, endMs: number, tid = 0): void {
    if (!this.enabled) return;
    const at = this.head;
    this.nameOf[at] = this.intern(name);
    this.catOf[at] = this.intern(cat);
    this.ts[at] = startMs * 1000;
    this.dur[at] = Math.max(0, endMs - startMs) * 1000;
    this.tid[at] = tid & 0xff;
    this.head = (at + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Spans held, oldest first. */
  list(): TraceSpan[] {
    const out: TraceSpan[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const at = (start + k) % this.capacity;
      out.push({
        name: this.names[this.nameOf[at] ?? 0] ?? '',
        cat: this.names[this.catOf[at] ?? 0] ?? '',
        ts: this.ts[at] ?? 0,
        dur: this.dur[at] ?? 0,
        tid: this.tid[at] ?? 0,
      });
    }
    return out;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  private intern(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      // Names are system, phase and category names: a small, fixed set. Past 65,536 the ring reuses the last id.
      id = Math.min(this.names.length, 0xffff);
      if (id === this.names.length) {
        this.names.push(name);
        this.nameIds.set(name, id);
      }
    }
    return id;
  }

  /** The spans as a Chrome trace; `process` names the process row (e.g. "world worker"). */
  toChromeTrace(process = 'stormcore engine', lanes: Readonly<Record<number, string>> = { 0: 'owner' }): ChromeTrace {
    const pid = 1;
    const events: ChromeTraceEvent[] = [{ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: process } }];
    for (const [tid, name] of Object.entries(lanes))
      events.push({ name: 'thread_name', ph: 'M', pid, tid: Number(tid), args: { name } });
    for (const s of this.list()) events.push({ name: s.name, cat: s.cat, ph: 'X', ts: s.ts, dur: s.dur, pid, tid: s.tid });
    return { traceEvents: events, displayTimeUnit: 'ms' };
  }
}
