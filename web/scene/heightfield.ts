/** The terrain as the viewer holds it: one heightfield, shared by the world (owner) and the renderer. */

/** Heights in metres, row-major: heights[y * width + x] is the sample at (x·spacing, y·spacing). */
export interface Heightfield {
  width: number;
  height: number;
  heights: Float32Array;
  /** Metres between samples (1 for OpenSim regions). */
  spacing?: number;
  /**
   * Where sample (0, 0) lies (metres; default 0, 0): a grid session's terrain spans the regions shown, and a
   * neighbour to the west or south lies at negative coordinates.
   */
  originX?: number;
  originY?: number;
}

/** A heightfield handed from the world to the renderer: the sample spacing always set. */
export type TerrainField = Heightfield & { spacing: number };

/**
 * A region's four terrain textures, lowest to highest, and where their blend starts and how far it runs at the
 * region's corners (SW, NW, SE, NE), metres (shared/protocol RegionInfo).
 */
export interface TerrainTextures {
  ids: readonly [string, string, string, string];
  startHeights: readonly [number, number, number, number];
  heightRanges: readonly [number, number, number, number];
}
