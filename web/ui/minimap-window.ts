/** The minimap's window on a grid session's frame (web/ui/components/Minimap.tsx draws it). */

/** A region on the minimap: where it lies in the session frame (metres). */
export interface MinimapRegion {
  name: string;
  origin: [number, number];
  size: [number, number];
}

/** The session-frame rectangle the minimap shows: the regions' union, else the place from its origin. */
export function minimapWindow(
  size: [number, number],
  origin: [number, number],
  regions: readonly MinimapRegion[],
): [number, number, number, number] {
  if (regions.length === 0) return [origin[0], origin[1], origin[0] + size[0], origin[1] + size[1]];
  let r: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const g of regions)
    r = [
      Math.min(r[0], g.origin[0]),
      Math.min(r[1], g.origin[1]),
      Math.max(r[2], g.origin[0] + g.size[0]),
      Math.max(r[3], g.origin[1] + g.size[1]),
    ];
  return r;
}
