/**
 * The one layout module: turns component schemas into struct-of-arrays columns on SharedArrayBuffers,
 * and attaches views to them. The owner and every worker use it, so offsets and strides never disagree.
 */
import { allocateCommands, CommandBuffer, type CommandMemory } from './command-buffer';
import { EngineCode, ecsError } from './errors';
import {
  type ArrayOf,
  type ColumnArray,
  type ColumnKindName,
  type ComponentDef,
  type ComponentFields,
  kindName,
  kindShape,
  makeView,
} from './schema';

/** Default entity capacity (seed: a world of a million entities). */
export const DEFAULT_CAPACITY = 1_048_576;
/** Entity ids are 32 bits: the low INDEX_BITS are the slot index, the rest the generation. */
export const INDEX_BITS = 22;
/** Largest capacity an id can address (the all-ones index is kept free for NO_ENTITY). */
export const MAX_CAPACITY = (1 << INDEX_BITS) - 1;

/** One column: its element type and lanes per entity. */
export interface ColumnSpec {
  readonly key: string;
  readonly kind: ColumnKindName;
  readonly lanes: number;
  readonly bytesPerLane: number;
}

/** One field of a component in the layout. */
export interface FieldLayout {
  readonly name: string;
  readonly kind: string;
  readonly column: number;
  readonly lanes: number;
  /** Bytes this field takes in a serialized entity. */
  readonly bytes: number;
}

/** One component in the layout. */
export interface ComponentLayout {
  readonly id: number;
  readonly name: string;
  readonly fields: readonly FieldLayout[];
  /** -1 when the component does not track added ticks. */
  readonly addedColumn: number;
  /** -1 when the component does not track changes. */
  readonly changedColumn: number;
  /** Whether the owner logs its removals (for `removed` filters). */
  readonly trackRemovals: boolean;
  /** Bytes of all its fields in a serialized entity. */
  readonly bytes: number;
}

/** The whole layout: plain data, posted to workers as is. */
export interface WorldLayout {
  readonly capacity: number;
  readonly initialCapacity: number;
  readonly maskWords: number;
  readonly columns: readonly ColumnSpec[];
  readonly components: readonly ComponentLayout[];
  readonly generationColumn: number;
  readonly maskColumn: number;
  /** FNV-1a hash of the schema text: serialized bytes and attached workers must agree on it. */
  readonly hash: number;
}

/** Header slots (Int32Array over `header`). */
export const HEADER = { capacity: 0, tick: 1, alive: 2, hash: 3, words: 8 } as const;

/** The shared memory of a world: what a worker needs to attach. Structured-cloneable. */
export interface WorldMemory {
  readonly layout: WorldLayout;
  readonly header: SharedArrayBuffer;
  readonly columns: readonly SharedArrayBuffer[];
  readonly commands: CommandMemory;
}

/** 32-bit FNV-1a over a string's UTF-16 code units. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Computes the layout of a world holding `components`, up to `capacity` entities. */
export function computeLayout(
  components: readonly ComponentDef[],
  options: { capacity?: number; initialCapacity?: number } = {},
): WorldLayout {
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
    throw ecsError(EngineCode.InvalidConfig, `capacity ${capacity} must be an integer in 1..${MAX_CAPACITY}`);
  }
  const initialCapacity = Math.min(capacity, options.initialCapacity ?? capacity);
  if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
    throw ecsError(EngineCode.InvalidConfig, `initialCapacity ${initialCapacity} must be a positive integer`);
  }
  const names = new Set<string>();
  const maskWords = Math.max(1, Math.ceil(components.length / 32));
  const columns: ColumnSpec[] = [
    { key: '$generation', kind: 'u16', lanes: 1, bytesPerLane: 2 },
    { key: '$mask', kind: 'u32', lanes: maskWords, bytesPerLane: 4 },
  ];
  const out: ComponentLayout[] = [];
  let text = '';
  components.forEach((def, id) => {
    if (names.has(def.name)) throw ecsError(EngineCode.InvalidConfig, `component ${def.name} is declared twice`);
    names.add(def.name);
    const fields: FieldLayout[] = [];
    let bytes = 0;
    for (const [name, kind] of Object.entries(def.fields as ComponentFields)) {
      const shape = kindShape(kind);
      fields.push({
        name,
        kind: kindName(kind),
        column: columns.length,
        lanes: shape.lanes,
        bytes: shape.lanes * shape.bytesPerLane,
      });
      columns.push({ key: `${def.name}.${name}`, kind: shape.array, lanes: shape.lanes, bytesPerLane: shape.bytesPerLane });
      bytes += shape.lanes * shape.bytesPerLane;
    }
    let addedColumn = -1;
    if (def.trackAdded) {
      addedColumn = columns.length;
      columns.push({ key: `${def.name}.$added`, kind: 'u32', lanes: 1, bytesPerLane: 4 });
    }
    let changedColumn = -1;
    if (def.trackChanges) {
      changedColumn = columns.length;
      columns.push({ key: `${def.name}.$changed`, kind: 'u32', lanes: 1, bytesPerLane: 4 });
    }
    out.push({ id, name: def.name, fields, addedColumn, changedColumn, trackRemovals: def.trackRemovals === true, bytes });
    text += `${def.name}{${fields.map((f) => `${f.name}:${f.kind}`).join(',')}}`;
  });
  return {
    capacity,
    initialCapacity,
    maskWords,
    columns,
    components: out,
    generationColumn: 0,
    maskColumn: 1,
    hash: fnv1a(text),
  };
}

