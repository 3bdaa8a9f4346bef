import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../../../../web/ui/vault/errors';
import {
  type LoginVault,
  MAX_SAVED_LOGINS,
  openLoginVault,
  VAULT_DB,
  type VaultEnv,
  vaultAdditionalData,
  vaultUnavailableReason,
} from '../../../../../web/ui/vault/login-vault';

const ALICE = { loginUri: 'http://127.0.0.1:9000/', first: 'Alice', last: 'Liddell', password: 'looking-glass-42' };
const BOB = { loginUri: 'http://grid.example.org:8002/', first: 'Bob', last: 'Builder', password: 'can-we-fix-it' };

/** A browser profile: its own IndexedDB, Node's WebCrypto. */
function profile(): VaultEnv & { indexedDB: IDBFactory } {
  return { indexedDB: new IDBFactory(), crypto: globalThis.crypto };
}

/** Reads a store of the vault database raw, as anything else on the origin could. */
async function raw(idb: IDBFactory, store: 'keys' | 'logins'): Promise<Map<IDBValidKey, unknown>> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = idb.open(VAULT_DB);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = db.transaction(store, 'readonly');
  const [keys, values] = await Promise.all(
    [tx.objectStore(store).getAllKeys(), tx.objectStore(store).getAll()].map(
      (r) => new Promise<unknown[]>((resolve) => (r.onsuccess = () => resolve(r.result as unknown[]))),
    ),
  );
  db.close();
  return new Map((keys ?? []).map((k, i) => [k as IDBValidKey, values?.[i]]));
}

async function put(idb: IDBFactory, id: string, value: unknown): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve) => {
    const req = idb.open(VAULT_DB);
    req.onsuccess = () => resolve(req.result);
  });
  const tx = db.transaction('logins', 'readwrite');
  tx.objectStore('logins').put(value, id);
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

