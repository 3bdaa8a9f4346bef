/**
 * Anomaly scores for incoming traffic per source (seed 11.2): a documented statistical detector, the same in the
 * edge room (Storm frames per connection), the relay (packets per circuit) and the viewer (plugin bus events per
 * plugin). Traffic is counted in one-second buckets per source (events, and bytes where the caller knows them).
 * Each closed bucket gets a z-score per feature against the source's own exponentially weighted mean and
 * variance (until it has `warmup` buckets of its own, a new source is compared with the 95th percentile of every
 * source's recent buckets); the
 * variance has a floor (half the mean, and an absolute one) so a quiet source is not alarmed by a little more.
 * The z is capped at `zCap` and fed to a one-sided CUSUM, S = max(0, S + z - k): one burst — a snapshot after a
 * join, a restart — stays under the alarm `h`; a flood that lasts two buckets or more crosses it. A source over
 * `h` (S is capped at h + zCap, so it falls back soon after) whose bucket is still over its baseline is anomalous: reported once with the features that drove it, and throttled (`observe` answers false) until
 * `cooldownMs` after its score falls back. Buckets that alarm do not teach the baseline.
 */

/** The features scored per bucket. */
export const ANOMALY_FEATURES = ['events_per_s', 'bytes_per_s'] as const;
export type AnomalyFeature = (typeof ANOMALY_FEATURES)[number];

/** One feature of a source's last closed bucket, against its baseline. */
export interface AnomalyFeatureScore {
  readonly feature: AnomalyFeature;
  readonly value: number;
  readonly mean: number;
  readonly std: number;
  readonly z: number;
}

/** A source's current score. */
export interface AnomalyScore {
  readonly source: string;
  /** The CUSUM of its capped z-scores: over `threshold`, anomalous. */
  readonly score: number;
  readonly threshold: number;
  readonly anomalous: boolean;
  /** Its events are being refused (anomalous now, or within the cooldown after). */
  readonly throttled: boolean;
  /** Buckets closed so far. */
  readonly buckets: number;
  /** The last closed bucket's features, highest z first. */
  readonly features: readonly AnomalyFeatureScore[];
}

export interface AnomalyDetectorOptions {
  /** Monotonic ms. */
  readonly now: () => number;
  readonly bucketMs?: number;
  /** Buckets before a source is judged by its own baseline (default 5). */
  readonly warmup?: number;
  /** Weight of the newest bucket in the baseline (default 0.05: about the last 20 s). */
  readonly alpha?: number;
  /** CUSUM slack: z below it lowers the score (default 3). */
  readonly slack?: number;
  /** CUSUM alarm (default 8). */
  readonly threshold?: number;
  /** Largest z one bucket adds (default 10: one burst alone never alarms). */
  readonly zCap?: number;
  /** Throttle kept this long after the score falls back under the alarm (default 10 s). */
  readonly cooldownMs?: number;
  /** Least standard deviation per feature (default 2 events/s, 512 bytes/s). */
  readonly minStd?: Partial<Record<AnomalyFeature, number>>;
  /**
   * Rates never anomalous however far over the baseline (default 0): what the channel accepts from anyone, e.g. a
   * plugin publishing once a frame after a quiet start.
   */
  readonly floor?: Partial<Record<AnomalyFeature, number>>;
  /** Sources tracked at most; the longest idle is forgotten past it (default 4096). */
  readonly maxSources?: number;
  /** Called once when a source turns anomalous, with the features that drove it (log it). */
  readonly onAnomaly?: (score: AnomalyScore) => void;
}

export interface AnomalyDetector {
  /** Counts one event (and its bytes) from `source`; false when the source is throttled (drop the event). */
  observe(source: string, bytes?: number, events?: number): boolean;
  /** Closes every bucket that has ended (call it once a second, or before reading scores). */
  flush(): void;
  score(source: string): AnomalyScore | null;
  /** Every tracked source's score, highest first. */
  scores(): AnomalyScore[];
  forget(source: string): void;
}

interface Baseline {
  mean: number;
  variance: number;
  n: number;
  /** The first `warmup` values (the baseline starts from their median and MAD). */
  early: number[];
}

