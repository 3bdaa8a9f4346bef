/** Rolling frame-time statistics for the performance overlay: fps and p50/p95 frame milliseconds. */

export interface FrameTimes {
  fps: number;
  p50: number;
  p95: number;
}

/** Keeps the last `size` frame intervals in a ring and summarises them. */
export class FrameTimer {
  private readonly ring: Float64Array;
  private count = 0;
  private next = 0;
  private last = -1;

  constructor(size = 120) {
    this.ring = new Float64Array(size);
  }

  /** Records a frame at time `now` (ms). */
  tick(now: number): void {
    if (this.last >= 0) {
      this.ring[this.next] = now - this.last;
      this.next = (this.next + 1) % this.ring.length;
      this.count = Math.min(this.count + 1, this.ring.length);
    }
    this.last = now;
  }

  summary(): FrameTimes {
    if (this.count === 0) return { fps: 0, p50: 0, p95: 0 };
    const sorted = Array.from(this.ring.subarray(0, this.count)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    return { fps: mean > 0 ? 1000 / mean : 0, p50: at(0.5), p95: at(0.95) };
  }
}

/** Keeps the last `size` frames' own work times (ms, start to end of the frame's code) and gives their median. */
export class WorkTimer {
  private readonly ring: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 120) {
    this.ring = new Float64Array(size);
  }

  /** Records one frame's work: `ms` from its start to its end. */
  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    this.count = Math.min(this.count + 1, this.ring.length);
  }

  /** The median of the recorded frames (0 before any). */
  p50(): number {
    if (this.count === 0) return 0;
    const sorted = Array.from(this.ring.subarray(0, this.count)).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 0;
  }
}
