import { describe, expect, it } from 'vitest';
import { EngineCode, EngineError } from '../../../web/engine/errors';
import { attachWorld, computeLayout } from '../../../web/engine/layout';
import { createWorld, NO_ENTITY } from '../../../web/engine/world';
import { codeOf } from './engine-code';
import { ALL, Blob, Health, Position, Tag, Target, Velocity } from './fixtures';

describe('world entities', () => {
  it('creates entities with zeroed components and packs vec3 lanes in one column', () => {
    const w = createWorld({ components: ALL, capacity: 16 });
    const e = w.create(Position, Velocity);
    expect(w.has(e, Position)).toBe(true);
    expect(w.has(e, Tag)).toBe(false);
    w.set(e, Position, { value: [1, 2, 3] });
    const col = w.column(Position, 'value');
    const i = w.indexOf(e);
    expect(Array.from(col.subarray(i * 3, i * 3 + 3))).toEqual([1, 2, 3]);
    expect(w.get(e, Position).value).toEqual([1, 2, 3]);
  });

  it('sets entity references to NO_ENTITY when added', () => {
    const w = createWorld({ components: ALL, capacity: 16 });
    const e = w.create(Target);
    expect(w.get(e, Target).who).toBe(NO_ENTITY);
  });

  it('rejects a stale id after destroy and after the slot is recycled, with StaleEntity', () => {
    const w = createWorld({ components: ALL, capacity: 1 });
    const a = w.create(Position);
    w.destroy(a);
    expect(codeOf(() => w.get(a, Position))).toBe(EngineCode.StaleEntity);
    const b = w.create(Position);
    expect(b).not.toBe(a);
    expect(w.indexOf(b)).toBe(w.indexOf(b));
    expect(codeOf(() => w.destroy(a))).toBe(EngineCode.StaleEntity);
    expect(() => w.destroy(a)).toThrow(/ecs: entity \d+ .* is stale/);
    expect(w.isAlive(b)).toBe(true);
  });

  it('fails with WorldFull (-3) and a message past capacity, and keeps working after', () => {
    const w = createWorld({ components: ALL, capacity: 3 });
    const ids = [w.create(), w.create(), w.create()];
    let err: unknown;
    try {
      w.create(Position);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).numericCode).toBe(-3);
    expect((err as EngineError).message).toMatch(/world full/);
    w.destroy(ids[0] ?? 0);
    expect(w.isAlive(w.create(Position))).toBe(true);
    expect(w.size).toBe(3);
  });

  it('grows shared buffers past the initial capacity when the runtime supports it', () => {
    const w = createWorld({ components: ALL, capacity: 5000, initialCapacity: 64 });
    const ids: number[] = [];
    for (let i = 0; i < 5000; i++) ids.push(w.create(Position));
    w.set(ids[4999] ?? 0, Position, { value: [7, 8, 9] });
    expect(w.get(ids[4999] ?? 0, Position).value).toEqual([7, 8, 9]);
    expect(w.viewCapacity).toBe(5000);
    expect(codeOf(() => w.create())).toBe(EngineCode.WorldFull);
  });

  it('rejects components the world does not hold with MissingComponent', () => {
    const w = createWorld({ components: [Position], capacity: 4 });
    expect(codeOf(() => w.create(Velocity))).toBe(EngineCode.MissingComponent);
    const e = w.create();
    expect(codeOf(() => w.get(e, Position))).toBe(EngineCode.MissingComponent);
  });

  it('rejects a bad configuration with InvalidConfig', () => {
    expect(codeOf(() => createWorld({ components: ALL, capacity: 0 }))).toBe(EngineCode.InvalidConfig);
    expect(codeOf(() => createWorld({ components: [Position, Position] }))).toBe(EngineCode.InvalidConfig);
  });

  it('round-trips every field kind through set and get', () => {
    const w = createWorld({ components: ALL, capacity: 4 });
    const e = w.create(Blob, Health);
    w.set(e, Blob, {
      data: [1, 2, 3, 4, 255],
      rot: [0, 0, 0, 1],
      big: 1e300,
      small: -5,
      count: 4_000_000_000,
      delta: -300,
      level: 200,
      score: -70000,
    });
    expect(w.get(e, Blob)).toEqual({
      data: [1, 2, 3, 4, 255],
      rot: [0, 0, 0, 1],
      big: 1e300,
      small: -5,
      count: 4_000_000_000,
      delta: -300,
      level: 200,
      score: -70000,
    });
  });

  it('refuses to attach a view whose layout disagrees with the shared memory, with SchemaMismatch', () => {
    const w = createWorld({ components: ALL, capacity: 8 });
    expect(codeOf(() => attachWorld({ ...w.memory, layout: computeLayout([Position], { capacity: 8 }) }))).toBe(
      EngineCode.SchemaMismatch,
    );
    const view = attachWorld(w.memory);
    const e = w.create(Position);
    w.set(e, Position, { value: [4, 5, 6] });
    expect(view.column(Position, 'value')[w.indexOf(e) * 3 + 2]).toBe(6);
  });
});
