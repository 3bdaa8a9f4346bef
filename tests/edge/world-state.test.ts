import { describe, expect, it } from 'vitest';
import { createMemoryWorldStore } from '../../edge/adapters/memory-world-store';
import { PERMISSION } from '../../edge/auth/permissions';
import { emptySeed, plazaSeed, WORLD_BOUNDS } from '../../edge/world/seed';
import { PLAN_TTL_MS, WorldState } from '../../edge/world/world-state';
import type { OperationResult, WorldAction } from '../../shared/protocol';

const ALL = PERMISSION.join | PERMISSION.chat | PERMISSION.edit;

function world(seed = emptySeed()) {
  const clock = { now: 1_000_000 };
  const store = createMemoryWorldStore();
  const w = WorldState.create(store, 'test', WORLD_BOUNDS, seed, () => clock.now);
  if (!w) throw new Error('not created');
  return { w, store, clock };
}

function ok<T extends OperationResult['op']>(r: OperationResult, op: T): Extract<OperationResult, { op: T }> {
  if (r.op !== op) throw new Error(`expected ${op}, got ${JSON.stringify(r)}`);
  return r as Extract<OperationResult, { op: T }>;
}

function apply(w: WorldState, actor: string, actions: WorldAction[]) {
  const plan = ok(w.operate({ op: 'prepare', actions }, actor, ALL).result, 'prepare');
  return { plan, commit: ok(w.operate({ op: 'commit', planId: plan.planId }, actor, ALL).result, 'commit') };
}

