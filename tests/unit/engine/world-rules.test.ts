import { describe, expect, it, vi } from 'vitest';
import { EngineCode } from '../../../web/engine/errors';
import { attachWorld } from '../../../web/engine/layout';
import { has, not } from '../../../web/engine/query';
import { createScheduler } from '../../../web/engine/schedule';
import { defineComponent } from '../../../web/engine/schema';
import { createWorld } from '../../../web/engine/world';
import { codeOf } from './engine-code';
import { ALL, Health, Position, Tag, Velocity } from './fixtures';

function worldOf(n: number, capacity = 64) {
  const w = createWorld({ components: ALL, capacity });
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(w.create(Position, Tag));
  return { w, ids, q: w.query({ all: [Position, Tag] }) };
}

describe('ids and slots', () => {
  it('gives the ids of a query result through ids(q) and idAt(slot)', () => {
    const { w, ids, q } = worldOf(5);
    w.destroy(ids[1] ?? 0);
    expect([...w.ids(q)].sort()).toEqual([ids[0], ids[2], ids[3], ids[4]].sort());
    for (const slot of q.entities()) expect(w.isAlive(w.idAt(slot))).toBe(true);
  });
});

describe('structural changes while iterating a query', () => {
  it('skip entities when destroying while walking entities() forwards (the documented hazard)', () => {
    const { w, q } = worldOf(10);
    for (let k = 0; k < q.count; k++) w.destroy(w.idAt(q.entities()[k] as number));
    expect(q.count).toBe(5);
  });

  it('reach every entity when destroying while walking entities() backwards', () => {
    const { w, q } = worldOf(10);
    const slots = q.entities();
    for (let k = slots.length - 1; k >= 0; k--) w.destroy(w.idAt(slots[k] as number));
    expect(q.count).toBe(0);
    expect(w.size).toBe(0);
  });

  it('reach every entity when changing them while walking a snapshot of ids', () => {
    const { w, q } = worldOf(10);
    for (const id of w.ids(q)) w.remove(id, Tag);
    expect(q.count).toBe(0);
  });

  it('are deferred to the sync point through queue*, which the scheduler applies after each stage', () => {
    const { w, q } = worldOf(10);
    const s = createScheduler(w);
    let seen = -1;
    s.add({
      name: 'reap',
      run: ({ world }) => {
        for (const slot of q.entities()) world.queueDestroy(world.idAt(slot));
        seen = q.count;
      },
    });
    s.frame(1 / 60);
    expect(seen).toBe(10);
    expect(q.count).toBe(0);
    expect(s.commandErrors).toEqual([]);
  });
});

describe('query lifetime', () => {
  it('rebuilds a held query that was evicted when it is used again', () => {
    const w = createWorld({ components: ALL, capacity: 16, maxCachedQueries: 1 });
    const held = w.query({ all: [Position] });
    w.query({ all: [Velocity] });
    expect(held.evicted).toBe(true);
    const e = w.create(Position);
    expect(held.count).toBe(1);
    expect(w.query({ all: [Position] }).count).toBe(1);
    expect(Array.from(held.entities())).toEqual([w.indexOf(e)]);
    expect(held.evicted).toBe(false);
    // Revived, it is maintained again.
    w.create(Position);
    expect(held.count).toBe(2);
  });
});