function contains(haystack: Uint8Array, needle: string): boolean {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

async function withVault<T>(env: VaultEnv, f: (v: LoginVault) => Promise<T>): Promise<T> {
  const vault = await openLoginVault(env);
  try {
    return await f(vault);
  } finally {
    vault.close();
  }
}

describe('the login vault', () => {
  it('keeps a login and lists it without its password; reveal gives the password back', async () => {
    const env = profile();
    await withVault(env, async (vault) => {
      const saved = await vault.save(ALICE);
      const { logins, dropped } = await vault.list();
      expect(dropped).toEqual([]);
      expect(logins).toEqual([
        { id: saved.id, loginUri: ALICE.loginUri, first: 'Alice', last: 'Liddell', savedAt: saved.savedAt },
      ]);
      expect(JSON.stringify(logins)).not.toContain(ALICE.password);
      expect(await vault.reveal(saved.id)).toMatchObject(ALICE);
    });
  });

  it('stores only ciphertext: no password, name or grid bytes in the records or their ids', async () => {
    const env = profile();
    await withVault(env, async (vault) => {
      await vault.save(ALICE);
      await vault.save(BOB);
    });
    const records = await raw(env.indexedDB, 'logins');
    expect(records.size).toBe(2);
    for (const [id, value] of records) {
      expect(String(id)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { iv, data } = value as { iv: Uint8Array; data: Uint8Array };
      expect(Object.keys(value as object).sort()).toEqual(['data', 'iv']);
      for (const secret of [ALICE, BOB].flatMap((l) => [l.password, l.first, l.last, l.loginUri, 'password', 'first'])) {
        expect(contains(data, secret)).toBe(false);
        expect(contains(iv, secret)).toBe(false);
        expect(String(id)).not.toContain(secret);
      }
    }
  });

  it('keeps its keys non-extractable: WebCrypto refuses to export them', async () => {
    const env = profile();
    await withVault(env, (vault) => vault.save(ALICE));
    const keys = (await raw(env.indexedDB, 'keys')).get('v1') as { aes: CryptoKey; hmac: CryptoKey };
    expect(keys.aes.extractable).toBe(false);
    expect(keys.aes.algorithm).toMatchObject({ name: 'AES-GCM', length: 256 });
    expect(keys.hmac.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', keys.aes)).rejects.toThrow();
    await expect(crypto.subtle.exportKey('raw', keys.hmac)).rejects.toThrow();
  });

  it('writes a fresh nonce each time and keeps one record per grid and name', async () => {
    const env = profile();
    await withVault(env, async (vault) => {
      const a = await vault.save(ALICE);
      const first = (await raw(env.indexedDB, 'logins')).get(a.id) as { iv: Uint8Array; data: Uint8Array };
      // The same grid written another way and the name in other case: the same record.
      const b = await vault.save({ ...ALICE, loginUri: ' HTTP://127.0.0.1:9000 ', first: 'alice', password: 'new-password' });
      expect(b.id).toBe(a.id);
      const second = (await raw(env.indexedDB, 'logins')).get(a.id) as { iv: Uint8Array; data: Uint8Array };
      expect(Buffer.from(second.iv).equals(Buffer.from(first.iv))).toBe(false);
      expect((await vault.list()).logins).toHaveLength(1);
      expect((await vault.reveal(a.id))?.password).toBe('new-password');
    });
  });

  it('survives a reload of the same profile, and another profile sees nothing', async () => {
    const env = profile();
    await withVault(env, (vault) => vault.save(ALICE));
    expect((await withVault(env, (vault) => vault.list())).logins.map((l) => l.first)).toEqual(['Alice']);
    expect((await withVault(profile(), (vault) => vault.list())).logins).toEqual([]);
  });

  it('refuses a record copied under another id, reports it and deletes it, and keeps the rest', async () => {
    const env = profile();
    const [a, b] = await withVault(env, async (vault) => [await vault.save(ALICE), await vault.save(BOB)]);
    const records = await raw(env.indexedDB, 'logins');
    await put(env.indexedDB, b!.id, records.get(a!.id));
    const { logins, dropped } = await withVault(env, (vault) => vault.list());
    expect(logins.map((l) => l.first)).toEqual(['Alice']);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toBeInstanceOf(VaultError);
    expect(dropped[0]?.code).toBe('vault_bad_record');
    expect(dropped[0]?.message).toMatch(/^vault: a saved login did not decrypt .*; it was deleted$/);
    expect([...(await raw(env.indexedDB, 'logins')).keys()]).toEqual([a!.id]);
  });

  it('drops a tampered ciphertext, a malformed record and a record under a malformed id', async () => {
    const env = profile();
    const a = await withVault(env, (vault) => vault.save(ALICE));
    const b = await withVault(env, (vault) => vault.save(BOB));
    const value = (await raw(env.indexedDB, 'logins')).get(b.id) as { iv: Uint8Array; data: Uint8Array };
    const flipped = value.data.slice();
    flipped[3] = (flipped[3] ?? 0) ^ 1;
    await put(env.indexedDB, b.id, { iv: value.iv, data: flipped });
    await put(env.indexedDB, 'A'.repeat(43), 'Bob Builder can-we-fix-it');
    await put(env.indexedDB, 'not-an-id', value);
    const { logins, dropped } = await withVault(env, (vault) => vault.list());
    expect(logins.map((l) => l.id)).toEqual([a.id]);
    expect(dropped.map((e) => e.code)).toEqual(['vault_bad_record', 'vault_bad_record', 'vault_bad_record']);
    expect((await raw(env.indexedDB, 'logins')).size).toBe(1);
    // reveal of a bad record deletes it and says why.
    await put(env.indexedDB, b.id, { iv: value.iv, data: flipped });
    await expect(withVault(env, (vault) => vault.reveal(b.id))).rejects.toMatchObject({ code: 'vault_bad_record' });
    expect((await raw(env.indexedDB, 'logins')).has(b.id)).toBe(false);
  });

  it('drops a record that decrypts under the right key and id but is not a login', async () => {
    const env = profile();
    await withVault(env, (vault) => vault.save(ALICE));
    const { aes } = (await raw(env.indexedDB, 'keys')).get('v1') as { aes: CryptoKey };
    const id = 'B'.repeat(43);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = new TextEncoder().encode(JSON.stringify({ v: 1, loginUri: 'x', first: 'Eve', last: 'E', password: '' }));
    const data = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: vaultAdditionalData(id) }, aes, plain),
    );
    await put(env.indexedDB, id, { iv, data });
    const { logins, dropped } = await withVault(env, (vault) => vault.list());
    expect(logins.map((l) => l.first)).toEqual(['Alice']);
    expect(dropped[0]?.message).toMatch(/does not match its schema \(password: .*\); it was deleted/);
  });

  it('forgets one login, and forget-all deletes the key with every record', async () => {
    const env = profile();
    await withVault(env, async (vault) => {
      const a = await vault.save(ALICE);
      await vault.save(BOB);
      await vault.forget(a.id);
      expect((await vault.list()).logins.map((l) => l.first)).toEqual(['Bob']);
      expect(await vault.reveal(a.id)).toBeNull();
      const keyBefore = (await raw(env.indexedDB, 'keys')).get('v1');
      await vault.forgetAll();
      expect((await env.indexedDB.databases()).map((d) => d.name)).not.toContain(VAULT_DB);
      // Usable again, under a new key.
      await vault.save(ALICE);
      expect((await vault.list()).logins.map((l) => l.first)).toEqual(['Alice']);
      expect((await raw(env.indexedDB, 'keys')).get('v1')).not.toBe(keyBefore);
    });
  });

  it('makes no database until a login is saved: listing, revealing and forgetting keep nothing', async () => {
    const env = profile();
    await withVault(env, async (vault) => {
      expect(await vault.list()).toEqual({ logins: [], dropped: [] });
      expect(await vault.reveal('A'.repeat(43))).toBeNull();
      await vault.forget('A'.repeat(43));
    });
    expect(await env.indexedDB.databases()).toEqual([]);
  });

  it('keeps at most MAX_SAVED_LOGINS, dropping the oldest', async () => {
    let t = 1_000;
    const env = { ...profile(), now: () => (t += 1000) };
    await withVault(env, async (vault) => {
      for (let i = 0; i < MAX_SAVED_LOGINS + 2; i++) await vault.save({ ...ALICE, first: `A${i}` });
      const { logins } = await vault.list();
      expect(logins).toHaveLength(MAX_SAVED_LOGINS);
      expect(logins.at(-1)?.first).toBe('A2');
    });
  });

  it('says it is unavailable without IndexedDB or WebCrypto, and keeps nothing', async () => {
    expect(vaultUnavailableReason({ crypto: globalThis.crypto })).toMatch(/no IndexedDB/);
    expect(vaultUnavailableReason({ indexedDB: new IDBFactory(), crypto: {} as Crypto })).toMatch(/no WebCrypto/);
    await expect(openLoginVault({ crypto: globalThis.crypto })).rejects.toMatchObject({
      code: 'vault_unavailable',
      message: expect.stringMatching(/^vault: /),
    });
  });
});
