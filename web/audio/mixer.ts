/**
 * The spatial mixer (main thread): one listener, and per audible source a voice of AudioBufferSourceNode →
 * GainNode (the world's gain, faded out over the last tenth of the radius) → PannerNode (HRTF, inverse
 * distance from REF_DISTANCE, maxDistance = the radius) → the master gain (volume, on/off) → the destination.
 * Works on any BaseAudioContext: the page's AudioContext, or an OfflineAudioContext in tests. A source beyond
 * its radius gets no voice; one that leaves the frame has its voice stopped and released.
 */
import type { AudibleSource, AudioFrame, Listener, OneShot } from './audio-protocol';
import type { SoundLoader } from './sound-loader';

/** Distance (m) at which a source plays at its own gain; nearer is no louder. */
export const REF_DISTANCE = 1.5;
/** Most one-shots sounding at once (more are dropped). */
export const MAX_ONE_SHOTS = 16;
/** Seconds over which a moving source or listener glides to its new place. */
const GLIDE_S = 0.1;

interface Voice {
  asset: string;
  loop: boolean;
  gain: GainNode;
  panner: PannerNode;
  node: AudioBufferSourceNode | null;
  released: boolean;
}

export interface Mixer {
  /** Plays what one frame from the world says: listener, sources (others released), one-shots, preloads. */
  apply(frame: AudioFrame): void;
  /** Master volume, 0..1. */
  setVolume(volume: number): void;
  /** Sound on or off (off: silent, voices kept). */
  setEnabled(enabled: boolean): void;
  /** Resolves when every sound asked for so far has loaded (or failed) and started. */
  ready(): Promise<void>;
  /** Voices of sources now (one-shots not counted). */
  readonly voices: number;
  /** Stops and releases everything. */
  destroy(): void;
}

const distance = (a: readonly number[], b: readonly number[]): number =>
  Math.hypot((a[0] ?? 0) - (b[0] ?? 0), (a[1] ?? 0) - (b[1] ?? 0), (a[2] ?? 0) - (b[2] ?? 0));

/** The world's gain, faded to 0 over the last tenth of the radius so a source does not cut off at its edge. */
export function edgeGain(gain: number, d: number, radius: number): number {
  if (!(d <= radius)) return 0;
  return gain * Math.min(1, Math.max(0, (radius - d) / (radius * 0.1)));
}

function setParam(param: AudioParam, value: number, ctx: BaseAudioContext, glide: boolean): void {
  if (glide) {
    param.cancelScheduledValues(ctx.currentTime);
    param.setValueAtTime(param.value, ctx.currentTime);
    param.linearRampToValueAtTime(value, ctx.currentTime + GLIDE_S);
  } else param.value = value;
}

