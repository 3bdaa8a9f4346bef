/**
 * Checks of what the frame sends a host page before the SDK hands it to listeners: every event's data (`ready`,
 * `world`, `plugin`, `aiEnhanceComplete`, `select`), with size limits, no extra keys and a message naming the field.
 * No dependencies (a host page imports only this package), so the schemas are written out here; the shapes are
 * EmbedEvents' (web/embed-sdk/protocol.ts).
 */
import type { EmbedEvents, PluginStateName, SelectedObject, WireError } from './protocol';

/** Longest strings a `select` event may carry (characters): names, ids, the shape. */
export const SELECT_LIMITS = { name: 256, id: 64, shape: 32 } as const;

/** Longest strings and byte arrays the other events may carry. */
export const EVENT_LIMITS = {
  /** A place link (characters). */
  place: 2048,
  /** A reason or an error message (characters; the viewer cuts longer reasons to this). */
  message: 4096,
  /** A plugin name, a plugin error code, a string request id (characters). */
  name: 64,
  /** The enhanced image an `aiEnhanceComplete` may carry (bytes). */
  bytes: 64 * 1024 * 1024,
} as const;

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

const PLUGIN_STATES: readonly PluginStateName[] = ['loading', 'loaded', 'running', 'failed', 'terminated', 'refused'];
const WORLD_STATES: readonly EmbedEvents['world']['state'][] = ['idle', 'connecting', 'in-world', 'reconnecting', 'failed'];
const ENGINES: readonly EmbedEvents['ready']['engine'][] = ['shared-memory', 'single-worker'];

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === v);
  if (found === undefined) return refuse(path, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return found;
}

function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') return refuse(path, 'must be true or false');
  return v;
}

/** A field that may be left out: its check when present, nothing in the copy when absent. */
function optional<K extends string, T>(o: Map<string, unknown>, key: K, check: (v: unknown) => T): { [P in K]?: T } {
  return (o.has(key) && o.get(key) !== undefined ? { [key]: check(o.get(key)) } : {}) as { [P in K]?: T };
}

function wireError(v: unknown, path: string): WireError {
  const o = record(v, path, ['code', 'message']);
  const code = o.get('code');
  if (typeof code !== 'number' || !Number.isSafeInteger(code)) return refuse(`${path}.code`, 'must be a whole number');
  return { code, message: text(o.get('message'), `${path}.message`, EVENT_LIMITS.message) };
}

const checkers: { [E in keyof EmbedEvents]: (data: unknown) => EmbedEvents[E] } = {
  ready: (data) => {
    const o = record(data, 'data', ['version', 'crossOriginIsolated', 'engine', 'place']);
    return {
      version: wholeNumber(o.get('version'), 'data.version'),
      crossOriginIsolated: bool(o.get('crossOriginIsolated'), 'data.crossOriginIsolated'),
      engine: oneOf(o.get('engine'), 'data.engine', ENGINES),
      place: text(o.get('place'), 'data.place', EVENT_LIMITS.place),
    };
  },
  world: (data) => {
    const o = record(data, 'data', ['state', 'place', 'reason']);
    if (!o.has('place')) refuse('data.place', 'is missing (null for no place)');
    return {
      state: oneOf(o.get('state'), 'data.state', WORLD_STATES),
      place: textOrNull(o.get('place'), 'data.place', EVENT_LIMITS.place),
      ...optional(o, 'reason', (v) => text(v, 'data.reason', EVENT_LIMITS.message)),
    };
  },
  plugin: (data) => {
    const o = record(data, 'data', ['name', 'state', 'reason', 'code']);
    return {
      name: text(o.get('name'), 'data.name', EVENT_LIMITS.name, 1),
      state: oneOf(o.get('state'), 'data.state', PLUGIN_STATES),
      reason: text(o.get('reason'), 'data.reason', EVENT_LIMITS.message),
      ...optional(o, 'code', (v) => text(v, 'data.code', EVENT_LIMITS.name)),
    };
  },
  aiEnhanceComplete: (data) => {
    const o = record(data, 'data', ['id', 'ok', 'error', 'bytes']);
    const id = o.get('id');
    return {
      id: typeof id === 'number' ? finite(id, 'data.id') : text(id, 'data.id', EVENT_LIMITS.name, 1),
      ok: bool(o.get('ok'), 'data.ok'),
      ...optional(o, 'error', (v) => wireError(v, 'data.error')),
      ...optional(o, 'bytes', (v) => {
        if (!(v instanceof Uint8Array)) return refuse('data.bytes', 'must be a Uint8Array');
        if (v.byteLength > EVENT_LIMITS.bytes) refuse('data.bytes', `is over ${EVENT_LIMITS.bytes} bytes`);
        return v;
      }),
    };
  },
  select: (data) => {
    const d = record(data, 'data', ['object']);
    if (!d.has('object')) refuse('data.object', 'is missing (null for nothing picked)');
    const object = d.get('object');
    return { object: object === null ? null : selected(object, 'data.object') };
  },
};

/** Whether `name` is an event this SDK knows (others are not handed to listeners). */
export function isEmbedEvent(name: string): name is keyof EmbedEvents {
  return Object.hasOwn(checkers, name);
}

/**
 * Checks an event's data against its shape. Refused: a missing or extra field, a wrong type, a string or byte array
 * over its limit (SELECT_LIMITS, EVENT_LIMITS), a number that is not finite (or negative where a size or distance).
 * The message starts `embed-sdk: <event> event refused:` and names the field. Never throws.
 */
export function checkEvent<E extends keyof EmbedEvents>(event: E, data: unknown): Checked<EmbedEvents[E]> {
  try {
    return { ok: true, value: checkers[event](data) as EmbedEvents[E] };
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    return { ok: false, message: `embed-sdk: ${event} event refused: ${err.message}` };
  }
}

/** checkEvent('select', data). */
export const checkSelectEvent = (data: unknown): Checked<EmbedEvents['select']> => checkEvent('select', data);
