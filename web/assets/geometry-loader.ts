/**
 * Sculpt and mesh geometry loading, for every part of the viewer that needs it (the renderer draws the LODs, the
 * physics plugin collides with a collision mesh): what is asked for is loaded nearest first, a few at a time, built
 * by the caller's `build`, and kept; a failed or empty asset is logged once and stays failed (its prim keeps its
 * base shape), unless the failure may pass (the network or the edge: tried again later, errors.ts retryLater).
 * `version` is bumped whenever one becomes ready. A pass (`beginPass`) limits what is started to what that pass
 * asked for; a loader whose owner never begins one starts everything asked.
 */
import type { SculptMap } from '../../shared/geometry/sculpt';
import { SCULPT_TYPES } from '../../shared/protocol';
import { retryLater } from './errors';

/** Where the loader gets assets (priority: lower first, the distance from you). */
export interface GeometrySources {
  /** The bytes of a mesh asset (asset type 49). */
  meshBytes(uuid: string, priority: number): Promise<Uint8Array>;
  /** A decoded sculpt map. */
  sculptMap(uuid: string, priority: number): Promise<SculptMap>;
  /** Releases what the sources hold (a decoder worker). */
  close?(): void;
}

/** How the loader's owner turns an asset into what it keeps. */
export interface GeometryBuild<T> {
  mesh(bytes: Uint8Array): Promise<T>;
  /** `type`: the SL SculptType byte (stitching and flags). */
  sculpt(map: SculptMap, type: number): T;
  /** False for a result with nothing to use (no triangles). */
  usable(result: T): boolean;
}

export interface GeometryLoaderOptions {
  /** Loads at once. */
  maxLoading: number;
  /** How messages start ("physics", "geometry"). */
  prefix: string;
  /** What happens to a prim whose geometry failed, for the message ("drawn as its base shape"). */
  fallback: string;
  /** Where failures are reported (default console.warn). */
  log?: (message: string) => void;
  /** The clock transient failures wait on (default performance.now). */
  now?: () => number;
}

export interface GeometryLoaderStats {
  ready: number;
  /** Loads under way. */
  loading: number;
  /** Asked for, not started yet. */
  queued: number;
  failed: number;
}

export interface GeometryLoader<T> {
  readonly version: number;
  /** A pass begins: from now on only what is asked for in it is started. */
  beginPass(): void;
  /** The built geometry of a sculpt/mesh (asset `uuid`, SculptType byte `type`), or null while not ready. */
  meshOf(uuid: string, type: number, priority: number): T | null;
  /** Starts loads asked for in the last pass, nearest first, up to `maxLoading`. Call once per frame. */
  pump(): void;
  stats(): GeometryLoaderStats;
  /** Stops: loads under way are ignored when they finish. */
  close(): void;
}

interface Entry<T> {
  uuid: string;
  type: number;
  state: 'queued' | 'loading' | 'ready' | 'failed';
  result: T | null;
  priority: number;
  /** The pass that last asked for it. */
  pass: number;
  /** Transient failures so far, and when it may be tried again (retryLater). */
  retries: number;
  retryAt: number;
}

/** Whether a SculptType byte names a mesh (rather than a sculpt map). */
export const isMeshType = (type: number): boolean => (type & 0x07) === SCULPT_TYPES.mesh;

export function createGeometryLoader<T>(
  sources: GeometrySources,
  build: GeometryBuild<T>,
  options: GeometryLoaderOptions,
): GeometryLoader<T> {
  const maxLoading = Math.max(1, options.maxLoading);
  const log = options.log ?? ((m: string) => console.warn(m));
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, Entry<T>>();
  let version = 0;
  let pass = 0;
  let loading = 0;
  let closed = false;

  const start = (e: Entry<T>): void => {
    e.state = 'loading';
    loading++;
    const mesh = isMeshType(e.type);
    const what = mesh ? 'mesh' : 'sculpt map';
    const work = mesh
      ? sources.meshBytes(e.uuid, e.priority).then((bytes) => build.mesh(bytes))
      : sources.sculptMap(e.uuid, e.priority).then((map) => build.sculpt(map, e.type));
    work.then(
      (result) => {
        if (closed) return;
        loading--;
        if (!build.usable(result)) {
          e.state = 'failed';
          log(`${options.prefix}: ${what} ${e.uuid} has no triangles; ${options.fallback}`);
          return;
        }
        e.result = result;
        e.state = 'ready';
        version++;
      },
      (err: unknown) => {
        if (closed) return;
        loading--;
        if (retryLater(e, err, now())) {
          // The network or the edge: asked for again later (until then the prim keeps its base shape).
          e.state = 'queued';
          return;
        }
        e.state = 'failed';
        log(
          `${options.prefix}: ${what} ${e.uuid} could not be used (${err instanceof Error ? err.message : String(err)}); ${options.fallback}`,
        );
      },
    );
  };

  return {
    get version() {
      return version;
    },
    beginPass() {
      pass++;
    },
    meshOf(uuid, type, priority) {
      // A mesh's flags change nothing; a sculpt's stitching and flags make another shape.
      const key = isMeshType(type) ? `mesh:${uuid}` : `${uuid}:${type}`;
      let e = entries.get(key);
      if (!e) {
        e = { uuid, type, state: 'queued', result: null, priority, pass, retries: 0, retryAt: 0 };
        entries.set(key, e);
      } else if (e.state === 'queued') {
        e.priority = e.pass === pass ? Math.min(e.priority, priority) : priority;
        e.pass = pass;
      }
      return e.result;
    },
    pump() {
      if (closed || loading >= maxLoading) return;
      const wanted: Entry<T>[] = [];
      const t = now();
      for (const e of entries.values()) if (e.state === 'queued' && e.pass === pass && e.retryAt <= t) wanted.push(e);
      wanted.sort((a, b) => a.priority - b.priority);
      for (const e of wanted.slice(0, maxLoading - loading)) start(e);
    },
    stats() {
      let ready = 0;
      let queued = 0;
      let failed = 0;
      for (const e of entries.values()) {
        if (e.state === 'ready') ready++;
        else if (e.state === 'queued') queued++;
        else if (e.state === 'failed') failed++;
      }
      return { ready, loading, queued, failed };
    },
    close() {
      if (closed) return;
      closed = true;
      entries.clear();
      sources.close?.();
    },
  };
}
