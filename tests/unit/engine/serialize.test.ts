import { describe, expect, it } from 'vitest';
import { EngineCode } from '../../../web/engine/errors';
import { type ComponentDef, defineComponent } from '../../../web/engine/schema';
import { deserializeEntity, serializeEntity } from '../../../web/engine/serialize';
import { createWorld } from '../../../web/engine/world';
import { codeOf } from './engine-code';
import { ALL, Blob, Health, Position, Tag } from './fixtures';

function sample() {
  const w = createWorld({ components: ALL, capacity: 8 });
  const e = w.create(Position, Health, Blob, Tag);
  w.set(e, Position, { value: [1.5, -2, 3] });
  w.set(e, Health, { hp: 42.5, max: 100 });
  w.set(e, Blob, {
    data: [9, 8, 7, 6, 5],
    rot: [0, 0.5, 0, 1],
    big: Math.PI,
    small: -1,
    count: 123456,
    delta: -2,
    level: 3,
    score: -4,
  });
  return { w, e, bytes: serializeEntity(w, e) };
}

describe('entity serialization', () => {
  it('round-trips every component of an entity into a new entity', () => {
    const { w, e, bytes } = sample();
    const copy = deserializeEntity(w, bytes);
    for (const c of [Position, Health, Blob] as ComponentDef[]) expect(w.get(copy, c)).toEqual(w.get(e, c));
    expect(w.has(copy, Tag)).toBe(true);
  });

  it('updates an existing entity in place, adding missing components', () => {
    const { w, bytes } = sample();
    const target = w.create(Position);
    deserializeEntity(w, bytes, target);
    expect(w.get(target, Health)).toEqual({ hp: 42.5, max: 100 });
  });

  it('rejects truncated, padded, corrupted and wrong-schema bytes without writing anything', () => {
    const { w, bytes } = sample();
    const before = w.size;
    expect(codeOf(() => deserializeEntity(w, bytes.subarray(0, 5)))).toBe(EngineCode.BadBytes);
    expect(codeOf(() => deserializeEntity(w, bytes.subarray(0, bytes.length - 1)))).toBe(EngineCode.BadBytes);
    const padded = new Uint8Array(bytes.length + 2);
    padded.set(bytes);
    expect(codeOf(() => deserializeEntity(w, padded))).toBe(EngineCode.BadBytes);
    const magic = bytes.slice();
    magic[0] = 0;
    expect(() => deserializeEntity(w, magic)).toThrow(/ecs: entity bytes: wrong magic/);
    const badId = bytes.slice();
    badId[12] = 200;
    expect(codeOf(() => deserializeEntity(w, badId))).toBe(EngineCode.BadBytes);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(20, Number.NaN, true);
    expect(() => deserializeEntity(w, nan)).toThrow(/non-finite/);
    const other = createWorld({ components: [defineComponent('Other', { x: 'f32' })], capacity: 2 });
    expect(codeOf(() => deserializeEntity(other, bytes))).toBe(EngineCode.SchemaMismatch);
    expect(w.size).toBe(before);
  });

  it('rejects a stale id with StaleEntity', () => {
    const { w, e } = sample();
    w.destroy(e);
    expect(codeOf(() => serializeEntity(w, e))).toBe(EngineCode.StaleEntity);
  });
});
