/** One part of the assets suite (J2K, mesh decode, the browser visit): its cases, ratios, named figures and notes. */
import type { CaseResult } from './report';

/** What a part of the assets suite adds to its report. */
export interface SuitePart {
  cases: CaseResult[];
  ratios: Record<string, number>;
  ms: Record<string, number>;
  extra: Record<string, unknown>;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error('bench: the median of no values');
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
