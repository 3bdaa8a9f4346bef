/**
 * The Plugins panel: paste a manifest URL to load a plugin; each plugin with its state (and why), permissions, risk
 * score and reasons, cost (update time, bus events, memory) and how it compares with the last other version's
 * profile (a regression beyond noise is shown open), and its own declarative panel; unload. A plugin refused
 * for its risk can be loaded with consent here ("Load anyway"). Plugin panels are drawn from their schema (text,
 * fields, lists, buttons), never from HTML.
 */
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import type { LoadResult, PluginInfo } from '../../plugins/host';
import type { PanelItem } from '../../plugins/sandbox-protocol';
import type { ReviewOutcome } from '../plugin-review';

function bytes(n: number | null): string {
  return n === null ? '–' : n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`;
}

/** A review from the language tier, for the person to read: nothing in it is applied. */
function Review(props: { outcome: ReviewOutcome }) {
  const o = props.outcome;
  if (!o.ok)
    return (
      <p class="sc-plugin-reason" data-testid="plugin-review-result" data-ok="false" data-code={o.code}>
        {o.message}
      </p>
    );
  return (
    <div class="sc-plugin-review" data-testid="plugin-review-result" data-ok="true">
      <p>{o.review.summary}</p>
      <Show when={o.truncated}>
        <p class="sc-plugin-text">Only the first part of its code was reviewed.</p>
      </Show>
      <b>Risks</b>
      <ul class="sc-plugin-list" data-testid="plugin-review-risks">
        <For each={o.review.risks}>
          {(r) => (
            <li data-severity={r.severity}>
              {r.severity}: {r.risk}
              {r.where ? ` (${r.where})` : ''}
            </li>
          )}
        </For>
      </ul>
      <b>Suggested changes</b>
      <ul class="sc-plugin-list" data-testid="plugin-review-suggestions">
        <For each={o.review.suggestions}>
          {(s) => (
            <li>
              {s.change} — {s.why}
            </li>
          )}
        </For>
      </ul>
      <p class="sc-plugin-text">A language model wrote this; nothing has been changed. Read it as advice.</p>
    </div>
  );
}

/**
 * One item of a plugin's panel. The item is a store entry updated in place (App.tsx reconciles the list), so every
 * read here is reactive, the kind included: a refresh changes text, never the elements.
 */
function Item(props: { item: PanelItem; onAction: (id: string) => void }) {
  // Narrowed reads of the live item: each is reactive, so the same elements show whatever the item now says.
  const i = () => props.item;
  const text = () => {
    const it = i();
    return it.kind === 'text' ? it.text : '';
  };
  const field = () => {
    const it = i();
    return it.kind === 'field' ? it : { label: '', value: '' };
  };
  const lines = () => {
    const it = i();
    return it.kind === 'list' ? it.items : [];
  };
  const button = () => {
    const it = i();
    return it.kind === 'button' ? it : { id: '', label: '' };
  };
  return (
    <Switch>
      <Match when={i().kind === 'text'}>
        <p class="sc-plugin-text">{text()}</p>
      </Match>
      <Match when={i().kind === 'field'}>
        <div class="sc-plugin-field">
          <span>{field().label}</span> <b>{field().value}</b>
        </div>
      </Match>
      <Match when={i().kind === 'list'}>
        <ul class="sc-plugin-list">
          <For each={lines()}>{(line) => <li>{line}</li>}</For>
        </ul>
      </Match>
      <Match when={i().kind === 'button'}>
        <button type="button" data-testid="plugin-action" data-action={button().id} onClick={() => props.onAction(button().id)}>
          {button().label}
        </button>
      </Match>
    </Switch>
  );
}

export function PluginsPanel(props: {
  plugins: PluginInfo[];
  onLoad: (url: string, consent: boolean) => Promise<LoadResult>;
  onUnload: (name: string) => void;
  onAction: (name: string, id: string) => void;
  /** Set when the language tier is configured: a Review button per plugin. */
  onReview?: (name: string) => Promise<ReviewOutcome>;
  onClose: () => void;
}) {
  const [reviews, setReviews] = createSignal<Record<string, ReviewOutcome | 'asking'>>({});
  const review = async (name: string): Promise<void> => {
    const ask = props.onReview;
    if (!ask) return;
    setReviews((r) => ({ ...r, [name]: 'asking' }));
    const outcome = await ask(name);
    setReviews((r) => ({ ...r, [name]: outcome }));
  };
  const [url, setUrl] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [result, setResult] = createSignal<LoadResult | null>(null);
  const load = async (consent: boolean): Promise<void> => {
    const value = url().trim();
    if (!value) return;
    setBusy(true);
    const r = await props.onLoad(value, consent);
    setBusy(false);
    setResult(r);
  };
  return (
    <section class="sc-panel sc-plugins" aria-label="Plugins" data-testid="plugins-panel">
      <h2>Plugins</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void load(false);
        }}
      >
        <input
          data-testid="plugin-url"
          aria-label="Manifest URL (storm-plugin.json)"
          placeholder="/plugins/chat-log/storm-plugin.json"
          value={url()}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
        <button type="submit" data-testid="plugin-load" disabled={busy()}>
          Load
        </button>
      </form>
      <Show when={result()}>
        {(r) => (
          <div class="sc-plugin-result" data-testid="plugin-result" data-ok={String(r().ok)} data-code={r().code ?? ''}>
            <Show when={!r().ok} fallback={<span>Loaded {r().name}.</span>}>
              <span>{r().message}</span>
              <Show when={r().code === 'plugin_risk_refused'}>
                <ul class="sc-plugin-list">
                  <For each={r().reasons}>{(reason) => <li>{reason}</li>}</For>
                </ul>
                <button type="button" data-testid="plugin-consent" onClick={() => void load(true)}>
                  Load anyway (risk {r().risk})
                </button>
              </Show>
            </Show>
          </div>
        )}
      </Show>
      <For each={props.plugins}>
        {(p) => (
          <article class="sc-plugin" data-testid="plugin" data-name={p.name} data-state={p.state}>
            <header>
              <b>{p.name}</b> {p.version} <span class="sc-plugin-state">{p.state}</span>
              <Show when={p.trusted}>
                <span class="sc-plugin-state" data-testid="plugin-trusted" title="operator-listed: runs in the world worker">
                  trusted
                </span>
              </Show>
              <Show when={p.state === 'running' || p.state === 'loaded'}>
                <button type="button" data-testid="plugin-unload" onClick={() => props.onUnload(p.name)}>
                  Unload
                </button>
              </Show>
              <Show when={props.onReview}>
                <button
                  type="button"
                  data-testid="plugin-review"
                  disabled={reviews()[p.name] === 'asking'}
                  onClick={() => void review(p.name)}
                >
                  {reviews()[p.name] === 'asking' ? 'Reviewing…' : 'Review'}
                </button>
              </Show>
            </header>
            {/* Keyed: the child is made again when the outcome changes ('asking', then the answer). */}
            <Show when={reviews()[p.name]} keyed>
              {(outcome) => (outcome === 'asking' ? null : <Review outcome={outcome} />)}
            </Show>
            <Show when={p.state === 'failed' || p.state === 'refused' || p.reason.startsWith('plugins: ')}>
              <p class="sc-plugin-reason" data-testid="plugin-reason">
                {p.reason}
              </p>
            </Show>
            <div class="sc-plugin-cost" data-testid="plugin-cost">
              update {p.update_ms_p50.toFixed(2)} ms · {p.events_per_s} events/s · {bytes(p.memory_bytes)}
              <Show when={p.query_hits + p.query_misses > 0}>
                {' '}
                · queries {p.query_hits} cached / {p.query_misses} run
              </Show>
              <Show when={p.local_entities > 0}> · {p.local_entities} local entities</Show>
            </div>
            <Show when={p.profile}>
              {(c) => (
                <details
                  class="sc-plugin-profile"
                  data-testid="plugin-profile"
                  data-regressed={String(c().regressions.length > 0)}
                  open={c().regressions.length > 0}
                >
                  <summary>
                    {c().regressions.length > 0
                      ? `slower than ${c().baseline}: ${c().regressions.join('; ')}`
                      : `no regression against ${c().baseline}`}
                  </summary>
                  <ul class="sc-plugin-list">
                    <For each={c().figures}>{(line) => <li>{line}</li>}</For>
                  </ul>
                </details>
              )}
            </Show>
            <details>
              <summary>
                risk {p.risk} · {p.permissions.length} permissions
              </summary>
              <ul class="sc-plugin-list">
                <For each={p.permissions}>{(perm) => <li>{perm}</li>}</For>
                <For each={p.riskReasons}>{(reason) => <li>{reason}</li>}</For>
              </ul>
            </details>
            <Show when={p.panel}>
              {(panel) => (
                <div class="sc-plugin-panel" data-testid="plugin-panel" data-name={p.name}>
                  <h3>{panel().title}</h3>
                  <For each={panel().items}>{(item) => <Item item={item} onAction={(id) => props.onAction(p.name, id)} />}</For>
                </div>
              )}
            </Show>
          </article>
        )}
      </For>
      <button type="button" onClick={() => props.onClose()}>
        Close
      </button>
    </section>
  );
}
