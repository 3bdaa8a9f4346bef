/**
 * Prim meshes from prim parameters (the Second Life / OpenSim model): a profile curve swept along a path.
 *
 * Face indices (per-vertex `faces`), in this order, each present only where the shape has that face:
 *   line path (box, cylinder, prism):  0 top (path end); then each outer side (box 1-4, cylinder 1, prism 1-3);
 *                                      hollow; profile-cut begin; profile-cut end; bottom (path begin) last.
 *   circular path (sphere, torus...):  outer sides from 0; hollow; profile-cut begin; profile-cut end;
 *                                      path-cut begin; path-cut end.
 * This follows SL's numbering for the common cases (box: 0 top, 1-4 sides, 5 bottom; with hollow 5 is the
 * hollow and 6 the bottom; sphere 0, hollow 1).
 *
 * Texture coordinates follow SL's default mapping (LLVolumeFace::createSide / createCap): on sides u runs along the
 * profile (0..1 per flat side, the profile parameter around round ones) and v is the path parameter; caps are the
 * planar profile coordinates (x + 0.5, y + 0.5), mirrored in v on the path-begin cap.
 */
import { MeshBuilder, type MeshData } from './mesh-data';
import type { PrimParams, ProfileCurve } from './prim-params';

/** LODs per prim: 0 finest. */
export const PRIM_LOD_COUNT = 3;

/** Sides of a full circle per LOD (a half circle gets half). */
const CIRCLE_SIDES = [32, 16, 8] as const;
/** Path steps per full revolution (circular paths) or per full turn of twist (line paths). */
const PATH_STEPS = [32, 16, 8] as const;

const TAU = Math.PI * 2;
const EPS = 1e-9;

/** A 2D profile curve over t in [0, 1]. */
interface Curve {
  /** Sample parameters (inclusive of 0 and 1). */
  breaks: number[];
  /** Parameters where the curve has a sharp corner (polygons), 0 and 1 included. */
  corners: number[];
  /** True when t = 0 and t = 1 meet (a full loop). */
  loop: boolean;
  point(t: number, out: Float64Array, at: number): void;
}

function polygon(corners: readonly (readonly [number, number])[]): Curve {
  const n = corners.length;
  const ts = Array.from({ length: n + 1 }, (_, k) => k / n);
  return {
    breaks: ts,
    corners: ts,
    loop: true,
    point(t, out, at) {
      const u = Math.min(Math.max(t, 0), 1) * n;
      const k = Math.min(Math.floor(u), n - 1);
      const f = u - k;
      const a = corners[k] ?? [0, 0];
      const b = corners[(k + 1) % n] ?? [0, 0];
      out[at] = a[0] + (b[0] - a[0]) * f;
      out[at + 1] = a[1] + (b[1] - a[1]) * f;
    },
  };
}

const SQUARE = polygon([
  [-0.5, -0.5],
  [0.5, -0.5],
  [0.5, 0.5],
  [-0.5, 0.5],
]);
const ISO_TRIANGLE = polygon([
  [-0.5, -0.5],
  [0.5, -0.5],
  [0, 0.5],
]);
const EQUILATERAL_TRIANGLE = polygon([
  [-0.5, -0.4330127],
  [0.5, -0.4330127],
  [0, 0.4330127],
]);

function circle(sides: number): Curve {
  return {
    breaks: Array.from({ length: sides + 1 }, (_, k) => k / sides),
    corners: [],
    loop: true,
    point(t, out, at) {
      // Starts at 225°, the corner where the square profile starts, so cuts line up across shapes.
      const a = 1.25 * Math.PI + TAU * t;
      out[at] = 0.5 * Math.cos(a);
      out[at + 1] = 0.5 * Math.sin(a);
    },
  };
}

function halfCircle(sides: number): Curve {
  return {
    breaks: Array.from({ length: sides + 1 }, (_, k) => k / sides),
    corners: [],
    loop: false,
    point(t, out, at) {
      const a = Math.PI * t;
      out[at] = 0.5 * Math.cos(a);
      out[at + 1] = 0.5 * Math.sin(a);
    },
  };
}

function curveOf(kind: ProfileCurve, lod: number): Curve {
  const sides = CIRCLE_SIDES[lod] ?? 8;
  switch (kind) {
    case 'circle':
      return circle(sides);
    case 'halfCircle':
      return halfCircle(Math.max(2, sides / 2));
    case 'square':
      return SQUARE;
    case 'isoTriangle':
      return ISO_TRIANGLE;
    case 'equilateralTriangle':
      return EQUILATERAL_TRIANGLE;
  }
}

