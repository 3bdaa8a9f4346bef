/**
 * Per-plugin persistent storage (the `storage` permission): string values by string key, kept in IndexedDB on the
 * viewer's origin (database `stormcore-plugins`, one record per plugin and key), so they outlive an unload and a
 * page load. A plugin sees only its own keys (the host names the plugin, never the plugin) and has at most
 * `limitBytes` (default 256 KiB, keys and values counted in UTF-16 code units) in all.
 */
import { PluginCode, pluginError } from './errors';

/** Default bytes per plugin (keys and values, UTF-16 code units). */
export const STORAGE_LIMIT = 256 * 1024;

/** What the host stores plugins' values in. */
export interface PluginStorage {
  get(plugin: string, key: string): Promise<string | null>;
  /** Sets (or with null deletes) a value; throws `plugin_budget_exceeded` past the limit. Resolves once stored. */
  set(plugin: string, key: string, value: string | null): Promise<void>;
  /** Code units the plugin uses now. */
  used(plugin: string): Promise<number>;
}

const DB = 'stormcore-plugins';
const STORE = 'kv';

interface Row {
  readonly plugin: string;
  readonly key: string;
  readonly value: string;
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * Storage in IndexedDB. Each plugin's keys are read once (on its first call) into a mirror that answers `get` and
 * the size check; a write is answered after its transaction completed.
 */
export function indexedDbStorage(
  options: { limitBytes?: number; factory?: IDBFactory; keyRange?: typeof IDBKeyRange; name?: string } = {},
): PluginStorage {
  const limit = options.limitBytes ?? STORAGE_LIMIT;
  const factory = options.factory ?? globalThis.indexedDB;
  const keyRange = options.keyRange ?? globalThis.IDBKeyRange;
  let db: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    if (!db) {
      if (!factory)
        return Promise.reject(pluginError(PluginCode.Failed, 'plugins: storage needs IndexedDB, which this page lacks'));
      const r = factory.open(options.name ?? DB, 1);
      r.onupgradeneeded = () => {
        r.result.createObjectStore(STORE, { keyPath: ['plugin', 'key'] });
      };
      db = request(r);
      db.catch(() => {
        db = null;
      });
    }
    return db;
  };
  const mirrors = new Map<string, Promise<Map<string, string>>>();
  const queues = new Map<string, Promise<unknown>>();
  const mirror = (plugin: string): Promise<Map<string, string>> => {
    let m = mirrors.get(plugin);
    if (!m) {
      m = open().then(async (d) => {
        const rows = (await request(
          d
            .transaction(STORE, 'readonly')
            .objectStore(STORE)
            .getAll(keyRange.bound([plugin, ''], [plugin, '\uffff'])),
        )) as Row[];
        return new Map(rows.map((r) => [r.key, r.value]));
      });
      m.catch(() => mirrors.delete(plugin));
      mirrors.set(plugin, m);
    }
    return m;
  };
  const size = (m: Map<string, string>, except?: string) => {
    let total = 0;
    for (const [k, v] of m) if (k !== except) total += k.length + v.length;
    return total;
  };
  return {
    async get(plugin, key) {
      return (await mirror(plugin)).get(key) ?? null;
    },
    async used(plugin) {
      return size(await mirror(plugin));
    },
    set(plugin, key, value) {
      // One write at a time per plugin, so that each size check sees the writes before it.
      const run = (queues.get(plugin) ?? Promise.resolve()).then(() => write(plugin, key, value));
      queues.set(
        plugin,
        run.catch(() => undefined),
      );
      return run;
    },
  };
  async function write(plugin: string, key: string, value: string | null): Promise<void> {
    const m = await mirror(plugin);
    if (value !== null && size(m, key) + key.length + value.length > limit)
      throw pluginError(PluginCode.BudgetExceeded, `plugins: ${plugin}: storage is limited to ${Math.round(limit / 1024)} KiB`);
    const d = await open();
    const tx = d.transaction(STORE, 'readwrite');
    const store = tx.objectStore(STORE);
    if (value === null) store.delete([plugin, key]);
    else store.put({ plugin, key, value } satisfies Row);
    await done(tx);
    if (value === null) m.delete(key);
    else m.set(key, value);
  }
}
