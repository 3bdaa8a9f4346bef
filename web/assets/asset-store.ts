/**
 * The viewer's content-addressed asset store: an asset (kind + UUID) never changes, so once fetched it is kept in the
 * Cache Storage API (`stormcore-assets-v1`, one synthetic URL per asset) and later visits read it from there.
 * Without Cache Storage (Node, an insecure context) a bounded in-memory store stands in. Concurrent gets of one
 * asset share a fetch; a failed asset is remembered for a while so it is not asked for again in a loop.
 */
import { z } from 'zod';
import { MemoryStore } from '../../shared/bytes/memory-store';
import { readAtMost } from '../../shared/bytes/read-limited';
import { RETRY_AFTER_MS_HEADER } from '../../shared/protocol';
import { AssetStoreError, describeThrown } from './errors';

/**
 * The kinds of asset the edge serves: a grid's at `${base}/asset/<kind>/<uuid>`; Finalverse glTF models by their
 * SHA-256 (`model`, 64 hex digits) wherever the store's `url` says (GET /api/models/<sha256>).
 */
export type AssetKind = 'texture' | 'mesh' | 'sound' | 'model';

/** Largest answer accepted per kind (bytes). */
export const ASSET_LIMITS: Readonly<Record<AssetKind, number>> = {
  texture: 4 * 1024 * 1024,
  mesh: 4 * 1024 * 1024,
  sound: 1024 * 1024,
  model: 8 * 1024 * 1024,
};

const CONTENT_TYPES: Readonly<Record<AssetKind, string>> = {
  texture: 'image/x-j2c',
  mesh: 'application/vnd.ll.mesh',
  sound: 'audio/ogg',
  model: 'model/gltf-binary',
};

/** The Cache Storage cache the store uses (bump the version to drop every stored asset). */
export const ASSET_CACHE_NAME = 'stormcore-assets-v1';

/** The cache key of an asset: a synthetic URL that no network request ever goes to. */
export function assetCacheUrl(kind: AssetKind, uuid: string): string {
  return `https://assets.stormcore.invalid/${kind}/${uuid}`;
}

/** The part of the Cache API the store uses (a `Cache` from `caches.open` fits; tests give an in-memory one). */
export interface AssetCache {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
}

