/** Sound on/off and volume: the click that switches sound on is the user gesture browsers require for audio. */
import type { AudioSettings } from '../../audio/audio-host';

export function SoundControls(props: {
  settings: AudioSettings;
  onToggle: (on: boolean) => void;
  onVolume: (volume: number) => void;
}) {
  return (
    <div class="sc-sound" data-testid="sound-controls">
      <button
        type="button"
        data-testid="sound-toggle"
        aria-pressed={props.settings.enabled}
        title={props.settings.enabled ? 'Turn sound off' : 'Turn sound on'}
        onClick={() => props.onToggle(!props.settings.enabled)}
      >
        {props.settings.enabled ? 'Sound on' : 'Sound off'}
      </button>
      <input
        type="range"
        data-testid="sound-volume"
        aria-label="Volume"
        min="0"
        max="100"
        value={Math.round(props.settings.volume * 100)}
        disabled={!props.settings.enabled}
        onInput={(e) => props.onVolume(Number(e.currentTarget.value) / 100)}
      />
    </div>
  );
}
