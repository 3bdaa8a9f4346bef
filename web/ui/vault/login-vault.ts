/**
 * The login vault ("Remember me on this device"): grid logins kept in IndexedDB, each encrypted with AES-GCM
 * under a WebCrypto key made with `extractable: false`. IndexedDB stores that CryptoKey by structured clone, so
 * its bytes never leave WebCrypto; nothing is ever kept in clear, in localStorage or in sessionStorage.
 *
 * One database, two stores: `keys` holds {aes, hmac} (both non-extractable) under "v1"; `logins` holds
 * {iv, data} under a record id, the base64url HMAC-SHA-256 of the login URI and account name (so not even the
 * name is in clear). The id is the ciphertext's additional data: a record copied under another id fails to
 * open. Whatever fails to decrypt or parse is reported (VaultError) and deleted.
 */
import { VaultError } from './errors';
import { encodeVaultPayload, IV_BYTES, parseVaultPayload, parseVaultRecord, type VaultPayload } from './vault-payload';

/** The database name (one per origin and browser profile). */
export const VAULT_DB = 'stormcore-login-vault';
const DB_VERSION = 1;
const KEYS = 'keys';
const LOGINS = 'logins';
const KEY_ID = 'v1';
/** Most saved logins kept; the oldest go first past it. */
export const MAX_SAVED_LOGINS = 32;
/** A record id: base64url of 32 bytes. */
const ID = /^[A-Za-z0-9_-]{43}$/;

/** What a login to keep carries (the form's fields). */
export interface VaultLogin {
  loginUri: string;
  first: string;
  last: string;
  password: string;
}

/** A saved login as the form lists it: no password. */
export interface SavedLogin {
  id: string;
  loginUri: string;
  first: string;
  last: string;
  savedAt: number;
}

/** The browser APIs the vault needs; the page's own by default (tests pass Node's crypto and fake-indexeddb). */
export interface VaultEnv {
  indexedDB?: IDBFactory;
  crypto?: Crypto;
  now?: () => number;
}

export interface LoginVault {
  /** Every saved login that opens, newest first; those that do not are deleted and returned in `dropped`. */
  list(): Promise<{ logins: SavedLogin[]; dropped: VaultError[] }>;
  /** Encrypts and keeps a login (replacing the one of the same grid and name); makes the key on first use. */
  save(login: VaultLogin): Promise<SavedLogin>;
  /** The login with its password; null when absent. A record that does not open is deleted and thrown (VaultError). */
  reveal(id: string): Promise<VaultPayload | null>;
  /** Deletes one saved login. */
  forget(id: string): Promise<void>;
  /** Deletes the key and every record (the whole database). The vault can be used again afterwards (a new key). */
  forgetAll(): Promise<void>;
  close(): void;
}

interface VaultKeys {
  aes: CryptoKey;
  hmac: CryptoKey;
}

/** Why the vault cannot work here, in words for the form; null when IndexedDB and WebCrypto are both present. */
export function vaultUnavailableReason(env: VaultEnv = {}): string | null {
  const idb = env.indexedDB ?? globalThis.indexedDB;
  const crypto = env.crypto ?? globalThis.crypto;
  if (!idb) return 'This browser gives the page no IndexedDB (a private window?), so nothing can be kept.';
  if (!crypto?.subtle)
    return 'This browser gives the page no WebCrypto (it needs a secure https:// page), so nothing can be kept.';
  return null;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new VaultError('vault_failed', `IndexedDB refused a request (${req.error?.name ?? 'unknown'})`));
  });
}

function finished(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = (): void =>
      reject(
        new VaultError('vault_failed', `IndexedDB did not keep the change (${tx.error?.name ?? 'aborted'}); is the disk full?`),
      );
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

function isKey(value: unknown, algorithm: string, usages: readonly KeyUsage[]): value is CryptoKey {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as Partial<CryptoKey>;
  return (
    k.type === 'secret' &&
    k.extractable === false &&
    k.algorithm?.name === algorithm &&
    usages.every((u) => k.usages?.includes(u) === true)
  );
}

function isVaultKeys(value: unknown): value is VaultKeys {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isKey(v.aes, 'AES-GCM', ['encrypt', 'decrypt']) && isKey(v.hmac, 'HMAC', ['sign']);
}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The grid a login URI names, written one way (scheme and host lower case, a path), so ids do not depend on typing. */
function normalUri(uri: string): string {
  const t = uri.trim();
  try {
    return new URL(t).href;
  } catch {
    return t;
  }
}

/** The additional data binding a ciphertext to its record id. */
export function vaultAdditionalData(id: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`stormcore-login-vault/v1/${id}`);
}

