/**
 * What the world worker's sound plugin posts to the page's mixer (~10 Hz): the listener's pose, the sources
 * audible from it, and one-shots. Parsed with its schema on the page (the worker door's other direction).
 */
import { z } from 'zod';

/** Most looping sources the page plays at once (the nearest win). */
export const MAX_AUDIBLE_SOURCES = 32;
/** Most one-shots and preloads in one frame. */
export const MAX_FRAME_TRIGGERS = 64;

const coordinate = z.number().min(-1e6).max(1e6);
const Point = z.tuple([coordinate, coordinate, coordinate]);
const Direction = z.tuple([z.number().min(-1.01).max(1.01), z.number().min(-1.01).max(1.01), z.number().min(-1.01).max(1.01)]);
const AssetId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a lower-case UUID');

/** Where sound is heard from (region metres; forward and up are unit vectors). */
export const Listener = z.object({ position: Point, forward: Direction, up: Direction });
export type Listener = z.infer<typeof Listener>;

/** A sound playing at an entity, audible from the listener. */
export const AudibleSource = z.object({
  /** The entity (stable while it plays: the mixer keeps one voice per id). */
  id: z.number().int().min(0).max(0xffffffff),
  asset: AssetId,
  gain: z.number().min(0).max(1),
  /** Metres; silent beyond (the default already applied: always > 0). */
  radius: z.number().positive().max(1024),
  loop: z.boolean(),
  position: Point,
});
export type AudibleSource = z.infer<typeof AudibleSource>;

/** A sound played once at a place. */
export const OneShot = z.object({
  asset: AssetId,
  gain: z.number().min(0).max(1),
  radius: z.number().positive().max(1024),
  position: Point,
});
export type OneShot = z.infer<typeof OneShot>;

/** One update for the mixer. */
export const AudioFrame = z.object({
  listener: Listener,
  sources: z.array(AudibleSource).max(MAX_AUDIBLE_SOURCES),
  triggers: z.array(OneShot).max(MAX_FRAME_TRIGGERS),
  preload: z.array(AssetId).max(MAX_FRAME_TRIGGERS),
});
export type AudioFrame = z.infer<typeof AudioFrame>;
