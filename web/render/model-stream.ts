/**
 * Finalverse glTF models for the renderer: fetched by SHA-256 from the edge (GET /api/models/<sha256>, no token:
 * models are public and immutable) through an asset store (Cache Storage, so a revisit fetches nothing), decoded
 * by web/assets/gltf-model.ts, loaded nearest first by the shared geometry loader. `meshOf(hash, priority)` gives a
 * model's LODs and face colours, or null while it loads (the entity is drawn as its base box meanwhile) or when it
 * failed (it stays so; the failure is logged once).
 */
import { SCULPT_TYPES } from '../../shared/protocol';
import { type AssetStore, createAssetStore } from '../assets/asset-store';
import { createGeometryLoader, type GeometryLoaderStats } from '../assets/geometry-loader';
import { decodeGltfModel, type ModelGeometry } from '../assets/gltf-model';

/** Most model loads at once. */
const MAX_LOADING = 4;

export interface ModelStream {
  readonly version: number;
  readonly store: AssetStore;
  beginPass(): void;
  /** Model `hash`'s geometry, or null while not ready. */
  meshOf(hash: string, priority: number): ModelGeometry | null;
  pump(): void;
  stats(): GeometryLoaderStats;
  close(): void;
}

/** The models of the edge at `origin`. */
export function createModelStream(origin: string, log?: (message: string) => void): ModelStream {
  const store = createAssetStore({ base: origin, token: '', url: (_, id) => `${origin}/api/models/${id}` });
  const loader = createGeometryLoader<ModelGeometry>(
    {
      meshBytes: (hash) => store.get('model', hash),
      sculptMap: () => Promise.reject(new Error('a model has no sculpt map')),
    },
    {
      mesh: (bytes) => decodeGltfModel(bytes),
      sculpt: () => {
        throw new Error('a model has no sculpt map');
      },
      usable: (m) => m.lods.length > 0,
    },
    { maxLoading: MAX_LOADING, prefix: 'models', fallback: 'drawn as a box', ...(log ? { log } : {}) },
  );
  return {
    get version() {
      return loader.version;
    },
    store,
    beginPass: () => loader.beginPass(),
    meshOf: (hash, priority) => loader.meshOf(hash, SCULPT_TYPES.mesh, priority),
    pump: () => loader.pump(),
    stats: () => loader.stats(),
    close: () => loader.close(),
  };
}
