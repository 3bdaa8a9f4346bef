/**
 * Texture streaming: which textures are resident in the texture layers, which are on their way, and which failed.
 * The extractor asks `layerOf(uuid, priority)` for every textured face it draws; the first ask starts the load
 * (asset store → decoder pool, nearest first), and once the image is decoded `pump()` resamples it into a layer
 * and bumps `version`, so the face records are rebuilt. Past the memory budget the texture wanted least recently
 * gives its layer up. A texture that cannot be loaded is remembered as failed: its faces keep their colour (one that
 * failed for a reason that may pass, the network or the edge, is tried again later: errors.ts retryLater).
 */
import { retryLater } from '../assets/errors';
import { layerMips, type RgbaImage, type TextureLayers } from './texture-layers';

/** Loads and decodes one texture (at most `maxDimension` a side); rejects with a clear error. */
export type LoadTexture = (uuid: string, priority: number, maxDimension: number) => Promise<RgbaImage>;

/** Largest side decoded for a layer (layers are LAYER_SIZE; one level more keeps the resampling sharp). */
export const STREAM_MAX_DIMENSION = 512;

/**
 * The side a texture is decoded at for its distance (metres; the priority): the J2K discard level the distance
 * needs. A texture first seen far away is decoded small, and decoded again, larger, when you come closer.
 */
export function dimensionFor(distance: number): number {
  if (distance < 32) return STREAM_MAX_DIMENSION;
  if (distance < 96) return STREAM_MAX_DIMENSION / 2;
  return STREAM_MAX_DIMENSION / 4;
}
/**
 * The side every texture is first decoded at, whatever its distance: the J2K discard level that costs least while
 * still filling a layer usefully (layers are 256 a side). The first textured frame waits only for these; the sharper
 * level the distance needs (dimensionFor) follows as a refinement, after every texture not yet shown.
 */
export const FIRST_PASS_DIMENSION = 128;
/** Added to a refinement's priority, so the decoder pool takes every first decode (and sculpt map) before it. */
const REFINE_PRIORITY_OFFSET = 1e6;
/**
 * Decoded textures turned into layers per pump whatever the time (each is ~3 ms of resampling); past these, a pump
 * goes on while it is within the time the render loop gives it (a share of its frame time: on a slow GPU, whose frames
 * take hundreds of ms, every texture decoded meanwhile is placed in the next frame, not four a frame).
 */
export const UPLOADS_PER_PUMP = 4;
/** Most loads running at once. */
const MAX_LOADING = 16;

interface Entry {
  state: 'queued' | 'loading' | 'resident' | 'failed';
  layer: number;
  alpha: boolean;
  priority: number;
  wanted: number;
  /** The side it was (or is being) decoded at. */
  size: number;
  /** A larger decode of a resident texture: wanted, running, or none. */
  refine: 'none' | 'queued' | 'loading';
  /**
   * Queued after its decode found no layer (every layer held by a texture drawn nearer): it is not decoded again
   * until a layer could be its (see `couldPlace`), so a full array does not decode the same textures over and over.
   */
  refused: boolean;
  /** Transient load failures so far, and when it may be tried again (retryLater). */
  retries: number;
  retryAt: number;
  error?: string;
}

export interface TextureStreamStats {
  resident: number;
  loading: number;
  queued: number;
  /** Queued but refused a layer: every layer holds a texture drawn nearer (the budget is full). */
  waiting: number;
  failed: number;
  evicted: number;
  layers: number;
  gpuBytes: number;
}

export class TextureStream {
  /** Bumped whenever a texture became resident or lost its layer. */
  version = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly decoded: { uuid: string; image: RgbaImage; size: number; refine: boolean }[] = [];
  private loading = 0;
  /** Bumped by beginPass: textures not asked for since are the ones eviction may take. */
  private generation = 0;
  private evicted = 0;

