/**
 * The sound plugin: entities' sounds into the Sound component (from the net plugin's events), and about ten
 * times a second the listener (your avatar) and the sources audible from it posted to the page's mixer
 * (web/audio). Sources beyond their radius are never sent, so the mixer releases their voices. On Finalverse
 * worlds, walking avatars make footsteps (synthesized here from their motion, no server traffic).
 */
import {
  BUILTIN_SOUNDS,
  DEFAULT_SOUND_RADIUS,
  type EntitySound,
  SOUND_FLAGS,
  soundPlays,
  soundRadius,
} from '../../../shared/protocol';
import {
  type AudibleSource,
  type AudioFrame,
  type Listener,
  MAX_AUDIBLE_SOURCES,
  MAX_FRAME_TRIGGERS,
  type OneShot,
} from '../../audio/audio-protocol';
import { defineResource, type EntityId, type Plugin, type World } from '../../engine';
import { Avatar, Motion, Sound, Transform } from '../../scene/components';
import {
  Clock,
  CurrentPlace,
  Entities,
  Outbox,
  SoundChanged,
  SoundPreloaded,
  SoundTriggered,
  selfEntity,
  WorldReset,
} from '../keys';

/** How often the mixer is told (ms). */
export const AUDIO_INTERVAL_MS = 100;
/** Most distinct assets the table keeps (a reset empties it). */
export const MAX_SOUND_ASSETS = 4096;
/** Metres an avatar covers per footstep. */
export const FOOTSTEP_STRIDE = 1.4;
/** Slower than this (m/s, horizontal) is standing. */
const FOOTSTEP_MIN_SPEED = 0.3;
/** Faster than this vertically (m/s) is flying or falling: no footsteps. */
const FOOTSTEP_MAX_CLIMB = 2;
/** How far below an avatar's centre its feet are (m). */
const FEET = 0.9;
const FOOTSTEP_GAIN = 0.35;

/** Asset ids by index: the Sound component's `asset` column holds the index. */
export class SoundAssets {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `asset`, added when new; -1 when the table is full. */
  intern(asset: string): number {
    const known = this.index.get(asset);
    if (known !== undefined) return known;
    if (this.ids.length >= MAX_SOUND_ASSETS) return -1;
    this.ids.push(asset);
    this.index.set(asset, this.ids.length - 1);
    return this.ids.length - 1;
  }

  clear(): void {
    this.ids.length = 0;
    this.index.clear();
  }
}
export const SoundAssetTable = defineResource<SoundAssets>('sound/assets');

/** A candidate source: where it is and what it plays. */
export interface SourceCandidate {
  id: number;
  asset: string;
  position: readonly [number, number, number];
  sound: EntitySound;
}

/**
 * The sources audible from `listener`: playing, within their radius (0: the 20 m default), the nearest `max`
 * of them. The others are left out entirely.
 */
export function selectAudible(
  listener: readonly [number, number, number],
  candidates: readonly SourceCandidate[],
  max = MAX_AUDIBLE_SOURCES,
): AudibleSource[] {
  const near: { d: number; s: AudibleSource }[] = [];
  for (const c of candidates) {
    if (!soundPlays(c.sound)) continue;
    const radius = soundRadius(c.sound);
    const d = Math.hypot(c.position[0] - listener[0], c.position[1] - listener[1], c.position[2] - listener[2]);
    if (!(d <= radius)) continue;
    near.push({
      d,
      s: {
        id: c.id,
        asset: c.asset,
        gain: c.sound.gain,
        radius,
        loop: (c.sound.flags & SOUND_FLAGS.loop) !== 0,
        position: [c.position[0], c.position[1], c.position[2]],
      },
    });
  }
  near.sort((a, b) => a.d - b.d);
  return near.slice(0, max).map((n) => n.s);
}

/** The listener at an avatar: its facing is the body's x axis turned by its rotation; up is +z. */
export function listenerAt(position: readonly number[], rotation: readonly number[]): Listener {
  const [x = 0, y = 0, z = 0, w = 1] = rotation;
  const f: [number, number, number] = [1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)];
  const len = Math.hypot(...f) || 1;
  return {
    position: [position[0] ?? 0, position[1] ?? 0, position[2] ?? 0],
    forward: [f[0] / len, f[1] / len, f[2] / len],
    up: [0, 0, 1],
  };
}

const SOURCES = { all: [Sound, Transform] };
const WALKERS = { all: [Avatar, Motion, Transform] };

function read3(col: Float32Array, i: number): [number, number, number] {
  return [col[i * 3] ?? 0, col[i * 3 + 1] ?? 0, col[i * 3 + 2] ?? 0];
}

