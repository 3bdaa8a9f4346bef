/**
 * Per-plugin profile baselines (seed 13.3): a plugin's profile (update time p50/p99, bus events in and out per
 * second, memory) is kept per name and version in the host's storage; when another version of the plugin loads,
 * its profile is compared with the last other version's, and a regression (more than 5 % worse and beyond the
 * noise both measured: the bench's own rule, shared/math/regression.ts) is shown in the Plugins panel.
 */
import { z } from 'zod';
import { findRegressions } from '../../shared/math/regression';
import type { PluginStorage } from './storage';

/**
 * The storage namespace profiles are kept under: not a valid plugin name (those start with a letter), so no plugin
 * can read or write it.
 */
export const PROFILE_NAMESPACE = '~profiles';
/** Versions kept per plugin (the oldest is dropped). */
export const MAX_PROFILE_VERSIONS = 8;
/** Most bytes of a plugin's stored profiles (they are parsed when read back). */
const MAX_PROFILES_BYTES = 16 * 1024;

const ms = z.number().finite().min(0).max(3_600_000);
const rate = z.number().finite().min(0).max(1e9);

/** One version's profile, as kept. */
export const PluginProfile = z
  .object({
    version: z.string().min(1).max(64),
    /** Update time (ms): median, 99th percentile, and the median absolute deviation (the noise). */
    update_ms_p50: ms,
    update_ms_p99: ms,
    update_ms_mad: ms,
    /** Updates the figures were taken over. */
    updates: z.number().int().min(0),
    events_in_per_s: rate,
    events_out_per_s: rate,
    memory_bytes: z.number().finite().min(0).nullable(),
    /** When it was taken (ms since epoch). */
    at: z.number().finite(),
  })
  .strict();
export type PluginProfile = z.infer<typeof PluginProfile>;

const Stored = z.object({ profiles: z.array(PluginProfile).max(MAX_PROFILE_VERSIONS) }).strict();

/** What comparing a new version's profile with the baseline found. */
export interface ProfileComparison {
  /** The version the baseline was taken from. */
  readonly baseline: string;
  /** Each regression said as `what: before -> after (+x %)`; empty: none beyond noise. */
  readonly regressions: readonly string[];
  /** Every figure as `what: before -> after`, for the panel's detail. */
  readonly figures: readonly string[];
}

/** A profile from update times (ms, any order) and the counters over `seconds`. Null without updates. */
export function profileOf(
  version: string,
  updateMs: ArrayLike<number>,
  counters: { eventsIn: number; eventsOut: number; seconds: number; memory: number | null },
  at = Date.now(),
): PluginProfile | null {
  const n = updateMs.length;
  if (n === 0) return null;
  const sorted = Float64Array.from(updateMs).sort();
  const pick = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))] ?? 0;
  const p50 = pick(0.5);
  const dev = Float64Array.from(sorted, (v) => Math.abs(v - p50)).sort();
  const seconds = Math.max(1e-3, counters.seconds);
  return {
    version,
    update_ms_p50: p50,
    update_ms_p99: pick(0.99),
    update_ms_mad: dev[Math.min(n - 1, Math.max(0, Math.ceil(0.5 * n) - 1))] ?? 0,
    updates: n,
    events_in_per_s: counters.eventsIn / seconds,
    events_out_per_s: counters.eventsOut / seconds,
    memory_bytes: counters.memory,
    at,
  };
}

/**
 * Compares `current` with `baseline` by the bench's regression rule: update p50 and p99 (noise: both profiles'
 * deviations), memory (no noise known: 5 % alone). Events per second are listed, not judged (more events can be
 * more work asked of it, not a slower plugin).
 */
export function compareProfiles(baseline: PluginProfile, current: PluginProfile): ProfileComparison {
  const cases = (p: PluginProfile) => [
    { name: 'update p50', median_ms: p.update_ms_p50, mad_ms: p.update_ms_mad, samples: p.updates },
    { name: 'update p99', median_ms: p.update_ms_p99, mad_ms: p.update_ms_mad, samples: p.updates },
    ...(p.memory_bytes !== null && baseline.memory_bytes !== null && current.memory_bytes !== null
      ? [{ name: 'memory', median_ms: p.memory_bytes / 1048576, samples: 1 }]
      : []),
  ];
  const regressions = findRegressions(cases(current), cases(baseline)).map((r) =>
    r.startsWith('memory: ') ? r.replace(/ ms/g, ' MiB') : r,
  );
  const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));
  const figures = [
    `update p50: ${f(baseline.update_ms_p50)} -> ${f(current.update_ms_p50)} ms`,
    `update p99: ${f(baseline.update_ms_p99)} -> ${f(current.update_ms_p99)} ms`,
    `events in: ${f(baseline.events_in_per_s)} -> ${f(current.events_in_per_s)} /s`,
    `events out: ${f(baseline.events_out_per_s)} -> ${f(current.events_out_per_s)} /s`,
    ...(baseline.memory_bytes !== null && current.memory_bytes !== null
      ? [`memory: ${f(baseline.memory_bytes / 1048576)} -> ${f(current.memory_bytes / 1048576)} MiB`]
      : []),
  ];
  return { baseline: baseline.version, regressions, figures };
}

/** Where the host keeps profiles: per plugin, the last MAX_PROFILE_VERSIONS versions' (newest last). */
export class ProfileStore {
  constructor(private readonly storage: PluginStorage) {}

  /** Every kept profile of `name`, oldest first; a record that fails its schema is dropped (and said once). */
  async all(name: string): Promise<PluginProfile[]> {
    const raw = await this.storage.get(PROFILE_NAMESPACE, name);
    if (raw === null || raw.length > MAX_PROFILES_BYTES) return [];
    try {
      const parsed = Stored.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data.profiles;
    } catch {
      // Not JSON: treated as nothing kept.
    }
    console.warn(`plugins: the kept profiles of ${name} were not readable; starting over`);
    return [];
  }

  /** The baseline for `version`: the newest kept profile of another version, or null. */
  async baselineFor(name: string, version: string): Promise<PluginProfile | null> {
    return (await this.all(name)).filter((p) => p.version !== version).at(-1) ?? null;
  }

  /** Keeps `profile` as its version's (replacing an older one of that version). */
  async save(name: string, profile: PluginProfile): Promise<void> {
    const kept = (await this.all(name)).filter((p) => p.version !== profile.version);
    kept.push(profile);
    await this.storage.set(
      PROFILE_NAMESPACE,
      name,
      JSON.stringify({ profiles: kept.slice(-MAX_PROFILE_VERSIONS) } satisfies z.infer<typeof Stored>),
    );
  }
}
