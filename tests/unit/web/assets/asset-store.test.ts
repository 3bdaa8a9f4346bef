/** The asset store (web/assets/asset-store.ts) with an in-memory Cache API and a fake edge. */
import { describe, expect, it } from 'vitest';
import { RETRY_AFTER_MS_HEADER } from '../../../../shared/protocol';
import { type AssetCache, assetCacheUrl, createAssetStore } from '../../../../web/assets/asset-store';
import { AssetStoreError } from '../../../../web/assets/errors';

const TEX = 'ada1326f-d5c7-414a-b86b-521f4d63498e';
const SOUND = '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c';
const BASE = '/api/grid/g-0123456789abcdef01234567';

/** The part of Cache Storage the store uses, in memory. */
class MemoryCache implements AssetCache {
  readonly entries = new Map<string, Uint8Array>();
  puts = 0;
  async match(request: string): Promise<Response | undefined> {
    const bytes = this.entries.get(request);
    return bytes ? new Response(bytes.slice()) : undefined;
  }
  async put(request: string, response: Response): Promise<void> {
    this.puts++;
    this.entries.set(request, new Uint8Array(await response.arrayBuffer()));
  }
}

interface Call {
  url: string;
  authorization: string | null;
}

/** A fake edge: `answer` decides each response; calls are recorded. */
function fakeEdge(answer: (url: string) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    calls.push({ url, authorization: new Headers(init.headers).get('authorization') });
    return answer(url);
  };
  return { calls, fetch };
}

const bytesOf = (n: number, fill = 7): Uint8Array<ArrayBuffer> => new Uint8Array(n).fill(fill);

async function storeError(p: Promise<unknown>): Promise<AssetStoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AssetStoreError) return err;
    throw err;
  }
  throw new Error('expected an AssetStoreError');
}

