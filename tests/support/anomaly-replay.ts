/**
 * A labelled replay for the anomaly detector (shared/anomaly/detector.ts): the recorded Storm traffic of a real room
 * with bots (tests/support/fixtures/storm-traffic, `npm run record:traffic`: frames and bytes each connection sent
 * the room, per second), replayed second by second as the world room observes it, with floods injected at seeded
 * places (2 per connection that lasted 45 s or more, 3 to 8 s long, 50 to 500 extra frames/s of 64 bytes). Scores
 * are read per one-second bucket.
 */
import { type AnomalyDetectorOptions, createAnomalyDetector } from '../../shared/anomaly/detector';
import { createRandom } from '../../shared/math/random';
import { loadStormTraffic } from './storm-traffic';

const FRAME_BYTES = 64;
/** A connection gets floods only if it lasted this long (seconds): room for its warm-up and two floods apart. */
const FLOODED_FROM = 45;

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

/** The traffic: per connection, from its first second in the recording, frames and bytes sent per second. */
export function recordedTraffic(): { source: string; start: number; events: number[]; bytes: number[] }[] {
  return loadStormTraffic().map((c) => ({
    source: `${c.recording}/${c.source}`,
    start: c.from,
    events: c.frames,
    bytes: c.bytes,
  }));
}

/** Replays the traffic (with floods when `floods` is true) through a fresh detector. */
export function replayTraffic(floods: boolean, seed = 20, options: Partial<AnomalyDetectorOptions> = {}): ReplayResult {
  const traffic = recordedTraffic();
  const random = createRandom(seed);
  const warmup = options.warmup ?? 5;
  // Each source's floods: [start, end) in seconds, and extra events per second.
  const injected = traffic.map(({ bytes }) => {
    if (!floods || bytes.length < FLOODED_FROM) return [];
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
  const length = Math.max(...traffic.map((t) => t.start + t.bytes.length));
  let buckets = 0;
  let flagged = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const caught = injected.map((list) => list.map(() => false));
  for (let second = 0; second < length; second++) {
    now = second * 1000 + 1;
    traffic.forEach(({ source, start, events, bytes }, i) => {
      const k = second - start;
      const b = bytes[k];
      if (b === undefined) return;
      const flood = injected[i]?.find((f) => k >= f.start && k < f.end);
      const n = (events[k] ?? 0) + (flood?.rate ?? 0);
      if (n > 0) detector.observe(source, b + (flood ? flood.rate * FRAME_BYTES : 0), n);
    });
    // Close this second's buckets and read each source's verdict on it.
    now = (second + 1) * 1000 + 1;
    detector.flush();
    traffic.forEach(({ source, start, bytes }, i) => {
      const k = second - start;
      if (k < warmup || k >= bytes.length) return;
      const s = detector.score(source);
      const flood = injected[i]?.findIndex((f) => k >= f.start && k < f.end) ?? -1;
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