type GrowableCtor = new (length: number, options?: { maxByteLength: number }) => SharedArrayBuffer;
/** A growable SharedArrayBuffer, or a resizable ArrayBuffer (the single-worker fallback's stand-in). */
interface Growable {
  grow(byteLength: number): void;
  readonly growable: boolean;
  resize(byteLength: number): void;
  readonly resizable: boolean;
  readonly maxByteLength: number;
}

/** Grows `buffer` in place to `byteLength`; false when it cannot grow. */
function growBuffer(buffer: Partial<Growable>, byteLength: number): boolean {
  if (buffer.growable === true && typeof buffer.grow === 'function') buffer.grow(byteLength);
  else if (buffer.resizable === true && typeof buffer.resize === 'function') buffer.resize(byteLength);
  else return false;
  return true;
}

/** Whether this runtime can grow a SharedArrayBuffer in place (ES2024 `maxByteLength`). */
export function growableSupported(): boolean {
  try {
    const probe = new (SharedArrayBuffer as unknown as GrowableCtor)(8, { maxByteLength: 16 }) as unknown as Partial<Growable>;
    return growBuffer(probe, 16);
  } catch {
    return false;
  }
}

/**
 * Allocates the shared memory of a layout. Every column is allocated for the full capacity at once:
 * the OS maps zero pages and commits them on first touch, so untouched slots cost address space,
 * not memory. Views are then fixed-length over the whole column and never go stale (length-tracking
 * views over growable buffers would also stay valid, but measured 20x slower in hot loops on Node 20).
 * `initialCapacity` is the logical capacity (`viewCapacity`), which doubles as entities arrive and
 * bounds the slots that scans visit.
 */
export function allocateMemory(layout: WorldLayout, commandWords?: number): WorldMemory {
  const start = layout.initialCapacity;
  try {
    const columns = layout.columns.map((c) => new SharedArrayBuffer(layout.capacity * c.lanes * c.bytesPerLane));
    const header = new SharedArrayBuffer(HEADER.words * 4);
    const h = new Int32Array(header);
    h[HEADER.capacity] = start;
    h[HEADER.hash] = layout.hash | 0;
    return { layout, header, columns, commands: allocateCommands(commandWords) };
  } catch (cause) {
    throw ecsError(
      EngineCode.AllocFailed,
      `could not allocate ${layout.columns.length} columns for ${layout.capacity} entities (${String(cause)}); lower the capacity`,
    );
  }
}

/**
 * Raises the logical capacity to `capacity` entities (the columns already hold the full capacity).
 * Returns false past the layout's capacity.
 */
export function growMemory(memory: WorldMemory, capacity: number): boolean {
  if (capacity > memory.layout.capacity) return false;
  Atomics.store(new Int32Array(memory.header), HEADER.capacity, capacity);
  return true;
}

/**
 * Typed-array views over a world's columns. The owner's World and every worker's attached view are
 * this class, so a column is the same memory everywhere. Views are fixed-length (fast in V8) over the
 * whole capacity, so a view taken once stays valid for the world's life; `refresh()` only reads the
 * logical capacity (`viewCapacity`) the owner has reached.
 *
 * Component identity in a view: a view is usually attached in another thread, where the module that
 * declares the components was evaluated again, so its def objects are copies. A def matches a layout
 * component when its name, its field names and kinds (in order), `trackAdded` and `trackChanges` are identical;
 * otherwise `component()` throws SchemaMismatch. The match is cached per def object.
 */
export class WorldView {
  readonly layout: WorldLayout;
  readonly memory: WorldMemory;
  readonly header: Int32Array;
  /** Views by column index. */
  views: ColumnArray[] = [];
  /** Entity slots the views currently cover. */
  viewCapacity = 0;
  /** The structural command ring: how a non-owner thread asks for create/destroy/add/remove. */
  readonly commands: CommandBuffer;
  private readonly byName = new Map<string, ComponentLayout>();
  private readonly matched = new WeakMap<ComponentDef, ComponentLayout>();

