/** Per-plugin profile baselines (web/plugins/profile.ts): taken, kept per name and version, compared after an update. */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareProfiles,
  MAX_PROFILE_VERSIONS,
  PluginProfile,
  PROFILE_NAMESPACE,
  ProfileStore,
  profileOf,
} from '../../../../web/plugins/profile';
import { indexedDbStorage } from '../../../../web/plugins/storage';

const counters = { eventsIn: 20, eventsOut: 10, seconds: 5, memory: null };
/** 64 update times around `ms`, with ±`jitter` spread. */
const times = (ms: number, jitter = 0.01) => Array.from({ length: 64 }, (_, i) => ms + ((i % 7) - 3) * (jitter / 3));
const storage = () => indexedDbStorage({ factory: new IDBFactory(), keyRange: IDBKeyRange });

describe('profileOf', () => {
  it('takes the median, 99th percentile and deviation of the update times and the event rates', () => {
    const p = profileOf('1.0.0', [5, 1, 2, 3, 4, 100], counters, 7);
    expect(p).toEqual({
      version: '1.0.0',
      update_ms_p50: 3,
      update_ms_p99: 100,
      update_ms_mad: 1,
      updates: 6,
      events_in_per_s: 4,
      events_out_per_s: 2,
      memory_bytes: null,
      at: 7,
    });
    expect(profileOf('1.0.0', [], counters)).toBeNull();
  });

  it('always makes a profile its own schema accepts, p50 ≤ p99 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1, maxLength: 64 }), (ms) => {
        const p = profileOf('2.1.0', ms, counters);
        expect(PluginProfile.parse(p)).toEqual(p);
        expect(p?.update_ms_p50).toBeLessThanOrEqual(p?.update_ms_p99 ?? 0);
      }),
    );
  });
});

describe('compareProfiles', () => {
  const v1 = profileOf('1.0.0', times(1), counters) as PluginProfile;

  it('flags an update time more than 5 % slower and beyond the noise, naming the baseline version', () => {
    const slow = profileOf('1.1.0', times(1.5), counters) as PluginProfile;
    const c = compareProfiles(v1, slow);
    expect(c.baseline).toBe('1.0.0');
    expect(c.regressions.some((r) => r.startsWith('update p50: 1.000 ms -> 1.500 ms (+50.0 %)'))).toBe(true);
    expect(c.figures).toContain('update p50: 1.00 -> 1.50 ms');
  });

  it('stays quiet for the same figures, for a faster version, and for a gap within the noise', () => {
    expect(compareProfiles(v1, profileOf('1.1.0', times(1), counters) as PluginProfile).regressions).toEqual([]);
    expect(compareProfiles(v1, profileOf('1.1.0', times(0.5), counters) as PluginProfile).regressions).toEqual([]);
    // 8 % slower, but each run's updates spread ±0.3 ms: within the noise.
    const noisy = (ms: number, v: string) => profileOf(v, times(ms, 0.3), counters) as PluginProfile;
    expect(compareProfiles(noisy(1, '1.0.0'), noisy(1.08, '1.1.0')).regressions).toEqual([]);
  });

  it('flags memory grown more than 5 %, in MiB', () => {
    const withMemory = (v: string, mib: number) =>
      profileOf(v, times(1), { ...counters, memory: mib * 1048576 }) as PluginProfile;
    const c = compareProfiles(withMemory('1.0.0', 10), withMemory('2.0.0', 12));
    expect(c.regressions).toEqual(['memory: 10.000 MiB -> 12.000 MiB (+20.0 %)']);
  });
});

describe('ProfileStore', () => {
  it("keeps profiles per name and version, and answers the last other version's as the baseline", async () => {
    const backend = storage();
    const store = new ProfileStore(backend);
    expect(await store.baselineFor('radar', '1.0.0')).toBeNull();
    await store.save('radar', profileOf('1.0.0', times(1), counters, 1) as PluginProfile);
    // Its own version is not its baseline.
    expect(await store.baselineFor('radar', '1.0.0')).toBeNull();
    await store.save('radar', profileOf('1.0.0', times(2), counters, 2) as PluginProfile);
    const b = await new ProfileStore(backend).baselineFor('radar', '1.1.0');
    expect(b?.version).toBe('1.0.0');
    expect(b?.update_ms_p50).toBeCloseTo(2);
    expect(await store.baselineFor('other', '1.1.0')).toBeNull();
  });

  it(`keeps the last ${MAX_PROFILE_VERSIONS} versions`, async () => {
    const store = new ProfileStore(storage());
    for (let v = 0; v < MAX_PROFILE_VERSIONS + 3; v++)
      await store.save('many', profileOf(`1.${v}.0`, times(1), counters) as PluginProfile);
    const all = await store.all('many');
    expect(all).toHaveLength(MAX_PROFILE_VERSIONS);
    expect(all.at(-1)?.version).toBe(`1.${MAX_PROFILE_VERSIONS + 2}.0`);
  });

  it('treats a kept record that fails its schema as nothing kept (never trusted as is)', async () => {
    const backend = storage();
    await backend.set(PROFILE_NAMESPACE, 'bent', JSON.stringify({ profiles: [{ version: '1.0.0', update_ms_p50: -1 }] }));
    await backend.set(PROFILE_NAMESPACE, 'junk', 'not json');
    const store = new ProfileStore(backend);
    expect(await store.all('bent')).toEqual([]);
    expect(await store.all('junk')).toEqual([]);
  });
});
