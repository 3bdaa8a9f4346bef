/** The OpenSim login form: grid, first and last name, password. The password lives only in this form's memory. */
import { createSignal, Show } from 'solid-js';
import type { GridCredentials } from '../grid-login';

export function GridLoginForm(props: {
  grid: string;
  region: string;
  /** The link's x/y/z, passed on as the start location. */
  position: readonly [number, number, number] | null;
  busy: boolean;
  error: string;
  onSubmit: (credentials: GridCredentials) => void;
}) {
  const [loginUri, setLoginUri] = createSignal(props.grid ? `http://${props.grid}/` : '');
  const [first, setFirst] = createSignal('');
  const [last, setLast] = createSignal('');
  const [password, setPassword] = createSignal('');
  const submit = (e: SubmitEvent): void => {
    e.preventDefault();
    props.onSubmit({
      loginUri: loginUri().trim(),
      first: first().trim(),
      last: last().trim(),
      password: password(),
      region: props.region || undefined,
      ...(props.region && props.position ? { position: [...props.position] } : {}),
    });
  };
  return (
    <form class="sc-panel sc-center sc-login" data-testid="grid-login" onSubmit={submit}>
      <h2>Log into {props.region ? `${props.region} on ` : ''}an OpenSim grid</h2>
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
      <Show when={props.error}>
        <p role="alert" data-testid="login-error" class="sc-error">
          {props.error}
        </p>
      </Show>
      <button type="submit" data-testid="login-submit" disabled={props.busy}>
        {props.busy ? 'Logging in…' : 'Log in'}
      </button>
      <p class="sc-small">Your password goes to the grid (as its MD5 hash) through our edge and is not stored.</p>
    </form>
  );
}
