/**
 * Telemetry, opt-in: asked once (a small panel with yes and no, a minute into a visit, so it does not stand in the
 * way of arriving), and afterwards a HUD button that turns it on or off again. What is sent, and the noise added first, is in docs/privacy.md.
 */
import { Show } from 'solid-js';
import type { TelemetryConsent as Consent } from '../../ai/telemetry';

export function TelemetryPrompt(props: { onAnswer: (on: boolean) => void }) {
  return (
    <div class="sc-panel sc-telemetry-ask" role="dialog" aria-label="Share performance figures?" data-testid="telemetry-ask">
      <p>
        Share anonymous performance figures (frame times, load, memory) to help tune StormCore? Noise is added on this device
        before anything leaves it; no name, place or address is sent, only an id that changes every hour.
      </p>
      <button type="button" data-testid="telemetry-yes" onClick={() => props.onAnswer(true)}>
        Share
      </button>{' '}
      <button type="button" data-testid="telemetry-no" onClick={() => props.onAnswer(false)}>
        No thanks
      </button>
    </div>
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
