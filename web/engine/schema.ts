/** Component schemas: a component is declared once by its fields; the layout module turns that into columns. */
import { EngineCode, ecsError } from './errors';

/** Scalar field kinds, each stored as one typed-array column. */
export type ScalarKind = 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32';
/** A field kind: a scalar, a packed vector (vec3 = 3 f32 lanes, quat = 4 f32 lanes), an entity reference, or fixed bytes. */
export type FieldKind = ScalarKind | 'vec3' | 'quat' | 'entity' | { bytes: number };

/** The typed-array constructors a column can use. */
export type ColumnArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

/** Field name → kind, in declaration order (the order is the serialized order). */
export type ComponentFields = Readonly<Record<string, FieldKind>>;

/** The typed array a field's column is, by kind. */
export type ArrayOf<K extends FieldKind> = K extends 'f32' | 'vec3' | 'quat'
  ? Float32Array
  : K extends 'f64'
    ? Float64Array
    : K extends 'i8'
      ? Int8Array
      : K extends 'u8'
        ? Uint8Array
        : K extends 'i16'
          ? Int16Array
          : K extends 'u16'
            ? Uint16Array
            : K extends 'i32'
              ? Int32Array
              : K extends 'u32' | 'entity'
                ? Uint32Array
                : Uint8Array;

/**
 * A declared component. A world knows a component by this object (its identity), not by its name.
 * `trackAdded` gives it a per-entity added-tick column (needed by `added` filters); `trackChanges` a
 * change-tick column (needed by `changed` filters);
 * `trackRemovals` makes the owner world log its removals (needed by `removed` filters).
 */
export interface ComponentDef<F extends ComponentFields = ComponentFields> {
  readonly name: string;
  readonly fields: F;
  readonly trackChanges: boolean;
  /** Default false: no added ticks are kept and `added` filters on it are refused. */
  readonly trackAdded?: boolean;
  /** Default false: removals are not logged and `removed` filters on it are refused. */
  readonly trackRemovals?: boolean;
  /** @internal The id this def has in the world that used it last (see World). */
  readonly [DEF_SLOT]?: DefSlot;
}

/** @internal Key of the per-def id cache (not exported from the barrel). */
export const DEF_SLOT: unique symbol = Symbol('ecs.def');
/** @internal A def's id in the last world that looked it up: one property load on hot paths. */
export interface DefSlot {
  owner: object | null;
  id: number;
}

/** Options of `defineComponent`. */
export interface ComponentOptions {
  /** Keep the tick at which each entity gained it (needed by `added` filters). Default false. */
  readonly trackAdded?: boolean;
  /** Keep a change tick per entity (needed by `changed` filters). Default false. */
  readonly trackChanges?: boolean;
  /** Log removals on the owner world (needed by `removed` filters). Default false. */
  readonly trackRemovals?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Declares a component. Names must be identifiers; a world rejects two components with one name and
 * knows a component by the object returned here (declare each component once, in a module, and share it).
 */
export function defineComponent<F extends ComponentFields>(
  name: string,
  fields: F,
  options: ComponentOptions = {},
): ComponentDef<F> {
  if (!NAME.test(name)) throw ecsError(EngineCode.InvalidConfig, `component name "${name}" must be an identifier`);
  for (const [field, kind] of Object.entries(fields)) {
    if (!NAME.test(field)) throw ecsError(EngineCode.InvalidConfig, `${name}.${field}: field name must be an identifier`);
    if (typeof kind === 'object' && (!Number.isInteger(kind.bytes) || kind.bytes < 1 || kind.bytes > 65_535)) {
      throw ecsError(EngineCode.InvalidConfig, `${name}.${field}: bytes length must be an integer in 1..65535`);
    }
  }
  // The def is frozen; its id cache is a separate mutable object.
  const slot: DefSlot = { owner: null, id: -1 };
  return Object.freeze({
    name,
    fields: Object.freeze({ ...fields }),
    trackChanges: options.trackChanges ?? false,
    trackAdded: options.trackAdded ?? false,
    trackRemovals: options.trackRemovals ?? false,
    [DEF_SLOT]: slot,
  });
}

/** Lanes per entity and bytes per lane of a field kind. */
export function kindShape(kind: FieldKind): { lanes: number; bytesPerLane: number; array: ColumnKindName } {
  if (typeof kind === 'object') return { lanes: kind.bytes, bytesPerLane: 1, array: 'u8' };
  switch (kind) {
    case 'vec3':
      return { lanes: 3, bytesPerLane: 4, array: 'f32' };
    case 'quat':
      return { lanes: 4, bytesPerLane: 4, array: 'f32' };
    case 'entity':
      return { lanes: 1, bytesPerLane: 4, array: 'u32' };
    case 'f64':
      return { lanes: 1, bytesPerLane: 8, array: 'f64' };
    case 'i8':
    case 'u8':
      return { lanes: 1, bytesPerLane: 1, array: kind };
    case 'i16':
    case 'u16':
      return { lanes: 1, bytesPerLane: 2, array: kind };
    default:
      return { lanes: 1, bytesPerLane: 4, array: kind };
  }
}

/** The element type name of a column. */
export type ColumnKindName = ScalarKind;

/** Makes a view of `length` elements of the given element type over a shared buffer. */
export function makeView(kind: ColumnKindName, buffer: SharedArrayBuffer, length: number): ColumnArray {
  switch (kind) {
    case 'f32':
      return new Float32Array(buffer, 0, length);
    case 'f64':
      return new Float64Array(buffer, 0, length);
    case 'i8':
      return new Int8Array(buffer, 0, length);
    case 'u8':
      return new Uint8Array(buffer, 0, length);
    case 'i16':
      return new Int16Array(buffer, 0, length);
    case 'u16':
      return new Uint16Array(buffer, 0, length);
    case 'i32':
      return new Int32Array(buffer, 0, length);
    case 'u32':
      return new Uint32Array(buffer, 0, length);
  }
}

/** A stable text form of a field kind (for layout hashes and messages). */
export function kindName(kind: FieldKind): string {
  return typeof kind === 'object' ? `bytes${kind.bytes}` : kind;
}
