/** The engine's clock: milliseconds from the platform's monotonic clock (browsers, workers and Node all have one). */

// The engine core compiles without DOM types; every runtime it runs in has `performance.now()`.
declare const performance: { now(): number };

/** Monotonic milliseconds. */
export function monotonicMs(): number {
  return performance.now();
}
