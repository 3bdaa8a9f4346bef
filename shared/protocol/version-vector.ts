/** Per-entity version vectors: detect concurrent edits instead of silently overwriting them. */
import { z } from 'zod';

/** Actor id → number of edits that actor has made to the entity. */
export const VersionVector = z.record(z.string().min(1).max(64), z.number().int().min(0));
export type VersionVector = z.infer<typeof VersionVector>;

/** How two vectors relate: equal vectors are NOT concurrent. */
export type VersionOrder = 'equal' | 'before' | 'after' | 'concurrent';

/** Compares `a` with `b`: 'before' when every count of a ≤ b's and one is smaller, and so on. */
export function compareVersions(a: VersionVector, b: VersionVector): VersionOrder {
  let less = false;
  let more = false;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    if (x < y) less = true;
    else if (x > y) more = true;
  }
  if (less && more) return 'concurrent';
  if (less) return 'before';
  if (more) return 'after';
  return 'equal';
}

/** Element-wise maximum. */
export function mergeVersions(a: VersionVector, b: VersionVector): VersionVector {
  const out: VersionVector = { ...a };
  for (const [key, n] of Object.entries(b)) out[key] = Math.max(out[key] ?? 0, n);
  return out;
}

/** A copy of `v` with `actor`'s count incremented (stamp after incrementing). */
export function incrementVersion(v: VersionVector, actor: string): VersionVector {
  return { ...v, [actor]: (v[actor] ?? 0) + 1 };
}
