/**
 * Plugin entries kept by their SRI integrity (content-addressed, as npm's cache keeps packages): a manifest is
 * always fetched fresh, but when the entry it names hashes to an integrity already verified, the module's bytes
 * come from here instead of the network. An integrity names exactly one content, so a kept entry can never be
 * stale; the host checks the bytes against the integrity again on every load all the same.
 *
 * Kept in memory (least recently used first out) and, where the Cache Storage API exists, in
 * `stormcore-plugin-entries-v1` so a later visit skips the entry fetch too. Also remembered per manifest URL: the
 * integrity its entry had last time, so a load whose entry is kept does not fetch the entry speculatively beside
 * the manifest (two fetches at once slow the manifest's own).
 */
import { MemoryStore } from '../../shared/bytes/memory-store';
import { MAX_ENTRY_BYTES } from './manifest';

/** The Cache Storage cache of verified entries (bump the version to drop them all). */
export const PLUGIN_ENTRY_CACHE_NAME = 'stormcore-plugin-entries-v1';

/** The cache key of an entry: a synthetic URL that no request ever goes to. */
export function entryCacheUrl(integrity: string): string {
  return `https://plugins.stormcore.invalid/${encodeURIComponent(integrity)}`;
}

/** The part of the Cache API used (a `Cache` from `caches.open` fits; tests give an in-memory one). */
export interface EntryStore {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
}

export interface EntryCacheOptions {
  /** Default: `caches.open(PLUGIN_ENTRY_CACHE_NAME)` where Cache Storage exists; null: memory only. */
  readonly store?: Promise<EntryStore | null> | EntryStore | null;
  /** Bytes kept in memory (default 16 MiB). */
  readonly memoryBytes?: number;
  /** Manifest URLs remembered (default 256). */
  readonly manifests?: number;
}

function defaultStore(): Promise<EntryStore | null> | null {
  const storage: CacheStorage | undefined = Reflect.get(globalThis, 'caches');
  if (!storage) return null;
  // An opaque origin or a storage-less context rejects: the memory store alone then.
  return storage.open(PLUGIN_ENTRY_CACHE_NAME).catch(() => null);
}

export class EntryCache {
  private readonly memory: MemoryStore;
  private readonly byManifest = new Map<string, string>();
  private readonly store: Promise<EntryStore | null>;
  private readonly manifests: number;

  constructor(options: EntryCacheOptions = {}) {
    this.store = Promise.resolve(options.store === undefined ? defaultStore() : options.store);
    this.memory = new MemoryStore(options.memoryBytes ?? 16 * 1024 * 1024);
    this.manifests = options.manifests ?? 256;
  }

  /** The integrity the entry of `manifestUrl` had when last verified here, if it is still kept in memory. */
  expected(manifestUrl: string): string | undefined {
    const integrity = this.byManifest.get(manifestUrl);
    return integrity !== undefined && this.memory.has(integrity) ? integrity : undefined;
  }

  /** The kept bytes of the entry with this integrity (to be checked against it by the caller), if any. */
  async get(integrity: string): Promise<Uint8Array | undefined> {
    const held = this.memory.get(integrity);
    if (held) return held;
    const store = await this.store;
    if (!store) return undefined;
    try {
      const res = await store.match(entryCacheUrl(integrity));
      if (!res) return undefined;
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength > MAX_ENTRY_BYTES) return undefined;
      this.memory.set(integrity, bytes);
      return bytes;
    } catch {
      return undefined; // a broken store is a miss, never a failed load
    }
  }

  /** Drops a kept entry that failed its check (a later `put` of good bytes then stores those). */
  forget(integrity: string): void {
    this.memory.delete(integrity);
  }

  /** Keeps an entry the caller has just verified against `integrity`, and notes it as `manifestUrl`'s. */
  put(manifestUrl: string, integrity: string, bytes: Uint8Array): void {
    this.byManifest.delete(manifestUrl);
    this.byManifest.set(manifestUrl, integrity);
    if (this.byManifest.size > this.manifests) {
      const oldest = this.byManifest.keys().next().value;
      if (oldest !== undefined) this.byManifest.delete(oldest);
    }
    if (this.memory.has(integrity)) return;
    this.memory.set(integrity, bytes);
    void this.store
      .then(async (store) => {
        if (!store) return;
        const body = new Uint8Array(bytes);
        await store.put(entryCacheUrl(integrity), new Response(body, { headers: { 'Content-Type': 'text/javascript' } }));
      })
      .catch(() => undefined);
  }
}