function hollowCurveOf(p: PrimParams, lod: number): Curve {
  if (p.profileCurve === 'halfCircle') return curveOf('halfCircle', lod);
  switch (p.hollowShape) {
    case 'same':
      return curveOf(p.profileCurve, lod);
    case 'circle':
      return curveOf('circle', lod);
    case 'square':
      return SQUARE;
    case 'triangle':
      return ISO_TRIANGLE;
  }
}

/** Distance from the origin to `curve` along direction `angle` (the curve is star-shaped around the origin). */
function radiusAlong(curve: Curve, angle: number): number {
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const pts = new Float64Array(2 * curve.breaks.length);
  curve.breaks.forEach((t, i) => {
    curve.point(t, pts, i * 2);
  });
  let best = Infinity;
  for (let i = 0; i + 1 < curve.breaks.length; i++) {
    const ax = pts[i * 2] ?? 0;
    const ay = pts[i * 2 + 1] ?? 0;
    const ex = (pts[i * 2 + 2] ?? 0) - ax;
    const ey = (pts[i * 2 + 3] ?? 0) - ay;
    // Solve s·d = a + u·e for s > 0, u in [0, 1].
    const det = ex * dy - ey * dx;
    if (Math.abs(det) < 1e-12) continue;
    const s = (ex * ay - ey * ax) / det;
    const u = (dx * ay - dy * ax) / det;
    if (s > 0 && u >= -1e-9 && u <= 1 + 1e-9) best = Math.min(best, s);
  }
  return best;
}

/** Largest scale (<= 1) at which `inner` fits inside `outer`. */
function fitScale(outer: Curve, inner: Curve): number {
  if (outer === inner) return 1;
  const tmp = new Float64Array(2);
  let fit = 1;
  for (let k = 0; k <= 64; k++) {
    inner.point(k / 64, tmp, 0);
    const r = Math.hypot(tmp[0] ?? 0, tmp[1] ?? 0);
    if (r < 1e-9) continue;
    const outerR = radiusAlong(outer, Math.atan2(tmp[1] ?? 0, tmp[0] ?? 0));
    if (Number.isFinite(outerR)) fit = Math.min(fit, outerR / r);
  }
  return fit;
}

/** Sorted unique parameters in [begin, end] from several break lists. */
function sampleParams(begin: number, end: number, lists: number[][]): number[] {
  const all = [begin, end];
  for (const l of lists) for (const t of l) if (t > begin + EPS && t < end - EPS) all.push(t);
  all.sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of all) if (out.length === 0 || t - (out[out.length - 1] ?? 0) > EPS) out.push(t);
  return out;
}

/** Splits indices 0..n-1 of `ts` into runs that break at the given corner parameters. */
function splitAtCorners(ts: number[], corners: number[]): [number, number][] {
  const runs: [number, number][] = [];
  let start = 0;
  for (let i = 1; i < ts.length; i++) {
    const t = ts[i] ?? 0;
    const isCorner = i < ts.length - 1 && corners.some((c) => Math.abs(c - t) < EPS);
    if (isCorner) {
      runs.push([start, i]);
      start = i;
    }
  }
  runs.push([start, ts.length - 1]);
  return runs;
}

/** Per-row placement of the profile along the path. */
interface Rows {
  count: number;
  /** Path parameter per row (pathBegin..pathEnd): the side faces' v, as SL's LLPath mTexT. */
  texT: Float64Array;
  /** Writes the 3D position of profile point (x, y) at row r into out[at..at+3]. */
  place(r: number, x: number, y: number, out: Float64Array, at: number): void;
}

function taperScale(taper: number, t: number): number {
  const top = 1 - Math.max(taper, 0);
  const bottom = 1 + Math.min(taper, 0);
  return bottom + (top - bottom) * t;
}

function linePath(p: PrimParams, lod: number): Rows {
  const twist = Math.abs(p.twistEnd - p.twistBegin) * (p.pathEnd - p.pathBegin);
  const steps = twist > 1e-6 ? Math.max(2, Math.ceil((twist / TAU) * (PATH_STEPS[lod] ?? 8))) : 1;
  // Per row: x scale, y scale, cos, sin of the twist, x and y offsets, z.
  const row = new Float64Array((steps + 1) * 7);
  const texT = new Float64Array(steps + 1);
  for (let r = 0; r <= steps; r++) {
    const t = p.pathBegin + ((p.pathEnd - p.pathBegin) * r) / steps;
    texT[r] = t;
    const a = p.twistBegin + (p.twistEnd - p.twistBegin) * t;
    row.set(
      [
        taperScale(p.taperX, t),
        taperScale(p.taperY, t),
        Math.cos(a),
        Math.sin(a),
        p.shearX * (t - 0.5),
        p.shearY * (t - 0.5),
        t - 0.5,
      ],
      r * 7,
    );
  }
  return {
    count: steps + 1,
    texT,
    place(r, x, y, out, at) {
      const o = r * 7;
      const sx = x * (row[o] ?? 1);
      const sy = y * (row[o + 1] ?? 1);
      const c = row[o + 2] ?? 1;
      const s = row[o + 3] ?? 0;
      out[at] = sx * c - sy * s + (row[o + 4] ?? 0);
      out[at + 1] = sx * s + sy * c + (row[o + 5] ?? 0);
      out[at + 2] = row[o + 6] ?? 0;
    },
  };
}

