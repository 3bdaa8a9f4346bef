/**
 * The full viewer's "Remember me on this device": the login vault behind the login form's offer (saved logins,
 * pick, Forget, Forget all) and the save after a successful login. Loaded by App only (a dynamic import), so
 * the embed never loads it: scripts/check-boundaries.mjs checks that nothing the embed imports reaches web/ui/vault.
 */
import { createSignal } from 'solid-js';
import type { RememberOffer, SavedLoginView } from '../components/GridLoginForm';
import type { GridCredentials } from '../grid-login';
import { VaultError } from './errors';
import { type LoginVault, openLoginVault, vaultUnavailableReason } from './login-vault';

export interface Remember {
  /** What the form shows (its `remember` prop). */
  offer: () => RememberOffer;
  /** Keeps the credentials of a login that succeeded (the visitor ticked the box). Never throws. */
  save(credentials: GridCredentials): Promise<void>;
}

function plain(err: unknown): string {
  return err instanceof VaultError ? err.message.replace(/^vault: /, '') : 'the browser refused';
}

/** Opens the vault (or says why it cannot) and lists the saved logins. */
export function createRemember(): Remember {
  const [unavailable, setUnavailable] = createSignal<string | null>(vaultUnavailableReason());
  const [saved, setSaved] = createSignal<readonly SavedLoginView[]>([]);
  const [notice, setNotice] = createSignal('');
  const report = (err: unknown): void => {
    console.warn(err instanceof VaultError ? err.message : 'vault: an unexpected failure', err instanceof VaultError ? '' : err);
  };
  let vault: Promise<LoginVault | null> = Promise.resolve(null);
  const refresh = async (): Promise<void> => {
    const v = await vault;
    if (!v) return;
    try {
      const { logins, dropped } = await v.list();
      setSaved(logins.map(({ id, loginUri, first, last }) => ({ id, loginUri, first, last })));
      for (const e of dropped) report(e);
      if (dropped.length > 0)
        setNotice(
          `${dropped.length} saved login${dropped.length > 1 ? 's' : ''} could not be opened and ${dropped.length > 1 ? 'were' : 'was'} deleted.`,
        );
    } catch (err) {
      report(err);
      setNotice(`Saved logins cannot be read: ${plain(err)}`);
    }
  };
  if (!unavailable()) {
    vault = openLoginVault().catch((err: unknown) => {
      report(err);
      setUnavailable(`Nothing can be kept on this device: ${plain(err)}`);
      return null;
    });
    void refresh();
  }
  const act = async (f: (v: LoginVault) => Promise<void>): Promise<void> => {
    const v = await vault;
    if (!v) return;
    setNotice('');
    try {
      await f(v);
    } catch (err) {
      report(err);
      setNotice(plain(err));
    }
    await refresh();
  };
  return {
    offer: () => ({
      unavailable: unavailable(),
      saved: saved(),
      notice: notice(),
      pick: async (id) => {
        const v = await vault;
        if (!v) return null;
        try {
          const login = await v.reveal(id);
          if (login) return { loginUri: login.loginUri, first: login.first, last: login.last, password: login.password };
        } catch (err) {
          report(err);
          setNotice(`That saved login could not be opened and was deleted (${plain(err)}).`);
        }
        await refresh();
        return null;
      },
      forget: (id) => act((v) => v.forget(id)),
      forgetAll: () => act((v) => v.forgetAll()),
    }),
    save: (c) => act(async (v) => void (await v.save(c))),
  };
}