/**
 * Opens the vault. Its database is made by the first `save` only; reading never creates it. Throws VaultError
 * `vault_unavailable` when IndexedDB or WebCrypto is missing, or an existing database cannot be opened.
 */
export async function openLoginVault(env: VaultEnv = {}): Promise<LoginVault> {
  const reason = vaultUnavailableReason(env);
  if (reason) throw new VaultError('vault_unavailable', reason);
  const idb = env.indexedDB ?? globalThis.indexedDB;
  const subtle = (env.crypto ?? globalThis.crypto).subtle;
  const random = env.crypto ?? globalThis.crypto;
  const now = env.now ?? Date.now;
  let conn: IDBDatabase | null = null;

  /** Whether the database exists; reading never creates it (a visitor who never ticked the box gets none). */
  const exists = async (): Promise<boolean> => {
    if (conn) return true;
    if (typeof idb.databases !== 'function') return true;
    try {
      return (await idb.databases()).some((d) => d.name === VAULT_DB);
    } catch {
      return true;
    }
  };

  const connect = async (): Promise<IDBDatabase> => {
    if (conn) return conn;
    let req: IDBOpenDBRequest;
    try {
      req = idb.open(VAULT_DB, DB_VERSION);
    } catch (err) {
      throw new VaultError(
        'vault_unavailable',
        `IndexedDB cannot be opened here (${err instanceof Error ? err.name : 'unknown'})`,
      );
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
      if (!db.objectStoreNames.contains(LOGINS)) db.createObjectStore(LOGINS);
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () =>
        reject(new VaultError('vault_unavailable', `IndexedDB cannot be opened here (${req.error?.name ?? 'unknown'})`));
    });
    // Another tab's "Forget all" deletes the database: let it, and open afresh on the next call.
    db.onversionchange = () => {
      db.close();
      if (conn === db) conn = null;
    };
    conn = db;
    return db;
  };

  /** The vault's keys; made and stored on first use when `create`, else null when there are none. */
  const keys = async (create: boolean): Promise<VaultKeys | null> => {
    const db = await connect();
    const stored: unknown = await request(db.transaction(KEYS, 'readonly').objectStore(KEYS).get(KEY_ID));
    if (isVaultKeys(stored)) return stored;
    if (!create) return null;
    const made: VaultKeys = {
      aes: await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']),
      hmac: await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']),
    };
    // Another tab may have stored keys meanwhile: keep the first, in one transaction (no await inside it).
    const tx = db.transaction(KEYS, 'readwrite');
    const store = tx.objectStore(KEYS);
    let chosen = made;
    const get = store.get(KEY_ID);
    get.onsuccess = () => {
      if (isVaultKeys(get.result)) chosen = get.result;
      else store.put(made, KEY_ID);
    };
    await finished(tx);
    return chosen;
  };

  const idOf = async (k: VaultKeys, login: { loginUri: string; first: string; last: string }): Promise<string> => {
    const name = `${normalUri(login.loginUri)}\n${login.first.trim().toLowerCase()}\n${login.last.trim().toLowerCase()}`;
    const mac = await subtle.sign('HMAC', k.hmac, new TextEncoder().encode(name));
    return base64url(new Uint8Array(mac));
  };

  const remove = async (ids: readonly IDBValidKey[]): Promise<void> => {
    if (ids.length === 0 || !(await exists())) return;
    const db = await connect();
    const tx = db.transaction(LOGINS, 'readwrite');
    for (const id of ids) tx.objectStore(LOGINS).delete(id);
    await finished(tx);
  };

  /** Decrypts and parses one record; throws VaultError (`vault_bad_record`) saying what failed. */
  const open = async (k: VaultKeys, id: IDBValidKey, value: unknown): Promise<VaultPayload> => {
    if (typeof id !== 'string' || !ID.test(id)) throw new VaultError('vault_bad_record', 'a stored record has a malformed id');
    const record = parseVaultRecord(value);
    let plain: ArrayBuffer;
    try {
      plain = await subtle.decrypt(
        { name: 'AES-GCM', iv: record.iv, additionalData: vaultAdditionalData(id) },
        k.aes,
        record.data,
      );
    } catch {
      throw new VaultError('vault_bad_record', 'a saved login did not decrypt (changed, moved, or written under another key)');
    }
    return parseVaultPayload(new Uint8Array(plain));
  };

  const all = async (): Promise<{ ids: IDBValidKey[]; values: unknown[] }> => {
    const db = await connect();
    const tx = db.transaction(LOGINS, 'readonly');
    const [ids, values] = await Promise.all([
      request(tx.objectStore(LOGINS).getAllKeys()),
      request(tx.objectStore(LOGINS).getAll()),
    ]);
    return { ids, values };
  };

  const list = async (): Promise<{ logins: SavedLogin[]; dropped: VaultError[] }> => {
    if (!(await exists())) return { logins: [], dropped: [] };
    const { ids, values } = await all();
    if (ids.length === 0) return { logins: [], dropped: [] };
    const k = await keys(false);
    const logins: SavedLogin[] = [];
    const dropped: VaultError[] = [];
    const bad: IDBValidKey[] = [];
    for (const [i, id] of ids.entries()) {
      try {
        if (!k) throw new VaultError('vault_bad_record', 'a saved login has no key to open it (the key was deleted)');
        const p = await open(k, id, values[i]);
        logins.push({ id: String(id), loginUri: p.loginUri, first: p.first, last: p.last, savedAt: p.savedAt });
      } catch (err) {
        bad.push(id);
        dropped.push(
          err instanceof VaultError
            ? new VaultError(err.code, `${err.message}; it was deleted`)
            : new VaultError('vault_bad_record', 'a saved login could not be opened; it was deleted'),
        );
      }
    }
    await remove(bad);
    logins.sort((a, b) => b.savedAt - a.savedAt);
    return { logins, dropped };
  };

  const save = async (login: VaultLogin): Promise<SavedLogin> => {
    const k = await keys(true);
    if (!k) throw new VaultError('vault_failed', 'the vault key could not be made');
    const payload: VaultPayload = {
      v: 1,
      loginUri: login.loginUri.trim(),
      first: login.first.trim(),
      last: login.last.trim(),
      password: login.password,
      savedAt: Math.floor(now()),
    };
    const plain = encodeVaultPayload(payload);
    const id = await idOf(k, payload);
    const iv = random.getRandomValues(new Uint8Array(IV_BYTES));
    const data = new Uint8Array(
      await subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: vaultAdditionalData(id) },
        k.aes,
        plain as Uint8Array<ArrayBuffer>,
      ),
    );
    const db = await connect();
    const tx = db.transaction(LOGINS, 'readwrite');
    tx.objectStore(LOGINS).put({ iv, data }, id);
    await finished(tx);
    // Keep at most MAX_SAVED_LOGINS: the oldest go.
    const { logins } = await list();
    await remove(logins.slice(MAX_SAVED_LOGINS).map((l) => l.id));
    return { id, loginUri: payload.loginUri, first: payload.first, last: payload.last, savedAt: payload.savedAt };
  };

  const reveal = async (id: string): Promise<VaultPayload | null> => {
    if (!ID.test(id) || !(await exists())) return null;
    const db = await connect();
    const value: unknown = await request(db.transaction(LOGINS, 'readonly').objectStore(LOGINS).get(id));
    if (value === undefined) return null;
    const k = await keys(false);
    try {
      if (!k) throw new VaultError('vault_bad_record', 'a saved login has no key to open it (the key was deleted)');
      return await open(k, id, value);
    } catch (err) {
      await remove([id]);
      throw err instanceof VaultError
        ? new VaultError(err.code, `${err.message}; it was deleted`)
        : new VaultError('vault_bad_record', 'a saved login could not be opened; it was deleted');
    }
  };

  const forgetAll = async (): Promise<void> => {
    conn?.close();
    conn = null;
    const req = idb.deleteDatabase(VAULT_DB);
    await new Promise<void>((resolve, reject) => {
      req.onsuccess = () => resolve();
      req.onerror = () =>
        reject(new VaultError('vault_failed', `IndexedDB did not delete the vault (${req.error?.name ?? 'unknown'})`));
    });
  };

  // Open at once where the vault already exists, so a browser that refuses IndexedDB says so now.
  if (await exists()) await connect();
  return {
    list,
    save,
    reveal,
    forget: (id) => remove([id]),
    forgetAll,
    close: () => {
      conn?.close();
      conn = null;
    },
  };
}
