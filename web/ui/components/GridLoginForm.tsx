/**
 * The OpenSim login form: grid, first and last name, password. The password lives only in this form's memory,
 * unless the full viewer offers its vault (`remember`) and the visitor ticks "Remember me on this device".
 */
import { createSignal, For, Show } from 'solid-js';
import type { GridCredentials } from '../grid-login';

/** A saved login as the form lists it (never its password). */
export interface SavedLoginView {
  id: string;
  loginUri: string;
  first: string;
  last: string;
}

/**
 * What the full viewer's login vault offers the form (web/ui/vault/remember.ts). The embed passes none: no
 * checkbox, no saved logins, nothing kept.
 */
export interface RememberOffer {
  /** Why nothing can be kept here (no IndexedDB or WebCrypto), else null. */
  unavailable: string | null;
  saved: readonly SavedLoginView[];
  /** A line about the vault (a saved login that could not be opened and was deleted), or ''. */
  notice: string;
  /** The saved login with its password, or null when it is gone. */
  pick(id: string): Promise<{ loginUri: string; first: string; last: string; password: string } | null>;
  forget(id: string): Promise<void>;
  forgetAll(): Promise<void>;
}

function gridName(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}

export function GridLoginForm(props: {
  grid: string;
  region: string;
  /** The link's x/y/z, passed on as the start location. */
  position: readonly [number, number, number] | null;
  busy: boolean;
  error: string;
  /** `remember`: the visitor ticked "Remember me on this device" (always false without `remember` below). */
  onSubmit: (credentials: GridCredentials, remember: boolean) => void;
  /** The vault's offer; absent in the embed. */
  remember?: RememberOffer;
}) {
  const [loginUri, setLoginUri] = createSignal(props.grid ? `http://${props.grid}/` : '');
  const [first, setFirst] = createSignal('');
  const [last, setLast] = createSignal('');
  const [password, setPassword] = createSignal('');
  const [keep, setKeep] = createSignal(false);
  const pick = async (id: string): Promise<void> => {
    const login = await props.remember?.pick(id);
    if (!login) return;
    setLoginUri(login.loginUri);
    setFirst(login.first);
    setLast(login.last);
    setPassword(login.password);
    setKeep(true);
  };
  const submit = (e: SubmitEvent): void => {
    e.preventDefault();
    props.onSubmit(
      {
        loginUri: loginUri().trim(),
        first: first().trim(),
        last: last().trim(),
        password: password(),
        region: props.region || undefined,
        ...(props.region && props.position ? { position: [...props.position] } : {}),
      },
      Boolean(props.remember && !props.remember.unavailable && keep()),
    );
  };
  return (
    <form class="sc-panel sc-center sc-login" data-testid="grid-login" onSubmit={submit}>
      <h2>Log into {props.region ? `${props.region} on ` : ''}an OpenSim grid</h2>
      <Show when={props.remember?.saved.length ? props.remember : null}>
        {(offer) => (
          <div class="sc-saved" data-testid="saved-logins">
            <span class="sc-small">Saved on this device</span>
            <For each={offer().saved}>
              {(s) => (
                <div class="sc-saved-login" data-testid="saved-login" data-id={s.id}>
                  <button type="button" data-testid="saved-login-use" onClick={() => void pick(s.id)}>
                    {s.first} {s.last} <span class="sc-small">· {gridName(s.loginUri)}</span>
                  </button>
                  <button
                    type="button"
                    data-testid="saved-login-forget"
                    title={`Forget ${s.first} ${s.last} on this device`}
                    onClick={() => void offer().forget(s.id)}
                  >
                    Forget
                  </button>
                </div>
              )}
            </For>
            <button type="button" class="sc-link" data-testid="forget-all-logins" onClick={() => void offer().forgetAll()}>
              Forget all saved logins
            </button>
          </div>
        )}
      </Show>
      <Show when={props.remember?.notice}>
        <p class="sc-small" role="status" data-testid="vault-notice">
          {props.remember?.notice}
        </p>
      </Show>
      <label>
        Grid login URI
        <input
          data-testid="login-uri"
          required
          maxLength={256}
          value={loginUri()}
          onInput={(e) => setLoginUri(e.currentTarget.value)}
          placeholder="http://grid.example.org:8002/"
        />
      </label>
      <div class="sc-row">
        <label>
          First name
          <input
            data-testid="login-first"
            required
            maxLength={64}
            autocomplete="username"
            value={first()}
            onInput={(e) => setFirst(e.currentTarget.value)}
          />
        </label>
        <label>
          Last name
          <input
            data-testid="login-last"
            required
            maxLength={64}
            value={last()}
            onInput={(e) => setLast(e.currentTarget.value)}
          />
        </label>
      </div>
      <label>
        Password
        <input
          data-testid="login-password"
          type="password"
          required
          maxLength={256}
          autocomplete="current-password"
          value={password()}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <Show when={props.remember}>
        {(offer) => (
          <>
            <label class="sc-check">
              <input
                type="checkbox"
                data-testid="login-remember"
                checked={keep() && !offer().unavailable}
                disabled={Boolean(offer().unavailable)}
                onChange={(e) => setKeep(e.currentTarget.checked)}
              />
              Remember me on this device
            </label>
            <Show when={offer().unavailable}>
              <p class="sc-small" data-testid="remember-unavailable">
                {offer().unavailable}
              </p>
            </Show>
          </>
        )}
      </Show>
      <Show when={props.error}>
        <p role="alert" data-testid="login-error" class="sc-error">
          {props.error}
        </p>
      </Show>
      <button type="submit" data-testid="login-submit" disabled={props.busy}>
        {props.busy ? 'Logging in…' : 'Log in'}
      </button>
      <p class="sc-small" data-testid="login-privacy">
        {keep() && props.remember && !props.remember.unavailable
          ? 'Your password goes to the grid (as its MD5 hash) through our edge; after a successful login it is kept on this device only, encrypted with a key the browser will not export, until you Forget it.'
          : 'Your password goes to the grid (as its MD5 hash) through our edge and is not stored.'}
      </p>
    </form>
  );
}
