/**
 * Checks of what the frame sends a host page before the SDK hands it to listeners: the `select` event's data, with
 * size limits, no extra keys and a message naming the field. No dependencies (a host page imports only this package),
 * so the schema is written out here; the shape is SelectedObject's (web/embed-sdk/protocol.ts).
 */
import type { EmbedEvents, SelectedObject } from './protocol';

/** Longest strings a `select` event may carry (characters): names, ids, the shape. */
export const SELECT_LIMITS = { name: 256, id: 64, shape: 32 } as const;

/** A check's outcome: the value (a fresh copy of the known fields) or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

class Refused extends Error {}

const refuse = (path: string, what: string): never => {
  throw new Refused(`${path} ${what}`);
};

/** An object's own fields (a copy: no getters run twice), refused when it has one not in `keys`. */
function record(v: unknown, path: string, keys: readonly string[]): Map<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return refuse(path, 'must be an object');
  const fields = new Map<string, unknown>(Object.entries(v));
  for (const k of fields.keys()) if (!keys.includes(k)) refuse(`${path}.${k.slice(0, 32)}`, 'is not a field of it');
  return fields;
}

function text(v: unknown, path: string, max: number, min = 0): string {
  if (typeof v !== 'string') return refuse(path, 'must be a string');
  if (v.length > max) refuse(path, `is over ${max} characters`);
  if (v.length < min) refuse(path, `must have at least ${min} character`);
  return v;
}

const textOrNull = (v: unknown, path: string, max: number): string | null => (v === null ? null : text(v, path, max));

function finite(v: unknown, path: string, least = Number.NEGATIVE_INFINITY): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) return refuse(path, 'must be a finite number');
  if (v < least) refuse(path, `must be at least ${least}`);
  return v;
}

function vec3(v: unknown, path: string, least?: number): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3) return refuse(path, 'must be 3 numbers');
  return [finite(v[0], `${path}.0`, least), finite(v[1], `${path}.1`, least), finite(v[2], `${path}.2`, least)];
}

const SELECTED_KEYS = ['id', 'kind', 'name', 'owner', 'ownerName', 'shape', 'uuid', 'position', 'scale', 'distance'];

function wholeNumber(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return refuse(path, 'must be a whole number ≥ 0');
  return v;
}

function kind(v: unknown, path: string): SelectedObject['kind'] {
  if (v !== 'prim' && v !== 'avatar') return refuse(path, "must be 'prim' or 'avatar'");
  return v;
}

function selected(v: unknown, path: string): SelectedObject {
  const o = record(v, path, SELECTED_KEYS);
  const at = (key: string) => `${path}.${key}`;
  return {
    id: wholeNumber(o.get('id'), at('id')),
    kind: kind(o.get('kind'), at('kind')),
    name: text(o.get('name'), at('name'), SELECT_LIMITS.name),
    owner: textOrNull(o.get('owner'), at('owner'), SELECT_LIMITS.id),
    ownerName: textOrNull(o.get('ownerName'), at('ownerName'), SELECT_LIMITS.name),
    shape: text(o.get('shape'), at('shape'), SELECT_LIMITS.shape, 1),
    uuid: textOrNull(o.get('uuid'), at('uuid'), SELECT_LIMITS.id),
    position: vec3(o.get('position'), at('position')),
    scale: vec3(o.get('scale'), at('scale'), 0),
    distance: finite(o.get('distance'), at('distance'), 0),
  };
}

/**
 * Checks a `select` event's data: `{object}` with a SelectedObject or null. Refused: a missing or extra field, a
 * wrong type, a string over SELECT_LIMITS, a number that is not finite (or negative where a size or distance). The
 * message starts `embed-sdk: select event refused:` and names the field.
 */
export function checkSelectEvent(data: unknown): Checked<EmbedEvents['select']> {
  try {
    const d = record(data, 'data', ['object']);
    if (!d.has('object')) refuse('data.object', 'is missing (null for nothing picked)');
    const object = d.get('object');
    return { ok: true, value: { object: object === null ? null : selected(object, 'data.object') } };
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { ok: false, message: `embed-sdk: select event refused: ${err.message}` };
  }
}
