/**
 * The one table of prim shape fields (OpenSim wire units, ObjectUpdate's PathCurve … ProfileHollow): the zod
 * schema, the codec's byte layout and the viewer's ECS `Shape` component are all made from it.
 */
import { z } from 'zod';

/** How a shape field travels: unsigned byte, unsigned 16-bit little-endian, or signed byte. */
export type PrimShapeKind = 'u8' | 'u16' | 'i8';

/** The inclusive range of each kind. */
export const PRIM_SHAPE_KIND_RANGE = {
  u8: { min: 0, max: 0xff },
  u16: { min: 0, max: 0xffff },
  i8: { min: -128, max: 127 },
} as const satisfies Record<PrimShapeKind, { min: number; max: number }>;

/** The fields in wire order (the order of a Storm entity record's shape block). Never reorder: it is the wire format. */
const ROWS = [
  ['pathCurve', 'u8'],
  ['profileCurve', 'u8'],
  ['pathBegin', 'u16'],
  ['pathEnd', 'u16'],
  ['pathScaleX', 'u8'],
  ['pathScaleY', 'u8'],
  ['pathShearX', 'u8'],
  ['pathShearY', 'u8'],
  ['pathTwist', 'i8'],
  ['pathTwistBegin', 'i8'],
  ['pathRadiusOffset', 'i8'],
  ['pathTaperX', 'i8'],
  ['pathTaperY', 'i8'],
  ['pathRevolutions', 'u8'],
  ['pathSkew', 'i8'],
  ['profileBegin', 'u16'],
  ['profileEnd', 'u16'],
  ['profileHollow', 'u16'],
] as const satisfies ReadonlyArray<readonly [string, PrimShapeKind]>;

type Row = (typeof ROWS)[number];
/** A shape field's name (camelCase; the OpenSim field is the same name capitalized). */
export type PrimShapeKey = Row[0];
/** Field name → wire kind, with each field's literal kind (what `defineComponent` takes). */
export type PrimShapeKinds = { readonly [R in Row as R[0]]: R[1] };

/** One row of the table. */
export interface PrimShapeField {
  readonly name: PrimShapeKey;
  readonly kind: PrimShapeKind;
  /** Smallest and largest value the field carries. */
  readonly min: number;
  readonly max: number;
  /** The field's name in OpenSim's ObjectUpdate (PathCurve …). */
  readonly openSimName: Capitalize<PrimShapeKey>;
}

/** Every shape field in wire order. */
export const PRIM_SHAPE_FIELDS: readonly PrimShapeField[] = Object.freeze(
  ROWS.map(([name, kind]) =>
    Object.freeze({
      name,
      kind,
      ...PRIM_SHAPE_KIND_RANGE[kind],
      openSimName: `${name.charAt(0).toUpperCase()}${name.slice(1)}` as Capitalize<PrimShapeKey>,
    }),
  ),
);

/** The field names in wire order. */
export const PRIM_SHAPE_KEYS: readonly PrimShapeKey[] = Object.freeze(ROWS.map(([name]) => name));

/** Field name → wire kind in wire order: the ECS `Shape` component's field record. */
export const PRIM_SHAPE_KINDS: PrimShapeKinds = Object.freeze(
  Object.fromEntries(ROWS.map(([name, kind]) => [name, kind])) as PrimShapeKinds,
);

/** A record with one value per shape field, made field by field in wire order. */
function perField<T>(make: (f: PrimShapeField) => T): { [K in PrimShapeKey]: T } {
  return Object.fromEntries(PRIM_SHAPE_FIELDS.map((f) => [f.name, make(f)])) as { [K in PrimShapeKey]: T };
}

/**
 * Prim shape parameters in OpenSim wire units, exactly as ObjectUpdate carries them, so the OpenSim
 * source maps 1:1: pathCurve 16 line / 32 circle / 48 circle2 / 128 test; profileCurve low nibble
 * 0 circle / 1 square / 2 isometric triangle / 3 equilateral triangle / 4 right triangle / 5 half circle,
 * high nibble the hollow shape; begin/end/hollow in units of 1/50000; scale (taper) 0–200 as
 * 100 = none; shear, twist, taper, radius offset, skew as signed steps of 1/100.
 */
export const PrimShape = z.object(perField((f) => z.number().int().min(f.min).max(f.max)));
export type PrimShape = z.infer<typeof PrimShape>;

/** The shape fields of `source` (which may carry more), in wire order. */
export function pickPrimShape(source: Readonly<Record<PrimShapeKey, number>>): PrimShape {
  return perField((f) => source[f.name]);
}

/** A shape from OpenSim-named fields (an ObjectUpdate block: PathCurve …). */
export function primShapeFromOpenSim(source: Readonly<Record<Capitalize<PrimShapeKey>, number>>): PrimShape {
  return perField((f) => source[f.openSimName]);
}