  constructor(
    private layers: TextureLayers,
    private readonly load: LoadTexture,
    private readonly log: (message: string) => void = (m) => console.warn(m),
    /** The side of a texture's first decode (see FIRST_PASS_DIMENSION); Infinity decodes at once what the distance needs. */
    private readonly firstDimension: number = FIRST_PASS_DIMENSION,
    /** The clock transient failures wait on. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Uses new layers (after device loss): everything is loaded again as it is asked for. */
  reset(layers: TextureLayers): void {
    this.layers = layers;
    this.entries.clear();
    this.decoded.length = 0;
    this.version += 1;
  }

  /**
   * The layer of a texture and whether it has alpha, or null while it is not resident (then it is requested,
   * lower priorities first).
   */
  layerOf(uuid: string, priority: number): { layer: number; alpha: boolean } | null {
    let e = this.entries.get(uuid);
    if (!e) {
      e = {
        state: 'queued',
        layer: -1,
        alpha: false,
        priority,
        wanted: this.generation,
        size: 0,
        refine: 'none',
        refused: false,
        retries: 0,
        retryAt: 0,
      };
      this.entries.set(uuid, e);
    }
    if (e.wanted !== this.generation) e.priority = priority;
    else e.priority = Math.min(e.priority, priority);
    e.wanted = this.generation;
    // Closer than when it was decoded: decode it again at the size this distance needs (it stays drawn meanwhile).
    if (e.state === 'resident' && e.refine === 'none' && dimensionFor(e.priority) > e.size) e.refine = 'queued';
    return e.state === 'resident' ? { layer: e.layer, alpha: e.alpha } : null;
  }

  /** Whether a texture failed to load (and why). */
  failure(uuid: string): string | undefined {
    return this.entries.get(uuid)?.error;
  }

  /** Starts a pass over everything drawn (the extractor's rebuild): what it does not ask for may be evicted. */
  beginPass(): void {
    this.generation += 1;
  }

  /**
   * Starts queued loads (nearest first) and turns decoded images into layers: UPLOADS_PER_PUMP, then more while the
   * pump has used less than `budgetMs` (measured with `now`). Call once per frame.
   */
  pump(budgetMs = 0, now: () => number = () => performance.now()): void {
    this.startLoads();
    const began = now();
    for (let n = 0; this.decoded.length > 0; n++) {
      if (n >= UPLOADS_PER_PUMP && now() - began >= budgetMs) break;
      const next = this.decoded.shift();
      if (next) this.place(next.uuid, next.image, next.size, next.refine);
    }
  }

  /**
   * Starts queued loads (nearest first), up to MAX_LOADING at once. `pump()` does it too; the render loop also calls it
   * right after the extractor's pass, so what that pass asked for starts loading in the same frame, not the next.
   */
  startLoads(): void {
    if (this.loading < MAX_LOADING) {
      const room = this.room();
      const t = this.now();
      // New textures first (nearest first), then refinements of resident ones.
      const queued = [...this.entries]
        .filter(
          ([, e]) =>
            (e.state === 'queued' && e.retryAt <= t && (!e.refused || couldPlace(room, e.priority))) ||
            (e.state === 'resident' && e.refine === 'queued'),
        )
        .sort(
          (a, b) => (a[1].state === 'queued' ? 0 : 1e9) + a[1].priority - ((b[1].state === 'queued' ? 0 : 1e9) + b[1].priority),
        );
      for (const [uuid, e] of queued.slice(0, MAX_LOADING - this.loading)) this.start(uuid, e);
    }
  }

  stats(): TextureStreamStats {
    let resident = 0;
    let loading = 0;
    let queued = 0;
    let waiting = 0;
    let failed = 0;
    for (const e of this.entries.values()) {
      if (e.state === 'resident') resident++;
      else if (e.state === 'loading') loading++;
      else if (e.state === 'queued' && e.refused) waiting++;
      else if (e.state === 'queued') queued++;
      else failed++;
    }
    return {
      resident,
      loading,
      queued,
      waiting,
      failed,
      evicted: this.evicted,
      layers: this.layers.inUse,
      gpuBytes: this.layers.bytes,
    };
  }

  private start(uuid: string, e: Entry): void {
    const refine = e.state === 'resident';
    // A first decode is coarse (cheap, so the first textured frame comes soon); a refinement decodes what the distance
    // needs, behind every first decode in the pool.
    const size = refine ? dimensionFor(e.priority) : Math.min(this.firstDimension, dimensionFor(e.priority));
    if (refine) e.refine = 'loading';
    else e.state = 'loading';
    e.size = size;
    this.loading += 1;
    this.load(uuid, refine ? e.priority + REFINE_PRIORITY_OFFSET : e.priority, size).then(
      (image) => {
        this.loading -= 1;
        if (this.entries.get(uuid) !== e) return;
        this.decoded.push({ uuid, image, size, refine });
      },
      (err: unknown) => {
        this.loading -= 1;
        if (this.entries.get(uuid) !== e) return;
        if (refine) {
          // The smaller decode stays; it is not asked for again at this size (e.size holds it).
          e.refine = 'none';
          return;
        }
        if (retryLater(e, err, this.now())) {
          // The network or the edge: asked for again later (its faces keep their colour until then).
          e.state = 'queued';
          return;
        }
        e.state = 'failed';
        e.error = err instanceof Error ? err.message : String(err);
        this.log(`textures: ${uuid} could not be shown (${e.error}); its faces keep their colour`);
      },
    );
  }

  private place(uuid: string, image: RgbaImage, size: number, refine: boolean): void {
    const e = this.entries.get(uuid);
    if (!e) return;
    if (refine) {
      if (e.state !== 'resident' || e.refine !== 'loading') return;
      e.refine = 'none';
      try {
        const sharper = layerMips(image);
        this.layers.upload(e.layer, sharper.mips);
        e.alpha = sharper.alpha;
        e.size = decodedSize(image, size);
        this.version += 1;
      } catch {
        // The smaller decode stays.
      }
      return;
    }
    if (e.state !== 'loading') return;
    let mips: ReturnType<typeof layerMips>;
    try {
      mips = layerMips(image);
    } catch (err) {
      e.state = 'failed';
      e.error = err instanceof Error ? err.message : String(err);
      return;
    }
    let layer = this.layers.allocate();
    if (layer === null) layer = this.evictOne(e.priority);
    if (layer === null) {
      // Every layer holds a texture drawn nearer: this one waits, undecoded, until one could be its.
      e.state = 'queued';
      e.refused = true;
      return;
    }
    this.layers.upload(layer, mips.mips);
    e.state = 'resident';
    e.refused = false;
    e.size = decodedSize(image, size);
    e.layer = layer;
    e.alpha = mips.alpha;
    this.version += 1;
  }

  /**
   * Frees a resident texture's layer for a texture at `priority` (its distance): the one wanted least recently, if
   * the last pass did not draw it; else the farthest drawn, if it is farther than `priority` (a nearer texture takes
   * the layer of a farther one; the farther one waits as refused). Its layer, or null.
   */
  private evictOne(priority: number): number | null {
    let victim: [string, Entry] | null = null;
    let farthest: [string, Entry] | null = null;
    for (const pair of this.entries) {
      const e = pair[1];
      if (e.state !== 'resident') continue;
      if (e.wanted < this.generation) {
        if (!victim || e.wanted < victim[1].wanted) victim = pair;
      } else if (!farthest || e.priority > farthest[1].priority) farthest = pair;
    }
    if (!victim && farthest && farthest[1].priority > priority) {
      // Drawn, so asked for again by the next pass: it is queued as refused, not forgotten.
      const e = farthest[1];
      e.state = 'queued';
      e.refused = true;
      e.refine = 'none';
      this.evicted += 1;
      this.version += 1;
      const layer = e.layer;
      e.layer = -1;
      return layer;
    }
    if (!victim) return null;
    const [uuid, e] = victim;
    this.entries.delete(uuid);
    this.evicted += 1;
    this.version += 1;
    return e.layer;
  }

  /** Whether a texture could get a layer now: a free one, one not drawn by the last pass, or the farthest drawn. */
  private room(): Room {
    if (this.layers.inUse < this.layers.budgetLayers) return { free: true, farthest: 0 };
    let farthest = Number.NEGATIVE_INFINITY;
    for (const e of this.entries.values()) {
      if (e.state !== 'resident') continue;
      if (e.wanted < this.generation) return { free: true, farthest: 0 };
      farthest = Math.max(farthest, e.priority);
    }
    return { free: false, farthest };
  }
}

/** What `TextureStream.room` found: a layer to be had, or the priority (distance) of the farthest texture drawn. */
interface Room {
  free: boolean;
  farthest: number;
}

/** Whether a refused texture at `priority` would get a layer now (so decoding it again is worth it). */
function couldPlace(room: Room, priority: number): boolean {
  return room.free || priority < room.farthest;
}

/** The size a decode stands for: an image smaller than asked is the texture's full resolution (nothing to refine). */
function decodedSize(image: RgbaImage, asked: number): number {
  return Math.max(image.width, image.height) < asked ? Number.POSITIVE_INFINITY : asked;
}
