/**
 * Sculpt and mesh geometry for the renderer: `meshOf(key)` gives the decoded LODs of a sculpted or mesh prim, or
 * null while it loads (the prim is drawn as its base shape until then) or when it failed (it stays so; the
 * failure is logged once). Sculpt maps come through the texture loader (lossless J2K), meshes through the asset
 * store and shared/assets/llmesh.ts. `version` is bumped when geometry arrives, so the extractor rebuilds.
 */
import { decodeLlmesh } from '../../shared/assets/llmesh';
import type { MeshData } from '../../shared/geometry/mesh-data';
import { PRIM_LOD_COUNT } from '../../shared/geometry/prim-mesh';
import { generateSculptLods } from '../../shared/geometry/sculpt';
import { SCULPT_TYPES } from '../../shared/protocol';
import type { RgbaImage } from './texture-layers';

/** What the stream loads through. */
export interface GeometrySources {
  /** A decoded sculpt map at full resolution. */
  sculptMap(uuid: string, priority: number): Promise<RgbaImage>;
  /** The bytes of a mesh asset. */
  meshBytes(uuid: string, priority: number): Promise<Uint8Array>;
}

/** Most geometry loads at once. */
const MAX_LOADING = 8;

interface Entry {
  state: 'queued' | 'loading' | 'ready' | 'failed';
  lods: MeshData[] | null;
  priority: number;
  uuid: string;
  type: number;
}

/** The key of a sculpt or mesh: its asset and SL SculptType byte. */
export function geometryKey(uuid: string, type: number): string {
  return `${uuid}:${type}`;
}

/**
 * The renderer's LODs (PRIM_LOD_COUNT, finest first) from a mesh asset's four: high, medium and low (the lowest
 * is coarser than the renderer ever draws a prim).
 */
export function meshLodsForRenderer(lods: readonly MeshData[]): MeshData[] {
  const out: MeshData[] = [];
  for (let i = 0; i < PRIM_LOD_COUNT; i++) {
    const m = lods[Math.min(i, lods.length - 1)];
    if (m) out.push(m);
  }
  return out;
}

export class GeometryStream {
  version = 0;
  private readonly entries = new Map<string, Entry>();
  private loading = 0;

  constructor(
    private readonly sources: GeometrySources,
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** The LODs of a sculpt/mesh, or null while not ready (requesting it, lower priorities first). */
  meshOf(uuid: string, type: number, priority: number): MeshData[] | null {
    const key = geometryKey(uuid, type);
    let e = this.entries.get(key);
    if (!e) {
      e = { state: 'queued', lods: null, priority, uuid, type };
      this.entries.set(key, e);
    }
    e.priority = Math.min(e.priority, priority);
    return e.state === 'ready' ? e.lods : null;
  }

  /** Starts queued loads, nearest first. Call once per frame. */
  pump(): void {
    if (this.loading >= MAX_LOADING) return;
    const queued = [...this.entries.values()].filter((e) => e.state === 'queued').sort((a, b) => a.priority - b.priority);
    for (const e of queued.slice(0, MAX_LOADING - this.loading)) this.start(e);
  }

  stats(): { ready: number; loading: number; failed: number } {
    let ready = 0;
    let loading = 0;
    let failed = 0;
    for (const e of this.entries.values()) {
      if (e.state === 'ready') ready++;
      else if (e.state === 'failed') failed++;
      else loading++;
    }
    return { ready, loading, failed };
  }

  private start(e: Entry): void {
    e.state = 'loading';
    this.loading += 1;
    const isMesh = (e.type & 0x07) === SCULPT_TYPES.mesh;
    const work = isMesh
      ? this.sources.meshBytes(e.uuid, e.priority).then(async (bytes) => meshLodsForRenderer((await decodeLlmesh(bytes)).lods))
      : this.sources.sculptMap(e.uuid, e.priority).then((map) => generateSculptLods(map, e.type));
    work.then(
      (lods) => {
        this.loading -= 1;
        if (lods.length === 0 || lods.every((m) => m.indexCount === 0)) {
          e.state = 'failed';
          this.log(`geometry: ${isMesh ? 'mesh' : 'sculpt map'} ${e.uuid} has no triangles; drawn as its base shape`);
          return;
        }
        e.lods = lods;
        e.state = 'ready';
        this.version += 1;
      },
      (err: unknown) => {
        this.loading -= 1;
        e.state = 'failed';
        this.log(
          `geometry: ${isMesh ? 'mesh' : 'sculpt map'} ${e.uuid} could not be used (${err instanceof Error ? err.message : String(err)}); drawn as its base shape`,
        );
      },
    );
  }
}
