/**
 * Sculpted prims: a mesh sampled from a sculpt map the way SL viewers build one (LLVolume::sculpt): a grid of
 * (columns + 1) x (rows + 1) samples whose size depends on the LOD and the map, stitched by the sculpt type.
 */
import { AssetError } from '../assets/errors';
import { MeshBuilder, type MeshData } from './mesh-data';
import { PRIM_LOD_COUNT } from './prim-mesh';

/**
 * A decoded sculpt map: RGBA bytes, rows from the top of the image down (as image decoders give them). Red, green
 * and blue are x, y and z: 0..255 maps to -0.5..0.5.
 */
export interface SculptMap {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Sculpt types (the low 3 bits of SculptType) and flags. */
export const SCULPT_SPHERE = 1;
export const SCULPT_TORUS = 2;
export const SCULPT_PLANE = 3;
export const SCULPT_CYLINDER = 4;
/** Turns the surface inside out. */
export const SCULPT_FLAG_INVERT = 0x40;
/** Mirrors the shape along x. */
export const SCULPT_FLAG_MIRROR = 0x80;

/** Smallest and largest map side accepted. */
export const SCULPT_MIN_SIDE = 4;
export const SCULPT_MAX_SIDE = 1024;

/** Sides per LOD (0 finest), as SL's sculpt_sides gives for the prim detail of our LODs (4.0, 2.5, 1.5). */
const LOD_SIDES = [32, 16, 8] as const;
const TYPE_MASK = 0x07;

/**
 * The sample grid for a map at a LOD, as SL computes it (sculpt_calc_mesh_resolution): at most sides² samples
 * for the LOD and width·height/4 for the map, shared out in the map's aspect ratio. Maps that are not square
 * always get the finest LOD's budget, as in SL. `columns` counts quads across the width, `rows` down the height.
 */
export function sculptGridSize(width: number, height: number, lod = 0): { columns: number; rows: number } {
  const sides = width !== height ? LOD_SIDES[0] : (LOD_SIDES[lod] ?? LOD_SIDES[0]);
  const budget = Math.min(sides * sides, Math.floor((width * height) / 4));
  // SL computes this in 32-bit floats; fround keeps the same truncations.
  const ratio = Math.fround(width / height);
  let rows = Math.trunc(Math.fround(Math.sqrt(Math.fround(budget / ratio))));
  rows = Math.max(rows, 4);
  let columns = Math.trunc(budget / rows);
  columns = Math.max(columns, 4);
  rows = Math.trunc(budget / columns);
  return { columns, rows };
}

function check(map: SculptMap, type: number): number {
  const { width, height, rgba } = map;
  for (const [name, side] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(side) || side < SCULPT_MIN_SIDE || side > SCULPT_MAX_SIDE) {
      throw new AssetError(
        'asset_bad_sculpt',
        `sculpt: map ${name} ${side} is not an integer in ${SCULPT_MIN_SIDE}..${SCULPT_MAX_SIDE}`,
      );
    }
  }
  if (rgba.length !== width * height * 4) {
    throw new AssetError(
      'asset_bad_sculpt',
      `sculpt: a ${width}x${height} map needs ${width * height * 4} RGBA bytes, got ${rgba.length}`,
    );
  }
  const stitching = type & TYPE_MASK;
  if (!Number.isInteger(type) || type < 0 || type > 0xff || stitching < SCULPT_SPHERE || stitching > SCULPT_CYLINDER) {
    throw new AssetError(
      'asset_bad_sculpt',
      `sculpt: type ${type} is not a sculpt type (1 sphere, 2 torus, 3 plane, 4 cylinder, + flags)`,
    );
  }
  return stitching;
}

function build(map: SculptMap, type: number, stitching: number, lod: number): MeshData {
  const { width, height, rgba } = map;
  const { columns, rows } = sculptGridSize(width, height, lod);
  const invert = (type & SCULPT_FLAG_INVERT) !== 0;
  const mirror = (type & SCULPT_FLAG_MIRROR) !== 0;
  // Sampling the map right to left flips the winding; mirroring x flips it back (so mirror alone keeps it).
  const reverse = invert !== mirror;
  const wrapsSides = stitching !== SCULPT_PLANE;
  const b = new MeshBuilder();
  for (let j = 0; j <= rows; j++) {
    for (let i = 0; i <= columns; i++) {
      const col = reverse ? columns - i : i;
      // SL's (x, y) with y counted from the bottom of the image (its raw images are stored bottom-up).
      let x = Math.trunc(Math.fround(Math.fround(col / columns) * width));
      let y = Math.trunc(Math.fround(Math.fround(j / rows) * height));
      if (y === 0 && stitching === SCULPT_SPHERE) x = width >> 1; // pole
      if (y === height) {
        y = stitching === SCULPT_TORUS ? 0 : height - 1;
        if (stitching === SCULPT_SPHERE) x = width >> 1; // pole
      }
      if (x === width) x = wrapsSides ? 0 : width - 1;
      const at = ((height - 1 - y) * width + x) * 4;
      const px = (rgba[at] ?? 0) / 255 - 0.5;
      const py = (rgba[at + 1] ?? 0) / 255 - 0.5;
      const pz = (rgba[at + 2] ?? 0) / 255 - 0.5;
      b.vertex(mirror ? -px : px, py, pz, 0, i / columns, j / rows);
    }
  }
  const stride = columns + 1;
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const a = j * stride + i;
      // Counter-clockwise in (column, row): SL's order, so the front faces out of a map with x east and y north.
      b.quad(a, a + 1, a + 1 + stride, a + stride);
    }
  }
  b.endGroup();
  return b.finish(1);
}

/**
 * The mesh of a sculpted prim at a LOD (0 finest .. PRIM_LOD_COUNT - 1): one face (0), uvs = the sample's place
 * in the grid (u across the map, v up from its bottom edge). `type` is the prim's SculptType byte: the stitching
 * in its low 3 bits (sphere: first and last rows pinch to the poles and the sides wrap; torus: both wrap; cylinder:
 * the sides wrap; plane: nothing wraps), plus {@link SCULPT_FLAG_INVERT} and {@link SCULPT_FLAG_MIRROR}. Collapsed
 * triangles (poles, flat areas) are dropped, so a blank map gives an empty mesh. Throws {@link AssetError}
 * `asset_bad_sculpt` for a map under 4 or over 1024 pixels a side, RGBA bytes that do not match the size, a type
 * that is not a sculpt type, or a LOD out of range.
 */
export function generateSculptMesh(map: SculptMap, type: number, lod = 0): MeshData {
  const stitching = check(map, type);
  if (!Number.isInteger(lod) || lod < 0 || lod >= PRIM_LOD_COUNT) {
    throw new AssetError('asset_bad_sculpt', `sculpt: LOD ${lod} is not in 0..${PRIM_LOD_COUNT - 1}`);
  }
  return build(map, type, stitching, lod);
}

/**
 * Every LOD of a sculpted prim, finest first ({@link generateSculptMesh} for each). LODs with the same grid (every
 * LOD of a map that is not square) share one MeshData object.
 */
export function generateSculptLods(map: SculptMap, type: number): MeshData[] {
  const stitching = check(map, type);
  const out: MeshData[] = [];
  for (let lod = 0; lod < PRIM_LOD_COUNT; lod++) {
    const grid = sculptGridSize(map.width, map.height, lod);
    const prev = lod > 0 ? sculptGridSize(map.width, map.height, lod - 1) : undefined;
    const last = out[lod - 1];
    out.push(last && prev && prev.columns === grid.columns && prev.rows === grid.rows ? last : build(map, type, stitching, lod));
  }
  return out;
}
