/** Reconnect backoff: exponential with full jitter, capped; reset after a connection proves healthy. */

export interface BackoffOptions {
  /** First delay ceiling (ms). */
  baseMs?: number;
  /** Largest delay (ms). */
  maxMs?: number;
  /** Growth per failed attempt. */
  factor?: number;
  /** Source of randomness in [0, 1). */
  random?: () => number;
}

/** A backoff sequence. */
export interface Backoff {
  /** The delay before the next attempt (ms); each call grows the ceiling. */
  next(): number;
  /** Back to the first delay (call after a successful welcome). */
  reset(): void;
  /** Attempts since the last reset. */
  readonly attempts: number;
}

/** Creates a backoff: attempt n waits a random time in [ceiling/2, ceiling], ceiling = min(max, base × factor^n). */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const base = options.baseMs ?? 250;
  const max = options.maxMs ?? 15_000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  let attempts = 0;
  return {
    next() {
      const ceiling = Math.min(max, base * factor ** attempts);
      attempts++;
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
