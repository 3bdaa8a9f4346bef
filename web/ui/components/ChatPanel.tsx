/** Local chat: the last lines and a field to speak. Enter focuses the field; Escape leaves it. */
import { createSignal, For, onCleanup, onMount } from 'solid-js';
import type { ChatLine } from '../../world/world-snapshot';

export const MAX_CHAT_LENGTH = 1023;

export function ChatPanel(props: { lines: ChatLine[]; onSend: (text: string) => void; disabled: boolean }) {
  const [text, setText] = createSignal('');
  let input: HTMLInputElement | undefined;
  const onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' && document.activeElement !== input) {
      e.preventDefault();
      input?.focus();
    }
  };
  onMount(() => window.addEventListener('keydown', onKey));
  onCleanup(() => window.removeEventListener('keydown', onKey));
  const submit = (e: SubmitEvent): void => {
    e.preventDefault();
    const value = text().trim();
    if (!value) return;
    props.onSend(value.slice(0, MAX_CHAT_LENGTH));
    setText('');
  };
  return (
    <section class="sc-panel sc-chat" aria-label="Local chat" data-testid="chat">
      <ol class="sc-chat-lines" aria-live="polite">
        <For each={props.lines.slice(-8)}>
          {(line) => (
            <li data-testid="chat-line">
              <b>{line.from}:</b> {line.text}
            </li>
          )}
        </For>
      </ol>
      <form onSubmit={submit}>
        <input
          ref={input}
          data-testid="chat-input"
          aria-label="Say something in local chat"
          placeholder={props.disabled ? 'Chat is available once you are in a world' : 'Press Enter to chat'}
          maxLength={MAX_CHAT_LENGTH}
          value={text()}
          disabled={props.disabled}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && e.currentTarget.blur()}
        />
      </form>
    </section>
  );
}
