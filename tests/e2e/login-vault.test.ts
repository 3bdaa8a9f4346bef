/**
 * "Remember me on this device" in real Chromium: logins through the form against a fake OpenSim simulator
 * (tests/support/fake-sim.ts, through the dev server's edge and UDP relay), kept in the login vault only when the
 * box is ticked and the login succeeds; IndexedDB read raw holds ciphertext only; the saved login survives a
 * reload and a browser restart on the same profile, not another profile; Forget and Forget all; the embed never
 * loads the vault.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromiumProfile } from '../support/chromium';
import { type FakeSim, startFakeSim } from '../support/fake-sim';

const VAULT_DB = 'stormcore-login-vault';
const PASSWORD = 'password';
const AMY = { first: 'Amaranth', last: 'Vaultkeeper' };
const BOB = { first: 'Bartholomew', last: 'Cipherwright' };

let sim: FakeSim;
const profiles: string[] = [];
const contexts: BrowserContext[] = [];

function newProfile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'stormcore-vault-profile-'));
  profiles.push(dir);
  return dir;
}

async function open(profile: string): Promise<BrowserContext> {
  // No WebGPU: this is about the login form and storage; software rendering would only slow the machine.
  const context = await launchChromiumProfile(profile, { webgpu: false });
  contexts.push(context);
  return context;
}

function link(): string {
  return `${inject('baseUrl')}/#/os/127.0.0.1:${sim.port}/StormTest/128/128/25`;
}

/** The vault's modules the page fetched (the dev server serves each module at its own path). */
function vaultRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/vault/')) seen.push(r.url());
  });
  return seen;
}

async function logIn(page: Page, who: { first: string; last: string }, remember: boolean): Promise<void> {
  await page.getByTestId('login-remember').waitFor({ timeout: 30_000 });
  await page.getByTestId('login-first').fill(who.first);
  await page.getByTestId('login-last').fill(who.last);
  await page.getByTestId('login-password').fill(PASSWORD);
  if (remember) await page.getByTestId('login-remember').check();
  await page.getByTestId('login-submit').click();
  await expect.poll(() => page.getByTestId('grid-login').count(), { timeout: 30_000 }).toBe(0);
}

/** The vault database as any script of the origin sees it: store names, records as bytes, the keys' properties. */
async function readVault(page: Page) {
  return page.evaluate(async (name) => {
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === name)) return null;
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = (store: string) =>
      new Promise<[IDBValidKey[], unknown[]]>((resolve) => {
        const tx = db.transaction(store, 'readonly');
        const k = tx.objectStore(store).getAllKeys();
        const v = tx.objectStore(store).getAll();
        tx.oncomplete = () => resolve([k.result, v.result]);
      });
    const [ids, values] = await all('logins');
    const [keyIds, keyValues] = await all('keys');
    const keys = keyValues[0] as { aes: CryptoKey; hmac: CryptoKey } | undefined;
    const exported = keys
      ? await crypto.subtle.exportKey('raw', keys.aes).then(
          () => 'exported',
          (e: unknown) => (e instanceof Error ? e.name : 'refused'),
        )
      : 'none';
    db.close();
    return {
      stores: [...db.objectStoreNames],
      records: ids.map((id, i) => {
        const v = values[i] as Record<string, unknown>;
        return {
          id: String(id),
          fields: Object.keys(v).sort(),
          iv: Array.from(v.iv as Uint8Array),
          data: Array.from(v.data as Uint8Array),
          json: JSON.stringify(v),
        };
      }),
      keyIds: keyIds.map(String),
      aes: keys ? { extractable: keys.aes.extractable, algorithm: keys.aes.algorithm, usages: keys.aes.usages } : null,
      hmacExtractable: keys?.hmac.extractable ?? null,
      exported,
      webStorage: [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })],
    };
  }, VAULT_DB);
}

function containsText(bytes: number[], text: string): boolean {
  const n = [...new TextEncoder().encode(text)];
  for (let i = 0; i + n.length <= bytes.length; i++) if (n.every((b, j) => bytes[i + j] === b)) return true;
  return false;
}

