/**
 * Eviction policies for cached queries (seed 12.2): plain LRU, and a predicted-reuse score that
 * estimates each key's next use from its access history (frequency + inter-arrival gap + recency)
 * and evicts the key expected back last. `simulateCache` replays a recorded trace against a policy.
 */

/** Chooses which cached key to drop. Keys are the canonical query keys. */
export interface EvictionPolicy {
  readonly name: string;
  /** Records a lookup of `key` at logical time `now` (hit or miss). */
  touch(key: string, now: number): void;
  /** Picks the key to evict among `candidates` (never empty). */
  victim(candidates: readonly string[], now: number): string;
}

/** Least recently used. */
export function createLruPolicy(): EvictionPolicy {
  const last = new Map<string, number>();
  return {
    name: 'lru',
    touch(key, now) {
      last.set(key, now);
    },
    victim(candidates) {
      let best = candidates[0] ?? '';
      let bestT = Number.POSITIVE_INFINITY;
      for (const k of candidates) {
        const t = last.get(k) ?? Number.NEGATIVE_INFINITY;
        if (t < bestT) {
          bestT = t;
          best = k;
        }
      }
      return best;
    },
  };
}

interface History {
  count: number;
  last: number;
  /** Smoothed gap between accesses (exponential moving average). */
  gap: number;
}

/**
 * Predicted reuse: each key's next access is forecast as `last + gap` (smoothed inter-arrival gap);
 * a key seen once has no forecast and is assumed far away (one-off queries go first); an overdue
 * key is pushed back by how long it has been silent. The victim is the key forecast furthest in the
 * future (an online approximation of Belady's optimal policy). History outlives eviction (bounded),
 * so a periodic query keeps its score when it comes back.
 */
export function createPredictedReusePolicy(options: { historyLimit?: number; smoothing?: number } = {}): EvictionPolicy {
  const limit = options.historyLimit ?? 4096;
  const alpha = options.smoothing ?? 0.5;
  const hist = new Map<string, History>();
  const forecast = (h: History, now: number): number => {
    if (h.count < 2) return now + 1e9 + (now - h.last);
    const next = h.last + h.gap;
    return next >= now ? next : now + (now - h.last);
  };
  return {
    name: 'predicted-reuse',
    touch(key, now) {
      const h = hist.get(key);
      if (h) {
        const gap = now - h.last;
        h.gap = h.count < 2 ? gap : alpha * gap + (1 - alpha) * h.gap;
        h.count += 1;
        h.last = now;
        hist.delete(key);
        hist.set(key, h);
      } else {
        hist.set(key, { count: 1, last: now, gap: 0 });
        if (hist.size > limit) {
          const oldest = hist.keys().next();
          if (!oldest.done) hist.delete(oldest.value);
        }
      }
    },
    victim(candidates, now) {
      let best = candidates[0] ?? '';
      let bestNext = Number.NEGATIVE_INFINITY;
      for (const k of candidates) {
        const h = hist.get(k);
        const next = h ? forecast(h, now) : Number.POSITIVE_INFINITY;
        if (next > bestNext) {
          bestNext = next;
          best = k;
        }
      }
      return best;
    },
  };
}

/** Hit statistics of a replayed trace. */
export interface CacheSimulation {
  policy: string;
  capacity: number;
  lookups: number;
  hits: number;
  hitRate: number;
}

/** Replays a trace of query keys through a cache of `capacity` entries under `policy`. */
export function simulateCache(trace: readonly string[], capacity: number, policy: EvictionPolicy): CacheSimulation {
  const cached = new Set<string>();
  let hits = 0;
  trace.forEach((key, now) => {
    policy.touch(key, now);
    if (cached.has(key)) {
      hits += 1;
      return;
    }
    if (cached.size >= capacity) cached.delete(policy.victim([...cached], now));
    cached.add(key);
  });
  return { policy: policy.name, capacity, lookups: trace.length, hits, hitRate: trace.length ? hits / trace.length : 0 };
}
