/**
 * The page's sound (main thread): one AudioContext, made when sound is first switched on (browsers start audio
 * only after a user gesture; a context made without one waits, suspended, for the next click or key), the
 * mixer on it, and the world worker's audio frames parsed at this door and applied. Sound assets come from the
 * grid session's asset route (OpenSim) or are built in (Finalverse).
 */
import { AudioFrame } from './audio-protocol';
import { AudioError } from './errors';
import { createMixer, type Mixer } from './mixer';
import { createSoundLoader, type FetchSound, gridSoundFetcher, type SoundLoader } from './sound-loader';

/** What the HUD shows. */
export interface AudioSettings {
  enabled: boolean;
  /** 0..1. */
  volume: number;
}

export interface AudioHost {
  settings(): AudioSettings;
  /** Switches sound on (call from a user gesture the first time) or off. */
  setEnabled(on: boolean): void;
  setVolume(volume: number): void;
  /** The OpenSim session whose sounds to fetch (null: a Finalverse world, built-in sounds only). */
  setGridSession(grid: { origin: string; socket: string; token: string } | null): void;
  /** A frame from the world worker (unparsed: it is parsed here). */
  receive(frame: unknown): void;
  /** For end-to-end tests (?debug): the context's state and the voices playing. */
  debug(): { context: AudioContextState | 'none'; voices: number; decoded: number };
  stop(): void;
}

export interface AudioHostOptions {
  /** Makes the context (tests pass their own). */
  createContext?: () => AudioContext;
  onChange?: (settings: AudioSettings) => void;
  log?: (err: AudioError) => void;
}

/** The page's audio host; nothing sounds until `setEnabled(true)`. */
export function createAudioHost(options: AudioHostOptions = {}): AudioHost {
  const log = options.log ?? ((err: AudioError) => console.warn(err.message));
  let settings: AudioSettings = { enabled: false, volume: 0.8 };
  let ctx: AudioContext | null = null;
  let mixer: Mixer | null = null;
  let loader: SoundLoader | null = null;
  let fetcher: FetchSound | null = null;
  let last: AudioFrame | null = null;
  let badFrames = 0;

  const changed = (): void => options.onChange?.({ ...settings });

  /** A context made outside a gesture starts suspended: the next click or key resumes it. */
  const resumeOnGesture = (): void => {
    const resume = (): void => {
      void ctx?.resume();
      removeEventListener('pointerdown', resume, true);
      removeEventListener('keydown', resume, true);
    };
    addEventListener('pointerdown', resume, true);
    addEventListener('keydown', resume, true);
  };

  const start = (): void => {
    if (ctx) return;
    ctx = options.createContext ? options.createContext() : new AudioContext({ latencyHint: 'interactive' });
    loader = createSoundLoader(
      ctx,
      (asset) =>
        fetcher
          ? fetcher(asset)
          : Promise.reject(
              new AudioError('audio_fetch_failed', `sound ${asset} is not built in and this world serves no sound assets`),
            ),
      log,
    );
    mixer = createMixer(ctx, loader, { volume: settings.volume });
    if (ctx.state === 'suspended') {
      void ctx.resume();
      resumeOnGesture();
    }
    // Start with what is audible now (its one-shots are past).
    if (last) mixer.apply({ ...last, triggers: [] });
  };

  return {
    settings: () => ({ ...settings }),
    setEnabled(on) {
      settings = { ...settings, enabled: on };
      if (on) start();
      mixer?.setEnabled(on);
      if (on) void ctx?.resume();
      changed();
    },
    setVolume(volume) {
      settings = { ...settings, volume: Math.min(1, Math.max(0, Number.isFinite(volume) ? volume : 0)) };
      mixer?.setVolume(settings.volume);
      changed();
    },
    setGridSession(grid) {
      fetcher = grid ? gridSoundFetcher(grid.origin, grid.socket.slice('/ws/grid/'.length), grid.token) : null;
    },
    receive(raw) {
      const parsed = AudioFrame.safeParse(raw);
      if (!parsed.success) {
        // Logged once: a bad frame is our bug, not the visitor's.
        if (badFrames++ === 0) {
          const issue = parsed.error.issues[0];
          log(
            new AudioError(
              'audio_bad_frame',
              `a frame from the world worker is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? ''}`,
            ),
          );
        }
        return;
      }
      last = parsed.data;
      if (settings.enabled) mixer?.apply(parsed.data);
    },
    debug: () => ({ context: ctx?.state ?? 'none', voices: mixer?.voices ?? 0, decoded: loader?.size ?? 0 }),
    stop() {
      mixer?.destroy();
      mixer = null;
      void ctx?.close();
      ctx = null;
    },
  };
}
