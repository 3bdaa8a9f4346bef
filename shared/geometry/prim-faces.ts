/** How many faces a prim has, numbered as the prim generator numbers them (SL's numbering), by its wire shape. */
import { PRIM_SHAPE_KEYS, type PrimShape } from '../protocol';
import { primParamsFromWire } from './prim-from-wire';
import { generatePrimMesh, PRIM_LOD_COUNT } from './prim-mesh';

/** Face counts by shape (bounded: shapes repeat). */
const cache = new Map<string, number>();
const CACHE_SIZE = 4096;

/** The number of faces of a prim of this shape; throws what the generator throws for a shape it cannot make. */
export function primFaceCount(shape: PrimShape): number {
  const key = PRIM_SHAPE_KEYS.map((k) => shape[k]).join(',');
  const known = cache.get(key);
  if (known !== undefined) return known;
  // The coarsest LOD has the same faces as the finest, at a fraction of the cost.
  const faces = generatePrimMesh(primParamsFromWire(shape), PRIM_LOD_COUNT - 1).faceCount;
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(key, faces);
  return faces;
}
