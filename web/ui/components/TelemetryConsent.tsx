/**
 * Telemetry, opt-in: asked once (a question with yes and no in the top bar, a minute into a visit, so it does not
 * stand in the way of arriving), and afterwards a top-bar button that turns it on or off again. What is sent, and the noise added first, is in docs/privacy.md.
 */
import { Show } from 'solid-js';
import type { TelemetryConsent as Consent } from '../../ai/telemetry';

/** The question, inline in the top bar (it covers nothing of the world or the other panels). */
export function TelemetryPrompt(props: { onAnswer: (on: boolean) => void }) {
  return (
    <fieldset
      class="sc-telemetry-ask"
      aria-label="Share anonymous performance figures?"
      data-testid="telemetry-ask"
      title="Frame times, load and memory, with noise added on this device before anything leaves it; no name, place or address, only an id that changes every hour (docs/privacy.md)"
    >
      Share anonymous performance figures?{' '}
      <button type="button" data-testid="telemetry-yes" onClick={() => props.onAnswer(true)}>
        Share
      </button>
      <button type="button" data-testid="telemetry-no" onClick={() => props.onAnswer(false)}>
        No
      </button>
    </fieldset>
  );
}

export function TelemetryToggle(props: { consent: Consent; onToggle: (on: boolean) => void }) {
  return (
    <Show when={props.consent !== 'unasked'}>
      <button
        type="button"
        data-testid="telemetry-toggle"
        aria-pressed={props.consent === 'on'}
        title="Anonymous performance figures, with noise added on this device (docs/privacy.md)"
        onClick={() => props.onToggle(props.consent !== 'on')}
      >
        {props.consent === 'on' ? 'Telemetry: on' : 'Telemetry: off'}
      </button>
    </Show>
  );
}