/** A mixer on `ctx`, with buffers from `loader`. */
export function createMixer(ctx: BaseAudioContext, loader: SoundLoader, options: { volume?: number } = {}): Mixer {
  const master = ctx.createGain();
  master.connect(ctx.destination);
  let volume = Math.min(1, Math.max(0, options.volume ?? 1));
  let enabled = true;
  master.gain.value = volume;
  const voices = new Map<number, Voice>();
  let oneShots = 0;
  let pending: Promise<unknown>[] = [];
  let listenerSet = false;
  let listenerAt: readonly number[] = [0, 0, 0];

  function setListener(l: Listener): void {
    const a = ctx.listener;
    const glide = listenerSet;
    if (a.positionX) {
      setParam(a.positionX, l.position[0], ctx, glide);
      setParam(a.positionY, l.position[1], ctx, glide);
      setParam(a.positionZ, l.position[2], ctx, glide);
      setParam(a.forwardX, l.forward[0], ctx, glide);
      setParam(a.forwardY, l.forward[1], ctx, glide);
      setParam(a.forwardZ, l.forward[2], ctx, glide);
      setParam(a.upX, l.up[0], ctx, glide);
      setParam(a.upY, l.up[1], ctx, glide);
      setParam(a.upZ, l.up[2], ctx, glide);
    } else {
      a.setPosition(...l.position);
      a.setOrientation(...l.forward, ...l.up);
    }
    listenerSet = true;
    listenerAt = l.position;
  }

  function panner(radius: number): PannerNode {
    const p = ctx.createPanner();
    p.panningModel = 'HRTF';
    p.distanceModel = 'inverse';
    p.refDistance = REF_DISTANCE;
    p.maxDistance = radius;
    p.rolloffFactor = 1;
    return p;
  }

  function place(p: PannerNode, at: readonly number[], glide: boolean): void {
    setParam(p.positionX, at[0] ?? 0, ctx, glide);
    setParam(p.positionY, at[1] ?? 0, ctx, glide);
    setParam(p.positionZ, at[2] ?? 0, ctx, glide);
  }

  function start(v: Voice, buffer: AudioBuffer | null): void {
    if (!buffer || v.released) return;
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    node.loop = v.loop;
    node.connect(v.gain);
    node.start();
    v.node = node;
  }

  function release(v: Voice): void {
    v.released = true;
    try {
      v.node?.stop();
    } catch {
      // Never started, or already ended.
    }
    v.node?.disconnect();
    v.gain.disconnect();
    v.panner.disconnect();
  }

  function voiceFor(s: AudibleSource): Voice {
    const gain = ctx.createGain();
    const p = panner(s.radius);
    gain.connect(p);
    p.connect(master);
    place(p, s.position, false);
    const v: Voice = { asset: s.asset, loop: s.loop, gain, panner: p, node: null, released: false };
    pending.push(loader.load(s.asset).then((b) => start(v, b)));
    return v;
  }

  function oneShot(t: OneShot): void {
    if (oneShots >= MAX_ONE_SHOTS) return;
    const d = distance(t.position, listenerAt);
    const g = edgeGain(t.gain, d, t.radius);
    if (g <= 0) return;
    oneShots++;
    const gain = ctx.createGain();
    gain.gain.value = g;
    const p = panner(t.radius);
    gain.connect(p);
    p.connect(master);
    place(p, t.position, false);
    pending.push(
      loader.load(t.asset).then((buffer) => {
        if (!buffer) {
          oneShots--;
          gain.disconnect();
          p.disconnect();
          return;
        }
        const node = ctx.createBufferSource();
        node.buffer = buffer;
        node.connect(gain);
        node.onended = () => {
          oneShots--;
          node.disconnect();
          gain.disconnect();
          p.disconnect();
        };
        node.start();
      }),
    );
  }

  return {
    apply(frame) {
      setListener(frame.listener);
      const seen = new Set<number>();
      for (const s of frame.sources) {
        const d = distance(s.position, frame.listener.position);
        // Beyond its radius a source costs nothing: no voice (a playing one is released below).
        if (!(d <= s.radius)) continue;
        seen.add(s.id);
        let v = voices.get(s.id);
        if (v && (v.asset !== s.asset || v.loop !== s.loop)) {
          release(v);
          voices.delete(s.id);
          v = undefined;
        }
        const fresh = v === undefined;
        v ??= voiceFor(s);
        voices.set(s.id, v);
        v.panner.maxDistance = s.radius;
        if (!fresh) place(v.panner, s.position, true);
        setParam(v.gain.gain, edgeGain(s.gain, d, s.radius), ctx, !fresh);
      }
      for (const [id, v] of voices)
        if (!seen.has(id)) {
          release(v);
          voices.delete(id);
        }
      for (const t of frame.triggers) oneShot(t);
      for (const a of frame.preload) pending.push(loader.load(a));
    },
    setVolume(v) {
      volume = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0));
      setParam(master.gain, enabled ? volume : 0, ctx, true);
    },
    setEnabled(on) {
      enabled = on;
      setParam(master.gain, enabled ? volume : 0, ctx, true);
    },
    async ready() {
      while (pending.length > 0) {
        const now = pending;
        pending = [];
        await Promise.all(now);
      }
    },
    get voices() {
      return voices.size;
    },
    destroy() {
      for (const v of voices.values()) release(v);
      voices.clear();
      master.disconnect();
    },
  };
}