/** True when a circular path meets itself (no path-cut caps). */
function circlePathClosed(p: PrimParams): boolean {
  return (
    p.pathBegin <= 0 &&
    p.pathEnd >= 1 &&
    p.revolutions === 1 &&
    p.radiusOffset === 0 &&
    p.taperX === 0 &&
    p.taperY === 0 &&
    p.skew === 0 &&
    Math.abs(p.twistEnd - p.twistBegin) < 1e-9
  );
}

function circlePath(p: PrimParams, lod: number): Rows {
  const span = (p.pathEnd - p.pathBegin) * p.revolutions;
  const twist = Math.abs(p.twistEnd - p.twistBegin) * (p.pathEnd - p.pathBegin);
  const steps = Math.max(1, Math.ceil(span * (PATH_STEPS[lod] ?? 8)), Math.ceil((twist / TAU) * (PATH_STEPS[lod] ?? 8)));
  const closed = circlePathClosed(p);
  const ts = Array.from({ length: steps + 1 }, (_, s) => p.pathBegin + ((p.pathEnd - p.pathBegin) * s) / steps);
  const r0 = 0.5 - 0.5 * p.holeSizeY;
  const along = p.holeSizeX / p.revolutions;
  // Per row: x scale, y scale, cos, sin of the twist, path radius, axis offset, cos, sin of the path angle.
  const row = new Float64Array((steps + 1) * 8);
  for (let r = 0; r <= steps; r++) {
    // The last row of a closed path is the first one again, exactly.
    const t = closed && r === steps ? (ts[0] ?? 0) : (ts[r] ?? 0);
    const a = p.twistBegin + (p.twistEnd - p.twistBegin) * t;
    const phi = TAU * p.revolutions * t;
    row.set(
      [
        along * taperScale(p.taperX, t),
        p.holeSizeY * taperScale(p.taperY, t),
        Math.cos(a),
        Math.sin(a),
        r0 * (1 + p.radiusOffset * (1 - t)),
        (t - 0.5) * (1 - 1 / p.revolutions) + p.skew * 0.5 * (t - 0.5),
        Math.cos(phi),
        Math.sin(phi),
      ],
      r * 8,
    );
  }
  return {
    count: steps + 1,
    // The closing row of a closed path sits on the first but keeps v = 1: the texture's seam along the path.
    texT: Float64Array.from(ts),
    place(r, x, y, out, at) {
      const o = r * 8;
      const sx = x * (row[o] ?? 1);
      const sy = y * (row[o + 1] ?? 1);
      const c = row[o + 2] ?? 1;
      const s = row[o + 3] ?? 0;
      const radius = (row[o + 4] ?? 0) + sx * s + sy * c;
      out[at] = sx * c - sy * s + (row[o + 5] ?? 0);
      out[at + 1] = radius * (row[o + 6] ?? 1);
      out[at + 2] = radius * (row[o + 7] ?? 0);
    },
  };
}

