/**
 * One world's state and the World Tool Protocol v1 on it: inspect, prepare, commit (idempotent),
 * undo (guarded), journal. Prims are written to the WorldStore inside one transaction per commit, so
 * a commit is durable before its result is sent. Avatars live in memory only.
 */
import { z } from 'zod';
import {
  type Bounds,
  type Color,
  type Conflict,
  compareVersions,
  creationsOf,
  type Entity,
  type EntityInfo,
  incrementVersion,
  MAX_INSPECT_ENTITIES,
  MAX_JOURNAL_ENTRIES,
  MAX_NAME_BYTES,
  type OperationResult,
  type Quat,
  SHAPE_PRESETS,
  type ShapePreset,
  structureBlocks,
  utf8Length,
  Vec3,
  type VersionVector,
  type WorldAction,
  type WorldOperation,
} from '../../shared/protocol';
import type { WorldStore } from '../adapters/world-store';
import { hasPermission, PERMISSION } from '../auth/permissions';
import type { WorldSeed } from './seed';
import { type Heightfield, heightAt } from './terrain';
import type { StoredEntity, StoredPlan } from './types';

/** How long a prepared plan may be committed (ms). */
export const PLAN_TTL_MS = 5 * 60 * 1000;
/** How many deletions are remembered for deltas against older baselines. */
const TOMBSTONE_LIMIT = 4096;
/** Most prims one world holds. */
export const MAX_WORLD_PRIMS = 10_000;

const HeightfieldSchema = z.object({ side: z.number().int(), spacing: z.number(), heights: z.array(z.number()) });
const BoundsSchema = z.object({ min: Vec3, max: Vec3 });

type Failure = Extract<OperationResult, { op: 'failed' }>;
const fail = (code: string, message: string, conflicts?: Conflict[]): Failure =>
  conflicts ? { op: 'failed', code, message, conflicts } : { op: 'failed', code, message };

/** What a commit or undo changed, for the room to broadcast. */
export interface WorldChange {
  result: OperationResult;
  /** True when entities changed (a delta is due). */
  changed: boolean;
}

const WHITE: Color = [255, 255, 255, 255];
const IDENTITY: Quat = [0, 0, 0, 1];

function normalize(q: Quat): Quat {
  const l = Math.hypot(...q);
  return l > 1e-9 ? [q[0] / l, q[1] / l, q[2] / l, q[3] / l] : IDENTITY;
}

/** A world: entities, terrain, tick, plans and journal, over a WorldStore. */
export class WorldState {
  readonly entities = new Map<number, StoredEntity>();
  /** Deleted or departed entities: (id, tick), oldest first. */
  readonly tombstones: { id: number; tick: number }[] = [];
  tick: number;
  /** Deltas against a baseline below this tick cannot be built (history was lost); send a snapshot. */
  minBaseline: number;
  private nextId: number;
  /** The tick last written to the store. */
  private savedTick = -1;

  private constructor(
    private readonly store: WorldStore,
    readonly name: string,
    readonly bounds: Bounds,
    readonly spawn: Vec3,
    readonly terrain: Heightfield,
    private readonly now: () => number,
  ) {
    this.nextId = Number(store.getMeta('next_id') ?? '1');
    // Commits save their tick and the room saves movement ticks when it goes quiet (saveTick), which it
    // is before it can hibernate, so ticks do not go backwards across a hibernation or an orderly stop.
    // After a crash while avatars moved they can: clients then resume with a snapshot (see WorldRoom.join).
    this.tick = Number(store.getMeta('tick') ?? '0') + 1;
    this.minBaseline = this.tick;
    for (const e of store.loadEntities()) this.entities.set(e.entity.id, e);
  }

  /** Opens a world that exists in `store`, or null when none was created there. */
  static open(store: WorldStore, now: () => number = Date.now): WorldState | null {
    const name = store.getMeta('name');
    if (name === null) return null;
    const bounds = BoundsSchema.parse(JSON.parse(store.getMeta('bounds') ?? 'null'));
    const spawn = Vec3.parse(JSON.parse(store.getMeta('spawn') ?? 'null'));
    const terrain = HeightfieldSchema.parse(JSON.parse(store.getMeta('terrain') ?? 'null'));
    return new WorldState(store, name, bounds, spawn, terrain, now);
  }