  constructor(memory: WorldMemory) {
    this.memory = memory;
    this.layout = memory.layout;
    this.header = new Int32Array(memory.header);
    if ((this.header[HEADER.hash] ?? 0) !== (this.layout.hash | 0)) {
      throw ecsError(
        EngineCode.SchemaMismatch,
        'the shared header and the layout disagree on the schema hash; attach with the memory the owner posted',
      );
    }
    for (const c of this.layout.components) this.byName.set(c.name, c);
    this.commands = new CommandBuffer(memory.commands);
    const full = this.layout.capacity;
    this.views = this.layout.columns.map((spec, i) => {
      const buffer = this.memory.columns[i];
      if (!buffer) throw ecsError(EngineCode.SchemaMismatch, `column ${spec.key} has no buffer`);
      if (buffer.byteLength < full * spec.lanes * spec.bytesPerLane)
        throw ecsError(EngineCode.SchemaMismatch, `column ${spec.key} is smaller than the layout's capacity ${full}`);
      return makeView(spec.kind, buffer, full * spec.lanes);
    });
    this.refresh();
  }

  /** Reads the logical capacity the owner has reached (views themselves never change). */
  refresh(): void {
    this.viewCapacity = Atomics.load(this.header, HEADER.capacity);
  }

  /** The world tick (advanced by the owner once per frame). */
  get tick(): number {
    return Atomics.load(this.header, HEADER.tick);
  }

  /**
   * The layout of a component, by definition or name; throws MissingComponent when the world lacks it,
   * and SchemaMismatch when a def shares a name with a layout component but differs from it (see the
   * class comment; the owner World requires the very def object instead).
   */
  component(def: ComponentDef | string): ComponentLayout {
    if (typeof def === 'string') return this.byName.get(def) ?? missing(def);
    const hit = this.matched.get(def);
    if (hit) return hit;
    const found = this.byName.get(def.name) ?? missing(def.name);
    const why = mismatch(def, found);
    if (why)
      throw ecsError(
        EngineCode.SchemaMismatch,
        `component ${def.name} here differs from the world's (${why}); declare it once and import that definition on every thread`,
      );
    this.matched.set(def, found);
    return found;
  }

  /** The column of one field: index it by entity index × lanes (vec3: 3 lanes packed x,y,z). */
  column<F extends ComponentFields, K extends keyof F & string>(def: ComponentDef<F>, field: K): ArrayOf<F[K]> {
    const c = this.component(def);
    const f = c.fields.find((x) => x.name === field);
    if (!f) throw ecsError(EngineCode.MissingComponent, `component ${c.name} has no field ${field}`);
    return this.views[f.column] as ArrayOf<F[K]>;
  }

  /** Queues creation of an entity with these components (applied by the owner at its next sync point). */
  queueSpawn(...defs: ComponentDef[]): void {
    this.commands.spawn(defs.map((d) => this.component(d).id));
  }
  /** Queues destruction of an entity. */
  queueDestroy(id: number): void {
    this.commands.destroy(id);
  }
  /** Queues adding a component (zeroed) to an entity. */
  queueAdd(id: number, def: ComponentDef): void {
    this.commands.add(id, this.component(def).id);
  }
  /** Queues removing a component from an entity. */
  queueRemove(id: number, def: ComponentDef): void {
    this.commands.remove(id, this.component(def).id);
  }

  /** Whether the slot's mask has the component bit (no liveness check). */
  hasBit(index: number, componentId: number): boolean {
    const mask = this.views[this.layout.maskColumn] as Uint32Array;
    return ((mask[index * this.layout.maskWords + (componentId >>> 5)] ?? 0) & (1 << (componentId & 31))) !== 0;
  }
}

function missing(name: string): never {
  throw ecsError(
    EngineCode.MissingComponent,
    `component ${name} is not part of this world; list it in createWorld({ components })`,
  );
}

/** Why a def differs from a layout component (name equal): field names, kinds, order, trackAdded or trackChanges; '' when it matches. */
function mismatch(def: ComponentDef, c: ComponentLayout): string {
  const fields = Object.entries(def.fields as ComponentFields);
  if (fields.length !== c.fields.length) return `${fields.length} fields against ${c.fields.length}`;
  for (let k = 0; k < fields.length; k++) {
    const [name, kind] = fields[k] as [string, ComponentFields[string]];
    const f = c.fields[k] as FieldLayout;
    if (f.name !== name || f.kind !== kindName(kind))
      return `field ${k} is ${name}:${kindName(kind)} against ${f.name}:${f.kind}`;
  }
  if (def.trackChanges !== c.changedColumn >= 0) return `trackChanges ${def.trackChanges} against ${c.changedColumn >= 0}`;
  if ((def.trackAdded === true) !== c.addedColumn >= 0)
    return `trackAdded ${def.trackAdded === true} against ${c.addedColumn >= 0}`;
  return '';
}

/** Attaches to a world's shared memory (in a worker, from the object the owner posted). */
export function attachWorld(memory: WorldMemory): WorldView {
  return new WorldView(memory);
}