describe('component identity', () => {
  const Impostor = defineComponent('Position', { value: 'vec3' });

  it('refuses on the owner a def that shares a name with a world component but is another object', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const e = w.create(Position);
    for (const f of [
      () => w.create(Impostor),
      () => w.add(e, Impostor),
      () => w.has(e, Impostor),
      () => w.remove(e, Impostor),
      () => w.column(Impostor, 'value'),
      () => w.query({ all: [Impostor] }),
      () => w.query({ where: has(Impostor) }),
      () => w.query(not(Impostor)),
    ])
      expect(codeOf(f)).toBe(EngineCode.MissingComponent);
    expect(() => w.add(e, Impostor)).toThrow(/another definition/);
  });

  it('rejects two defs with one name in createWorld', () => {
    expect(codeOf(() => createWorld({ components: [Position, Impostor] }))).toBe(EngineCode.InvalidConfig);
  });

  it('matches a copy of a def in an attached view by name, field kinds and trackChanges, else SchemaMismatch', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const view = attachWorld(w.memory);
    expect(view.component(Impostor).id).toBe(w.component(Position).id);
    const HealthCopy = defineComponent('Health', { hp: 'f32', max: 'u16' }, { trackAdded: true, trackChanges: true });
    expect(view.column(HealthCopy, 'hp')).toBe(view.column(Health, 'hp'));
    const wrongKind = defineComponent('Position', { value: 'quat' });
    const wrongTrack = defineComponent('Health', { hp: 'f32', max: 'u16' });
    const wrongAdded = defineComponent('Health', { hp: 'f32', max: 'u16' }, { trackChanges: true });
    const wrongName = defineComponent('Velocity', { v: 'vec3' });
    expect(codeOf(() => view.component(wrongKind))).toBe(EngineCode.SchemaMismatch);
    expect(codeOf(() => view.component(wrongTrack))).toBe(EngineCode.SchemaMismatch);
    expect(codeOf(() => view.component(wrongAdded))).toBe(EngineCode.SchemaMismatch);
    expect(() => view.queueAdd(0, wrongName)).toThrow(/differs from the world's/);
  });
});

describe('views and growth', () => {
  it('keeps a column view taken at a small capacity valid after the world grows past it', () => {
    const w = createWorld({ components: ALL, capacity: 1024, initialCapacity: 64 });
    const first = w.create(Position);
    const early = w.column(Position, 'value');
    const view = attachWorld(w.memory);
    const viewEarly = view.column(Position, 'value');
    const ids = [first];
    for (let i = 1; i < 100; i++) ids.push(w.create(Position));
    expect(w.viewCapacity).toBeGreaterThanOrEqual(100);
    const id = ids[99] ?? 0;
    const slot = w.indexOf(id);
    expect(slot).toBe(99);
    early[slot * 3 + 1] = 42;
    expect(w.get(id, Position).value).toEqual([0, 42, 0]);
    viewEarly[slot * 3 + 2] = 7;
    expect(w.get(id, Position).value).toEqual([0, 42, 7]);
  });
});

describe('added ticks', () => {
  it('refuses an added filter on a component declared without trackAdded, and keeps no column for it', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    expect(w.component(Position).addedColumn).toBe(-1);
    expect(codeOf(() => w.read({ added: [Position] }, 0))).toBe(EngineCode.InvalidConfig);
    expect(() => w.query({ all: [Health], added: [Velocity] })).toThrow(/trackAdded: true/);
  });

  it('reports entities that gained a trackAdded component after the reader last ran', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const before = w.create(Position, Health);
    const since = w.tick;
    w.advanceTick();
    const after = w.create(Position);
    w.add(after, Health);
    expect(Array.from(w.read({ added: [Health] }, since))).toEqual([w.indexOf(after)]);
    expect(w.isAlive(before)).toBe(true);
  });
});

describe('removal logs', () => {
  it('keeps no removal records for components that do not track removals', () => {
    const w = createWorld({ components: ALL, capacity: 2048 });
    const ids: number[] = [];
    for (let i = 0; i < 1000; i++) ids.push(w.create(Position));
    for (let frame = 0; frame < 200; frame++) {
      for (const id of ids) w.add(id, Velocity);
      for (const id of ids) w.remove(id, Velocity);
    }
    for (const id of ids) w.destroy(id);
    expect(w.removalRecords).toBe(0);
  });

  it('bounds the records of a tracked component when the tick never advances', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const e = w.create(Position);
    for (let k = 0; k < 70_000; k++) {
      w.add(e, Health);
      w.remove(e, Health);
    }
    expect(w.removalRecords).toBeLessThanOrEqual(65_536);
  });

  it('refuses a removed filter on a component that does not track removals', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    expect(codeOf(() => w.read({ all: [Position], removed: [Velocity] }, 0))).toBe(EngineCode.InvalidConfig);
    expect(() => w.query({ removed: [Velocity] })).toThrow(/trackRemovals/);
  });
});