  /** Creates a world in an empty store from a seed; refuses (returns null) when one exists. */
  static create(
    store: WorldStore,
    name: string,
    bounds: Bounds,
    seed: WorldSeed,
    now: () => number = Date.now,
  ): WorldState | null {
    if (store.getMeta('name') !== null) return null;
    store.transaction(() => {
      store.setMeta('name', name);
      store.setMeta('created_at', String(now()));
      store.setMeta('bounds', JSON.stringify(bounds));
      store.setMeta('spawn', JSON.stringify(seed.spawn));
      store.setMeta('terrain', JSON.stringify(seed.terrain));
      let id = 1;
      for (const p of seed.prims) {
        store.putEntity({
          entity: {
            id,
            kind: 'prim',
            parent: 0,
            name: p.name,
            description: '',
            position: p.position,
            rotation: p.rotation,
            scale: p.scale,
            velocity: [0, 0, 0],
            shape: SHAPE_PRESETS[p.shape],
            colors: [p.color],
            ...(p.physical ? { physical: true } : {}),
            ...(p.sound ? { sound: p.sound } : {}),
          },
          shapeName: p.shape,
          version: { world: 1 },
          createdTick: 1,
          transformTick: 1,
          appearanceTick: 1,
        });
        id++;
      }
      store.setMeta('next_id', String(id));
      store.setMeta('tick', '1');
    });
    return WorldState.open(store, now);
  }

  /** A new entity id (persisted, so ids are never reused). */
  allocateId(): number {
    const id = this.nextId++;
    this.store.setMeta('next_id', String(this.nextId));
    return id;
  }

  /** Advances the world tick (persisted with the next commit, or by saveTick). */
  advance(): number {
    this.tick = (this.tick + 1) >>> 0;
    return this.tick;
  }

  /** Saves the current tick when movement advanced it since the last save (the room calls this when it goes quiet). */
  saveTick(): void {
    if (this.savedTick === this.tick) return;
    this.store.setMeta('tick', String(this.tick));
    this.savedTick = this.tick;
  }

  /** Stores a prim as it stands now (a physical prim that came to rest), outside any plan. */
  persist(e: StoredEntity): void {
    this.store.putEntity(e);
  }

  /** Terrain height at (x, y). */
  groundAt(x: number, y: number): number {
    return heightAt(this.terrain, x, y);
  }

  /** Clamps a position into the world's bounds. */
  clamp(p: Vec3): Vec3 {
    const b = this.bounds;
    return [
      Math.min(b.max[0], Math.max(b.min[0], p[0])),
      Math.min(b.max[1], Math.max(b.min[1], p[1])),
      Math.min(b.max[2], Math.max(b.min[2], p[2])),
    ];
  }

  /** Records a removal so deltas can carry it. */
  tombstone(id: number): void {
    this.tombstones.push({ id, tick: this.tick });
    if (this.tombstones.length > TOMBSTONE_LIMIT) {
      const dropped = this.tombstones.shift();
      if (dropped) this.minBaseline = Math.max(this.minBaseline, dropped.tick);
    }
  }