export interface AssetStoreOptions {
  /** Where the asset route is: `${base}/asset/<kind>/<uuid>`, e.g. `/api/grid/<session>`. */
  readonly base: string;
  /** Where an asset is fetched from (default `${base}/asset/<kind>/<id>`). */
  readonly url?: (kind: AssetKind, id: string) => string;
  /** The session's token (sent as `Authorization: Bearer …`); a function when it can change. */
  readonly token: string | (() => string);
  /** Default: the global fetch. */
  readonly fetch?: (url: string, init: RequestInit) => Promise<Response>;
  /** Default: `caches.open('stormcore-assets-v1')` where Cache Storage exists; null: the memory store. */
  readonly cache?: AssetCache | Promise<AssetCache | null> | null;
  /** Budget of the memory store used without a cache (default 64 MiB; least recently used assets go first). */
  readonly memoryBytes?: number;
  /** How long a failed asset answers with its error before it is fetched again (default 30 s). */
  readonly failureTtlMs?: number;
  /** How long one fetch may take (default 30 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Waits `ms` (default a timer): the pacing after the edge's rate limit. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The edge's rate limit (429, grid_rate_limited): fetches are spaced by the wait it names (its header in ms, else
 * Retry-After) until PACING_MS pass without another 429, and a limited fetch is tried again in its turn, for at most
 * MAX_RATE_WAIT_MS in all. A region naming more assets than a session's burst then loads them all, at the edge's pace,
 * instead of failing the ones past the burst.
 */
const PACING_MS = 5_000;
const MAX_RATE_WAIT_MS = 60_000;
/** Bounds on the spacing a 429 asks for (ms). */
const MIN_SPACING_MS = 5;
const MAX_SPACING_MS = 5_000;

/** A 429 from the edge: when to ask again. */
class RateLimited extends Error {
  constructor(
    readonly waitMs: number,
    readonly error: AssetStoreError,
  ) {
    super(error.message);
  }
}

/** The wait a 429 names: the edge's milliseconds header, else Retry-After in seconds, else a second. */
function retryWaitMs(res: Response): number {
  const ms = Number(res.headers.get(RETRY_AFTER_MS_HEADER) ?? Number.NaN);
  const seconds = Number(res.headers.get('retry-after') ?? Number.NaN);
  const wait = Number.isFinite(ms) ? ms : Number.isFinite(seconds) ? seconds * 1000 : 1000;
  return Math.min(MAX_SPACING_MS, Math.max(MIN_SPACING_MS, wait));
}

export interface AssetStoreStats {
  /** Where assets are kept: Cache Storage, or memory only. */
  readonly storage: 'cache' | 'memory';
  readonly bytesFromNetwork: number;
  readonly bytesFromCache: number;
  /** Gets answered from the cache (or the memory store). */
  readonly hits: number;
  /** Gets that went to the network. */
  readonly misses: number;
  /** Gets that joined a fetch already under way for the same asset. */
  readonly shared: number;
  /** Fetches that failed (a remembered failure answering again is not counted twice). */
  readonly failures: number;
  readonly inFlight: number;
}

export interface AssetStore {
  /** The asset's bytes (a copy of its own for each caller). Rejects with AssetStoreError. */
  get(kind: AssetKind, uuid: string): Promise<Uint8Array>;
  /** Forgets remembered failures (after logging in again, say), so those assets are fetched on the next get. */
  clearFailures(): void;
  stats(): AssetStoreStats;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** The edge's error answer: `{ error: { code, message } }`. */
const EdgeError = z.object({ error: z.object({ code: z.string().max(64), message: z.string().max(500) }) });

/** Cache Storage where the page has it (a secure context); null elsewhere. */
async function openCacheStorage(): Promise<AssetCache | null> {
  if (typeof caches === 'undefined') return null;
  try {
    return await caches.open(ASSET_CACHE_NAME);
  } catch {
    // An opaque origin or storage turned off: Cache Storage exists but refuses.
    return null;
  }
}

export function createAssetStore(options: AssetStoreOptions): AssetStore {
  const base = options.base.replace(/\/+$/, '');
  const tokenOption = options.token;
  const token = typeof tokenOption === 'function' ? tokenOption : () => tokenOption;
  const fetchAsset = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const urlOf = options.url ?? ((kind: AssetKind, id: string) => `${base}/asset/${kind}/${id}`);
  const failureTtlMs = options.failureTtlMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const now = options.now ?? (() => Date.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  /** The edge's pacing: spaced fetches until `limitedUntil` (PACING_MS after the last 429), `spacing` ms apart. */
  const pace = { limitedUntil: 0, spacing: 0, nextSlot: 0 };
  async function paced(): Promise<void> {
    const t = now();
    if (t >= pace.limitedUntil) return;
    const slot = Math.max(t, pace.nextSlot);
    pace.nextSlot = slot + pace.spacing;
    if (slot > t) await sleep(slot - t);
  }
  const memory = new MemoryStore(options.memoryBytes ?? 64 * 1024 * 1024);
  const cacheReady: Promise<AssetCache | null> = Promise.resolve(
    options.cache === undefined ? openCacheStorage() : options.cache,
  ).catch(() => null);
  let storage: 'cache' | 'memory' = 'memory';
  void cacheReady.then((c) => {
    storage = c ? 'cache' : 'memory';
  });

  const inFlight = new Map<string, Promise<Uint8Array>>();
  const failed = new Map<string, { error: AssetStoreError; until: number }>();
  const counts = { bytesFromNetwork: 0, bytesFromCache: 0, hits: 0, misses: 0, shared: 0, failures: 0 };

  async function fromCache(cache: AssetCache | null, kind: AssetKind, id: string): Promise<Uint8Array | null> {
    if (!cache) return memory.get(`${kind}/${id}`);
    try {
      const res = await cache.match(assetCacheUrl(kind, id));
      if (!res) return null;
      const bytes = new Uint8Array(await res.arrayBuffer());
      // A stored answer is trusted no more than the network's.
      return bytes.byteLength > 0 && bytes.byteLength <= ASSET_LIMITS[kind] ? bytes : null;
    } catch {
      return null;
    }
  }

  async function keep(cache: AssetCache | null, kind: AssetKind, id: string, bytes: Uint8Array): Promise<void> {
    if (!cache) {
      memory.set(`${kind}/${id}`, bytes);
      return;
    }
    try {
      const headers = { 'content-type': CONTENT_TYPES[kind], 'content-length': String(bytes.byteLength) };
      await cache.put(assetCacheUrl(kind, id), new Response(bytes.slice(), { headers }));
    } catch {
      // Over quota or storage turned off: the asset is still returned, only not kept.
    }
  }

  async function download(kind: AssetKind, id: string): Promise<Uint8Array> {
    const what = `${kind} ${id}`;
    let res: Response;
    await paced();
    try {
      const headers: Record<string, string> = {};
      const t = token();
      if (t) headers.authorization = `Bearer ${t}`;
      res = await fetchAsset(urlOf(kind, id), { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new AssetStoreError(
        'asset_unavailable',
        `${what} could not be fetched (${describeThrown(err)}); it is tried again later`,
      );
    }
    if (res.status === 429) {
      const wait = retryWaitMs(res);
      const t = now();
      // The wait named is until the edge's next token, at most its interval: the longest seen while limited is the
      // spacing (the shorter ones are tokens already partly refilled).
      pace.spacing = t < pace.limitedUntil ? Math.max(pace.spacing, wait) : wait;
      pace.nextSlot = Math.max(pace.nextSlot, t + wait);
      pace.limitedUntil = t + PACING_MS;
      throw new RateLimited(wait, await refusal(res, kind, id));
    }
    if (res.status !== 200) throw await refusal(res, kind, id);
    const limit = ASSET_LIMITS[kind];
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > limit) {
      await res.body?.cancel().catch(() => undefined);
      throw new AssetStoreError('asset_too_large', `${what} is ${declared} bytes; a ${kind} may be at most ${limit}`);
    }
    const bytes = await readLimited(res, limit, what, kind);
    if (bytes.byteLength === 0)
      throw new AssetStoreError('asset_unavailable', `${what} came back empty; it is tried again later`);
    return bytes;
  }

  /** A download tried again, in the edge's pace, while it is rate-limited (at most MAX_RATE_WAIT_MS in all). */
  async function downloadInTurn(kind: AssetKind, id: string): Promise<Uint8Array> {
    const began = now();
    for (;;) {
      try {
        return await download(kind, id);
      } catch (err) {
        if (!(err instanceof RateLimited)) throw err;
        if (now() - began + err.waitMs > MAX_RATE_WAIT_MS) throw err.error;
      }
    }
  }

  async function load(kind: AssetKind, id: string, key: string): Promise<Uint8Array> {
    try {
      const cache = await cacheReady;
      const cached = await fromCache(cache, kind, id);
      if (cached) {
        counts.hits++;
        counts.bytesFromCache += cached.byteLength;
        return cached;
      }
      counts.misses++;
      const bytes = await downloadInTurn(kind, id);
      counts.bytesFromNetwork += bytes.byteLength;
      await keep(cache, kind, id, bytes);
      return bytes;
    } catch (err) {
      const error =
        err instanceof AssetStoreError
          ? err
          : new AssetStoreError('asset_unavailable', `${kind} ${id} failed (${describeThrown(err)})`, 'internal');
      counts.failures++;
      failed.set(key, { error, until: now() + failureTtlMs });
      throw error;
    } finally {
      inFlight.delete(key);
    }
  }

  return {
    async get(kind, uuid) {
      if (!Object.hasOwn(ASSET_LIMITS, kind))
        throw new AssetStoreError('asset_bad_id', `"${String(kind).slice(0, 20)}" is not an asset kind`);
      const id = typeof uuid === 'string' ? uuid.toLowerCase() : '';
      if (kind === 'model' ? !SHA256.test(id) : !UUID.test(id))
        throw new AssetStoreError(
          'asset_bad_id',
          kind === 'model'
            ? `"${String(uuid).slice(0, 70)}" is not a model id (a SHA-256: 64 hex digits)`
            : `"${String(uuid).slice(0, 40)}" is not an asset UUID (8-4-4-4-12 hex digits)`,
        );
      const key = `${kind}/${id}`;
      const failure = failed.get(key);
      if (failure) {
        if (failure.until > now()) throw failure.error;
        failed.delete(key);
      }
      let pending = inFlight.get(key);
      if (pending) counts.shared++;
      else {
        pending = load(kind, id, key);
        inFlight.set(key, pending);
      }
      // Each caller gets its own copy: one may transfer or change it without touching the others'.
      return (await pending).slice();
    },
    clearFailures() {
      failed.clear();
    },
    stats() {
      return { storage, ...counts, inFlight: inFlight.size };
    },
  };
}

/** The AssetStoreError for a non-200 answer, from its status and, when the edge sent one, its error code. */
async function refusal(res: Response, kind: AssetKind, id: string): Promise<AssetStoreError> {
  const what = `${kind} ${id}`;
  let detail = '';
  let edgeCode = '';
  try {
    const text = new TextDecoder().decode(await readLimited(res, 4096, what, kind));
    const parsed = EdgeError.safeParse(JSON.parse(text));
    if (parsed.success) {
      edgeCode = parsed.data.error.code;
      detail = `: ${edgeCode} (${parsed.data.error.message.slice(0, 200)})`;
    }
  } catch {
    // Not the edge's JSON: the status says enough.
  }
  if (res.status === 404 || edgeCode === 'grid_asset_not_found' || edgeCode === 'model_not_found')
    return new AssetStoreError('asset_not_found', `the ${kind === 'model' ? 'edge' : 'grid'} has no ${what}${detail}`);
  if (res.status === 401 || res.status === 403)
    return new AssetStoreError('asset_forbidden', `${what} was refused (HTTP ${res.status})${detail}; log in again`);
  if (res.status === 413 || edgeCode === 'grid_asset_too_large')
    return new AssetStoreError('asset_too_large', `${what} is larger than the edge passes on${detail}`);
  return new AssetStoreError('asset_unavailable', `${what} answered HTTP ${res.status}${detail}; it is tried again later`);
}

/** Reads a body of at most `limit` bytes; past it the download stops and AssetStoreError `asset_too_large` is thrown. */
async function readLimited(res: Response, limit: number, what: string, kind: AssetKind): Promise<Uint8Array> {
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  return readAtMost(reader, limit, {
    tooLarge: () => new AssetStoreError('asset_too_large', `${what} is more than ${limit} bytes, the most a ${kind} may be`),
  });
}