describe('owner-side deferral', () => {
  it('queues any number of owner changes without touching the world until applyCommands, in order', () => {
    const w = createWorld({ components: ALL, capacity: 200_000, commandWords: 64 });
    const ids: number[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(w.create(Position));
    const q = w.query({ all: [Position] });
    for (const slot of q.entities()) w.queueAdd(w.idAt(slot), Tag);
    for (const slot of q.entities()) w.queueDestroy(w.idAt(slot));
    w.queueSpawn(Position, Velocity);
    w.queueDestroy(ids[0] ?? 0);
    expect(w.size).toBe(100_000);
    const r = w.applyCommands();
    expect(r.applied).toBe(200_002);
    expect(r.errors.map((e) => e.numericCode)).toEqual([EngineCode.StaleEntity]);
    expect(w.size).toBe(1);
    expect(w.query({ all: [Position, Velocity] }).count).toBe(1);
    expect(w.applyCommands().applied).toBe(0);
  });

  it('refuses to queue a def that is not the world own', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    const e = w.create(Position);
    expect(codeOf(() => w.queueAdd(e, defineComponent('Tag', {})))).toBe(EngineCode.MissingComponent);
  });
});

describe('structural calls and cached queries', () => {
  it('destroy touches only the queries that mention a component of the entity (or match nothing)', () => {
    const w = createWorld({ components: ALL, capacity: 64, maxCachedQueries: 1000 });
    const unrelated = [w.query({ all: [Velocity] }), w.query({ all: [Velocity, Tag] }), w.query({ any: [Health, Tag] })];
    const related = w.query({ all: [Position] });
    const empty = w.query({ none: [Velocity] });
    const e = w.create(Position);
    const touched = unrelated.flatMap((q) => [vi.spyOn(q, 'insert'), vi.spyOn(q, 'delete')]);
    w.destroy(e);
    for (const spy of touched) expect(spy).not.toHaveBeenCalled();
    expect(related.count).toBe(0);
    expect(empty.count).toBe(0);
  });

  it('moves an entity between queries that require, exclude or test a component when it gains or loses it', () => {
    const w = createWorld({ components: ALL, capacity: 64 });
    const requiring = w.query({ all: [Position, Velocity] });
    const excluding = w.query({ all: [Position], none: [Velocity] });
    const testing = w.query({ any: [Velocity, Tag] });
    const e = w.create(Position);
    const slot = w.indexOf(e);
    const member = () => [requiring.includes(slot), excluding.includes(slot), testing.includes(slot)];
    expect(member()).toEqual([false, true, false]);
    w.add(e, Velocity);
    expect(member()).toEqual([true, false, true]);
    w.add(e, Velocity);
    expect([requiring.count, excluding.count, testing.count]).toEqual([1, 0, 1]);
    w.remove(e, Velocity);
    expect(member()).toEqual([false, true, false]);
    w.remove(e, Position);
    expect(member()).toEqual([false, false, false]);
  });

  it('keeps literal queries exact in a world of more than 32 components (several mask words)', () => {
    const many = Array.from({ length: 40 }, (_, i) => defineComponent(`C${i}`, i % 3 ? {} : { v: i % 2 ? 'f32' : 'entity' }));
    const w = createWorld({ components: many, capacity: 256 });
    const c = (i: number) => many[i] as (typeof many)[number];
    const specs = [{ all: [c(1), c(33)] }, { all: [c(39)], none: [c(2), c(34)] }, { none: [c(31), c(32)] }, { all: [c(0)] }];
    const queries = specs.map((s) => w.query(s));
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const ids: number[] = [];
    for (let step = 0; step < 2000; step++) {
      const r = rand(10);
      if (r === 0 || ids.length === 0) ids.push(w.create(c(rand(40)), c(rand(40))));
      else if (r === 1) w.destroy(ids.splice(rand(ids.length), 1)[0] as number);
      else if (r < 6) w.add(ids[rand(ids.length)] as number, c(rand(40)));
      else w.remove(ids[rand(ids.length)] as number, c(rand(40)));
    }
    specs.forEach((spec, k) => {
      const want = ids
        .filter((id) => spec.all?.every((d) => w.has(id, d)) !== false && !spec.none?.some((d) => w.has(id, d)))
        .map((id) => w.indexOf(id))
        .sort((a, b) => a - b);
      expect(Array.from((queries[k] as (typeof queries)[number]).entities()).sort((a, b) => a - b)).toEqual(want);
    });
    const target = many.findIndex((d) => 'v' in d.fields && d.fields.v === 'entity');
    const e = w.create(c(target));
    expect(w.get(e, c(target))).toEqual({ v: 0xffffffff });
  });
});