/** Generates one LOD (0 finest .. PRIM_LOD_COUNT-1) of a prim in unit size. */
export function generatePrimMesh(p: PrimParams, lod: number): MeshData {
  const level = Math.min(Math.max(Math.trunc(lod), 0), PRIM_LOD_COUNT - 1);
  const outer = curveOf(p.profileCurve, level);
  const hollow = p.hollow > 1e-6;
  const innerCurve = hollowCurveOf(p, level);
  const sameShape = p.hollowShape === 'same' || p.profileCurve === 'halfCircle';
  const innerScale = hollow ? p.hollow * (sameShape ? 1 : fitScale(outer, innerCurve)) : 0;
  const begin = p.profileBegin;
  const end = p.profileEnd;
  const closedProfile = outer.loop && begin <= 0 && end >= 1;
  const circular = p.pathCurve === 'circle';
  const rows = circular ? circlePath(p, level) : linePath(p, level);
  const ts = sampleParams(begin, end, hollow && !sameShape ? [outer.breaks, innerCurve.breaks] : [outer.breaks]);
  const n = ts.length;

  // Profile points (2D) for the outer and inner curves at the shared parameters.
  const outerPts = new Float64Array(n * 2);
  const innerPts = new Float64Array(n * 2);
  ts.forEach((t, i) => {
    outer.point(t, outerPts, i * 2);
    if (hollow) {
      innerCurve.point(t, innerPts, i * 2);
      innerPts[i * 2] = (innerPts[i * 2] ?? 0) * innerScale;
      innerPts[i * 2 + 1] = (innerPts[i * 2 + 1] ?? 0) * innerScale;
    }
  });
  if (closedProfile) {
    // t = 1 is t = 0: copy so the seam is exact.
    outerPts[(n - 1) * 2] = outerPts[0] ?? 0;
    outerPts[(n - 1) * 2 + 1] = outerPts[1] ?? 0;
    innerPts[(n - 1) * 2] = innerPts[0] ?? 0;
    innerPts[(n - 1) * 2 + 1] = innerPts[1] ?? 0;
  }

  // A half circle revolved around the axis it spans (sphere) has its ends on the axis: cut faces there are empty
  // unless the profile leaves the axis (a path radius, or a twist turning the ends away).
  const halfOnCircle = p.profileCurve === 'halfCircle' && circular && p.holeSizeY >= 1 && p.twistBegin === 0 && p.twistEnd === 0;
  const hasCutBegin = !closedProfile && !(halfOnCircle && begin <= 0);
  const hasCutEnd = !closedProfile && !(halfOnCircle && end >= 1);
  const hasPathCaps = !circular || !circlePathClosed(p);

  let nextFace = 0;
  const topFace = circular ? -1 : nextFace++;
  const outerRuns = splitAtCorners(ts, outer.corners);
  const outerFaces = outerRuns.map(() => (outer.corners.length > 0 ? nextFace++ : -1));
  if (outer.corners.length === 0) {
    const f = nextFace++;
    outerFaces.fill(f);
  }
  const hollowFace = hollow ? nextFace++ : -1;
  const cutBeginFace = hasCutBegin ? nextFace++ : -1;
  const cutEndFace = hasCutEnd ? nextFace++ : -1;
  const beginCapFace = hasPathCaps ? (circular ? nextFace++ : -1) : -1;
  const endCapFace = hasPathCaps && circular ? nextFace++ : -1;
  const bottomFace = circular ? -1 : nextFace++;

  // Texture coordinates: SL's default (planar off) mapping, as LLVolumeFace::createSide and createCap make it.
  // Outer sides take u from the profile parameter. A polygon's parameter counts sides (0..4 around a square) and each
  // flat side starts again from the whole number below its first point, so every side spans 0..1 (less where cut).
  const flatSides = outer.corners.length > 0 ? outer.breaks.length - 1 : 0;
  // SL scales the hole's profile parameter along with its points (LLProfile::addHole: by the hollow, by half of it in
  // triangles), so the hollow face shows u = holeTex·t, within [0, hollow], running backwards (mirrored seen from
  // the hole). Kept as SL has it: content made in SL counts on it.
  const triangle = p.profileCurve === 'isoTriangle' || p.profileCurve === 'equilateralTriangle';
  const holeTex = p.hollow * (triangle ? 0.5 : 1);

  const b = new MeshBuilder();
  const tmp = new Float64Array(3);
  const at = (r: number, x: number, y: number, face: number, u: number, v: number): number => {
    rows.place(r, x, y, tmp, 0);
    return b.vertex(tmp[0] ?? 0, tmp[1] ?? 0, tmp[2] ?? 0, face, u, v);
  };

  /**
   * A strip through profile points xy (in loop order) along every row, as one smoothing group; texture u per point
   * from `us`, v the row's path parameter. From the front, u runs left to right and v upwards along the path.
   */
  const strip = (xy: Float64Array, us: ArrayLike<number>, face: number): void => {
    const m = xy.length / 2;
    const base = b.vertexCount;
    for (let r = 0; r < rows.count; r++) {
      const v = rows.texT[r] ?? 0;
      for (let j = 0; j < m; j++) at(r, xy[j * 2] ?? 0, xy[j * 2 + 1] ?? 0, face, us[j] ?? 0, v);
    }
    for (let r = 0; r + 1 < rows.count; r++) {
      for (let j = 0; j + 1 < m; j++) {
        const v = base + r * m + j;
        b.quad(v, v + 1, v + m + 1, v + m);
      }
    }
    b.endGroup();
  };

  /**
   * A cap across the profile at row r; `front` = facing along the path direction. Texture: the untransformed profile
   * coordinates (x + 0.5, y + 0.5); a back cap (SL's bottom) mirrors v so the image is not reversed seen from outside.
   */
  const cap = (r: number, face: number, front: boolean): void => {
    const pt = (x: number, y: number): number => at(r, x, y, face, x + 0.5, front ? y + 0.5 : 0.5 - y);
    const o = new Uint32Array(n);
    const inner = new Uint32Array(n);
    if (closedProfile && !hollow) {
      // All closed profiles are convex: a fan from the first point needs no centre vertex (a box cap is 2 triangles).
      for (let j = 0; j + 1 < n; j++) o[j] = pt(outerPts[j * 2] ?? 0, outerPts[j * 2 + 1] ?? 0);
      for (let j = 1; j + 2 < n; j++) {
        if (front) b.triangle(o[0] ?? 0, o[j] ?? 0, o[j + 1] ?? 0);
        else b.triangle(o[0] ?? 0, o[j + 1] ?? 0, o[j] ?? 0);
      }
      b.endGroup();
      return;
    }
    for (let j = 0; j < n; j++) o[j] = pt(outerPts[j * 2] ?? 0, outerPts[j * 2 + 1] ?? 0);
    if (hollow) for (let j = 0; j < n; j++) inner[j] = pt(innerPts[j * 2] ?? 0, innerPts[j * 2 + 1] ?? 0);
    else inner.fill(pt(0, 0));
    for (let j = 0; j + 1 < n; j++) {
      const o0 = o[j] ?? 0;
      const o1 = o[j + 1] ?? 0;
      const i0 = inner[j] ?? 0;
      const i1 = inner[j + 1] ?? 0;
      if (front) {
        b.triangle(o0, o1, i1);
        b.triangle(o0, i1, i0);
      } else {
        b.triangle(o0, i1, o1);
        b.triangle(o0, i0, i1);
      }
    }
    b.endGroup();
  };

  if (topFace >= 0) cap(rows.count - 1, topFace, true);
  outerRuns.forEach(([s, e], k) => {
    const us = new Float64Array(e - s + 1);
    // The side this run lies on; the tolerance keeps a cut just below a corner on the side above it.
    const side = Math.floor(flatSides * (ts[s] ?? 0) + 1e-9);
    for (let j = s; j <= e; j++) {
      const t = ts[j] ?? 0;
      us[j - s] = flatSides > 0 ? Math.min(Math.max(flatSides * t - side, 0), 1) : t;
    }
    strip(outerPts.slice(s * 2, e * 2 + 2), us, outerFaces[k] ?? 0);
  });
  if (hollow) {
    // The hollow runs backwards (end → begin) so its front faces the hole.
    const rev = new Float64Array(n * 2);
    for (let j = 0; j < n; j++) {
      rev[j * 2] = innerPts[(n - 1 - j) * 2] ?? 0;
      rev[j * 2 + 1] = innerPts[(n - 1 - j) * 2 + 1] ?? 0;
    }
    const revTs = ts.map((t) => t).reverse();
    for (const [s, e] of splitAtCorners(revTs, innerCurve.corners)) {
      const us = revTs.slice(s, e + 1).map((t) => holeTex * t);
      strip(rev.slice(s * 2, e * 2 + 2), us, hollowFace);
    }
  }
  // Profile-cut faces: u 0 → 1 in strip order, as SL's END faces (begin: inner → outer; end: outer → inner).
  const innerAt = (j: number): [number, number] => (hollow ? [innerPts[j * 2] ?? 0, innerPts[j * 2 + 1] ?? 0] : [0, 0]);
  if (hasCutBegin) {
    const [ix, iy] = innerAt(0);
    strip(Float64Array.of(ix, iy, outerPts[0] ?? 0, outerPts[1] ?? 0), [0, 1], cutBeginFace);
  }
  if (hasCutEnd) {
    const [ix, iy] = innerAt(n - 1);
    strip(Float64Array.of(outerPts[(n - 1) * 2] ?? 0, outerPts[(n - 1) * 2 + 1] ?? 0, ix, iy), [0, 1], cutEndFace);
  }
  if (beginCapFace >= 0) cap(0, beginCapFace, false);
  if (endCapFace >= 0) cap(rows.count - 1, endCapFace, true);
  if (bottomFace >= 0) cap(0, bottomFace, false);
  return b.finish(nextFace);
}

/** All LODs of a prim, finest first. */
export function generatePrimLods(p: PrimParams): MeshData[] {
  return Array.from({ length: PRIM_LOD_COUNT }, (_, lod) => generatePrimMesh(p, lod));
}
