/**
 * Sound buffers by asset id: built-in sounds synthesized, others fetched once (OpenSim: the edge's asset route)
 * and decoded with decodeAudioData (Ogg Vorbis, WAV …). Cached per asset, failures included: an undecodable
 * asset is logged once ("audio: …") and stays silent; nothing else breaks.
 */
import { builtinSound } from './builtin-sounds';
import { AudioError } from './errors';

/** Largest sound asset decoded (the edge's limit for sounds). */
export const MAX_SOUND_BYTES = 1024 * 1024;

/** Fetches an asset's bytes (null: this world has no way to fetch it). */
export type FetchSound = (asset: string) => Promise<ArrayBuffer>;

export interface SoundLoader {
  /** The buffer of `asset`, or null when it cannot be had (the reason was logged). */
  load(asset: string): Promise<AudioBuffer | null>;
  /** Buffers decoded so far. */
  readonly size: number;
}

/** A loader for `ctx`; `fetchSound` reaches the world's assets (none: only built-ins play). */
export function createSoundLoader(
  ctx: BaseAudioContext,
  fetchSound: FetchSound | null,
  log: (err: AudioError) => void = (err) => console.warn(err.message),
): SoundLoader {
  const cache = new Map<string, Promise<AudioBuffer | null>>();
  let decoded = 0;

  async function get(asset: string): Promise<AudioBuffer> {
    const builtin = builtinSound(ctx, asset);
    if (builtin) return builtin;
    if (!fetchSound)
      throw new AudioError('audio_fetch_failed', `sound ${asset} is not built in and this world serves no sound assets`);
    let bytes: ArrayBuffer;
    try {
      bytes = await fetchSound(asset);
    } catch (err) {
      if (err instanceof AudioError) throw err;
      throw new AudioError(
        'audio_fetch_failed',
        `sound ${asset} could not be fetched (${err instanceof Error ? err.message.slice(0, 200) : 'unknown'})`,
      );
    }
    if (bytes.byteLength > MAX_SOUND_BYTES)
      throw new AudioError('audio_too_large', `sound ${asset} is ${bytes.byteLength} bytes, more than ${MAX_SOUND_BYTES}`);
    // decodeAudioData detaches the bytes: their size is read first.
    const size = bytes.byteLength;
    try {
      return await ctx.decodeAudioData(bytes);
    } catch (err) {
      throw new AudioError(
        'audio_undecodable',
        `sound ${asset} (${size} bytes) could not be decoded: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown'}`,
      );
    }
  }

  return {
    load(asset) {
      let p = cache.get(asset);
      if (!p) {
        p = get(asset).then(
          (b) => {
            decoded++;
            return b;
          },
          (err: unknown) => {
            log(
              err instanceof AudioError
                ? err
                : new AudioError('audio_undecodable', `sound ${asset}: ${String(err).slice(0, 200)}`),
            );
            return null;
          },
        );
        cache.set(asset, p);
      }
      return p;
    },
    get size() {
      return decoded;
    },
  };
}

/**
 * The fetcher of an OpenSim session's sounds: GET /api/grid/<session>/asset/sound/<uuid> with the login's token
 * (the edge fetches from the region's capability; its URL never reaches the page).
 */
export function gridSoundFetcher(origin: string, session: string, token: string): FetchSound {
  return async (asset) => {
    const res = await fetch(`${origin}/api/grid/${session}/asset/sound/${asset}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!res.ok) {
      const text = (await res.text()).slice(0, 300);
      throw new AudioError('audio_fetch_failed', `sound ${asset}: the edge answered HTTP ${res.status} ${text}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > MAX_SOUND_BYTES)
      throw new AudioError('audio_too_large', `sound ${asset} is ${declared} bytes, more than ${MAX_SOUND_BYTES}`);
    return res.arrayBuffer();
  };
}
