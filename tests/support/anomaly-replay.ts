/**
 * A labelled replay for the anomaly detector (shared/anomaly/detector.ts) on recorded normal traffic of each kind
 * of source it scores (tests/support/storm-traffic.ts):
 * - `room`: Storm frames and bytes per connection of a real room with bots (`npm run record:traffic`);
 * - `relay`: datagrams and bytes per circuit of the real UDP relay in sessions against the real OpenSim region
 *   (`npm run record:relay`);
 * - `plugin`: bus events per example plugin in a real viewer (`npm run record:plugins`), plus its requests of the
 *   host at PLUGIN_REQUEST_WEIGHT each where the recording has them (what the plugin host's detector counts).
 * Each is replayed second by second through a fresh detector with the options its channel runs with (the room's,
 * the relay's and the bus's floors), with floods injected at seeded places (2 per source that lasted 45 s or more,
 * 3 to 8 s long, at rates from just over the channel's floor up to several times it: see FLOODS). Scores are read
 * per one-second bucket. The detector's settings (slack, alarm, warm-up) were chosen on the room recording before
 * the relay and plugin recordings existed and were not changed after: those two are held out.
 */
import { parseRelayConfig } from '../../edge/relay/config';
import { type AnomalyDetectorOptions, createAnomalyDetector } from '../../shared/anomaly/detector';
import { createRandom } from '../../shared/math/random';
import { BUS_ANOMALY_FLOOR, PLUGIN_REQUEST_WEIGHT } from '../../web/plugins/bus';
import { loadTraffic, type TrafficKind } from './storm-traffic';

/** A source gets floods only if it lasted this long (seconds): room for its warm-up and two floods apart. */
const FLOODED_FROM = 45;

const relayDefaults = parseRelayConfig({}).toSim;

/** Each channel's detector options as it runs them (edge/rooms/world-room.ts, edge/relay/relay.ts, web/plugins/bus.ts). */
export const CHANNEL_OPTIONS: Record<TrafficKind, Partial<AnomalyDetectorOptions>> = {
  // edge/rooms/world-room.ts: FLOOD_RATE (40 frames/s, edge/rooms/room-socket.ts, which needs the Workers types) × 0.75.
  room: { floor: { events_per_s: 30, bytes_per_s: 64 * 1024 } },
  relay: {
    floor: { events_per_s: relayDefaults.datagramsPerSecond / 2, bytes_per_s: relayDefaults.bytesPerSecond / 2 },
  },
  plugin: { floor: BUS_ANOMALY_FLOOR },
};

/**
 * The injected floods per kind: extra events a second (uniform in [min, max]) of `eventBytes` each. Each range
 * starts over what the channel's floor lets through from anyone (a flood under it is normal by design).
 */
export const FLOODS: Record<TrafficKind, { min: number; max: number; eventBytes: number }> = {
  // A client sending 50-500 extra 64-byte frames a second (the room's floor is 30 frames/s).
  room: { min: 50, max: 500, eventBytes: 64 },
  // A circuit sending 300-1500 extra 120-byte datagrams a second (the relay's floor is 250/s).
  relay: { min: 300, max: 1500, eventBytes: 120 },
  // A plugin publishing 150-1500 extra events a second (the bus's floor is 120/s; its rate limit 2000/s).
  plugin: { min: 150, max: 1500, eventBytes: 0 },
};

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

/**
 * The traffic of one kind (from its corpus folder, or `folder`): per source, from its first second in the recording,
 * events and bytes sent per second. A plugin's events are what its detector counts: its publishes plus its requests
 * of the host at PLUGIN_REQUEST_WEIGHT each (where the recording has them).
 */
export function recordedTraffic(
  kind: TrafficKind = 'room',
  folder?: string,
): { source: string; start: number; events: number[]; bytes: number[] }[] {
  return loadTraffic(kind, folder).map((c) => ({
    source: `${c.recording}/${c.source}`,
    start: c.from,
    events: c.frames.map((n, i) => n + (c.requests?.[i] ?? 0) * PLUGIN_REQUEST_WEIGHT),
    bytes: c.bytes,
  }));
}

