/**
 * Finalverse's built-in sounds (shared/protocol BUILTIN_SOUNDS): synthesized here as AudioBuffers, so a world
 * needs no sound files for them. Deterministic (a seeded generator): every viewer hears the same samples.
 */
import { createRandom } from '../../shared/math/random';
import { BUILTIN_SOUNDS } from '../../shared/protocol';

/** Deterministic noise in [-1, 1) (the seeded generator of shared/math/random.ts). */
function noise(seed: number): () => number {
  const random = createRandom(seed);
  return () => random() * 2 - 1;
}

/** Running water: band-limited noise with a slow swell, 4 s, its ends crossfaded so it loops without a click. */
function fountain(ctx: BaseAudioContext): AudioBuffer {
  const rate = ctx.sampleRate;
  const n = Math.round(rate * 4);
  const fade = Math.round(rate * 0.25);
  const raw = new Float32Array(n + fade);
  const rnd = noise(0xf0a7);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < raw.length; i++) {
    const w = rnd();
    // A one-pole low-pass, minus a slower one: a hiss band of splashing water.
    lo += 0.35 * (w - lo);
    hi += 0.02 * (w - hi);
    const t = i / rate;
    const swell = 0.75 + 0.25 * Math.sin(2 * Math.PI * 0.5 * t) * Math.sin(2 * Math.PI * 0.75 * t);
    raw[i] = (lo - hi) * swell;
  }
  const buffer = ctx.createBuffer(1, n, rate);
  const out = buffer.getChannelData(0);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    // The tail past the end fades into the start.
    const tail = i < fade ? (raw[n + i] ?? 0) * (1 - i / fade) : 0;
    const v = (raw[i] ?? 0) * (i < fade ? i / fade : 1) + tail;
    out[i] = v;
    peak = Math.max(peak, Math.abs(v));
  }
  const scale = peak > 0 ? 0.8 / peak : 0;
  for (let i = 0; i < n; i++) out[i] = (out[i] ?? 0) * scale;
  return buffer;
}

/** One footstep on stone: 90 ms of low-passed noise with a fast attack and exponential decay. */
function footstep(ctx: BaseAudioContext): AudioBuffer {
  const rate = ctx.sampleRate;
  const n = Math.round(rate * 0.09);
  const buffer = ctx.createBuffer(1, n, rate);
  const out = buffer.getChannelData(0);
  const rnd = noise(0x57e9);
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    lo += 0.12 * (rnd() - lo);
    const envelope = Math.min(1, t / 0.004) * Math.exp(-t / 0.022);
    out[i] = Math.max(-1, Math.min(1, lo * envelope * 4));
  }
  return buffer;
}

const MAKERS: Record<string, (ctx: BaseAudioContext) => AudioBuffer> = {
  [BUILTIN_SOUNDS.fountain]: fountain,
  [BUILTIN_SOUNDS.footstep]: footstep,
};

/** Whether `asset` is a built-in sound. */
export function isBuiltinSound(asset: string): boolean {
  return Object.hasOwn(MAKERS, asset);
}

/** The built-in sound `asset` made for `ctx`, or null when it is not one. */
export function builtinSound(ctx: BaseAudioContext, asset: string): AudioBuffer | null {
  const make = MAKERS[asset];
  return make ? make(ctx) : null;
}