interface SourceState {
  bucketStart: number;
  events: number;
  bytes: number;
  cusum: number;
  buckets: number;
  base: Record<AnomalyFeature, Baseline>;
  features: AnomalyFeatureScore[];
  anomalous: boolean;
  throttledUntil: number;
  lastSeen: number;
}

/** Recent normal buckets kept of every source together (per feature). */
const POPULATION = 512;

/** Empty buckets closed at most when a source comes back after a silence (a longer one is the same baseline). */
const MAX_EMPTY_BUCKETS = 60;

const baseline = (): Record<AnomalyFeature, Baseline> => ({
  events_per_s: { mean: 0, variance: 0, n: 0, early: [] },
  bytes_per_s: { mean: 0, variance: 0, n: 0, early: [] },
});

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/**
 * Adds a value to a baseline: its first `warmup` values start it robustly (median, and 1.4826 × MAD as the
 * deviation: a connection's opening burst does not set it), then an exponentially weighted mean and variance.
 */
function learn(b: Baseline, x: number, alpha: number, warmup: number): void {
  b.n++;
  if (b.n <= warmup) {
    b.early.push(x);
    b.mean = median(b.early);
    const mad = median(b.early.map((v) => Math.abs(v - b.mean)));
    b.variance = (1.4826 * mad) ** 2;
    if (b.n === warmup) b.early = [];
    return;
  }
  const d = x - b.mean;
  b.mean += alpha * d;
  b.variance = (1 - alpha) * (b.variance + alpha * d * d);
}