describe('WorldState: World Tool Protocol v1', () => {
  it('what a commit creates is owned by the committing visitor, by name; edits by others leave the owner; no name, no owner', () => {
    const { w } = world();
    const plan = ok(
      w.operate({ op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'box', position: [10, 10, 21] }] }, 'ada', ALL)
        .result,
      'prepare',
    );
    const [box = 0] = ok(
      w.operate({ op: 'commit', planId: plan.planId }, 'ada', ALL, '  Ada Lovelace ').result,
      'commit',
    ).created;
    expect(w.entities.get(box)?.entity.owner).toEqual({ name: 'Ada Lovelace' });
    const rename = ok(
      w.operate(
        {
          op: 'prepare',
          actions: [
            { tool: 'set_name', entity: box, name: 'Crate' },
            { tool: 'clone_entity', entity: box },
          ],
        },
        'bob',
        ALL,
      ).result,
      'prepare',
    );
    const clone = ok(w.operate({ op: 'commit', planId: rename.planId }, 'bob', ALL, 'Bob').result, 'commit').created[0] ?? 0;
    expect(w.entities.get(box)?.entity.owner).toEqual({ name: 'Ada Lovelace' });
    expect(w.entities.get(clone)?.entity.owner).toEqual({ name: 'Bob' });
    const { commit } = apply(w, 'cy', [{ tool: 'create_primitive', shape: 'sphere', position: [12, 10, 21] }]);
    expect(w.entities.get(commit.created[0] ?? 0)?.entity.owner).toBeUndefined();
  });

  it('creates each kind of thing the v1 tools make, with server-assigned ids', () => {
    const { w } = world();
    const { commit } = apply(w, 'ada', [
      { tool: 'create_primitive', shape: 'box', position: [10, 10, 21] },
      { tool: 'create_primitive', shape: 'sphere', position: [12, 10, 21], color: [255, 0, 0, 255] },
      { tool: 'create_structure', structure: 'stairs', position: [20, 20, 20], size: 5 },
    ]);
    expect(commit.created).toHaveLength(7);
    expect(new Set(commit.created).size).toBe(7);
    const [box = 0, sphere = 0] = commit.created;
    const edits = apply(w, 'ada', [
      { tool: 'move_entity', entity: box, position: [11, 11, 22] },
      { tool: 'rotate_entity', entity: box, rotation: [0, 0, 1, 1] },
      { tool: 'scale_entity', entity: box, scale: [2, 2, 2] },
      { tool: 'set_name', entity: box, name: 'Crate' },
      { tool: 'set_description', entity: box, description: 'holds things' },
      { tool: 'set_color', entity: box, color: [0, 0, 255, 255], face: 2 },
      { tool: 'clone_entity', entity: sphere },
      { tool: 'delete_entity', entity: sphere },
    ]);
    expect(edits.commit.changed).toEqual([box]);
    expect(edits.commit.deleted).toEqual([sphere]);
    expect(edits.commit.created).toHaveLength(1);
    const e = w.entities.get(box)?.entity;
    expect(e).toMatchObject({ name: 'Crate', description: 'holds things', position: [11, 11, 22], scale: [2, 2, 2] });
    expect(e?.colors).toEqual([
      [255, 255, 255, 255],
      [255, 255, 255, 255],
      [0, 0, 255, 255],
    ]);
    expect(e?.rotation[2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(w.entities.get(edits.commit.created[0] ?? 0)?.shapeName).toBe('sphere');
    expect(w.entities.has(sphere)).toBe(false);
  });

  it('refuses edits of missing entities, avatars, and positions out of bounds at prepare', () => {
    const { w } = world();
    const code = (actions: WorldAction[]) => {
      const r = w.operate({ op: 'prepare', actions }, 'ada', ALL).result;
      return r.op === 'failed' ? r.code : r.op;
    };
    expect(code([{ tool: 'delete_entity', entity: 999 }])).toBe('world_entity_not_found');
    expect(code([{ tool: 'create_primitive', shape: 'box', position: [-5, 0, 0] }])).toBe('world_out_of_bounds');
    expect(code([{ tool: 'create_primitive', shape: 'box', position: [5, 5, 30] }])).toBe('prepare');
  });

  it('commit is idempotent: a repeat returns the original result and changes nothing', () => {
    const { w } = world();
    const { plan, commit } = apply(w, 'ada', [{ tool: 'create_primitive', shape: 'box', position: [10, 10, 21] }]);
    const size = w.entities.size;
    expect(w.operate({ op: 'commit', planId: plan.planId }, 'ada', ALL)).toEqual({ result: commit, changed: false });
    expect(w.entities.size).toBe(size);
  });

  it('a plan expires; committing it late rolls it back and says so, every time', () => {
    const { w, clock } = world();
    const plan = ok(
      w.operate({ op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'box', position: [1, 1, 21] }] }, 'ada', ALL)
        .result,
      'prepare',
    );
    expect(plan.expiresAt).toBe(clock.now + PLAN_TTL_MS);
    clock.now += PLAN_TTL_MS + 1;
    const late = ok(w.operate({ op: 'commit', planId: plan.planId }, 'ada', ALL).result, 'failed');
    expect(late.code).toBe('world_plan_expired');
    clock.now -= PLAN_TTL_MS;
    expect(w.operate({ op: 'commit', planId: plan.planId }, 'ada', ALL).result).toEqual(late);
  });

  it('only the author commits or undoes a plan; unknown plans are named', () => {
    const { w } = world();
    const plan = ok(
      w.operate({ op: 'prepare', actions: [{ tool: 'create_primitive', shape: 'box', position: [1, 1, 21] }] }, 'ada', ALL)
        .result,
      'prepare',
    );
    expect(ok(w.operate({ op: 'commit', planId: plan.planId }, 'bob', ALL).result, 'failed').code).toBe('world_plan_forbidden');
    expect(ok(w.operate({ op: 'commit', planId: 'plan_nope' }, 'ada', ALL).result, 'failed').code).toBe('world_plan_not_found');
    expect(ok(w.operate({ op: 'undo', planId: plan.planId }, 'ada', ALL).result, 'failed').code).toBe('world_undo_refused');
  });

  it('detects concurrent edits with version vectors, including a basis the client read earlier', () => {
    const { w } = world();
    const { commit } = apply(w, 'ada', [{ tool: 'create_primitive', shape: 'box', position: [10, 10, 21] }]);
    const id = commit.created[0] ?? 0;
    const seen = w.entities.get(id)?.version ?? {};
    expect(seen).toEqual({ ada: 1 });
    apply(w, 'ada', [{ tool: 'set_name', entity: id, name: 'mine' }]);
    // Bob prepares against what he saw before Ada's rename.
    const plan = ok(
      w.operate({ op: 'prepare', actions: [{ tool: 'set_name', entity: id, name: 'his' }], basis: { [id]: seen } }, 'bob', ALL)
        .result,
      'prepare',
    );
    const lost = ok(w.operate({ op: 'commit', planId: plan.planId }, 'bob', ALL).result, 'failed');
    expect(lost.code).toBe('world_conflict');
    expect(lost.conflicts).toEqual([{ entity: id, expected: { ada: 1 }, actual: { ada: 2 } }]);
    expect(w.entities.get(id)?.entity.name).toBe('mine');
  });

  it('undo restores deleted and edited entities, removes created ones, and is guarded', () => {
    const { w } = world(plazaSeed());
    const target = [...w.entities.values()][3]?.entity;
    if (!target) throw new Error('plaza has prims');
    const { plan, commit } = apply(w, 'ada', [
      { tool: 'move_entity', entity: target.id, position: [5, 5, 30] },
      { tool: 'create_primitive', shape: 'sphere', position: [6, 6, 30] },
    ]);
    const undo = ok(w.operate({ op: 'undo', planId: plan.planId }, 'ada', ALL).result, 'undo');
    expect(undo.restored).toEqual([target.id]);
    expect(undo.removed).toEqual(commit.created);
    expect(w.entities.get(target.id)?.entity.position).toEqual(target.position);
    expect(w.entities.get(target.id)?.version).toEqual({ world: 1, ada: 2 });

    const del = apply(w, 'ada', [{ tool: 'delete_entity', entity: target.id }]);
    ok(w.operate({ op: 'undo', planId: del.plan.planId }, 'ada', ALL).result, 'undo');
    expect(w.entities.get(target.id)?.entity.name).toBe(target.name);

    const moved = apply(w, 'ada', [{ tool: 'move_entity', entity: target.id, position: [7, 7, 30] }]);
    apply(w, 'bob', [{ tool: 'set_name', entity: target.id, name: 'bob was here' }]);
    const refused = ok(w.operate({ op: 'undo', planId: moved.plan.planId }, 'ada', ALL).result, 'failed');
    expect(refused.code).toBe('world_undo_conflict');
    expect(w.entities.get(target.id)?.entity.position).toEqual([7, 7, 30]);
  });

  it('journals every plan state, newest first, with paging', () => {
    const { w } = world();
    const a = apply(w, 'ada', [{ tool: 'create_primitive', shape: 'box', position: [10, 10, 21] }]);
    ok(w.operate({ op: 'undo', planId: a.plan.planId }, 'ada', ALL).result, 'undo');
    const all = ok(w.operate({ op: 'journal' }, 'ada', ALL).result, 'journal').entries;
    expect(all.map((e) => e.state)).toEqual(['undone', 'committed', 'prepared']);
    expect(all.every((e) => e.actor === 'ada' && e.planId === a.plan.planId)).toBe(true);
    const older = ok(w.operate({ op: 'journal', before: all[0]?.seq ?? 0, limit: 1 }, 'ada', ALL).result, 'journal').entries;
    expect(older.map((e) => e.state)).toEqual(['committed']);
  });

  it('refuses edits without the edit permission but allows inspect and journal', () => {
    const { w } = world(plazaSeed());
    const readOnly = PERMISSION.join;
    expect(w.operate({ op: 'prepare', actions: [{ tool: 'delete_entity', entity: 1 }] }, 'eve', readOnly).result).toMatchObject({
      op: 'failed',
      code: 'world_permission_denied',
    });
    const look = ok(w.operate({ op: 'inspect', center: [128, 128, 21], radius: 64 }, 'eve', readOnly).result, 'inspect');
    expect(look.entities.length).toBeGreaterThan(0);
    expect(look.entities.length).toBeLessThanOrEqual(64);
    expect(look.entities.every((e, i, all) => i === 0 || (all[i - 1]?.distance ?? 0) <= e.distance)).toBe(true);
  });

  it('reopens from its store with everything committed (a restart)', () => {
    const { w, store } = world();
    const { commit } = apply(w, 'ada', [{ tool: 'create_primitive', shape: 'box', position: [10, 10, 21], name: 'kept' }]);
    const again = WorldState.open(store);
    expect(again?.entities.get(commit.created[0] ?? 0)?.entity.name).toBe('kept');
    expect(again?.tick).toBeGreaterThan(w.tick - 1);
    const { commit: next } = apply(again ?? w, 'ada', [{ tool: 'create_primitive', shape: 'box', position: [11, 10, 21] }]);
    expect(next.created[0]).toBeGreaterThan(commit.created[0] ?? 0);
  });
});
