/** The geometry loader (sculpt maps and meshes for the renderer and physics): order, limits, failures, retries. */
import { describe, expect, it } from 'vitest';
import { AssetStoreError, RETRY_DELAY_MS, TRANSIENT_RETRIES } from '../../../../web/assets/errors';
import { createGeometryLoader, type GeometrySources } from '../../../../web/assets/geometry-loader';

const MESH = 5; // SculptType mesh
const SPHERE = 1;
const flush = () => new Promise((r) => setTimeout(r, 0));

/** Sources whose mesh answers `answer(uuid)` (bytes or a throw), counting asks; sculpt maps are a 2x2 grey. */
function sources(answer: (uuid: string) => Uint8Array) {
  const asked: string[] = [];
  const s: GeometrySources = {
    meshBytes: async (uuid) => {
      asked.push(uuid);
      return answer(uuid);
    },
    sculptMap: async (uuid) => {
      asked.push(uuid);
      return { width: 2, height: 2, rgba: new Uint8Array(16).fill(128) };
    },
  };
  return { sources: s, asked };
}

function loader(s: GeometrySources, clock: { t: number }, logs: string[] = [], maxLoading = 8) {
  return createGeometryLoader<string>(
    s,
    {
      mesh: async (bytes) => `mesh of ${bytes.length}`,
      sculpt: (_map, type) => `sculpt ${type}`,
      usable: (r) => r !== 'mesh of 0',
    },
    { maxLoading, prefix: 'geometry', fallback: 'drawn as its base shape', log: (m) => logs.push(m), now: () => clock.t },
  );
}

describe('geometry loader', () => {
  it('loads what the last pass asked for, nearest first, a few at a time', async () => {
    const { sources: s, asked } = sources(() => new Uint8Array(3));
    const g = loader(s, { t: 0 }, [], 2);
    g.beginPass();
    expect(g.meshOf('far', MESH, 90)).toBeNull();
    expect(g.meshOf('near', MESH, 5)).toBeNull();
    expect(g.meshOf('mid', SPHERE, 30)).toBeNull();
    g.pump();
    expect(asked).toEqual(['near', 'mid']);
    await flush();
    g.pump();
    expect(asked).toEqual(['near', 'mid', 'far']);
    await flush();
    expect(g.meshOf('near', MESH, 5)).toBe('mesh of 3');
    expect(g.meshOf('mid', SPHERE, 30)).toBe('sculpt 1');
    expect(g.stats()).toEqual({ ready: 3, loading: 0, queued: 0, failed: 0 });
  });

  it('keeps a missing or empty asset failed, logged once, and never asks for it again', async () => {
    const logs: string[] = [];
    const { sources: s, asked } = sources((uuid) => {
      if (uuid === 'gone') throw new AssetStoreError('asset_not_found', 'the grid has no mesh gone');
      return new Uint8Array(0);
    });
    const clock = { t: 0 };
    const g = loader(s, clock, logs);
    for (let i = 0; i < 3; i++) {
      g.beginPass();
      g.meshOf('gone', MESH, 1);
      g.meshOf('empty', MESH, 2);
      g.pump();
      await flush();
      clock.t += RETRY_DELAY_MS;
    }
    expect(asked).toEqual(['gone', 'empty']);
    expect(g.stats().failed).toBe(2);
    expect(logs).toHaveLength(2);
    expect(logs.join('\n')).toMatch(/gone could not be used .*drawn as its base shape/);
    expect(logs.join('\n')).toMatch(/empty has no triangles/);
  });

  it('asks again, after a pause, for an asset the network or the edge failed, and gives up after a few tries', async () => {
    const logs: string[] = [];
    let fails = TRANSIENT_RETRIES + 5;
    const { sources: s, asked } = sources(() => {
      if (fails-- > 0) throw new AssetStoreError('asset_unavailable', 'mesh m answered HTTP 503; it is tried again later');
      return new Uint8Array(4);
    });
    const clock = { t: 0 };
    const g = loader(s, clock, logs);
    const round = async () => {
      g.beginPass();
      const r = g.meshOf('m', MESH, 1);
      g.pump();
      await flush();
      return r;
    };
    await round();
    expect(asked).toHaveLength(1);
    expect(g.stats()).toMatchObject({ queued: 1, failed: 0 });
    // Not before the pause is over.
    clock.t += RETRY_DELAY_MS - 1;
    await round();
    expect(asked).toHaveLength(1);
    for (let i = 0; i < TRANSIENT_RETRIES + 2; i++) {
      clock.t += RETRY_DELAY_MS;
      await round();
    }
    expect(asked).toHaveLength(1 + TRANSIENT_RETRIES);
    expect(g.stats()).toMatchObject({ queued: 0, failed: 1 });
    expect(logs).toHaveLength(1);
  });

  it('shows an asset that came through on a later try', async () => {
    let fails = 1;
    const { sources: s } = sources(() => {
      if (fails-- > 0) throw new AssetStoreError('asset_unavailable', 'mesh m could not be fetched (fetch failed)');
      return new Uint8Array(7);
    });
    const clock = { t: 0 };
    const g = loader(s, clock);
    g.beginPass();
    g.meshOf('m', MESH, 1);
    g.pump();
    await flush();
    clock.t += RETRY_DELAY_MS;
    g.beginPass();
    g.meshOf('m', MESH, 1);
    g.pump();
    await flush();
    expect(g.meshOf('m', MESH, 1)).toBe('mesh of 7');
  });
});
