/**
 * Page-side module of audio-mixer.test.ts: renders scenes through the viewer's own mixer (web/audio/mixer.ts)
 * and sound loader in an OfflineAudioContext, and measures the channels.
 */
import type { AudibleSource, AudioFrame } from '../../web/audio/audio-protocol';
import { createMixer } from '../../web/audio/mixer';
import { createSoundLoader, type SoundLoader } from '../../web/audio/sound-loader';

const RATE = 44_100;
const TONE = '0a000000-0000-4000-8000-0000000000a1';
const FACING_EAST: AudioFrame['listener'] = { position: [0, 0, 0], forward: [1, 0, 0], up: [0, 0, 1] };

/** A 440 Hz sine, 0.5 s, for scenes that test placement rather than decoding. */
function sineLoader(ctx: BaseAudioContext): SoundLoader {
  const buffer = ctx.createBuffer(1, RATE / 2, RATE);
  const d = buffer.getChannelData(0);
  for (let i = 0; i < d.length; i++) d[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / RATE);
  return { load: async () => buffer, size: 1 };
}

const rms = (d: Float32Array, from = 0, to = d.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += (d[i] ?? 0) ** 2;
  return Math.sqrt(s / Math.max(1, to - from));
};

function source(position: [number, number, number], over: Partial<AudibleSource> = {}): AudibleSource {
  return { id: 1, asset: TONE, gain: 1, radius: 20, loop: true, position, ...over };
}

/** Renders one frame's worth of scene for `seconds`: left and right RMS (after the first 50 ms). */
async function render(
  sources: AudibleSource[],
  seconds = 0.5,
  loaderFor: (ctx: BaseAudioContext) => SoundLoader = sineLoader,
): Promise<{ left: number; right: number; tail: number; crossings: number }> {
  const ctx = new OfflineAudioContext(2, Math.round(RATE * seconds), RATE);
  const mixer = createMixer(ctx, loaderFor(ctx));
  mixer.apply({ listener: FACING_EAST, sources, triggers: [], preload: [] });
  await mixer.ready();
  const out = await ctx.startRendering();
  const l = out.getChannelData(0);
  const r = out.getChannelData(1);
  const skip = Math.round(RATE * 0.05);
  // The last 0.5 s: whether a looped sound still plays after its buffer's length.
  const tailFrom = Math.max(skip, l.length - RATE / 2);
  let crossings = 0;
  for (let i = tailFrom + 1; i < l.length; i++) if ((l[i - 1] ?? 0) < 0 && (l[i] ?? 0) >= 0) crossings++;
  return { left: rms(l, skip), right: rms(r, skip), tail: rms(l, tailFrom), crossings };
}

/** Left/right balance for a source 5 m to the left (+y when facing +x) and 5 m to the right. */
export async function panning() {
  return { left: await render([source([0, 5, 0])]), right: await render([source([0, -5, 0])]) };
}

/** Level straight ahead at 2, 5, 10 and 18 m (radius 20). */
export async function falloff() {
  const out: { d: number; level: number }[] = [];
  for (const d of [2, 5, 10, 18]) {
    const r = await render([source([d, 0, 0])]);
    out.push({ d, level: (r.left + r.right) / 2 });
  }
  return out;
}

/** Levels beyond the radius: 25 m with radius 20, 12 m with radius 10; and 8 m with radius 10 for contrast. */
export async function beyondRadius() {
  const far = await render([source([25, 0, 0])]);
  const outside = await render([source([12, 0, 0], { radius: 10 })]);
  const inside = await render([source([8, 0, 0], { radius: 10 })]);
  return { far: far.left + far.right, outside: outside.left + outside.right, inside: inside.left + inside.right };
}

/** The real OpenSim Ogg (fetched from `url`), looped for 3 s at 3 m: it decodes and still sounds after 1.5 s. */
export async function oggLoop(url: string) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const errors: string[] = [];
  let duration = 0;
  const r = await render([source([3, 0, 0], { asset: '6cb0fc1b-a0b0-47e4-92a3-2ef8a9d7a30c' })], 3, (ctx) => {
    const loader = createSoundLoader(
      ctx,
      async () => bytes.slice(0),
      (e) => errors.push(e.message),
    );
    return {
      load: async (a) => {
        const b = await loader.load(a);
        duration = b?.duration ?? 0;
        return b;
      },
      size: 0,
    };
  });
  return { ...r, duration, errors, first4: new TextDecoder().decode(new Uint8Array(bytes, 0, 4)) };
}

/** Undecodable bytes: a clear "audio:" error, no voice sound from it, and another source in the scene still plays. */
export async function undecodable() {
  const errors: string[] = [];
  const r = await render(
    [source([0, 5, 0], { id: 1, asset: '0bad0000-0000-4000-8000-000000000bad' }), source([0, -5, 0], { id: 2 })],
    0.5,
    (ctx) => {
      const good = sineLoader(ctx);
      const bad = createSoundLoader(
        ctx,
        async () => new TextEncoder().encode('OggS but not really an ogg file').buffer,
        (e) => errors.push(e.message),
      );
      return { load: (a) => (a === TONE ? good.load(a) : bad.load(a)), size: 0 };
    },
  );
  return { ...r, errors };
}
