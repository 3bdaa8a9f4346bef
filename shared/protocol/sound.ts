/** Sound in the Storm protocol: an entity's attached sound and the one-shot sounds of a world (SL SoundFlags semantics). */
import { z } from 'zod';

/** SL SoundFlags bits, as LLUDP carries them (AttachedSound, ObjectUpdate). */
export const SOUND_FLAGS = {
  loop: 0x01,
  syncMaster: 0x02,
  syncSlave: 0x04,
  syncPending: 0x08,
  queue: 0x10,
  stop: 0x20,
} as const;

/** Largest radius a sound may carry (metres); larger ones are clamped by the encoder. */
export const MAX_SOUND_RADIUS = 1024;
/** The radius native viewers use when a sound carries 0 (metres). */
export const DEFAULT_SOUND_RADIUS = 20;
/** Most assets in one sound_preload frame. */
export const MAX_PRELOAD_SOUNDS = 64;
/** The nil UUID: a sound with this asset is no sound (the object's sound stopped), as in LLUDP. */
export const NO_SOUND_ASSET = '00000000-0000-0000-0000-000000000000';

/**
 * Finalverse's built-in sounds: reserved asset UUIDs the viewer synthesizes itself (web/audio/builtin-sounds.ts)
 * rather than fetching; docs/ARCHITECTURE.md "Sound". The `f1a5` prefix block is reserved for them.
 */
export const BUILTIN_SOUNDS = {
  /** Running water: a seamless 4 s loop of filtered noise with a slow swell. */
  fountain: 'f1a50000-0000-4000-8000-000000000001',
  /** One footstep on stone: a 90 ms thump of low-passed noise. */
  footstep: 'f1a50000-0000-4000-8000-000000000002',
} as const;

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

/**
 * An entity's attached sound. `asset` NO_SOUND_ASSET or the `stop` flag mean silence; `radius` 0 means the
 * viewer's default (DEFAULT_SOUND_RADIUS).
 */
export const EntitySound = z.object({
  asset: uuid,
  /** 0–1. */
  gain: z.number().min(0).max(1),
  /** Metres; 0 = the viewer default. */
  radius: z.number().min(0).max(MAX_SOUND_RADIUS),
  /** SOUND_FLAGS bits. */
  flags: z.number().int().min(0).max(255),
});
export type EntitySound = z.infer<typeof EntitySound>;

/** Whether a sound is audible at all (an asset, not stopped, some gain). */
export function soundPlays(s: EntitySound): boolean {
  return s.asset !== NO_SOUND_ASSET && (s.flags & SOUND_FLAGS.stop) === 0 && s.gain > 0;
}

/** The radius a sound is heard within (0 → the default), metres. */
export function soundRadius(s: Pick<EntitySound, 'radius'>): number {
  return s.radius > 0 ? Math.min(MAX_SOUND_RADIUS, s.radius) : DEFAULT_SOUND_RADIUS;
}

const coordinate = z.number().min(-1e6).max(1e6);

/** A one-shot sound played once at a place (LLUDP SoundTrigger; Finalverse events). */
export const SoundTrigger = z.object({
  type: z.literal('sound_trigger'),
  asset: uuid,
  /** Region metres. */
  position: z.tuple([coordinate, coordinate, coordinate]),
  gain: z.number().min(0).max(1),
  /** The entity it comes from (0: none). The viewer plays it at `position` (it does not follow the entity yet). */
  parent: z.number().int().min(0).max(0xffffffff),
  /** Whose it is (an OpenSim agent UUID), where known. */
  owner: uuid.optional(),
});
export type SoundTrigger = z.infer<typeof SoundTrigger>;

/** Assets the viewer should fetch now because they will play soon (LLUDP PreloadSound). */
export const SoundPreload = z.object({
  type: z.literal('sound_preload'),
  assets: z.array(uuid).min(1).max(MAX_PRELOAD_SOUNDS),
});
export type SoundPreload = z.infer<typeof SoundPreload>;