describe('remembering grid logins on this device', () => {
  let profileA = '';
  beforeAll(async () => {
    sim = await startFakeSim();
    profileA = newProfile();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await sim?.close();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it('keeps nothing when the box is not ticked', async () => {
    const context = await open(profileA);
    const page = await context.newPage();
    await page.goto(link());
    await logIn(page, AMY, false);
    // The login went through (the form is gone) and nothing was kept: not even an empty vault database.
    expect(await readVault(page)).toBeNull();
    await context.close();
  });

  it('keeps a login only as ciphertext under a key WebCrypto will not export, after a successful ticked login', async () => {
    const context = await open(profileA);
    const page = await context.newPage();
    const fetched = vaultRequests(page);
    await page.goto(link());
    // A wrong password is refused by the grid: nothing kept.
    await page.getByTestId('login-remember').waitFor({ timeout: 30_000 });
    await page.getByTestId('login-first').fill(AMY.first);
    await page.getByTestId('login-last').fill(AMY.last);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-remember').check();
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent(), { timeout: 30_000 }).toMatch(/\S/);
    expect(await readVault(page)).toBeNull();
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('grid-login').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(async () => (await readVault(page))?.records.length ?? 0, { timeout: 10_000 }).toBe(1);
    const vault = await readVault(page);
    if (!vault) throw new Error('no vault');
    expect(vault.stores.sort()).toEqual(['keys', 'logins']);
    const [record] = vault.records;
    expect(record?.fields).toEqual(['data', 'iv']);
    expect(record?.iv).toHaveLength(12);
    expect(record?.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const clear of [PASSWORD, AMY.first, AMY.last, `127.0.0.1:${sim.port}`, 'loginUri']) {
      expect(containsText(record?.data ?? [], clear), clear).toBe(false);
      expect(record?.id).not.toContain(clear);
      expect(record?.json).not.toContain(clear);
      for (const s of vault.webStorage) expect(s).not.toContain(clear);
    }
    expect(vault.keyIds).toEqual(['v1']);
    expect(vault.aes).toMatchObject({ extractable: false, algorithm: { name: 'AES-GCM', length: 256 } });
    expect(vault.hmacExtractable).toBe(false);
    expect(vault.exported).toBe('InvalidAccessError');
    // The full viewer loaded the vault's modules (what the embed test below checks it never does).
    expect(fetched.length).toBeGreaterThan(0);
    await context.close();
  });

  it('offers the saved login after a reload and a browser restart on the same profile; picking it fills the form', async () => {
    const context = await open(profileA);
    const page = await context.newPage();
    await page.goto(link());
    await page.reload();
    const saved = page.getByTestId('saved-login');
    await expect.poll(() => saved.count(), { timeout: 30_000 }).toBe(1);
    expect(await saved.textContent()).toContain(`${AMY.first} ${AMY.last}`);
    expect(await saved.textContent()).toContain(`127.0.0.1:${sim.port}`);
    expect(await page.getByTestId('login-password').inputValue()).toBe('');
    await page.getByTestId('saved-login-use').click();
    await expect.poll(() => page.getByTestId('login-first').inputValue()).toBe(AMY.first);
    expect(await page.getByTestId('login-last').inputValue()).toBe(AMY.last);
    expect(await page.getByTestId('login-password').inputValue()).toBe(PASSWORD);
    expect(await page.getByTestId('login-password').getAttribute('type')).toBe('password');
    expect(await page.getByTestId('login-remember').isChecked()).toBe(true);
    // Logging in with it works (and keeps it, with a new nonce).
    const before = (await readVault(page))?.records[0]?.iv;
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('grid-login').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(async () => (await readVault(page))?.records[0]?.iv, { timeout: 10_000 }).not.toEqual(before);
    expect((await readVault(page))?.records).toHaveLength(1);
    await context.close();
  });

  it('offers nothing on a fresh profile', async () => {
    const context = await open(newProfile());
    const page = await context.newPage();
    await page.goto(link());
    await page.getByTestId('login-remember').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('login-remember').isEnabled()).toBe(true);
    expect(await page.getByTestId('login-remember').isChecked()).toBe(false);
    await page.waitForTimeout(500);
    expect(await page.getByTestId('saved-login').count()).toBe(0);
    expect(await readVault(page)).toBeNull();
    await context.close();
  });

  it('disables the box with a reason, and keeps nothing, where the page has no IndexedDB', async () => {
    const context = await open(newProfile());
    const page = await context.newPage();
    await page.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
    await page.goto(link());
    await page.getByTestId('login-remember').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('login-remember').isDisabled()).toBe(true);
    expect(await page.getByTestId('remember-unavailable').textContent()).toMatch(/no IndexedDB.*nothing can be kept/);
    await logIn(page, AMY, false);
    await context.close();
  });

  it('never loads the vault or shows the box in the embed, even on a profile with a saved login', async () => {
    const context = await open(profileA);
    const page = await context.newPage();
    const fetched = vaultRequests(page);
    await page.goto(`${inject('baseUrl')}/embed#/os/127.0.0.1:${sim.port}/StormTest/128/128/25`);
    await page.getByTestId('login-first').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    expect(await page.getByTestId('login-remember').count()).toBe(0);
    expect(await page.getByTestId('saved-logins').count()).toBe(0);
    expect(await page.getByTestId('login-first').inputValue()).toBe('');
    expect(fetched).toEqual([]);
    await context.close();
  });

  it('forgets one saved login with Forget, and the key and every record with Forget all', async () => {
    const context = await open(profileA);
    const page = await context.newPage();
    await page.goto(link());
    await logIn(page, BOB, true);
    await expect.poll(async () => (await readVault(page))?.records.length ?? 0, { timeout: 10_000 }).toBe(2);
    await page.goto('about:blank');
    await page.goto(link());
    const saved = page.getByTestId('saved-login');
    await expect.poll(() => saved.count(), { timeout: 30_000 }).toBe(2);
    // Newest first.
    expect(await saved.first().textContent()).toContain(BOB.first);
    await saved.filter({ hasText: BOB.first }).getByTestId('saved-login-forget').click();
    await expect.poll(() => saved.count()).toBe(1);
    expect(await saved.textContent()).toContain(AMY.first);
    expect((await readVault(page))?.records).toHaveLength(1);
    await page.reload();
    await expect.poll(() => saved.count(), { timeout: 30_000 }).toBe(1);
    await page.getByTestId('forget-all-logins').click();
    await expect.poll(() => page.getByTestId('saved-logins').count()).toBe(0);
    expect(await readVault(page)).toBeNull();
    await page.reload();
    await page.getByTestId('login-remember').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    expect(await saved.count()).toBe(0);
    await context.close();
  });
});