/** The sound plugin (see the module comment). */
export function soundPlugin(): Plugin {
  return {
    name: 'sound',
    after: ['net', 'motion'],
    build(app) {
      const assets = new SoundAssets();
      app.insertResource(SoundAssetTable, assets);
      const clock = app.resource(Clock);
      const changes = app.reader(SoundChanged);
      const triggered = app.reader(SoundTriggered);
      const preloads = app.reader(SoundPreloaded);
      const resets = app.reader(WorldReset);
      /** Footstep progress per walking avatar (0..1 of a stride). */
      const strides = new Map<EntityId, number>();
      let pendingTriggers: OneShot[] = [];
      let pendingPreload: string[] = [];
      let lastPost = Number.NEGATIVE_INFINITY;
      let lastFrame = clock.now();
      let wasAudible = false;

      const apply = (world: World, id: number, sound: EntitySound): void => {
        const ecs = app.resource(Entities).byNet.get(id);
        if (ecs === undefined || !world.isAlive(ecs)) return;
        const index = soundPlays(sound) ? assets.intern(sound.asset) : -1;
        if (index < 0) {
          if (world.has(ecs, Sound)) world.remove(ecs, Sound);
          return;
        }
        world.add(ecs, Sound, { asset: index, gain: sound.gain, radius: sound.radius, flags: sound.flags });
      };

      const queue = (shot: OneShot): void => {
        if (pendingTriggers.length >= MAX_FRAME_TRIGGERS) pendingTriggers.shift();
        pendingTriggers.push(shot);
      };

      app.addSystem({
        name: 'sound-sources',
        phase: 'postUpdate',
        exclusive: true,
        reads: [Transform, Motion, Avatar],
        writes: [Sound],
        run: (ctx) => {
          const world = ctx.world;
          const now = clock.now();
          const dt = Math.min(0.25, Math.max(0, (now - lastFrame) / 1000));
          lastFrame = now;
          if (resets.read().length > 0) {
            assets.clear();
            strides.clear();
            pendingTriggers = [];
            pendingPreload = [];
          }
          for (const c of changes.read()) apply(world, c.id, c.sound);
          for (const t of triggered.read())
            queue({ asset: t.asset, gain: t.gain, radius: DEFAULT_SOUND_RADIUS, position: [...t.position] });
          for (const p of preloads.read())
            for (const a of p.assets) if (pendingPreload.length < MAX_FRAME_TRIGGERS) pendingPreload.push(a);

          const position = world.column(Transform, 'position');
          const rotation = world.column(Transform, 'rotation');
          // Footsteps on Finalverse worlds: a stride's worth of horizontal motion is one step.
          if (app.resource(CurrentPlace).kind === 'fv' && dt > 0) {
            const velocity = world.column(Motion, 'velocity');
            for (const i of world.query(WALKERS).entities()) {
              const ecs = world.idAt(i);
              const [vx, vy, vz] = read3(velocity, i);
              const speed = Math.hypot(vx, vy);
              if (speed < FOOTSTEP_MIN_SPEED || Math.abs(vz) > FOOTSTEP_MAX_CLIMB) {
                strides.delete(ecs);
                continue;
              }
              // The first step comes at once.
              let phase = (strides.get(ecs) ?? 1) + (speed * dt) / FOOTSTEP_STRIDE;
              if (phase >= 1) {
                phase -= Math.floor(phase);
                const p = read3(position, i);
                queue({
                  asset: BUILTIN_SOUNDS.footstep,
                  gain: FOOTSTEP_GAIN,
                  radius: DEFAULT_SOUND_RADIUS,
                  position: [p[0], p[1], p[2] - FEET],
                });
              }
              strides.set(ecs, phase);
            }
            for (const ecs of strides.keys()) if (!world.isAlive(ecs)) strides.delete(ecs);
          }

          if (now - lastPost < AUDIO_INTERVAL_MS) return;
          lastPost = now;
          const self = selfEntity(world, app.resource(Entities));
          if (self === undefined) return;
          const s = world.indexOf(self);
          const listener = listenerAt(read3(position, s), Array.from(rotation.subarray(s * 4, s * 4 + 4)));
          const candidates: SourceCandidate[] = [];
          const asset = world.column(Sound, 'asset');
          const gain = world.column(Sound, 'gain');
          const radius = world.column(Sound, 'radius');
          const flags = world.column(Sound, 'flags');
          for (const i of world.query(SOURCES).entities()) {
            const id = assets.ids[asset[i] ?? -1];
            if (id === undefined) continue;
            candidates.push({
              id: world.idAt(i),
              asset: id,
              position: read3(position, i),
              sound: { asset: id, gain: gain[i] ?? 0, radius: radius[i] ?? 0, flags: flags[i] ?? 0 },
            });
          }
          const sources = selectAudible(listener.position, candidates);
          const near = (p: readonly number[], r: number) =>
            Math.hypot(
              (p[0] ?? 0) - listener.position[0],
              (p[1] ?? 0) - listener.position[1],
              (p[2] ?? 0) - listener.position[2],
            ) <= r;
          const triggers = pendingTriggers.filter((t) => near(t.position, t.radius));
          const preload = pendingPreload;
          pendingTriggers = [];
          pendingPreload = [];
          // A frame with nothing after a frame with nothing says nothing: the mixer already released every voice.
          const audible = sources.length > 0 || triggers.length > 0 || preload.length > 0;
          if (!audible && !wasAudible) return;
          wasAudible = sources.length > 0;
          const frame: AudioFrame = { listener, sources, triggers, preload };
          app.resource(Outbox).post({ type: 'audio', frame });
        },
      });
    },
  };
}