describe('the asset store', () => {
  it('fetches an asset once with the bearer token, keeps it in the cache, and then answers from the cache', async () => {
    const cache = new MemoryCache();
    const edge = fakeEdge(() => new Response(bytesOf(1000)));
    const store = createAssetStore({ base: `${BASE}/`, token: 'tok-1', fetch: edge.fetch, cache });
    const first = await store.get('texture', TEX);
    const second = await store.get('texture', TEX.toUpperCase());
    expect(first).toEqual(bytesOf(1000));
    expect(second).toEqual(first);
    expect(edge.calls).toEqual([{ url: `${BASE}/asset/texture/${TEX}`, authorization: 'Bearer tok-1' }]);
    expect(cache.entries.has(assetCacheUrl('texture', TEX))).toBe(true);
    expect(store.stats()).toMatchObject({ storage: 'cache', hits: 1, misses: 1, bytesFromNetwork: 1000, bytesFromCache: 1000 });
  });

  it('finds an asset a previous visit stored without asking the network', async () => {
    const cache = new MemoryCache();
    cache.entries.set(assetCacheUrl('sound', SOUND), bytesOf(64, 1));
    const edge = fakeEdge(() => new Response(null, { status: 500 }));
    const store = createAssetStore({ base: BASE, token: 't', fetch: edge.fetch, cache });
    expect(await store.get('sound', SOUND)).toEqual(bytesOf(64, 1));
    expect(edge.calls).toHaveLength(0);
  });

  it('shares one fetch among concurrent gets of the same asset, each caller getting its own copy', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const edge = fakeEdge(async () => {
      await gate;
      return new Response(bytesOf(500));
    });
    const store = createAssetStore({ base: BASE, token: 't', fetch: edge.fetch, cache: new MemoryCache() });
    const gets = [store.get('texture', TEX), store.get('texture', TEX), store.get('texture', TEX)];
    await Promise.resolve();
    expect(store.stats().inFlight).toBe(1);
    release();
    const [a, b, c] = await Promise.all(gets);
    expect(edge.calls).toHaveLength(1);
    expect(a).toEqual(bytesOf(500));
    a![0] = 99;
    expect(b![0]).toBe(7);
    expect(c![0]).toBe(7);
    expect(store.stats()).toMatchObject({ misses: 1, shared: 2, inFlight: 0 });
  });

  it("rejects an answer over the kind's limit, by its Content-Length or by what arrives, and keeps nothing", async () => {
    const cache = new MemoryCache();
    const declared = fakeEdge(() => new Response(bytesOf(10), { headers: { 'content-length': String(2 * 1024 * 1024) } }));
    const store = createAssetStore({ base: BASE, token: 't', fetch: declared.fetch, cache });
    const err = await storeError(store.get('sound', SOUND));
    expect(err.code).toBe('asset_too_large');
    expect(err.message).toMatch(/^asset store: sound .* at most 1048576/);
    // No Content-Length: the body is read until it passes the limit.
    const streamed = fakeEdge(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < 5; i++) controller.enqueue(bytesOf(256 * 1024));
              controller.close();
            },
          }),
        ),
    );
    const store2 = createAssetStore({ base: BASE, token: 't', fetch: streamed.fetch, cache });
    expect((await storeError(store2.get('sound', SOUND))).code).toBe('asset_too_large');
    // 4 MiB is a texture's limit: the same 1.25 MiB is fine as a texture.
    expect((await store2.get('texture', TEX)).byteLength).toBe(5 * 256 * 1024);
    expect(cache.puts).toBe(1);
  });

  it('remembers a failed asset for a while instead of fetching it again in a loop, then tries again', async () => {
    let t = 1000;
    let status = 404;
    const edge = fakeEdge(() =>
      status === 200
        ? new Response(bytesOf(8))
        : Response.json({ error: { code: 'grid_asset_not_found', message: 'the grid has no texture' } }, { status }),
    );
    const store = createAssetStore({
      base: BASE,
      token: 't',
      fetch: edge.fetch,
      cache: null,
      failureTtlMs: 30_000,
      now: () => t,
    });
    const first = await storeError(store.get('texture', TEX));
    expect(first.code).toBe('asset_not_found');
    expect(first.message).toContain('grid_asset_not_found');
    for (let i = 0; i < 5; i++) expect(await storeError(store.get('texture', TEX))).toBe(first);
    expect(edge.calls).toHaveLength(1);
    expect(store.stats().failures).toBe(1);
    status = 200;
    t += 30_001;
    expect(await store.get('texture', TEX)).toEqual(bytesOf(8));
    expect(edge.calls).toHaveLength(2);
  });

  it('forgets remembered failures on clearFailures (after logging in again)', async () => {
    let token = 'old';
    const edge = fakeEdge(() => (token === 'old' ? new Response('{}', { status: 401 }) : new Response(bytesOf(4))));
    const store = createAssetStore({ base: BASE, token: () => token, fetch: edge.fetch, cache: null });
    expect((await storeError(store.get('mesh', TEX))).code).toBe('asset_forbidden');
    token = 'new';
    expect((await storeError(store.get('mesh', TEX))).code).toBe('asset_forbidden');
    store.clearFailures();
    expect(await store.get('mesh', TEX)).toEqual(bytesOf(4));
    expect(edge.calls.map((c) => c.authorization)).toEqual(['Bearer old', 'Bearer new']);
  });

  it('names each failure clearly: network down, edge errors, empty answers; a bad id never reaches the network', async () => {
    const down = fakeEdge(() => {
      throw new TypeError('fetch failed');
    });
    const store = createAssetStore({ base: BASE, token: 't', fetch: down.fetch, cache: null });
    const err = await storeError(store.get('texture', TEX));
    expect([err.code, err.message]).toEqual([
      'asset_unavailable',
      `asset store: texture ${TEX} could not be fetched (fetch failed); it is tried again later`,
    ]);
    const busy = fakeEdge(() => new Response('not yet', { status: 503 }));
    expect(
      (await storeError(createAssetStore({ base: BASE, token: 't', fetch: busy.fetch, cache: null }).get('sound', SOUND))).code,
    ).toBe('asset_unavailable');
    const empty = fakeEdge(() => new Response(new Uint8Array(0)));
    expect(
      (await storeError(createAssetStore({ base: BASE, token: 't', fetch: empty.fetch, cache: null }).get('sound', SOUND))).code,
    ).toBe('asset_unavailable');
    expect((await storeError(store.get('texture', 'not-a-uuid'))).code).toBe('asset_bad_id');
    expect(down.calls).toHaveLength(1);
  });

  it('fetches a model by its SHA-256 from the url it is given, without a token, and refuses ids that are not one', async () => {
    const hash = 'ab'.repeat(32);
    const cache = new MemoryCache();
    const edge = fakeEdge((url) =>
      url.endsWith(hash)
        ? new Response(bytesOf(500))
        : Response.json({ error: { code: 'model_not_found', message: 'edge: no model' } }, { status: 404 }),
    );
    const store = createAssetStore({ base: '', token: '', url: (_, id) => `/api/models/${id}`, fetch: edge.fetch, cache });
    expect(await store.get('model', hash)).toEqual(bytesOf(500));
    expect(await store.get('model', hash.toUpperCase())).toEqual(bytesOf(500));
    expect(edge.calls).toEqual([{ url: `/api/models/${hash}`, authorization: null }]);
    expect(cache.entries.has(assetCacheUrl('model', hash))).toBe(true);
    const missing = await storeError(store.get('model', 'cd'.repeat(32)));
    expect([missing.code, missing.message]).toEqual(['asset_not_found', expect.stringContaining('the edge has no model')]);
    expect((await storeError(store.get('model', TEX))).code).toBe('asset_bad_id');
    expect((await storeError(store.get('texture', hash))).code).toBe('asset_bad_id');
  });

  it('works without Cache Storage (Node): memory only, within its byte budget, least recently used out first', async () => {
    const edge = fakeEdge((url) => new Response(bytesOf(600, url.endsWith('1') ? 1 : 2)));
    const store = createAssetStore({ base: BASE, token: 't', fetch: edge.fetch, memoryBytes: 1000 });
    const a = '00000000-0000-0000-0000-000000000001';
    const b = '00000000-0000-0000-0000-000000000002';
    await store.get('texture', a);
    await store.get('texture', a);
    expect(edge.calls).toHaveLength(1);
    await store.get('texture', b);
    await store.get('texture', a);
    expect(edge.calls).toHaveLength(3);
    expect(store.stats()).toMatchObject({ storage: 'memory', hits: 1, misses: 3 });
  });

  it('still returns an asset when the cache refuses to store it (over quota)', async () => {
    const cache = new MemoryCache();
    cache.put = async () => {
      throw new DOMException('quota', 'QuotaExceededError');
    };
    const edge = fakeEdge(() => new Response(bytesOf(10)));
    const store = createAssetStore({ base: BASE, token: 't', fetch: edge.fetch, cache });
    expect(await store.get('texture', TEX)).toEqual(bytesOf(10));
  });

  it("paces itself by the edge's rate limit: every asset past the burst arrives, with few refusals along the way", async () => {
    // The edge's bucket, small and fast: a burst of 3, then a token every 20 ms; a refusal says when the next comes.
    let tokens = 3;
    let at = Date.now();
    let refused = 0;
    const edge = fakeEdge((url) => {
      const now = Date.now();
      tokens = Math.min(3, tokens + (now - at) / 20);
      at = now;
      if (tokens < 1) {
        refused++;
        const wait = Math.ceil((1 - tokens) * 20);
        return Response.json(
          { error: { code: 'grid_rate_limited', message: 'slow down' } },
          { status: 429, headers: { 'retry-after': '1', [RETRY_AFTER_MS_HEADER]: String(wait) } },
        );
      }
      tokens -= 1;
      return new Response(bytesOf(16, Number(url.slice(-2)) & 0xff));
    });
    const store = createAssetStore({ base: BASE, token: 't', fetch: edge.fetch, cache: null });
    const ids = Array.from({ length: 30 }, (_, i) => `${TEX.slice(0, -2)}${String(i).padStart(2, '0')}`);
    const got = await Promise.all(ids.map((id) => store.get('texture', id)));
    expect(got.map((b) => b[0])).toEqual(ids.map((id) => Number(id.slice(-2)) & 0xff));
    expect(store.stats().failures).toBe(0);
    // 27 past the burst are refused in the first wave (all 30 ask at once); once paced a fetch is rarely refused
    // again: fewer than two refusals per asset past the burst (each waiting on its own would be refused ~n²/2 times).
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(54);
  });

  it('fails a rate-limited asset with a clear error once it has waited its minute out, and takes Retry-After in seconds', async () => {
    let clock = 0;
    const waits: number[] = [];
    const edge = fakeEdge(() =>
      Response.json(
        { error: { code: 'grid_rate_limited', message: 'slow down' } },
        { status: 429, headers: { 'retry-after': '2' } },
      ),
    );
    const store = createAssetStore({
      base: BASE,
      token: 't',
      fetch: edge.fetch,
      cache: null,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const err = await storeError(store.get('texture', TEX));
    expect(err.code).toBe('asset_unavailable');
    expect(err.message).toMatch(/HTTP 429: grid_rate_limited/);
    expect(waits.every((w) => w === 2000)).toBe(true);
    // Tried for about a minute, two seconds apart.
    expect(edge.calls.length).toBeGreaterThanOrEqual(25);
    expect(edge.calls.length).toBeLessThanOrEqual(31);
  });
});
