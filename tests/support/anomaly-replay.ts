/**
 * A labelled replay for the anomaly detector (shared/anomaly/detector.ts): the committed load-trace corpus's
 * per-second traffic of each recorded connection (its net in and net out bytes/s, one source each; events are
 * taken as bytes / 64, a small Storm frame), replayed second by second, with floods injected at seeded places
 * (2 per source, 3 to 8 s long, 50 to 500 extra events/s of 64 bytes). Scores are read per one-second bucket.
 */
import { type AnomalyDetectorOptions, createAnomalyDetector } from '../../shared/anomaly/detector';
import { createRandom } from '../../shared/math/random';
import { loadRecordings } from './load-traces';

const FRAME_BYTES = 64;

export interface ReplayResult {
  /** Buckets scored (past each source's warm-up). */
  readonly buckets: number;
  readonly flagged: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** Floods injected, and those flagged in at least one of their buckets. */
  readonly floods: number;
  readonly floodsCaught: number;
  /** The floods no bucket flagged. */
  readonly missed: { source: string; start: number; end: number; rate: number }[];
  /** What was logged when a source turned anomalous. */
  readonly alarms: { source: string; feature: string; z: number }[];
}

/** The traffic: one series of bytes per second per source. */
export function recordedTraffic(): { source: string; bytes: number[] }[] {
  return [...loadRecordings('train'), ...loadRecordings('heldout')].flatMap((r) => [
    { source: `${r.name}/in`, bytes: r.snapshots.map((s) => s.net_in_bytes_per_s) },
    { source: `${r.name}/out`, bytes: r.snapshots.map((s) => s.net_out_bytes_per_s) },
  ]);
}

/** Replays the traffic (with floods when `floods` is true) through a fresh detector. */
export function replayTraffic(floods: boolean, seed = 20, options: Partial<AnomalyDetectorOptions> = {}): ReplayResult {
  const traffic = recordedTraffic();
  const random = createRandom(seed);
  const warmup = options.warmup ?? 5;
  // Each source's floods: [start, end) in seconds, and extra events per second.
  const injected = traffic.map(({ bytes }) => {
    if (!floods) return [];
    const out: { start: number; end: number; rate: number }[] = [];
    const half = Math.floor((bytes.length - warmup - 20) / 2);
    for (let k = 0; k < 2; k++) {
      const start = warmup + 10 + k * half + Math.floor(random() * (half - 10));
      out.push({ start, end: start + 3 + Math.floor(random() * 6), rate: 50 + Math.floor(random() * 451) });
    }
    return out;
  });
  let now = 0;
  const alarms: ReplayResult['alarms'] = [];
  const detector = createAnomalyDetector({
    now: () => now,
    onAnomaly: (s) => alarms.push({ source: s.source, feature: s.features[0]?.feature ?? '', z: s.features[0]?.z ?? 0 }),
    ...options,
  });
  const length = Math.max(...traffic.map((t) => t.bytes.length));
  let buckets = 0;
  let flagged = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const caught = injected.map((list) => list.map(() => false));
  for (let second = 0; second < length; second++) {
    now = second * 1000 + 1;
    traffic.forEach(({ source, bytes }, i) => {
      const b = bytes[second];
      if (b === undefined) return;
      const flood = injected[i]?.find((f) => second >= f.start && second < f.end);
      const events = Math.ceil(b / FRAME_BYTES) + (flood?.rate ?? 0);
      if (events > 0) detector.observe(source, b + (flood ? flood.rate * FRAME_BYTES : 0), events);
    });
    // Close this second's buckets and read each source's verdict on it.
    now = (second + 1) * 1000 + 1;
    detector.flush();
    traffic.forEach(({ source, bytes }, i) => {
      if (second >= bytes.length || second < warmup) return;
      const s = detector.score(source);
      const flood = injected[i]?.findIndex((f) => second >= f.start && second < f.end) ?? -1;
      const bad = s?.anomalous ?? false;
      buckets++;
      if (bad) flagged++;
      if (bad && flood >= 0) {
        tp++;
        const c = caught[i];
        if (c) c[flood] = true;
      } else if (bad) fp++;
      else if (flood >= 0) fn++;
    });
  }
  return {
    buckets,
    flagged,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    floods: injected.reduce((n, l) => n + l.length, 0),
    floodsCaught: caught.reduce((n, l) => n + l.filter(Boolean).length, 0),
    missed: injected.flatMap((list, i) =>
      list.flatMap((f, k) => (caught[i]?.[k] ? [] : [{ source: traffic[i]?.source ?? '', ...f }])),
    ),
    alarms,
  };
}