  /**
   * Runs one World Tool Protocol operation for `actor` holding permission bits `perm`; `actorName` (the visitor's
   * display name) becomes the owner of what a commit creates.
   */
  operate(op: WorldOperation, actor: string, perm: number, actorName?: string): WorldChange {
    switch (op.op) {
      case 'inspect':
        return { result: this.inspect(op.center, op.radius, op.limit ?? MAX_INSPECT_ENTITIES), changed: false };
      case 'journal':
        return {
          result: { op: 'journal', entries: this.store.listJournal(op.limit ?? MAX_JOURNAL_ENTRIES, op.before) },
          changed: false,
        };
      case 'prepare':
        if (!hasPermission(perm, PERMISSION.edit)) return { result: this.denied(), changed: false };
        if (op.actions.some((a) => a.tool === 'create_model') && !hasPermission(perm, PERMISSION.create))
          return {
            result: fail(
              'world_permission_denied',
              'world: placing a model needs the create permission; ask for a token with it',
            ),
            changed: false,
          };
        return { result: this.prepare(op.actions, op.basis ?? {}, actor), changed: false };
      case 'commit':
        if (!hasPermission(perm, PERMISSION.edit)) return { result: this.denied(), changed: false };
        return this.commit(op.planId, actor, actorName);
      case 'undo':
        if (!hasPermission(perm, PERMISSION.edit)) return { result: this.denied(), changed: false };
        return this.undo(op.planId, actor);
    }
  }

  private denied(): Failure {
    return fail('world_permission_denied', 'world: your token does not allow editing; ask for a token with the edit permission');
  }

  /** Entities within `radius` of `center`, nearest first, at most `limit`. */
  inspect(center: Vec3, radius: number, limit: number): OperationResult {
    const found: EntityInfo[] = [];
    for (const e of this.entities.values()) {
      const p = e.entity.position;
      const distance = Math.hypot(p[0] - center[0], p[1] - center[1], p[2] - center[2]);
      if (distance > radius) continue;
      found.push({
        id: e.entity.id,
        kind: e.entity.kind,
        name: e.entity.name,
        description: e.entity.description,
        shape: e.shapeName,
        position: p,
        rotation: e.entity.rotation,
        scale: e.entity.scale,
        colors: e.entity.colors,
        version: e.version,
        distance,
      });
    }
    found.sort((a, b) => a.distance - b.distance || a.id - b.id);
    return { op: 'inspect', entities: found.slice(0, limit), truncated: found.length > limit };
  }

  /** The entity an action targets, if it names one. */
  private static target(a: WorldAction): number | null {
    return 'entity' in a ? a.entity : null;
  }

  /** Checks a plan against the world now; returns a failure or null. */
  private validate(actions: WorldAction[]): Failure | null {
    let creations = 0;
    for (const a of actions) {
      const id = WorldState.target(a);
      if (id !== null) {
        const e = this.entities.get(id);
        if (!e) return fail('world_entity_not_found', `world: entity ${id} does not exist; inspect to find current ids`);
        if (e.entity.kind !== 'prim')
          return fail('world_entity_not_editable', `world: entity ${id} is an avatar; only prims can be edited`);
      }
      if ('position' in a && a.position !== undefined) {
        const p = a.position;
        const b = this.bounds;
        for (let i = 0; i < 3; i++) {
          if ((p[i] ?? 0) < (b.min[i] ?? 0) || (p[i] ?? 0) > (b.max[i] ?? 0)) {
            return fail(
              'world_out_of_bounds',
              `world: position ${JSON.stringify(p)} lies outside the world bounds ${JSON.stringify(b)}`,
            );
          }
        }
      }
      creations += creationsOf(a);
    }
    let prims = 0;
    for (const e of this.entities.values()) if (e.entity.kind === 'prim') prims++;
    if (prims + creations > MAX_WORLD_PRIMS)
      return fail('world_full', `world: the world holds ${prims} prims, the limit is ${MAX_WORLD_PRIMS}`);
    return null;
  }