/**
 * Replays one kind's traffic (with floods when `floods` is true) through a fresh detector with that channel's
 * options (`options` overrides them).
 */
export function replayTraffic(
  floods: boolean,
  seed = 20,
  options: Partial<AnomalyDetectorOptions> = {},
  kind: TrafficKind = 'room',
  traffic = recordedTraffic(kind),
): ReplayResult {
  const flood = FLOODS[kind];
  const random = createRandom(seed);
  const warmup = options.warmup ?? 5;
  // Each source's floods: [start, end) in seconds, and extra events per second.
  const injected = traffic.map(({ bytes }) => {
    if (!floods || bytes.length < FLOODED_FROM) return [];
    const out: { start: number; end: number; rate: number }[] = [];
    const half = Math.floor((bytes.length - warmup - 20) / 2);
    for (let k = 0; k < 2; k++) {
      const start = warmup + 10 + k * half + Math.floor(random() * (half - 10));
      out.push({
        start,
        end: start + 3 + Math.floor(random() * 6),
        rate: flood.min + Math.floor(random() * (flood.max - flood.min + 1)),
      });
    }
    return out;
  });
  let now = 0;
  const alarms: ReplayResult['alarms'] = [];
  const detector = createAnomalyDetector({
    ...CHANNEL_OPTIONS[kind],
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
      const extra = injected[i]?.find((f) => k >= f.start && k < f.end);
      const n = (events[k] ?? 0) + (extra?.rate ?? 0);
      if (n > 0) detector.observe(source, b + (extra ? extra.rate * flood.eventBytes : 0), n);
    });
    // Close this second's buckets and read each source's verdict on it.
    now = (second + 1) * 1000 + 1;
    detector.flush();
    traffic.forEach(({ source, start, bytes }, i) => {
      const k = second - start;
      if (k < warmup || k >= bytes.length) return;
      const s = detector.score(source);
      const which = injected[i]?.findIndex((f) => k >= f.start && k < f.end) ?? -1;
      const bad = s?.anomalous ?? false;
      buckets++;
      if (bad) flagged++;
      if (bad && which >= 0) {
        tp++;
        const c = caught[i];
        if (c) c[which] = true;
      } else if (bad) fp++;
      else if (which >= 0) fn++;
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

/** Precision and recall per bucket on the labelled replay, and the false-positive rate on the normal traffic. */
export interface ReplayFigures {
  readonly precision: number;
  readonly recall: number;
  readonly false_positive_rate: number;
  readonly sources: number;
  readonly floods: number;
  readonly floods_caught: number;
  readonly buckets_labelled_replay: number;
  readonly buckets_normal: number;
  readonly flagged_normal: number;
  readonly true_positives: number;
  readonly false_positives: number;
  readonly false_negatives: number;
}

/** The figures of one kind's replay, or of several kinds pooled (their counts summed, then the ratios taken). */
export function replayFigures(kinds: readonly TrafficKind[], seed = 20): ReplayFigures {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let floods = 0;
  let caught = 0;
  let bucketsReplay = 0;
  let bucketsNormal = 0;
  let flaggedNormal = 0;
  let sources = 0;
  for (const kind of kinds) {
    const flooded = replayTraffic(true, seed, {}, kind);
    const normal = replayTraffic(false, seed, {}, kind);
    tp += flooded.truePositives;
    fp += flooded.falsePositives;
    fn += flooded.falseNegatives;
    floods += flooded.floods;
    caught += flooded.floodsCaught;
    bucketsReplay += flooded.buckets;
    bucketsNormal += normal.buckets;
    flaggedNormal += normal.flagged;
    sources += recordedTraffic(kind).length;
  }
  return {
    precision: tp / Math.max(1, tp + fp),
    recall: tp / Math.max(1, tp + fn),
    false_positive_rate: flaggedNormal / Math.max(1, bucketsNormal),
    sources,
    floods,
    floods_caught: caught,
    buckets_labelled_replay: bucketsReplay,
    buckets_normal: bucketsNormal,
    flagged_normal: flaggedNormal,
    true_positives: tp,
    false_positives: fp,
    false_negatives: fn,
  };
}