export function createAnomalyDetector(options: AnomalyDetectorOptions): AnomalyDetector {
  const bucketMs = options.bucketMs ?? 1000;
  const warmup = options.warmup ?? 5;
  const alpha = options.alpha ?? 0.05;
  const slack = options.slack ?? 3;
  const threshold = options.threshold ?? 8;
  const zCap = options.zCap ?? 10;
  const cooldownMs = options.cooldownMs ?? 10_000;
  const minStd: Record<AnomalyFeature, number> = {
    events_per_s: options.minStd?.events_per_s ?? 2,
    bytes_per_s: options.minStd?.bytes_per_s ?? 512,
  };
  const maxSources = options.maxSources ?? 4096;
  const floor: Record<AnomalyFeature, number> = {
    events_per_s: options.floor?.events_per_s ?? 0,
    bytes_per_s: options.floor?.bytes_per_s ?? 0,
  };
  const sources = new Map<string, SourceState>();
  /**
   * Every source's recent normal buckets (the last POPULATION of them per feature): a new source is judged against
   * their 95th percentile, with a deviation of at least that level and five floors, so a newcomer is anomalous only
   * when it is far over what the busy sources send, however many idle ones there are.
   */
  const population: Record<AnomalyFeature, number[]> = { events_per_s: [], bytes_per_s: [] };
  let populationAt = Number.NaN;
  const populationLevel: Record<AnomalyFeature, { level: number; n: number }> = {
    events_per_s: { level: 0, n: 0 },
    bytes_per_s: { level: 0, n: 0 },
  };
  /** The population's 95th percentile per feature, made once per bucket end. */
  const levels = (end: number): Record<AnomalyFeature, { level: number; n: number }> => {
    if (end !== populationAt) {
      populationAt = end;
      for (const f of ANOMALY_FEATURES) {
        const sorted = [...population[f]].sort((a, b) => a - b);
        populationLevel[f] = { level: sorted[Math.floor(sorted.length * 0.95)] ?? 0, n: sorted.length };
      }
    }
    return populationLevel;
  };

  const closeBucket = (s: SourceState, name: string, events: number, bytes: number, end: number): void => {
    const perS = 1000 / bucketMs;
    const values: Record<AnomalyFeature, number> = { events_per_s: events * perS, bytes_per_s: bytes * perS };
    const own = s.buckets >= warmup;
    const features: AnomalyFeatureScore[] = [];
    const pop = own ? null : levels(end);
    for (const f of ANOMALY_FEATURES) {
      const b = s.base[f];
      const p = pop?.[f];
      if (p ? p.n < warmup : b.n < warmup) continue;
      const mean = p ? p.level : b.mean;
      const std = p ? Math.max(p.level, 5 * minStd[f]) : Math.max(Math.sqrt(b.variance), 0.5 * b.mean, minStd[f]);
      const z = (values[f] - mean) / std;
      features.push({ feature: f, value: values[f], mean, std, z: values[f] <= floor[f] ? Math.min(0, z) : z });
    }
    features.sort((a, b) => b.z - a.z);
    const z = Math.min(zCap, features[0]?.z ?? 0);
    // Capped, so the score falls back within a few buckets of a flood's end.
    s.cusum = Math.min(threshold + zCap, Math.max(0, s.cusum + z - slack));
    s.features = features;
    s.buckets++;
    const was = s.anomalous;
    // Anomalous while the score is over the alarm and this bucket is still over the baseline.
    s.anomalous = s.cusum > threshold && z > slack;
    if (s.anomalous) s.throttledUntil = Number.POSITIVE_INFINITY;
    else if (was) s.throttledUntil = end + cooldownMs;
    if (s.anomalous && !was) options.onAnomaly?.(view(name, s, end));
    // Only normal buckets teach the baselines (a flood must not become the new normal).
    // Past the warm-up each value is clipped to the baseline's mean + slack deviations, so a burst the CUSUM
    // let through does not widen the baseline for a minute after.
    if (!s.anomalous && z < slack) {
      for (const f of ANOMALY_FEATURES) {
        const b = s.base[f];
        const limit = b.n < warmup ? values[f] : b.mean + slack * Math.max(Math.sqrt(b.variance), 0.5 * b.mean, minStd[f]);
        learn(b, Math.min(values[f], limit), alpha, warmup);
        const ring = population[f];
        ring.push(values[f]);
        if (ring.length > POPULATION) ring.shift();
      }
    }
  };

  /** Closes `s`'s buckets that ended by `now` (the current one with its counts, then empty ones). */
  const roll = (name: string, s: SourceState, now: number): void => {
    let closed = 0;
    while (now >= s.bucketStart + bucketMs) {
      if (closed < MAX_EMPTY_BUCKETS) closeBucket(s, name, s.events, s.bytes, s.bucketStart + bucketMs);
      closed++;
      s.events = 0;
      s.bytes = 0;
      s.bucketStart += bucketMs;
      if (closed >= MAX_EMPTY_BUCKETS) s.bucketStart = Math.max(s.bucketStart, now - (now % bucketMs));
    }
  };

  const view = (source: string, s: SourceState, now: number): AnomalyScore => ({
    source,
    score: s.cusum,
    threshold,
    anomalous: s.anomalous,
    throttled: now < s.throttledUntil,
    buckets: s.buckets,
    features: s.features,
  });

  const stateOf = (source: string, now: number): SourceState => {
    let s = sources.get(source);
    if (!s) {
      if (sources.size >= maxSources) {
        let idle: string | null = null;
        let at = Number.POSITIVE_INFINITY;
        for (const [name, st] of sources) if (st.lastSeen < at) [idle, at] = [name, st.lastSeen];
        if (idle !== null) sources.delete(idle);
      }
      s = {
        bucketStart: now - (now % bucketMs),
        events: 0,
        bytes: 0,
        cusum: 0,
        buckets: 0,
        base: baseline(),
        features: [],
        anomalous: false,
        throttledUntil: 0,
        lastSeen: now,
      };
      sources.set(source, s);
    }
    return s;
  };

  return {
    observe(source, bytes = 0, events = 1) {
      const now = options.now();
      const s = stateOf(source, now);
      roll(source, s, now);
      s.events += Number.isFinite(events) && events > 0 ? events : 0;
      s.bytes += Number.isFinite(bytes) && bytes > 0 ? bytes : 0;
      s.lastSeen = now;
      return now >= s.throttledUntil;
    },
    flush() {
      const now = options.now();
      for (const [name, s] of sources) roll(name, s, now);
    },
    score(source) {
      const s = sources.get(source);
      return s ? view(source, s, options.now()) : null;
    },
    scores() {
      const now = options.now();
      return [...sources].map(([name, s]) => view(name, s, now)).sort((a, b) => b.score - a.score);
    },
    forget(source) {
      sources.delete(source);
    },
  };
}