  /** Prepares an immutable plan: validated now, committed later by its id before it expires. */
  prepare(actions: WorldAction[], clientBasis: Record<string, VersionVector>, actor: string): OperationResult {
    const invalid = this.validate(actions);
    if (invalid) return invalid;
    const basis: Record<string, VersionVector> = {};
    for (const a of actions) {
      const id = WorldState.target(a);
      if (id === null) continue;
      basis[String(id)] = clientBasis[String(id)] ?? this.entities.get(id)?.version ?? {};
    }
    const now = this.now();
    const plan: StoredPlan = {
      id: `plan_${[...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
      actor,
      createdAt: now,
      expiresAt: now + PLAN_TTL_MS,
      actions,
      basis,
      state: 'prepared',
    };
    this.store.transaction(() => {
      this.store.putPlan(plan);
      this.store.appendJournal({
        planId: plan.id,
        state: 'prepared',
        actor,
        at: now,
        actions,
        entities: Object.keys(basis).map(Number),
      });
    });
    return { op: 'prepare', planId: plan.id, expiresAt: plan.expiresAt, actions, basis };
  }

  /** Commits a plan. Repeating a commit returns the first answer; conflicts are reported, not applied. */
  commit(planId: string, actor: string, actorName?: string): WorldChange {
    const plan = this.store.getPlan(planId);
    if (!plan) return { result: fail('world_plan_not_found', `world: no plan ${planId}; prepare one first`), changed: false };
    if (plan.actor !== actor) {
      return {
        result: fail('world_plan_forbidden', `world: plan ${planId} belongs to another visitor; prepare your own`),
        changed: false,
      };
    }
    if (plan.result) return { result: plan.result, changed: false };
    const now = this.now();
    const rollBack = (result: Failure): WorldChange => {
      this.store.transaction(() => {
        this.store.putPlan({ ...plan, state: 'rolled_back', result });
        this.store.appendJournal({
          planId,
          state: 'rolled_back',
          actor,
          at: now,
          actions: plan.actions,
          entities: Object.keys(plan.basis).map(Number),
        });
      });
      return { result, changed: false };
    };
    if (now > plan.expiresAt)
      return rollBack(
        fail(
          'world_plan_expired',
          `world: plan ${planId} expired at ${new Date(plan.expiresAt).toISOString()}; prepare it again`,
        ),
      );
    const conflicts: Conflict[] = [];
    for (const [key, expected] of Object.entries(plan.basis)) {
      const current = this.entities.get(Number(key));
      const actual = current?.version ?? {};
      if (!current || compareVersions(actual, expected) !== 'equal') conflicts.push({ entity: Number(key), expected, actual });
    }
    if (conflicts.length > 0) {
      return rollBack(
        fail(
          'world_conflict',
          `world: ${conflicts.length} entit${conflicts.length === 1 ? 'y was' : 'ies were'} changed by someone else since the plan was prepared; inspect again and prepare a new plan`,
          conflicts,
        ),
      );
    }
    const invalid = this.validate(plan.actions);
    if (invalid) return rollBack(invalid);

    const tick = this.advance();
    const before = new Map<number, StoredEntity | null>();
    const working = new Map<number, StoredEntity | null>();
    const get = (id: number): StoredEntity | null => {
      if (working.has(id)) return working.get(id) ?? null;
      const e = this.entities.get(id) ?? null;
      if (!before.has(id)) before.set(id, e ? structuredClone(e) : null);
      const copy = e ? structuredClone(e) : null;
      working.set(id, copy);
      return copy;
    };
    const created: number[] = [];
    let owner = actorName?.trim() ?? '';
    while (utf8Length(owner) > MAX_NAME_BYTES) owner = owner.slice(0, -1);
    const spawn = (shape: ShapePreset, name: string, position: Vec3, rotation: Quat, scale: Vec3, color: Color): StoredEntity => {
      const id = this.allocateId();
      const e: StoredEntity = {
        entity: {
          id,
          kind: 'prim',
          parent: 0,
          name,
          description: '',
          position: this.clamp(position),
          rotation: normalize(rotation),
          scale,
          velocity: [0, 0, 0],
          shape: SHAPE_PRESETS[shape],
          colors: [color],
          // Who made it (world:select and the embed's select event show it); a name past the wire's limit is cut.
          ...(owner ? { owner: { name: owner } } : {}),
        },
        shapeName: shape,
        version: {},
        createdTick: tick,
        transformTick: tick,
        appearanceTick: tick,
      };
      before.set(id, null);
      working.set(id, e);
      created.push(id);
      return e;
    };
    const edit = (id: number, group: 'transform' | 'appearance', fn: (e: Entity) => void): void => {
      const e = get(id);
      if (!e) return;
      fn(e.entity);
      if (group === 'transform') e.transformTick = tick;
      else e.appearanceTick = tick;
    };

    for (const a of plan.actions) {
      switch (a.tool) {
        case 'move_entity':
          edit(a.entity, 'transform', (e) => {
            e.position = this.clamp(a.position);
          });
          break;
        case 'rotate_entity':
          edit(a.entity, 'transform', (e) => {
            e.rotation = normalize(a.rotation);
          });
          break;
        case 'scale_entity':
          edit(a.entity, 'appearance', (e) => {
            e.scale = a.scale;
          });
          break;
        case 'set_name':
          edit(a.entity, 'appearance', (e) => {
            e.name = a.name;
          });
          break;
        case 'set_description':
          edit(a.entity, 'appearance', (e) => {
            e.description = a.description;
          });
          break;
        case 'set_color':
          edit(a.entity, 'appearance', (e) => {
            if (a.face === undefined) {
              e.colors = [a.color];
              return;
            }
            const base = e.colors[0] ?? WHITE;
            const colors = [...e.colors];
            while (colors.length <= a.face) colors.push(base);
            colors[a.face] = a.color;
            e.colors = colors;
          });
          break;
        case 'create_primitive': {
          const scale = a.scale ?? [1, 1, 1];
          const e = spawn(
            a.shape,
            a.name ?? (a.shape === 'box' ? 'Box' : 'Sphere'),
            a.position,
            a.rotation ?? IDENTITY,
            scale,
            a.color ?? WHITE,
          );
          if (a.physical) e.entity.physical = true;
          break;
        }

        case 'create_model': {
          const e = spawn('box', a.name ?? 'Model', a.position, a.rotation ?? IDENTITY, a.scale ?? [1, 1, 1], a.color ?? WHITE);
          e.entity.model = a.model;
          e.shapeName = 'model';
          break;
        }
        case 'clone_entity': {
          // Read the source without marking it touched: cloning does not change it.
          const src = working.has(a.entity) ? working.get(a.entity) : this.entities.get(a.entity);
          if (!src) break;
          const p = src.entity.position;
          const clone = spawn(
            'box',
            src.entity.name,
            a.position ?? [p[0] + 1, p[1], p[2]],
            src.entity.rotation,
            src.entity.scale,
            src.entity.colors[0] ?? WHITE,
          );
          clone.entity.shape = src.entity.shape;
          clone.entity.colors = [...src.entity.colors];
          clone.entity.description = src.entity.description;
          if (src.entity.physical) clone.entity.physical = true;
          if (src.entity.model) clone.entity.model = src.entity.model;
          clone.shapeName = src.shapeName;
          break;
        }
        case 'delete_entity':
          if (get(a.entity)) working.set(a.entity, null);
          break;
        case 'create_structure':
          this.structure(a, spawn);
          break;
      }
    }

    const changed: number[] = [];
    const deleted: number[] = [];
    const versions: Record<string, VersionVector> = {};
    const after: Record<string, VersionVector | null> = {};
    for (const [id, e] of working) {
      if (e === null) {
        if (before.get(id)) deleted.push(id);
        after[String(id)] = null;
        continue;
      }
      e.version = incrementVersion(e.version, actor);
      versions[String(id)] = e.version;
      after[String(id)] = e.version;
      if (!created.includes(id)) changed.push(id);
    }
    const journalEntities = [...working.keys()];
    const result: OperationResult = {
      op: 'commit',
      planId,
      journalSeq: 0,
      actor,
      committedAt: now,
      created,
      changed,
      deleted,
      versions,
    };
    this.store.transaction(() => {
      for (const [id, e] of working) {
        if (e === null) this.store.deleteEntity(id);
        else this.store.putEntity(e);
      }
      result.journalSeq = this.store.appendJournal({
        planId,
        state: 'committed',
        actor,
        at: now,
        actions: plan.actions,
        entities: journalEntities,
      });
      this.store.putPlan({
        ...plan,
        state: 'committed',
        result,
        before: [...before].map(([id, entity]) => ({ id, entity })),
        after,
      });
      this.store.setMeta('tick', String(tick));
    });
    // Durable: now apply to memory.
    for (const [id, e] of working) {
      if (e === null) {
        if (this.entities.delete(id)) this.tombstone(id);
      } else this.entities.set(id, e);
    }
    return { result, changed: true };
  }

  /** Lays out a wall, stairs or a tower of boxes (shared/protocol structureBlocks: the viewer's preview uses it too). */
  private structure(
    a: Extract<WorldAction, { tool: 'create_structure' }>,
    spawn: (shape: ShapePreset, name: string, position: Vec3, rotation: Quat, scale: Vec3, color: Color) => StoredEntity,
  ): void {
    for (const b of structureBlocks(a)) spawn('box', b.name, b.position, IDENTITY, b.scale, b.color);
  }

  /** Undoes a committed plan, unless anything it touched changed since (then nothing is undone). */
  undo(planId: string, actor: string): WorldChange {
    const plan = this.store.getPlan(planId);
    if (!plan) return { result: fail('world_plan_not_found', `world: no plan ${planId}`), changed: false };
    if (plan.actor !== actor) {
      return {
        result: fail('world_plan_forbidden', `world: plan ${planId} belongs to another visitor; only its author can undo it`),
        changed: false,
      };
    }
    if (plan.state === 'undone' && plan.undoResult) return { result: plan.undoResult, changed: false };
    if (plan.state !== 'committed' || !plan.after || !plan.before) {
      return {
        result: fail('world_undo_refused', `world: plan ${planId} is ${plan.state}; only a committed plan can be undone`),
        changed: false,
      };
    }
    const conflicts: Conflict[] = [];
    for (const [key, expected] of Object.entries(plan.after)) {
      const current = this.entities.get(Number(key));
      if (expected === null) {
        if (current) conflicts.push({ entity: Number(key), expected: {}, actual: current.version });
      } else if (!current || compareVersions(current.version, expected) !== 'equal') {
        conflicts.push({ entity: Number(key), expected, actual: current?.version ?? {} });
      }
    }
    if (conflicts.length > 0) {
      return {
        result: fail(
          'world_undo_conflict',
          `world: ${conflicts.length} entit${conflicts.length === 1 ? 'y has' : 'ies have'} changed since plan ${planId}; undo would overwrite that, so nothing was undone`,
          conflicts,
        ),
        changed: false,
      };
    }
    const tick = this.advance();
    const now = this.now();
    const restored: number[] = [];
    const removed: number[] = [];
    const writes: [number, StoredEntity | null][] = [];
    for (const { id, entity } of plan.before) {
      const current = this.entities.get(id);
      if (entity === null) {
        if (current) {
          writes.push([id, null]);
          removed.push(id);
        }
        continue;
      }
      const version = incrementVersion(current ? current.version : entity.version, actor);
      writes.push([
        id,
        {
          ...entity,
          version,
          createdTick: current ? current.createdTick : tick,
          transformTick: tick,
          appearanceTick: tick,
        },
      ]);
      restored.push(id);
    }
    const result: OperationResult = { op: 'undo', planId, journalSeq: 0, restored, removed };
    this.store.transaction(() => {
      for (const [id, e] of writes) {
        if (e === null) this.store.deleteEntity(id);
        else this.store.putEntity(e);
      }
      result.journalSeq = this.store.appendJournal({
        planId,
        state: 'undone',
        actor,
        at: now,
        actions: plan.actions,
        entities: writes.map(([id]) => id),
      });
      this.store.putPlan({ ...plan, state: 'undone', undoResult: result });
      this.store.setMeta('tick', String(tick));
    });
    for (const [id, e] of writes) {
      if (e === null) {
        if (this.entities.delete(id)) this.tombstone(id);
      } else this.entities.set(id, e);
    }
    return { result, changed: true };
  }
}
