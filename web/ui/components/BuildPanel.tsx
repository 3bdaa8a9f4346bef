/**
 * The Build panel (Finalverse worlds, visitors whose token grants edit or create): a sentence becomes a prepared plan
 * (the language tier on the edge), an uploaded glTF model a prepared placement in front of you; either is previewed
 * in the world as ghosts only you see, listed action by action, and changes the world only when you approve it.
 */
import { createSignal, For, Show } from 'solid-js';
import { MAX_AI_PROMPT_CHARS, type OperationResult, type WorldAction } from '../../../shared/protocol';
import { type BuildFailure, describeAction } from '../build';

export type PreparedPlan = Extract<OperationResult, { op: 'prepare' }>;
export type Prepared = { ok: true; plan: PreparedPlan; what: string } | ({ ok: false } & BuildFailure);

export interface BuildPanelProps {
  /** The sentence box: shown when the edge has a language model and your token grants edit. */
  ask: boolean;
  /** The model upload: shown when your token grants create. */
  upload: boolean;
  /** Ghosts the preview draws now (the world worker's count). */
  ghosts: number;
  describe(prompt: string): Promise<Prepared>;
  uploadModel(file: File): Promise<Prepared>;
  preview(actions: WorldAction[]): void;
  clearPreview(): void;
  commit(planId: string): Promise<OperationResult>;
  onClose(): void;
}

type Stage =
  | { kind: 'idle' }
  | { kind: 'busy'; what: string }
  | { kind: 'preview'; plan: PreparedPlan; what: string }
  | { kind: 'committing'; plan: PreparedPlan; what: string };

export function BuildPanel(props: BuildPanelProps) {
  const [stage, setStage] = createSignal<Stage>({ kind: 'idle' });
  const [error, setError] = createSignal<BuildFailure | null>(null);
  const [done, setDone] = createSignal('');
  const [prompt, setPrompt] = createSignal('');
  let fileInput: HTMLInputElement | undefined;

  const prepared = (r: Prepared): void => {
    if (!r.ok) {
      setError({ code: r.code, message: r.message });
      setStage({ kind: 'idle' });
      return;
    }
    props.preview(r.plan.actions);
    setStage({ kind: 'preview', plan: r.plan, what: r.what });
  };
  const start = (what: string): boolean => {
    if (stage().kind !== 'idle') return false;
    setError(null);
    setDone('');
    setStage({ kind: 'busy', what });
    return true;
  };
  const describe = async (e: Event): Promise<void> => {
    e.preventDefault();
    const text = prompt().trim();
    if (!text || !start('Asking the model for a plan…')) return;
    prepared(await props.describe(text));
  };
  const upload = async (): Promise<void> => {
    const file = fileInput?.files?.[0];
    if (!file || !start(`Uploading ${file.name}…`)) return;
    const r = await props.uploadModel(file);
    if (fileInput) fileInput.value = '';
    prepared(r);
  };
  const cancel = (): void => {
    // The prepared plan is left to expire on the edge: nothing changes for anyone.
    props.clearPreview();
    setStage({ kind: 'idle' });
  };
  const approve = async (): Promise<void> => {
    const s = stage();
    if (s.kind !== 'preview') return;
    setStage({ kind: 'committing', plan: s.plan, what: s.what });
    const result = await props.commit(s.plan.planId);
    props.clearPreview();
    setStage({ kind: 'idle' });
    if (result.op === 'commit') {
      setDone(`Done: ${result.created.length} created, ${result.changed.length} changed, ${result.deleted.length} deleted.`);
      setPrompt('');
    } else if (result.op === 'failed') setError({ code: result.code, message: result.message });
    else setError({ code: 'build_upload_failed', message: `build: the world answered ${result.op} to a commit` });
  };
  const close = (): void => {
    if (stage().kind === 'preview') props.clearPreview();
    props.onClose();
  };

  const planOf = () => {
    const s = stage();
    return s.kind === 'preview' || s.kind === 'committing' ? s : null;
  };

  return (
    <section
      class="sc-panel sc-build"
      aria-label="Build"
      data-testid="build-panel"
      data-stage={stage().kind}
      data-ghosts={props.ghosts}
    >
      <header class="sc-build-head">
        <strong>Build</strong>
        <button type="button" onClick={close} aria-label="Close the Build panel">
          ×
        </button>
      </header>
      <Show when={props.ask}>
        <form class="sc-build-ask" onSubmit={(e) => void describe(e)}>
          <input
            type="text"
            data-testid="build-prompt"
            placeholder="a red arch over the fountain"
            maxLength={MAX_AI_PROMPT_CHARS}
            value={prompt()}
            onInput={(e) => setPrompt(e.currentTarget.value)}
            disabled={stage().kind !== 'idle'}
            aria-label="Describe what to build"
          />
          <button type="submit" data-testid="build-describe" disabled={stage().kind !== 'idle' || !prompt().trim()}>
            Plan
          </button>
        </form>
      </Show>
      <Show when={props.upload}>
        <label class="sc-build-upload">
          Place a glTF model (.glb, .gltf):{' '}
          <input
            ref={fileInput}
            type="file"
            accept=".glb,.gltf,model/gltf-binary,model/gltf+json"
            data-testid="build-upload"
            disabled={stage().kind !== 'idle'}
            onChange={() => void upload()}
          />
        </label>
      </Show>
      <Show when={!props.ask && !props.upload}>
        <p>Building here needs a language model on this edge or the create permission.</p>
      </Show>
      <Show when={stage().kind === 'busy' ? stage() : null}>
        {(s) => (
          <p role="status" data-testid="build-busy">
            {(s() as { what: string }).what}
          </p>
        )}
      </Show>
      <Show when={planOf()}>
        {(s) => (
          <div class="sc-build-plan" data-testid="build-plan" data-plan={s().plan.planId}>
            <p>
              {s().what} Preview (only you see it): {s().plan.actions.length} action
              {s().plan.actions.length === 1 ? '' : 's'}
            </p>
            <ol data-testid="build-actions">
              <For each={s().plan.actions}>{(a) => <li>{describeAction(a)}</li>}</For>
            </ol>
            <button type="button" data-testid="build-commit" disabled={stage().kind !== 'preview'} onClick={() => void approve()}>
              Build it
            </button>
            <button
              type="button"
              class="sc-build-act"
              data-testid="build-cancel"
              disabled={stage().kind !== 'preview'}
              onClick={cancel}
            >
              Cancel
            </button>
          </div>
        )}
      </Show>
      <Show when={error()}>
        {(e) => (
          <p class="sc-build-error" role="alert" data-testid="build-error" data-code={e().code}>
            {e().code}: {e().message}
          </p>
        )}
      </Show>
      <Show when={done()}>
        <p role="status" data-testid="build-done">
          {done()}
        </p>
      </Show>
    </section>
  );
}
