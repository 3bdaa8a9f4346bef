/** Splitting a GridSession's snapshots and deltas into frames: by entity count and by estimated size. */
import { type EntityUpdate, MAX_SERVER_FRAME_BYTES } from '../../shared/protocol';

/** Most entities per snapshot or delta frame. */
export const FRAME_ENTITIES = 1000;
/** Estimated encoded bytes per snapshot or delta frame: half the protocol's limit, so estimates may be rough. */
const FRAME_BUDGET_BYTES = MAX_SERVER_FRAME_BYTES / 2;

/**
 * A generous estimate of an entity record's encoded size: materials (40 bytes a face) and hover text can make a
 * few hundred entities fill a frame, so frames are cut by size as well as by count.
 */
export function estimateEntityBytes(e: EntityUpdate): number {
  return (
    160 +
    (e.name?.length ?? 0) * 3 +
    (e.description?.length ?? 0) * 3 +
    (e.colors?.length ?? 0) * 4 +
    (e.materials?.length ?? 0) * 44 +
    (e.text ? e.text.text.length * 3 + 8 : 0) +
    (e.sound ? 32 : 0) +
    (e.sculpt ? 20 : 0) +
    (e.textureAnim ? 16 : 0)
  );
}

/** Splits entities into frames of at most FRAME_ENTITIES and about FRAME_BUDGET_BYTES each (never an empty part). */
export function frameParts<T extends EntityUpdate>(entities: readonly T[]): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let bytes = 0;
  for (const e of entities) {
    const size = estimateEntityBytes(e);
    if (part.length > 0 && (part.length >= FRAME_ENTITIES || bytes + size > FRAME_BUDGET_BYTES)) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(e);
    bytes += size;
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  return parts;
}
